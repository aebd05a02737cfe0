"""Compounds and splits, singular and plural, brand words that boost instead of emptying a query, brand spellings."""

from __future__ import annotations

from datetime import UTC, datetime

from aisle.domain.search.brand_spellings import preference, preferred_spellings
from aisle.domain.search.compounds import compound_forms, number_forms, split_compound, split_model_number
from aisle.domain.search.query import ParsedQuery, QueryParser, brands_as_words
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.vocabulary import Vocabulary

WORDS = Vocabulary.from_texts(
    [
        ("headphone headphones screen protector protectors glass case cases phone samsung incipio", 1.0),
        ("screen protector glass case phone", 1.0),
    ],
    min_count=0,
)


def test_words_written_apart_also_match_the_joined_word():
    assert ("head phone", ("headphone",)) in compound_forms(("head", "phone"), WORDS)


def test_words_written_apart_meet_the_joined_word_in_the_number_the_catalog_writes():
    singular_only = Vocabulary.from_texts([("headphone case", 1.0)], min_count=0)
    assert ("head phones", ("headphone",)) in compound_forms(("head", "phones"), singular_only)
    plural_only = Vocabulary.from_texts([("earbuds case", 1.0)], min_count=0)
    assert ("ear bud", ("earbuds",)) in compound_forms(("ear", "bud"), plural_only)


def test_a_joined_word_the_catalog_writes_apart_is_split():
    assert split_compound("screenprotector", WORDS) == "screen protector"
    assert ("screenprotector", ("screen protector",)) in compound_forms(("screenprotector",), WORDS)


def test_a_catalog_word_is_never_split():
    assert split_compound("headphone", WORDS) is None
    assert compound_forms(("headphone",), WORDS) == ()


def test_numbers_are_never_joined():
    assert compound_forms(("iphone", "7"), Vocabulary.from_texts([("iphone7", 1.0)], min_count=0)) == ()


def test_a_lone_letter_after_a_word_starts_a_model_and_is_no_plural():
    catalog = Vocabulary.from_texts([("samsung galaxy galaxys s7 case", 1.0)], min_count=0)
    forms = compound_forms(("galaxy", "s", "7"), catalog)
    assert ("s 7", ("s7",)) in forms
    assert all(term != "galaxy s" for term, _forms in forms)  # "galaxys" is the plural the catalog holds


def test_plural_and_singular_forms():
    assert "protector" in number_forms("protectors")
    assert "cases" in number_forms("case")
    assert "glass" not in number_forms("glas")  # a plural never ends in "ss": "glas" is a typo of "glass"
    assert "ga" not in number_forms("gas")  # not the plural of a motherboard code's "GA"
    assert "shoe" not in number_forms("shoees")  # "-es" follows only a hiss or an "o": a typo of "shoes"
    assert {"box", "glass", "hero", "watch"} <= {
        *number_forms("boxes"),
        *number_forms("glasses"),
        *number_forms("heroes"),
        *number_forms("watches"),
    }
    assert "bu" not in number_forms("bus")
    assert "tv" in number_forms("tvs") and "cd" in number_forms("cds")
    assert "up" not in number_forms("ups")  # uninterruptible power supplies, not the "up" of "Top-Up"


def test_an_abbreviation_also_matches_its_plural_which_no_stemmer_folds_into_it():
    titles_say_singular = Vocabulary.from_texts([("sata ssd hdd case phone", 1.0)], min_count=0)
    parsed = QueryParser(titles_say_singular, [], SynonymTable()).parse("nvme ssd hdd case")
    assert dict(parsed.synonyms) == {"ssd": ("ssds",), "hdd": ("hdds",)}  # "cases" is the stemmer's to match


def test_glas_is_corrected_to_glass():
    parser = QueryParser(WORDS, ["Samsung"], SynonymTable())
    parsed = parser.parse("glas screen protector")
    assert parsed.keywords[0] == "glass"
    assert ("glas", "glass") in parsed.corrections


def test_a_singular_whose_plural_is_known_is_not_a_typo():
    parser = QueryParser(Vocabulary.from_texts([("protectors", 1.0)], min_count=0), [], SynonymTable())
    assert parser.parse("protector").corrections == ()


def test_a_brand_that_would_empty_the_query_becomes_words():
    parsed = ParsedQuery(raw="samsung incipio", keywords=("incipio",), brands=("Samsung",))
    relaxed = brands_as_words(parsed)
    assert relaxed.brands == ()
    assert relaxed.keywords == ("samsung", "incipio")


def test_several_spellings_of_one_brand_give_one_word():
    parsed = ParsedQuery(raw="otterbox case", keywords=("case",), brands=("OtterBox", "Otterbox"))
    assert brands_as_words(parsed).keywords == ("otterbox", "case")


def test_one_spelling_per_brand_preferring_mixed_case():
    spellings = preferred_spellings(["TRACFONE", "TracFone", "tech21", "Tech21", "SIMPLE Mobile", "Simple Mobile"])
    assert spellings == {"tracfone": "TracFone", "tech21": "Tech21", "simple mobile": "Simple Mobile"}
    assert preferred_spellings(reversed(["TRACFONE", "TracFone", "tech21", "Tech21"])) == {
        "tracfone": "TracFone",
        "tech21": "Tech21",
    }


def test_the_spelling_the_index_holds_stays():
    from aisle.adapters.search.tantivy_engine import TantivyEngine

    engine = TantivyEngine(None, lambda: datetime(2026, 1, 1, tzinfo=UTC))
    assert engine.claim_brand_spellings({"tech21": "tech21"}) == {"tech21": "tech21"}
    assert engine.claim_brand_spellings({"tech21": "Tech21", "zagg": "ZAGG"}) == {"tech21": "tech21", "zagg": "ZAGG"}


def test_the_choice_does_not_depend_on_arrival_order():
    assert min(["Otterbox", "OtterBox"], key=preference) == min(["OtterBox", "Otterbox"], key=preference)


def test_a_synonym_that_is_another_word_of_the_query_is_dropped():
    synonyms = SynonymTable.parse("shell, folio, bumper => case\n")
    parser = QueryParser(Vocabulary.from_texts([("folio case leather", 1.0)], min_count=0), [], synonyms)
    assert dict(parser.parse("folio case").synonyms).get("folio") is None  # else every case is a folio case
    assert dict(parser.parse("leather folio").synonyms)["folio"] == ("case",)


def test_a_joined_form_brings_its_synonyms():
    synonyms = SynonymTable.parse("headphones, headphone => headset\n")
    parser = QueryParser(Vocabulary.from_texts([("headphone head phone", 1.0)], min_count=0), [], synonyms)
    assert ("head phone", ("headphone", "headset")) in parser.parse("head phone").synonyms


def test_a_name_joined_to_its_number_is_split_where_the_catalog_writes_them_apart():
    catalog = Vocabulary.from_texts([("apple iphone 6 iphone 6s galaxy note 5 cases 8 plus s7 edge", 1.0)], min_count=0)
    assert split_model_number("iphone6", catalog) == "iphone 6"
    assert split_model_number("iphone8plus", catalog) == "iphone 8 plus"
    assert split_model_number("s7edge", catalog) == "s7 edge"
    assert split_model_number("galaxys7", catalog) == "galaxy s7"  # "galaxys" is no word, "galaxy s7" are
    assert split_model_number("galaxynote5", catalog) == "galaxy note 5"
    assert split_model_number("galaxyx7", catalog) is None  # "x7" is no catalog word, nor "x" a piece
    assert split_model_number("iphone6s", catalog) == "iphone 6s"
    assert split_model_number("note5", catalog) == "note 5"
    assert split_model_number("iphone7", catalog) is None  # "7" is no catalog word: nothing to find apart
    assert split_model_number("iphone", catalog) is None
    digits = Vocabulary.from_texts([("0 2 5 6 8 65 7 9 20", 1.0)], min_count=0)
    assert split_model_number("0000298", digits) is None  # a SKU's number, not seven digits
    assert split_model_number("2070000002982", digits) is None  # a GTIN
    joined = Vocabulary.from_texts([("note5 note 5 tn2420 tn 2420", 1.0)], min_count=0)
    assert split_model_number("note5", joined) == "note 5"  # written joined in some titles, apart in others
    assert split_model_number("tn2420", joined) is None  # but a code's long number is the code's own
    assert ("iphone6", ("iphone 6",)) in compound_forms(("iphone6",), catalog)


def test_a_word_lists_each_alternative_once_and_never_itself():
    synonyms = SynonymTable.parse("cellphone, cell phone, mobile phone\n")
    parser = QueryParser(Vocabulary.from_texts([("cell phone mobile", 1.0)], min_count=0), [], synonyms)
    read = parser.parse("cellphone").synonyms
    assert [term for term, _found in read] == ["cellphone"]
    assert dict(read)["cellphone"] == ("cell phone", "mobile phone")


def test_a_synonym_that_would_only_match_another_word_of_its_stem_is_let_go_of():
    from aisle.adapters.search.tantivy_schema import stemmed_analyzer

    synonyms = SynonymTable.parse("carpet, rug, area rug\nheadphones => earbuds\n")
    stems = stemmed_analyzer().analyze
    rugged = Vocabulary.from_texts([("rugged armor case headphones", 1.0)], min_count=0)
    parser = QueryParser(rugged, [], synonyms, stems=stems)
    assert dict(parser.parse("carpet").synonyms)["carpet"] == ("area rug",)  # "Rugged" stems to "rug"
    assert dict(parser.parse("headphones").synonyms)["headphones"] == ("earbuds",)  # no title word to mistake
    with_rugs = Vocabulary.from_texts([("rugged armor case wool rugs", 1.0)], min_count=0)
    held = QueryParser(with_rugs, [], synonyms, stems=stems)
    assert dict(held.parse("carpet").synonyms)["carpet"] == ("rug", "area rug")  # titles hold rugs


def test_what_comes_after_with_is_what_the_product_has_not_what_it_is():
    words = Vocabulary.from_texts(
        [("headset microphone laptop ram ssd computer headphones mic case", 1.0)], min_count=0
    )
    parser = QueryParser(words, [], SynonymTable())
    assert parser.parse("headset with microphone").named == ("headset",)
    laptop = parser.parse("laptop with 16gb ram and ssd")
    assert (laptop.named, laptop.featuring) == (("laptop",), ("16gb", "ram", "ssd"))
    headphones = parser.parse("headphones with mic for computer")
    assert (headphones.named, headphones.featuring, headphones.fitting) == (("headphones",), ("mic",), ("computer",))
    assert parser.parse("case compatible with iphone").fitting == ("iphone",)  # "compatible with" is "for"


def test_an_article_after_for_or_with_leaves_the_next_word_what_is_fitted_or_featured():
    words = Vocabulary.from_texts([("wireless mouse laptop headset microphone case iphone", 1.0)], min_count=0)
    parser = QueryParser(words, [], SynonymTable())
    mouse = parser.parse("wireless mouse for a laptop")
    assert (mouse.named, mouse.fitting) == (("wireless", "mouse"), ("laptop",))
    assert parser.parse("case for my iphone").fitting == ("iphone",)
    assert parser.parse("headset with a microphone").featuring == ("microphone",)

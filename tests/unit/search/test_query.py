"""Brands, spelling, stop words, synonyms and hostile input: what a query's words become."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisle.domain.search.query import MAX_KEYWORDS, SORTS, ParsedQuery, QueryParser
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.vocabulary import Vocabulary
from aisle.entrypoints.api.shapes.search import understood
from tests.unit.search.conftest import BRANDS, small_vocabulary

ENGINE_SYNTAX = set("+-&|!(){}[]^\"~*?:\\/<>='`$%@#;,.")


def test_the_seed_example(parser: QueryParser) -> None:
    parsed = parser.parse("sony headphones under $200 with 4+ stars")
    assert parsed.keywords == ("headphones",)
    assert parsed.brands == ("Sony",)
    assert parsed.price_max == Decimal("200")
    assert parsed.price_min is None
    assert parsed.rating_min == 4.0
    assert parsed.raw == "sony headphones under $200 with 4+ stars"


@pytest.mark.parametrize(
    ("q", "brands", "keywords"),
    [
        ("sony headphones", ("Sony",), ("headphones",)),
        ("SONY Headphones", ("Sony",), ("headphones",)),
        ("headphones by sony", (), ("headphones", "sony")),  # only a leading brand filters
        ("samsung", ("Samsung",), ()),  # the whole query: browse the brand
        ("apple", ("Apple",), ()),
        ("otterbox defender", ("OtterBox", "Otterbox"), ("defender",)),  # every catalog spelling
        ("otter box defender", ("OtterBox", "Otterbox"), ("defender",)),
        ("OTTERBOX defender", ("OtterBox", "Otterbox"), ("defender",)),
        ("bang & olufsen headphones", ("Bang & Olufsen",), ("headphones",)),
        ("bang and olufsen headphones", ("Bang & Olufsen",), ("headphones",)),
        ("bang olufsen headphones", ("Bang & Olufsen",), ("headphones",)),
        ("bangolufsen headphones", ("Bang & Olufsen",), ("headphones",)),
        ("western digital 4tb", ("Western Digital",), ("4tb",)),
        ("westerndigital 4tb", ("Western Digital",), ("4tb",)),
        ("under armour shoes", ("Under Armour",), ("shoes",)),
        ("under armour shoes under 30", ("Under Armour",), ("shoes",)),
        ("case-mate iphone 6", ("Case-Mate",), ("iphone", "6")),
        ("casemate iphone 6", ("Case-Mate",), ("iphone", "6")),
        ("kate spade new york case", ("kate spade new york",), ("case",)),
        ("at&t gophone", ("AT&T GoPhone",), ()),  # the longer brand wins
        ("at&t phone", ("AT&T",), ("phone",)),
        ("att phone", ("AT&T",), ("phone",)),
        ("insignia charging cable", ("Insignia™",), ("charging", "cable")),
        ("sony or samsung headphones", ("Sony", "Samsung"), ("headphones",)),
        ("sony headphones sony", ("Sony",), ("headphones", "sony")),
        ("incase sleeve", ("Incase",), ("sleeve",)),
        ("iphone in case", (), ("iphone", "case")),  # words are joined into a brand only without stop words
    ],
)
def test_brands(parser: QueryParser, q: str, brands: tuple[str, ...], keywords: tuple[str, ...]) -> None:
    parsed = parser.parse(q)
    assert parsed.brands == brands
    assert parsed.keywords == keywords


@pytest.mark.parametrize(
    ("q", "keywords"),
    [
        ("case for samsung galaxy s7", ("case", "samsung", "galaxy", "s7")),
        ("charger fits samsung", ("charger", "samsung")),
        ("case compatible with apple iphone", ("case", "compatible", "apple", "iphone")),
    ],
)
def test_a_brand_the_product_fits_is_no_brand_filter(parser: QueryParser, q: str, keywords: tuple[str, ...]) -> None:
    parsed = parser.parse(q)
    assert parsed.brands == ()
    assert parsed.keywords == keywords


@pytest.mark.parametrize(
    ("q", "brands", "keywords", "corrections"),
    [
        ("samsng galaxy", ("Samsung",), ("galaxy",), (("samsng", "samsung"),)),
        ("smasung galaxy", ("Samsung",), ("galaxy",), (("smasung", "samsung"),)),
        ("otterbox defnder", ("OtterBox", "Otterbox"), ("defender",), (("defnder", "defender"),)),
        ("otterbx defender", ("OtterBox", "Otterbox"), ("defender",), (("otterbx", "otterbox"),)),
        ("sony hedphones", ("Sony",), ("headphones",), (("hedphones", "headphones"),)),
        ("wirless headphnes", (), ("wireless", "headphones"), (("wirless", "wireless"), ("headphnes", "headphones"))),
        ("galxy s7 cse", (), ("galaxy", "s7", "cse"), (("galxy", "galaxy"),)),  # 3 letters: too short to fix
        ("bang and olufsn", ("Bang & Olufsen",), (), (("olufsn", "olufsen"),)),
    ],
)
def test_spelling(
    parser: QueryParser,
    q: str,
    brands: tuple[str, ...],
    keywords: tuple[str, ...],
    corrections: tuple[tuple[str, str], ...],
) -> None:
    parsed = parser.parse(q)
    assert parsed.brands == brands
    assert parsed.keywords == keywords
    assert parsed.corrections == corrections


@pytest.mark.parametrize(
    "q",
    [
        "galaxy s8",  # a model code is never corrected
        "iphone 16",
        "headphones",  # known
        "tvs",  # the plural of a known word
        "chargers",
        "television",  # a synonym term, not a typo
        "xyzzy",  # nothing close: kept, so the engine may still find it elsewhere
    ],
)
def test_what_is_not_corrected(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    assert parsed.corrections == ()
    assert understood(parsed)["corrected"] is None


def test_common_words_of_the_language_are_no_typos(synonyms: SynonymTable) -> None:
    vocabulary = Vocabulary({"commuter": 5, "bag": 5})
    assert QueryParser(vocabulary, [], synonyms).parse("computer bag").corrections == (("computer", "commuter"),)
    english = QueryParser(vocabulary, [], synonyms, common_words=frozenset({"computer", "bag"}))
    assert english.parse("computer bag").keywords == ("computer", "bag")
    assert english.parse("computer bag").corrections == ()


def test_a_word_the_catalog_holds_too_seldom_is_taken_for_the_common_word_one_typo_away(
    synonyms: SynonymTable,
) -> None:
    # the catalog's own typo, seen once, beside the word seen 63 times
    vocabulary = Vocabulary({"bluetoth": 1, "bluetooth": 63, "speaker": 20, "lab": 1, "top": 20, "laptop": 114})
    parser = QueryParser(vocabulary, [], synonyms, common_words=frozenset({"lab", "top"}))
    assert parser.parse("bluetoth speaker").keywords == ("bluetooth", "speaker")
    assert parser.parse("labtop").keywords == ("laptop",)  # not "lab" (seen once) and "top"
    # a word seen often enough, or of the language, stays as typed, however common its neighbour
    sure = QueryParser(Vocabulary({"bluetoth": 3, "bluetooth": 900}), [], synonyms)
    assert sure.parse("bluetoth").keywords == ("bluetoth",)
    english = QueryParser(Vocabulary({"cable": 1, "table": 500}), [], synonyms, common_words=frozenset({"cable"}))
    assert english.parse("cable").keywords == ("cable",)
    # nor is a rare word taken for one only a few times as common
    few = QueryParser(Vocabulary({"bluetoth": 1, "bluetooth": 5}), [], synonyms)
    assert few.parse("bluetoth").keywords == ("bluetoth",)


def test_a_longer_word_is_no_typo_of_a_brand(synonyms: SynonymTable) -> None:
    parser = QueryParser(small_vocabulary(), [*BRANDS, "Secur"], synonyms)
    assert parser.parse("secure case").brands == ()
    assert parser.parse("secr case").brands == ()  # four letters: too short to guess a brand


def test_a_word_that_is_the_likelier_slip_wins_over_a_brand_as_close(synonyms: SynonymTable) -> None:
    parser = QueryParser(Vocabulary({"monitor": 5, "stand": 5, "cable": 5}), ["Monster"], synonyms)
    # one edit from both: a vowel for a vowel is how "monitor" is misspelt; "s" is nowhere near "i"
    assert parser.parse("moniter stand").keywords == ("monitor", "stand")
    assert parser.parse("moniter stand").brands == ()
    # a brand still wins a typo that is as likely: a letter missed
    assert parser.parse("monstr cable").brands == ("Monster",)
    # two edits from both, as likely: the one keeping more of the typed beginning ("monit...") is meant
    assert parser.parse("moniteur").keywords == ("monitor",) and parser.parse("moniteur").brands == ()
    assert parser.parse("monstar cable").brands == ("Monster",)


def test_a_brand_that_starts_a_code_written_apart_is_the_code(synonyms: SynonymTable) -> None:
    parser = QueryParser(Vocabulary({"cat6": 40, "cat": 3, "cable": 90, "phone": 50}), ["CAT"], synonyms)
    assert parser.parse("cat 6 cable").brands == ()  # Cat6 cables, not the phones of the brand CAT
    assert parser.parse("cat 6 cable").keywords == ("cat", "6", "cable")
    assert parser.parse("cat 7 cable").brands == ("CAT",)  # no "cat7" in the catalog: the brand it is
    assert parser.parse("cat phone").brands == ("CAT",)


def test_a_brand_typo_needs_five_letters_and_a_close_match(parser: QueryParser) -> None:
    assert parser.parse("sonu headphones").brands == ()  # too short to guess
    assert parser.parse("sonu headphones").keywords == ("sonu", "headphones")
    assert parser.parse("gaming headphones").brands == ()  # two away from nothing that matters


def test_words_one_typo_from_a_brand_are_respelled_as_the_brand_for_a_second_try(synonyms: SynonymTable) -> None:
    words = {"cannon": 3, "canon": 400, "printer": 90, "sony": 300, "sonny": 2, "dell": 200, "tripp": 150}
    words |= {"lite": 150, "mini": 900, "minix": 40, "trip": 5, "ups": 60}
    brands = ["Canon", "Sony", "Dell", "Tripp Lite", "MINIX"]
    parser = QueryParser(Vocabulary(words), brands, synonyms)
    assert parser.brand_respelled("Cannon printer") == ("canon printer", (("cannon", "canon"),))
    assert parser.brand_respelled("sonny headphones") == ("sony headphones", (("sonny", "sony"),))
    assert parser.brand_respelled("del monitor") == ("dell monitor", (("del", "dell"),))
    assert parser.brand_respelled("trip lite ups") == ("tripp lite ups", (("trip", "tripp"),))
    assert parser.brand_respelled("canon printer") is None  # a brand already
    assert parser.brand_respelled("cannon printer -hp under $50")[0] == "canon printer -hp under $50"
    assert parser.brand_respelled("mini fridge") is None  # the catalog says "mini" more often than "Minix"
    assert parser.brand_respelled("gaming mouse") is None  # nothing one typo away
    assert parser.brand_respelled("xanon printer") is None  # a typo keeps the first letter


def test_stop_words_leave_but_product_phrases_stay(parser: QueryParser) -> None:
    keywords = parser.parse("the best case for the iphone 6 with a stand").keywords
    assert keywords == ("case", "iphone", "6", "stand")  # "best" is praise, not a word of the product's name
    assert parser.parse("2 in 1 laptop").keywords == ("2", "in", "1", "laptop")
    assert parser.parse("all in one printer").keywords == ("all", "in", "one", "printer")
    assert parser.parse("the").keywords == ("the",)  # nothing else was asked: the stop word is the query


def test_third_party_says_who_did_not_make_it_not_what_it_is(parser: QueryParser) -> None:
    assert parser.parse("smartwatch bands third party").keywords == ("smartwatch", "bands")
    assert parser.parse("3rd party charger").keywords == ("charger",)
    assert parser.parse("party speaker").keywords == ("party", "speaker")
    assert parser.parse("third party").keywords == ("third", "party")  # nothing else was asked


def test_what_a_product_will_be_used_for_is_no_word_of_its_name(parser: QueryParser) -> None:
    assert parser.parse("printer for home").keywords == ("printer",)  # not the printer stands of a "home office"
    assert parser.parse("best laptop for college").keywords == ("laptop",)
    assert parser.parse("printer for the home office").keywords == ("printer",)
    assert parser.parse("home theater system").keywords == ("home", "theater", "system")  # a kind, not a use
    assert parser.parse("office chair").keywords == ("office", "chair")


def test_possessives_and_repeats(parser: QueryParser) -> None:
    assert parser.parse("men's running shoes").keywords == ("men", "running", "shoes")
    assert parser.parse("case case case").keywords == ("case",)
    assert parser.parse("wall mount tv wall mount stand").keywords == ("wall", "mount", "tv", "stand")


def test_synonyms_are_reported_not_substituted(parser: QueryParser) -> None:
    parsed = parser.parse("wall tv")
    assert parsed.keywords == ("wall", "tv")
    assert parsed.synonyms == (("tv", ("tvs", "television", "televisions")),)
    # the longest term (and the plural the catalog writes, as for any word)
    assert parser.parse("tv wall mount").synonyms == (("tv wall mount", ("tv mount",)), ("tv", ("tvs",)))
    assert "mobile phone" in dict(parser.parse("cell phone case").synonyms)["cell phone"]
    assert parser.parse("headphones").synonyms == (("headphones", ("headset", "earbuds", "earphones")),)
    assert parser.parse("headset").synonyms == ()  # one-way: a VR headset is no headphone

    # a charger named by its shape ("Charging Stand for Apple Watch") is still one; a "psu" a power supply
    assert "charging stand" in dict(parser.parse("watch charger").synonyms)["charger"]
    assert dict(parser.parse("650w psu").synonyms)["psu"] == ("power supply",)
    assert "charging" not in dict(parser.parse("charger").synonyms)["charger"]  # not every fast-charging phone
    assert "label printer" in dict(parser.parse("dymo label maker").synonyms)["label maker"]
    assert "ups" in dict(parser.parse("battery backup").synonyms)["battery backup"]


@pytest.mark.parametrize(
    "q",
    [
        'title:foo^10 AND "bar" OR (baz*) NOT \\qux',
        "field:value",
        "a* OR b?",
        "+sony -samsung",
        "{[()]}",
        "headphones && speakers || earbuds",
        "'; DROP TABLE products; --",
        "<script>alert(1)</script>",
    ],
)
def test_query_syntax_is_plain_text(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    for keyword in parsed.keywords:
        assert re.fullmatch(r"[^\W_]+", keyword), keyword
    assert not {"and", "or", "not"} & set(parsed.keywords)


@pytest.mark.parametrize(
    ("q", "keywords", "excluded"),
    [
        ("case -otterbox", ("case",), ("otterbox",)),
        ("iphone case NOT OtterBox", ("iphone", "case"), ("otterbox",)),
        ("laptop without windows", ("laptop",), ("windows",)),
        ("phone but not samsung except apple", ("phone",), ("samsung", "apple")),
        ("-refurbished", (), ("refurbished",)),
        ("usb-c cable -3m", ("usb", "c", "cable", "3m"), ()),  # a hyphen inside a word, a number: no exclusion
        ("galaxy s7-edge", ("galaxy", "s7", "edge"), ()),
        ("case -case-mate", ("case",), ("case-mate",)),  # a hyphenated word is ruled out whole
        ("phone not t-mobile", ("phone",), ("t-mobile",)),
        ("toner except for hp", ("toner",), ("hp",)),
        ("case --otterbox", ("case",), ("otterbox",)),
        ("case without", ("case",), ()),  # nothing after it: no word to rule out, nor a keyword
        ("case without kate spade", ("case",), ("kate-spade",)),  # a brand's first words: ruled out together
        ("case without kate spade for iphone 7", ("case", "iphone", "7"), ("kate-spade",)),  # words after it too
        ("drive not western digital", ("drive",), ("western-digital",)),  # a brand of two words, whole
        ("case no otterbox", ("case",), ("otterbox",)),  # after "no", a brand is ruled out
        ("phone no contract", ("phone", "no", "contract"), ()),  # ... and other words stay words
    ],
)
def test_a_word_ruled_out_is_excluded_not_matched(
    parser: QueryParser, q: str, keywords: tuple[str, ...], excluded: tuple[str, ...]
) -> None:
    parsed = parser.parse(q)
    assert (parsed.keywords, parsed.excluded) == (keywords, excluded)
    assert parsed.asks_anything
    assert understood(parsed)["filters"]["excluded"] == list(excluded)


@pytest.mark.parametrize(
    ("q", "keywords", "not_made_by"),
    [
        ("apple watch bands third party", ("apple", "watch", "bands"), ("Apple",)),
        ("samsung 3rd party chargers", ("samsung", "chargers"), ("Samsung",)),
        ("third-party cases for apple or samsung", ("cases", "apple", "samsung"), ("Apple", "Samsung")),
        ("third party chargers", ("chargers",), ()),  # no brand named: no maker to rule out
        ("apple party speaker", ("party", "speaker"), ()),  # no "third party": Apple is the maker
    ],
)
def test_third_party_of_a_brand_rules_out_its_maker_and_keeps_its_name_as_what_fits(
    parser: QueryParser, q: str, keywords: tuple[str, ...], not_made_by: tuple[str, ...]
) -> None:
    parsed = parser.parse(q)
    assert (parsed.keywords, parsed.not_made_by) == (keywords, not_made_by)
    if not_made_by:
        assert parsed.brands == () and {"apple", "samsung"} & set(parsed.fitting)
    assert understood(parsed)["filters"]["not_made_by"] == list(not_made_by)


def test_a_decimal_is_one_keyword_not_two_numbers(parser: QueryParser) -> None:
    assert parser.parse("usb 3.0 flash drive").keywords == ("usb", "3.0", "flash", "drive")
    assert parser.parse("headphones under 3.5").keywords == ("headphones",)  # a price is still a price
    assert parser.parse("1,000 lumens").keywords == ("1", "000", "lumens")


def test_the_wording_of_a_question_is_no_keyword(parser: QueryParser) -> None:
    assert parser.parse("what case fits the galaxy s7?").keywords == ("case", "galaxy", "s7")
    assert parser.parse("do you have iphone 7 plus cases").keywords == ("iphone", "7", "plus", "cases")
    assert parser.parse("which headphones would you recommend").keywords == ("headphones",)


def test_operators_are_words(parser: QueryParser) -> None:
    assert parser.parse('title:foo^10 AND "bar"').keywords == ("title", "foo", "10", "bar")


@pytest.mark.parametrize("q", ["", "   ", "\n\t", "!!!", "🙂🙂🙂", "$", "+++", "under", "$ under 4 stars"])
def test_empty_queries(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    assert isinstance(parsed, ParsedQuery)
    assert parsed.brands == ()
    assert parsed.raw == q


def test_a_huge_query_is_cut(parser: QueryParser) -> None:
    parsed = parser.parse("headphones " * 1_000 + " ".join(f"word{i}" for i in range(2_000)))
    assert len(parsed.keywords) <= MAX_KEYWORDS
    assert parsed.keywords[0] == "headphones"
    # one 10 KB word: searched as its start (the engine drops longer words), which matches nothing, not everything
    assert parser.parse("x" * 10_240).keywords == ("x" * 39,)


@pytest.mark.parametrize("q", ["!!!", "🙂🙂🙂", "$", "+++", "-", "()"])
def test_text_with_nothing_to_read_is_unreadable_not_a_browse(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    assert parsed.unreadable
    assert not parsed.asks_anything


@pytest.mark.parametrize("q", ["", "   ", "\n\t"])
def test_blank_text_browses(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    assert not parsed.unreadable
    assert not parsed.asks_anything


@pytest.mark.parametrize(
    ("q", "keywords"), [("the", ("the",)), ("for you", ("for", "you")), ("and or not", ("and", "or", "not"))]
)
def test_a_query_of_only_stop_words_searches_them(parser: QueryParser, q: str, keywords: tuple[str, ...]) -> None:
    parsed = parser.parse(q)
    assert parsed.keywords == keywords
    assert not parsed.unreadable


def test_stop_words_still_go_when_something_else_was_asked(parser: QueryParser) -> None:
    assert parser.parse("the cheapest").keywords == ()  # the whole catalog, cheapest first
    assert parser.parse("the cheapest").sort == "price_asc"
    assert parser.parse("for under $20").keywords == ()


def test_unicode(parser: QueryParser) -> None:
    assert parser.parse("Ｓｏｎｙ ＨＥＡＤＰＨＯＮＥＳ").brands == ("Sony",)  # noqa: RUF001 - look-alike characters are the point
    assert parser.parse("sony héadphônes").keywords == ("headphones",)
    assert parser.parse("téléviseur 東京 🙂").keywords == ("televiseur", "東京")


def test_the_query_block_explains_the_query(parser: QueryParser) -> None:
    block = understood(parser.parse("samsng galaxy under $300 4+ stars in stock cheapest"))
    assert block == {
        "keywords": ["galaxy"],
        "filters": {
            "brand": ["Samsung"],
            "price_min": None,
            "price_max": 300.0,
            "rating_min": 4.0,
            "in_stock": True,
            "attributes": [],
            "excluded": [],
            "not_made_by": [],
        },
        "sort": "price_asc",
        "corrected": "samsung galaxy under $300 4+ stars in stock cheapest",
        "corrections": [{"from": "samsng", "to": "samsung"}],
        "synonyms": [],
    }
    json.dumps(block)


def test_the_query_block_without_anything_to_say(parser: QueryParser) -> None:
    block = understood(parser.parse("headphones"))
    assert block["corrected"] is None
    assert block["corrections"] == []
    assert block["filters"]["brand"] == []


def test_the_corrected_query_keeps_what_was_typed_around_the_fixes(parser: QueryParser) -> None:
    assert understood(parser.parse("OtterBox Defnder, under $50!"))["corrected"] == "otterbox defender, under $50!"


QUERY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "sony",
                "samsng",
                "under",
                "$",
                "200",
                "4",
                "+",
                "stars",
                "and",
                "or",
                "not",
                "-",
                "between",
                "to",
                "cheapest",
                "in",
                "stock",
                "bang",
                "&",
                "olufsen",
                ":",
                "^",
                '"',
                "(",
                ")",
                "*",
                "\\",
                "1,000",
                "4.5",
                "k",
                "🙂",
                "é",
                "for",
                "rated",
                "five",
                "star",
                "~",
                "<",
                ">",
                "=",
                "dollars",
                "new",
                "arrivals",
            ]
        ),
        max_size=40,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(QUERY_TEXT)
def test_parse_never_raises_and_keeps_its_promises(parser: QueryParser, q: str) -> None:
    parsed = parser.parse(q)
    assert len(parsed.keywords) <= MAX_KEYWORDS
    assert len(set(parsed.keywords)) == len(parsed.keywords)
    for keyword in parsed.keywords:
        if re.fullmatch(r"\d+\.\d+", keyword):  # a decimal ("3.0") is one word, matched as its digits' phrase
            continue
        assert keyword and not set(keyword) & ENGINE_SYNTAX and not keyword.isspace()
        assert re.fullmatch(r"[^\W_]+", keyword)
    for word in parsed.excluded:
        assert re.fullmatch(r"[^\W_]+(-[^\W_]+)*", word)
    assert set(parsed.brands) <= set(BRANDS)
    assert parsed.sort is None or parsed.sort in SORTS
    assert parsed.rating_min is None or 0 < parsed.rating_min <= 5
    if parsed.price_min is not None and parsed.price_max is not None:
        assert parsed.price_min <= parsed.price_max
    json.dumps(understood(parsed))


def test_a_long_query_is_cut_between_words_not_inside_one():
    from aisle.domain.search.query import MAX_QUERY_CHARS, clipped

    repeated = " ".join(["headphnes"] * 256)
    cut = clipped(repeated)
    assert len(cut) <= MAX_QUERY_CHARS
    assert set(cut.split()) == {"headphnes"}
    assert clipped("x" * 600) == "x" * MAX_QUERY_CHARS  # one giant word keeps its start
    assert clipped("short query") == "short query"


def test_a_plural_typed_with_an_extra_e_is_corrected(synonyms: SynonymTable) -> None:
    parser = QueryParser(Vocabulary({"shoe": 50, "shoes": 80, "running": 40}), [], synonyms)
    assert parser.parse("running shoees").corrections == (("shoees", "shoes"),)


@pytest.mark.parametrize(
    ("q", "keywords", "joined"),
    [
        ("i-phone case", ("iphone", "case"), None),  # not "phone", once the stop word "i" is dropped
        ("elp-lp54 lamp", ("elp", "lp54", "lamp"), ("elp lp54", ("elplp54",))),  # also as the catalog writes it
        ("dvd-r discs", ("dvd", "r", "discs"), None),  # the catalog's "DVDR" is rarer than its "DVD-R": as typed
        ("tn-670", ("tn", "670"), ("tn 670", ("tn670",))),  # a code's letters and number, as before
        ("case-mate case", ("case",), None),  # a brand's own hyphen stays: the brand Case-Mate
    ],
)
def test_a_hyphenated_word_is_also_read_as_the_catalog_writes_it(synonyms: SynonymTable, q, keywords, joined) -> None:
    titles = ["Apple iPhone 7 Case", "Epson ELPLP54 Lamp", "Verbatim DVD-R 50 Discs", "Sony DVDR", "TN 670"]
    parsed = QueryParser(Vocabulary.from_texts([(t, 1.0) for t in titles]), BRANDS, synonyms).parse(q)
    assert parsed.keywords == keywords
    assert joined is None or joined in parsed.synonyms


@pytest.mark.parametrize(
    ("q", "joined"),
    [
        ("case and charger", ("case", "charger")),
        ("case & charger", ("case", "charger")),
        ("case + charger", ("case", "charger")),
        ("black case and charger", ("case", "charger")),
        ("case charger", ()),  # no "and": the last word names the kind
        ("case and case", ()),
    ],
)
def test_two_words_joined_by_and_are_asked_for_together(parser: QueryParser, q: str, joined: tuple[str, ...]) -> None:
    assert parser.parse(q).joined == joined


@pytest.mark.parametrize(
    ("q", "keywords"),
    [
        ("i pad case", ("ipad", "case")),  # not a mouse pad, once the stop word "i" is dropped
        ("I Phone 7", ("iphone", "7")),
        ("x box one controller", ("xbox", "one", "controller")),
        ("a tv mount", ("tv", "mount")),  # the article: "atv" is another thing
        ("vitamin c serum", ("vitamin", "c", "serum")),  # the catalog writes no "cserum"
    ],
)
def test_a_letter_typed_apart_from_the_word_it_begins_is_read_as_the_catalog_writes_it(
    synonyms: SynonymTable, q, keywords
) -> None:
    titles = ["Apple iPad Air Case", "Apple iPhone 7", "Xbox One Wireless Controller", "ATV Tire", "TV Wall Mount"]
    parsed = QueryParser(Vocabulary.from_texts([(t, 1.0) for t in titles]), BRANDS, synonyms).parse(q)
    assert parsed.keywords == keywords


def test_two_words_the_catalog_writes_as_one_name_one_thing(synonyms: SynonymTable) -> None:
    titles = ["Lenovo ThinkPad T14 Notebook", "Lenovo ThinkPad Battery", "Kensington Mouse Pad"]
    parser = QueryParser(Vocabulary.from_texts([(t, 1.0) for t in titles]), BRANDS, synonyms)
    parsed = parser.parse("think pad battery")
    assert parsed.keywords == ("think", "pad", "battery")  # as typed: the engine finds either spelling
    assert parsed.named_as_one == parsed.keywords_as_one == ("thinkpad", "battery")  # a line, not a mouse pad

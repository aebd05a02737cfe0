from __future__ import annotations

from aisle.domain.search.synonyms import DEFAULT_SYNONYMS_PATH, SynonymTable

TABLE = SynonymTable.parse(
    """
    # equivalent terms
    tv, television, televisions
    sofa, couch   # a comment after a rule
    cellphone, cell phone => mobile phone, smartphone
    Wi-Fi, wireless internet
    laptop => notebook
    laptop => notebook computer
    """
)


def test_equivalent_terms_expand_to_all_the_others() -> None:
    assert TABLE.expand(["tv"]) == {"tv": ["television", "televisions"]}
    assert TABLE.expand(["television"]) == {"television": ["tv", "televisions"]}
    assert TABLE.expand(["couch"]) == {"couch": ["sofa"]}


def test_one_way_rules_expand_only_from_the_left() -> None:
    assert TABLE.expand(["cellphone"]) == {"cellphone": ["mobile phone", "smartphone"]}
    assert TABLE.expand(["cell", "phone"]) == {"cell phone": ["mobile phone", "smartphone"]}
    assert TABLE.expand(["mobile", "phone"]) == {}
    assert TABLE.expand(["smartphone"]) == {}


def test_lines_for_the_same_term_merge() -> None:
    assert TABLE.expand(["laptop"]) == {"laptop": ["notebook", "notebook computer"]}


def test_terms_are_compared_in_normal_form() -> None:
    assert TABLE.expand(["wi", "fi"]) == {"wi fi": ["wireless internet"]}


def test_the_longest_term_wins_and_every_term_is_found() -> None:
    table = SynonymTable.parse("phone, handset\ncell phone, mobile phone\ncase, cover")
    assert table.expand(["cell", "phone", "case"]) == {"cell phone": ["mobile phone"], "case": ["cover"]}
    assert table.expand(["phone", "case"]) == {"phone": ["handset"], "case": ["cover"]}


def test_a_plural_finds_its_singular() -> None:
    assert TABLE.expand(["couches"]) == {}  # "couche" is not "couch": only a plain "s" is taken off
    assert TABLE.expand(["laptops"]) == {"laptops": ["notebook", "notebook computer"]}
    assert SynonymTable.parse("sofa, couch").expand(["sofas"]) == {"sofas": ["couch"]}


def test_nothing_to_expand() -> None:
    assert TABLE.expand([]) == {}
    assert TABLE.expand(["headphones"]) == {}
    assert SynonymTable.parse("").expand(["tv"]) == {}
    assert SynonymTable().expand(["tv"]) == {}


def test_malformed_lines_are_ignored() -> None:
    table = SynonymTable.parse("lonely\n=> nothing\nsomething =>\n , ,\n# only a comment")
    assert table.expansions == {}


def test_knows_single_word_terms() -> None:
    assert TABLE.knows("television")
    assert not TABLE.knows("phone")


def test_the_default_file_parses_into_sensible_rules() -> None:
    table = SynonymTable.parse(DEFAULT_SYNONYMS_PATH.read_text(encoding="utf-8"))
    assert len(table.expansions) > 150
    assert "television" in table.expand(["tv"])["tv"]
    assert "refrigerator" in table.expand(["fridge"])["fridge"]
    assert "couch" in table.expand(["sofa"])["sofa"]
    assert "mobile phone" in table.expand(["cell", "phone"])["cell phone"]
    assert "notebook" in table.expand(["laptops"])["laptops"]
    assert table.expand(["notebook"]) == {}  # paper notebooks are not laptops
    assert "jewellery" in table.expand(["jewelry"])["jewelry"]  # two letters apart: the speller leaves it be
    assert "wireless router" in table.expand(["wi", "fi", "router"])["wi fi router"]  # "wi-fi router" as read
    assert "headset in ear" in table.expand(["earbuds"])["earbuds"]  # "Galaxy Buds+ Headset In-ear"
    assert "wireless charging" in table.expand(["charger"])["charger"]  # "Wireless Charging Battery Pack for S7"
    assert "micro sdxc" in table.expand(["microsd", "card"])["microsd card"]  # "V7 32GB Micro SDXC Card"
    # the German, French and Spanish words shoppers type, as the engine reads them (accents gone)
    assert table.expand(["kopfhorer"]) == {"kopfhorer": ["headphones"]}
    assert table.expand(["souris", "sans", "fil"]) == {"souris": ["mouse"], "sans fil": ["wireless"]}
    assert "case" in table.expand(["funda"])["funda"]
    for term, expansions in table.expansions.items():
        assert " ".join(term) not in expansions
        assert len(expansions) == len(set(expansions))

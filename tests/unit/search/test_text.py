from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisle.domain.search.text import has_digit, normalize, tokenize


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Sony HEADPHONES", "sony headphones"),
        ("  many   spaces\there\n", "many spaces here"),
        ("Café Crème", "cafe creme"),
        ("Straße", "strasse"),
        ("Ærø Łódź Øresund", "aero lodz oresund"),
        ("Insignia™", "insignia"),
        ("Insignia\x99", "insignia"),  # a mis-decoded "™" from the catalog feed
        ("“Pro” – ‘Max’", "\"pro\" - 'max'"),  # noqa: RUF001 - look-alike characters are the point
        ("ＴＶ　４Ｋ", "tv 4k"),  # noqa: RUF001 - full-width letters and space are the point
        ("ﬁne", "fine"),
        ("", ""),
    ],
)
def test_normalize(text: str, normal: str) -> None:
    assert normalize(text) == normal


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Samsung Galaxy S7", ["samsung", "galaxy", "s7"]),
        ("USB-C charger 30W", ["usb", "c", "charger", "30w"]),
        ("Wi-Fi 6 router", ["wi", "fi", "6", "router"]),
        ("StarTech.com cable", ["startech", "com", "cable"]),
        ("Bang & Olufsen", ["bang", "olufsen"]),
        ("1,000.50", ["1", "000", "50"]),
        ('title:"foo"^10 (bar*)', ["title", "foo", "10", "bar"]),
        ("東京 ж", ["東京", "ж"]),
        ("🙂 !!! ---", []),
    ],
)
def test_tokenize_splits_where_the_engine_splits(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


LATIN_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F, exclude_characters="ªºµ¼½¾İĿŀŉ\x7f"),
    max_size=30,  # the index also drops tokens of 40 bytes and more
)


# the Greek and Cyrillic alphabets, accented letters among them (not the look-alike symbols NFKC maps: "ϰ")
GREEK_AND_CYRILLIC = [chr(c) for c in [*range(0x386, 0x3CF), *range(0x400, 0x460), 0x20] if chr(c).isprintable()]
GREEK_AND_CYRILLIC_TEXT = st.text(alphabet=st.sampled_from(GREEK_AND_CYRILLIC), max_size=12)


def _index_analyzer():
    tantivy = pytest.importorskip("tantivy")
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


@given(LATIN_TEXT)
def test_tokenize_agrees_with_the_index_analyzer(text: str) -> None:
    assert tokenize(text) == _index_analyzer().analyze(text)


@given(GREEK_AND_CYRILLIC_TEXT)
def test_tokenize_agrees_with_the_index_analyzer_beyond_latin(text: str) -> None:
    assert tokenize(text) == _index_analyzer().analyze(text)


@pytest.mark.parametrize(
    "title",
    [
        "Синий чайник Ёжик",
        "Κόκκινος βραστήρας",
        "غلاية كهربائية",
        "電気ケトル ガラス",
        "Bình đun siêu tốc",
        "Čajník Žlutý",
    ],
)
def test_a_title_in_any_script_tokenizes_as_the_index_does(title: str) -> None:
    """ "й" is no "и" to the index (its ASCII folding only folds Latin letters), so not to the query either."""
    assert tokenize(title) == _index_analyzer().analyze(title)


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_tokens_are_plain(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert all(token and "_" not in token and token.isalnum() for token in tokenize(text))


@given(st.text())
def test_has_digit_is_whether_any_character_is_a_digit(token):
    assert has_digit(token) == any(ch.isdigit() for ch in token)

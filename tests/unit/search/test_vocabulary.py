from __future__ import annotations

import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisle.domain.search.edits import osa_distance, typing_penalty
from aisle.domain.search.vocabulary import Vocabulary, parse_word_counts

WORDS = {
    "samsung": 50,
    "galaxy": 40,
    "defender": 30,
    "defenders": 10,
    "headphones": 30,
    "charger": 25,
    "change": 3,
    "case": 60,
    "cable": 40,
    "table": 2,
    "wireless": 30,
    "watch": 20,
    "match": 2,
    "phone": 45,
    "phones": 20,
    "fast": 10,
    "lone": 1,  # seen once: may be a typo itself, never a correction
    "s7": 10,
    "4k": 10,
}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(WORDS)


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("samsng", "samsung"),  # a missed letter
        ("smasung", "samsung"),  # swapped letters
        ("samsungg", "samsung"),  # a doubled letter
        ("samdung", "samsung"),  # a neighbouring key
        ("defnder", "defender"),
        ("dfender", "defender"),
        ("defnedrs", "defenders"),  # two slips in a long word
        ("defnedr", None),  # but not in a shorter one: "weiman" is no "woman", "kohler" no "koper"
        ("hedphones", "headphones"),
        ("headphnes", "headphones"),
        ("hedphnes", "headphones"),  # two missed letters
        ("wirless", "wireless"),
        ("cahrger", "charger"),
        ("cabel", "cable"),  # a swap beats the more frequent substitution
        ("gaalxy", "galaxy"),
        ("phoen", "phone"),
        ("aglaxy", "galaxy"),  # the first two letters swapped
    ],
)
def test_corrects_typing_mistakes(vocabulary: Vocabulary, typed: str, corrected: str) -> None:
    assert vocabulary.correct(typed) == corrected


@pytest.mark.parametrize(
    "typed",
    [
        "samsung",  # already known
        "case",
        "s8",  # a model code
        "30w",
        "2017",  # a number
        "tv",  # too short to tell
        "ab",
        "",
        "xyzzy",  # nothing close
        "cesa",  # 4 letters tolerate one typo, "case" is two away
        "gxlaay",  # 6 letters tolerate two typos, this has three
        "lane",  # "lone" was seen once
        "nase",  # a different first letter is a different word ("case")
        "faster",  # a word built on "fast", not a typo of it
        "tablet",  # nor is "tablet" one of "table"
        "a" * 100,
    ],
)
def test_leaves_alone_what_is_no_typo_or_too_far(vocabulary: Vocabulary, typed: str) -> None:
    assert vocabulary.correct(typed) is None


def test_a_slip_of_the_fingers_beats_frequency_and_frequency_breaks_ties() -> None:
    assert Vocabulary({"cable": 5, "cabin": 40}).correct("cabie") == "cable"  # "i" is next to "l", not "n"
    assert Vocabulary({"game": 5, "gabe": 40}).correct("gane") == "gabe"  # "n" is next to "m" and "b"
    assert Vocabulary({"game": 50, "gabe": 4}).correct("gane") == "game"


def test_an_f_for_the_ph_it_sounds_like_is_corrected_before_nearer_slips() -> None:
    words = Vocabulary({"phone": 45, "fine": 30, "foot": 20, "photo": 10, "headphones": 30, "graphics": 5})
    assert words.correct("fone") == "phone"  # not the one-slip "fine"
    assert words.correct("foto") == "photo"  # not the swapped "foot"
    assert words.correct("headfones") == "headphones"
    assert words.correct("grafics") == "graphics"
    assert words.correct("fine") is None  # a known word stays


def test_known_and_frequency(vocabulary: Vocabulary) -> None:
    assert vocabulary.known("samsung")
    assert "galaxy" in vocabulary
    assert not vocabulary.known("samsng")
    assert vocabulary.frequency("case") == 60
    assert vocabulary.frequency("nothing") == 0
    assert len(vocabulary) == len(WORDS)


def test_complete_gives_the_most_frequent_words_with_the_prefix(vocabulary: Vocabulary) -> None:
    assert vocabulary.complete("ph", 5) == ["phone", "phones"]
    assert vocabulary.complete("ca", 2) == ["case", "cable"]
    assert vocabulary.complete("Sam", 5) == ["samsung"]
    assert vocabulary.complete("zz", 5) == []
    assert vocabulary.complete("c", 0) == []


@pytest.mark.parametrize(
    ("typed", "start"),
    [
        ("hedph", "headph"),  # a missed letter, before the word is done
        ("smasu", "samsu"),  # swapped letters
        ("wirle", "wirele"),
        ("samsu", None),  # a word begins so: nothing to correct
        ("zzzzq", None),  # nothing near
        ("lonx", None),  # "lone", seen once, may be a typo itself: no correction
        ("s7x", None),  # a code
    ],
)
def test_a_word_begun_with_a_typo_is_corrected_to_the_start_of_the_commonest_word_it_was(
    vocabulary: Vocabulary, typed: str, start: str | None
) -> None:
    corrected = vocabulary.corrected_prefix(typed)
    assert corrected == start
    assert corrected is None or osa_distance(typed, corrected, 1) == 1


def test_complete_on_a_large_vocabulary_uses_frequency_for_short_prefixes() -> None:
    rng = random.Random(7)
    words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(20_000))
    counts = {word: rng.randint(1, 999) for word in words}
    vocabulary = Vocabulary(counts)
    for prefix in ("a", "s", "qu", "abc"):
        expected = sorted((w for w in counts if w.startswith(prefix)), key=lambda w: (-counts[w], w))[:10]
        assert vocabulary.complete(prefix, 10) == expected


def test_from_texts_counts_tokens_with_their_weights() -> None:
    vocabulary = Vocabulary.from_texts([("Samsung Galaxy S7", 1.0), ("Samsung", 5.0), ("OtterBox™ Défender", 2.0)])
    assert vocabulary.frequency("samsung") == 6.0
    assert vocabulary.frequency("s7") == 1.0
    assert vocabulary.known("otterbox") and vocabulary.known("defender")


def test_from_counts_takes_index_terms_and_splits_anything_else() -> None:
    vocabulary = Vocabulary.from_counts([("galaxy", 5), ("USB-C", 3), ("galaxy", 2)])
    assert vocabulary.frequency("galaxy") == 7
    assert vocabulary.known("usb") and vocabulary.known("c")


def test_min_count_decides_which_words_are_corrections() -> None:
    assert Vocabulary({"defender": 1}).correct("defnder") is None
    assert Vocabulary({"defender": 1}, min_count=1).correct("defnder") == "defender"


def test_a_word_of_the_language_seen_once_is_a_correction_where_a_catalog_word_seen_once_is_not() -> None:
    counts = {"speakers": 1, "spaders": 125, "spakrs": 1}
    assert Vocabulary(counts).correct("spakers") == "spaders"  # two edits away, but "speakers" was seen once only
    trusting = Vocabulary(counts, trusted={"speakers", "spaders"})
    assert trusting.correct("spakers") == "speakers"  # one edit: the closer word wins
    assert trusting.correct("spakrss") != "spakrs"  # a catalog word seen once and not in the language: no target


def test_parse_word_counts_reads_frequency_lists() -> None:
    assert parse_word_counts("the 23135851162\nof 13151942776\n\nbroken line\nx y\n") == {
        "the": 23135851162,
        "of": 13151942776,
    }


def test_a_large_vocabulary_builds_and_corrects() -> None:
    """200k distinct words: the build and lookups must stay cheap enough to run at every index refresh."""
    rng = random.Random(11)
    words = {"".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12))) for _ in range(200_000)}
    vocabulary = Vocabulary({word: 2 + i % 50 for i, word in enumerate(sorted(words))})
    word = sorted(words)[1234]
    typo = word[0] + word[2:] if len(word) > 5 else word + "q"
    found = vocabulary.correct(typo)
    assert found is not None and osa_distance(typo, found, 2) <= 2


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("samsung", "samsung", 0),
        ("samsng", "samsung", 1),
        ("smasung", "samsung", 1),
        ("ca", "abc", 3),  # OSA never edits a swapped pair again (true Damerau distance would be 2)
        ("kitten", "sitting", 3),
        ("", "abc", 3),
    ],
)
def test_osa_distance(a: str, b: str, distance: int) -> None:
    assert osa_distance(a, b, 3) == distance
    assert osa_distance(b, a, 3) == distance


@given(st.text(alphabet="abcde", max_size=8), st.text(alphabet="abcde", max_size=8), st.integers(0, 3))
def test_osa_distance_is_capped_and_symmetric(a: str, b: str, limit: int) -> None:
    full = osa_distance(a, b, 20)
    assert osa_distance(a, b, limit) == min(full, limit + 1)
    assert osa_distance(b, a, 20) == full


def test_typing_penalty_prefers_slips_of_the_fingers() -> None:
    assert typing_penalty("cabel", "cable") == 0  # swap
    assert typing_penalty("samsng", "samsung") == 0  # missed
    assert typing_penalty("samdung", "samsung") == 0  # s and d are neighbours
    assert typing_penalty("cable", "table") == 1  # c and t are not
    assert typing_penalty("protecter", "protector") == 0  # one vowel for another: a slip of spelling


def test_a_vowel_misspelt_goes_to_the_commoner_word_not_to_a_neighbouring_key() -> None:
    vocabulary = Vocabulary({"protector": 300, "protected": 5})
    assert vocabulary.correct("protecter") == "protector"  # r and d are neighbours, but protectors are commoner


def test_no_word_is_heard_where_the_vocabulary_has_none() -> None:
    assert Vocabulary({"phone": 3}, min_count=0).correct("facetime") is None

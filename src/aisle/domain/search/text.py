"""Text as the search engine sees it: one normal form for queries, titles, brands and synonyms.

``tokenize`` agrees with the index's analyzer (Tantivy's simple tokenizer, then lowercase and ASCII folding): a
token is a run of letters and digits, and everything else separates tokens. So "USB-C" is ("usb", "c"), "Galaxy
S7" is ("galaxy", "s7"), "30W" is ("30w"), "Wi-Fi" is ("wi", "fi") and "StarTech.com" is ("startech", "com").
Joining "usb-c" into "usbc" would read better but would never match a title the engine split into "usb" and "c".
"""

from __future__ import annotations

import re
import unicodedata

# Separators, as for the engine, and before NFKC, which would otherwise turn "Insignia™" into "insigniatm".
_MARKS = dict.fromkeys(map(ord, "\u2122\u00ae\u00a9\u2120"), " ")  # ™ ® © ℠
# Latin letters that do not decompose into a base letter and an accent, folded as ASCII folding does.
_LATIN = str.maketrans(
    dict(zip("\u00f8\u0142\u0111\u00f0\u0131\u0127\u0167\u014b\u0138\u0192", "olddihtnqf", strict=True))
    | {"\u00e6": "ae", "\u0153": "oe", "\u00fe": "th", "\u00df": "ss"}
)  # o and l with a stroke, d with a stroke, eth, dotless i, h and t with a bar, eng, kra, f with a hook; ae, oe, thorn,
# sharp s
_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`\u00b4", "'"),  # curly single quotes, prime, accents
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),  # curly double quotes, guillemets
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),  # dashes, minus
        "\u2044": "/",  # fraction slash, as in NFKC's "1/2"
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # separate words: tabs, or the "\x99" of a mis-decoded "™"
_TOKEN = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lowercased, accent-free, with one kind of quote and of dash, and single spaces: "Café Pro" → "cafe pro"."""
    if text.isascii():  # the common case, and ten times faster: nothing to compose, fold or strip
        text = text.lower().replace("`", "'")
    else:
        # lower(), not casefold(): the index lowercases, and keeps the Greek final sigma that casefold() makes a plain
        # sigma; but letter by letter, so a capital sigma is a plain one even where lower() would write it final
        text = unicodedata.normalize("NFKC", text.translate(_MARKS)).replace("\u03a3", "\u03c3").lower()
        text = strip_accents(text).translate(_LATIN).translate(_PUNCTUATION)
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def strip_accents(text: str) -> str:
    """ "é" → "e", as the index's ASCII folding does for Latin letters; other scripts keep their marks, as the index
    does: "й" is not "и", "ή" not "η", "ガ" not "カ"."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    base = ""
    for ch in decomposed:
        if not unicodedata.combining(ch):
            base = ch
        elif _is_latin(base):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _is_latin(ch: str) -> bool:
    """Basic Latin to IPA Extensions, and Latin Extended Additional ("ế", "ỳ")."""
    return ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"


def tokenize(text: str) -> list[str]:
    """The words and numbers of ``text`` in normal form, split where the engine splits them."""
    return _TOKEN.findall(normalize(text))


def has_digit(token: str) -> bool:
    # Read for every word of ~200 titles a search: an all-letters word (most of them) is answered by one C call
    # (no character is both a letter and a digit), ~4x faster than looking at each character.
    return not token.isalpha() and any(map(str.isdigit, token))

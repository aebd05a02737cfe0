"""A number with its unit as one word, however it is written: "55 in", "55-inch", '55"' and "55 inches" are all
"55inch"; "5.5 inch" is "5p5inch" (the engine would cut "5.5" in two); "32 GB" is "32gb", as "32GB" already is;
"10,000 mAh" is "10000mah"; "5.0 m", "5 meters" and "5m" are "5m".

Titles write sizes every way ("TV, 55 in", 'Phone 5.5"', "5.5-inch display") and so do shoppers, so the same one
word is indexed with each product (``unit_codes``) and read in each query (``with_unit_codes``). The word "in" is a
unit only right after a number, and not in "2 in 1", "50 in stock" or after a price cue ("under 50 in black");
a double quote closing a quotation ('"iphone 7" case') is no inch mark.
"""

from __future__ import annotations

import re

from aisle.domain.search.text import normalize

# Each unit's spellings (after ``text.normalize``: curly quotes and primes are already straight), canonical first.
_SPELLINGS = {
    "inch": ("inches", "inch", "in", '"', "''", "pouces", "pouce", "pulgadas", "pulgada", "zoll"),  # fr, es, de
    "ft": ("feet", "foot", "ft", "'"),
    "gb": ("gigabytes", "gigabyte", "gb"),
    "tb": ("terabytes", "terabyte", "tb"),
    "mb": ("megabytes", "megabyte", "mb"),
    "mah": ("mah",),
    "cm": ("centimeters", "centimetres", "centimeter", "centimetre", "cm"),
    "mm": ("millimeters", "millimetres", "millimeter", "millimetre", "mm"),
    "m": ("meters", "metres", "meter", "metre", "m"),
    "ml": ("milliliters", "millilitres", "milliliter", "millilitre", "ml"),
    "oz": ("ounces", "ounce", "oz"),
    "lb": ("pounds", "pound", "lbs", "lb"),
    "kg": ("kilograms", "kilogram", "kgs", "kg"),
    "qt": ("quarts", "quart", "qt"),
    "w": ("watts", "watt", "w"),
    "hz": ("hz",),
}
_CANONICAL = {spelling: unit for unit, spellings in _SPELLINGS.items() for spelling in spellings}
_WORDS = "|".join(sorted((re.escape(s) for s in _CANONICAL if s[0].isalpha()), key=len, reverse=True))
_MARKS = "|".join(re.escape(s) for s in sorted((s for s in _CANONICAL if not s[0].isalpha()), key=len, reverse=True))
# A number (not part of a code like "s7" or "1.5.2") with its unit: spaced or hyphenated words, or a mark right after.
_MEASURE = re.compile(
    rf"(?<![\w.,])(?P<number>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)(?:(?:\s*-\s*|\s*)(?P<word>{_WORDS})(?![\w])|(?P<mark>{_MARKS}))"
)
_STRONG_PRICE_CUES = r"[$€£]|\b(?:under|below|over|above|than|between|and|to|from|max|up)"
_PRICE_CUE = re.compile(rf"(?:{_STRONG_PRICE_CUES}|\b(?:around|about))\s*$")
# "tv around 55" is a 55-inch set: a screen costs more than its diagonal in dollars, unless the shopper says so
_SCREEN_PRICE_CUE = re.compile(rf"(?:{_STRONG_PRICE_CUES})\s*$")
_NOT_A_UNIT_AFTER_IN = re.compile(r"\s*(?:\d|stock\b)")


def unit_codes(text: str) -> tuple[str, ...]:
    """The number-with-unit words of ``text`` (normal form), each once: "TV, 55 in" → ("55inch",); a capacity
    also in the next unit up or down, as drive makers count (1000 GB is 1 TB): "1000 GB" → ("1000gb", "1tb")."""
    return tuple(dict.fromkeys(form for _match, code in _measures(text) for form in (code, *_same_capacity(code))))


def indexed_unit_codes(text: str) -> tuple[str, ...]:
    """``unit_codes``, and a screen's diagonal with a fraction in the whole inches shoppers name it by: a 13.3"
    laptop is asked for as "13 inch", a 15.6" one as "15" or "16 inch", a 23.8" monitor as "24 inch"."""
    codes = unit_codes(text)
    return tuple(dict.fromkeys((*codes, *(whole for code in codes for whole in _whole_inches(code)))))


_FRACTION_OF_INCHES = re.compile(r"(\d+)p(\d)\d*inch")
MIN_SCREEN_INCHES = 10  # below, a fraction matters: a 2.5" drive is no 3" one, a 5.5" phone no 6" one


def _whole_inches(code: str) -> tuple[str, ...]:
    found = _FRACTION_OF_INCHES.fullmatch(code)
    if found is None or int(found.group(1)) < MIN_SCREEN_INCHES:
        return ()
    whole = int(found.group(1))
    rounded = whole + 1 if int(found.group(2)) >= 5 else whole
    return tuple(dict.fromkeys((f"{whole}inch", f"{rounded}inch")))


_CAPACITY = re.compile(r"(\d+)(gb|tb)")
_NEXT_UNIT = {"gb": "tb", "tb": "pb"}
_UNIT_BELOW = {"tb": "gb"}


def _same_capacity(code: str) -> tuple[str, ...]:
    """The capacity in the unit above, when it is a whole number of them, and in the unit below."""
    found = _CAPACITY.fullmatch(code)
    if found is None:
        return ()
    number, unit = int(found.group(1)), found.group(2)
    above = (f"{number // 1000}{_NEXT_UNIT[unit]}",) if number >= 1000 and number % 1000 == 0 else ()
    below = (f"{number * 1000}{_UNIT_BELOW[unit]}",) if unit in _UNIT_BELOW else ()
    return above + below


def with_unit_codes(text: str) -> str:
    """``text`` (normal form) with each number and its unit written as one word: "55 inch tv" → "55inch tv"."""
    pieces: list[str] = []
    at = 0
    for match, code in _measures(text):
        pieces.extend((text[at : match.start()], code))
        at = match.end()
    return "".join(pieces) + text[at:] if pieces else text


_SCREEN = re.compile(r"\b(?:tvs?|televisions?|monitors?|displays?)\b")
_BARE_SIZE = re.compile(r"(?<![\w.,$€£-])(\d{2,3})(?![\w.,%-])")
SCREEN_INCHES = range(13, 111)  # the diagonals screens are sold in; "tv 4" or "monitor 240" say something else


def with_screen_sizes(text: str) -> str:
    """A bare number beside a word for a screen is its diagonal in inches: "tv 55" and "65 tv" ask for 55- and
    65-inch sets, not for the "55" of a 22-inch set's "55.9 cm". A number a price word leads ("tv under 50") stays
    a number. ``text`` is in normal form, its measures already codes (``with_unit_codes``)."""
    if not _SCREEN.search(text):
        return text

    def sized(match: re.Match[str]) -> str:
        inches = int(match.group(1))
        if inches not in SCREEN_INCHES or _SCREEN_PRICE_CUE.search(text, 0, match.start()):
            return match.group(0)
        return f"{inches}inch"

    return _BARE_SIZE.sub(sized, text)


def is_capacity(word: str) -> bool:
    """Whether ``word`` is a storage capacity as ``with_unit_codes`` writes it ("16gb", "1tb", "1p5tb")."""
    return re.fullmatch(r"\d+(?:p\d+)?(?:gb|tb|mb)", word) is not None


def is_measure(text: str) -> bool:
    """Whether ``text`` is only a number with its unit ("5.5-inch", "32GB")."""
    return _MEASURE.fullmatch(normalize(text)) is not None


def _measures(text: str) -> list[tuple[re.Match[str], str]]:
    found = []
    for match in _MEASURE.finditer(text):
        spelled = match.group("word") or match.group("mark")
        if spelled == '"' and text.count('"', 0, match.start()) % 2:
            continue  # the end of a quotation ('"iphone 7" case'), not inches
        if spelled == "in" and (
            _PRICE_CUE.search(text, 0, match.start()) or _NOT_A_UNIT_AFTER_IN.match(text, match.end())
        ):
            continue
        found.append((match, _number_code(match.group("number")) + _CANONICAL[spelled]))
    return found


def _number_code(number: str) -> str:
    """ "10,000" → "10000", "5.5" → "5p5", and "5.00" or "5.0" → "5": a cable of "5.00 m" is one of "5 m"."""
    number = number.replace(",", "")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.replace(".", "p")

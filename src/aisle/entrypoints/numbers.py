"""Whole numbers typed into URLs and forms. Only ASCII digits count: str.isdigit() also says yes to "³", which
int() refuses (a 500 from a shopper's URL: /search?page=³), and to "٣", which int() reads as 3."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,19}")
_MANY_DIGITS = re.compile(r"0*[1-9][0-9]{19,}")  # past what whole_number reads: a page past any last one


def whole_number(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def page_number(raw: object, last: int) -> int:
    """The page asked for, from 1 to ``last`` (a larger one, however many digits, is the last); anything else is
    the first page."""
    text = str(raw or "").strip()
    if _MANY_DIGITS.fullmatch(text):
        return last
    number = whole_number(text)
    return min(number, last) if number is not None and number >= 1 else 1


_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
_DECIMAL_COMMA = re.compile(r"([0-9]*),([0-9]{1,2})")


def without_thousands(text: str) -> str:
    """An amount typed with thousands commas ("1,250.00"), without them; any other text as it is."""
    return text.replace(",", "") if _THOUSANDS.fullmatch(text) else text


def decimal_comma(text: str) -> str | None:
    """The amount with a dot when it was typed with a decimal comma ("12,50": "12.50"), else None. Read as a
    thousands comma, it would be a hundred times the amount."""
    found = _DECIMAL_COMMA.fullmatch(text)
    return f"{found[1] or '0'}.{found[2]}" if found else None


def ascii_digits_only(raw: object) -> object:
    """For a number parameter, before it is read: Decimal() and float() also read 10 written in Arabic-Indic or
    full-width digits as 10."""
    if isinstance(raw, str) and not raw.isascii():
        raise ValueError("write the number with the digits 0-9, e.g. 25.50")
    return raw

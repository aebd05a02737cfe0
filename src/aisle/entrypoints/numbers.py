"""Whole numbers typed into URLs and forms. Only ASCII digits count: str.isdigit() also says yes to "³", which
int() refuses (a 500 from a shopper's URL: /search?page=³), and to "٣", which int() reads as 3."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def page_number(raw: object, last: int) -> int:
    """The page asked for, from 1 to ``last``; anything else is the first page."""
    number = whole_number(raw)
    return min(number, last) if number is not None and number >= 1 else 1

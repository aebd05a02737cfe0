"""The base of every request body: values a database or a JSON reader cannot keep are refused at the door, with
the field named, instead of failing later (a 500) or being changed silently (NaN stored as null)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from aisle.domain.catalog import GTIN_TEXT
from aisle.domain.ids import ID_PATTERN, ID_RULE, MAX_ID, parse_id_text
from aisle.domain.visible_text import shows_anything

MIN_INT64 = -(1 << 63)
UNSTORABLE = "unstorable"  # the error type of a value no database or JSON reader keeps as given
# Control characters but tab and line breaks: NUL no database keeps; the others show as nothing or a box, and
# escape sequences recolour a terminal reading the logs. And the bidirectional embeddings, overrides and isolates:
# text after one of these is shown reordered, so a title could show "$0.99 discount" while it reads
# "tnuocsid 99.0$" to search and to anyone moderating it. The marks (U+200E, U+200F, U+061C) stay allowed: they
# only nudge neighbouring characters.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROLS}]")
REFUSED_CHARACTERS = re.compile(f"[{_CONTROLS}\u202a-\u202e\u2066-\u2069]")


def visible(value: str) -> str:
    """The text without the spaces around it; refused when nothing is left to see."""
    if not shows_anything(value):
        raise ValueError("must not be blank")
    return value.strip()


VisibleText = AfterValidator(visible)  # Annotated[str, Field(...), VisibleText]


def unstorable_reason(value: Any) -> str | None:
    """Why ``value`` (any JSON value, walked deeply) cannot be stored as given, or None."""
    # An explicit stack and exact type checks: every field of every request body passes here, and a bulk import
    # walks millions of values.
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(item.keys())
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif reason := _scalar_reason(item):
            return reason
    return None


def _scalar_reason(value: Any) -> str | None:
    if isinstance(value, str):
        if (found := REFUSED_CHARACTERS.search(value)) is None:
            return None
        character = found.group()
        if character == "\x00":
            return "must not contain NUL characters"
        if CONTROL_CHARACTERS.fullmatch(character):
            return f"must not contain control characters (U+{ord(character):04X}); tabs and line breaks are allowed"
        return f"must not contain bidirectional override characters (U+{ord(character):04X})"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if MIN_INT64 <= value <= MAX_ID else "integers must fit in 64 bits"
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number (NaN and Infinity are not JSON numbers)"
    if isinstance(value, (dict, list, tuple)):  # subclasses of the containers walked above
        return unstorable_reason(dict(value) if isinstance(value, dict) else list(value))
    return None


def _where_unstorable(value: Any, at: str = "") -> str | None:
    """The path inside ``value`` ("[0].price") to the first value that cannot be stored, walked only once one is
    known to be there (the walk above keeps no paths: it runs on every value of every body)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if _scalar_reason(key):
                return at  # a bad key: the object holding it is the place
            if unstorable_reason(item):
                return _where_unstorable(item, f"{at}.{key}" if at else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if unstorable_reason(item):
                return _where_unstorable(item, f"{at}[{index}]")
    return at


def down_to_value(field: str, error: Mapping[str, Any]) -> str:
    """The field a pydantic error names, down to the value inside it when it says where ("variants" and
    "[0].price": "variants[0].price")."""
    inner = str(error.get("ctx", {}).get("inner", "")) if error["type"] == UNSTORABLE else ""
    if not inner or not field:
        return field or inner
    return field + inner if inner.startswith("[") else f"{field}.{inner}"


class InputModel(BaseModel):
    """Unknown fields are errors; control characters (but tabs and line breaks), bidirectional overrides,
    NaN/Infinity and integers beyond 64 bits are refused anywhere."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if reason := unstorable_reason(value):
            # ``inner``: where inside the field ("[0].price"), so the error names the value itself
            raise PydanticCustomError(UNSTORABLE, reason, {"inner": _where_unstorable(value) or ""})
        return value


def _id_in_range(value: str) -> str:
    if parse_id_text(value) is None:
        raise ValueError(ID_RULE)
    return value


IdText = Annotated[
    str,
    Field(pattern=ID_PATTERN, description="A numeric id as a string of ASCII digits", examples=["1234567890123"]),
    AfterValidator(_id_in_range),
]
IdNumber = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def _utc_in_range(value: datetime) -> datetime:
    """In UTC, as stored. '9999-12-31T23:59:59-14:00' is year 10000 in UTC: PostgreSQL keeps it, but no reader can
    load it back, so every later read of the row would fail."""
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)") from None
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return moment


ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_out(value: object) -> object:
    """As the document declares it: text, not a number pydantic would read as seconds since 1970."""
    if not isinstance(value, datetime) and not (isinstance(value, str) and ISO_DATE_START.match(value)):
        raise ValueError("must be an ISO 8601 date-time with its offset, such as 2026-11-27T00:00:00Z")
    return value


Moment = Annotated[
    AwareDatetime,
    Field(description="An ISO 8601 date-time with its offset, 1970..9999 in UTC", examples=["2026-11-27T00:00:00Z"]),
    BeforeValidator(_written_out),
    AfterValidator(_utc_in_range),
]


# The patterns of input fields, in words a seller acts on (pydantic would print the regular expression)
PATTERNS_SAID = {
    GTIN_TEXT: "must be 8, 12, 13 or 14 digits (a GTIN-8, UPC, EAN or GTIN-14)",
    r"^(https?://|/)\S+$": "must be a web address starting with http:// or https:// (or a path here), no spaces",
    r"^[A-Za-z0-9._-]+$": "may hold only letters, digits, '.', '_' and '-'",
}
TYPES_SAID = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
}


def plain_reason(error: Mapping[str, Any]) -> str:
    """A validation error's reason in words: "must not be empty", not "String should have at least 1 character"."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "json_invalid":  # one line of NDJSON: "at line 1" would point at the wrong line
        return "not valid JSON: " + str(ctx.get("error", "parse error")).replace(" at line 1 column ", " at column ")
    if kind in TYPES_SAID:
        return TYPES_SAID[kind]
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_short":
        return "must have at least one item" if ctx.get("min_length") == 1 else f"needs at least {ctx['min_length']}"
    if kind == "too_long":
        return f"may have at most {ctx['max_length']} items"
    if kind == "string_pattern_mismatch":
        return PATTERNS_SAID.get(str(ctx.get("pattern")), "is not in the expected form")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()))
        said = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than": "less than"}
        return f"must be {said.get(kind, 'at most')} {bound}"
    return str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")


class RepeatedKey(ValueError):
    """A JSON object names one key twice: Python's parser would keep the last silently, while a proxy, a log reader
    or an auditor may keep the first, so such a body is refused rather than guessed at."""


def json_of_unique_keys(text: str | bytes) -> Any:
    """``json.loads`` that raises RepeatedKey (naming the key) for an object naming a key twice."""
    return json.loads(text, object_pairs_hook=_object_of_unique_keys)


def _object_of_unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RepeatedKey(f"the key {key[:100]!r} appears twice in one object")
        result[key] = value
    return result

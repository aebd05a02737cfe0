"""The base of every request body: values a database or a JSON reader cannot keep are refused at the door, with
the field named, instead of failing later (a 500) or being changed silently (NaN stored as null)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from aisle.domain.ids import ID_PATTERN, ID_RULE, MAX_ID, parse_id_text

MIN_INT64 = -(1 << 63)


def unstorable_reason(value: Any) -> str | None:
    """Why ``value`` (any JSON value, walked deeply) cannot be stored as given, or None."""
    if isinstance(value, str):
        return "must not contain NUL characters" if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if MIN_INT64 <= value <= MAX_ID else "integers must fit in 64 bits"
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number (NaN and Infinity are not JSON numbers)"
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
        return next((reason for item in items if (reason := unstorable_reason(item))), None)
    if isinstance(value, (list, tuple)):
        return next((reason for item in value if (reason := unstorable_reason(item))), None)
    return None


class InputModel(BaseModel):
    """Unknown fields are errors; NUL characters, NaN/Infinity and integers beyond 64 bits are refused anywhere."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if reason := unstorable_reason(value):
            raise ValueError(reason)
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

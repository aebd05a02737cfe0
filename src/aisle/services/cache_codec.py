"""Typed results in and out of a cache: a JSON-safe form going in (Redis stores JSON), the dataclass coming out.

A cached value written by an older release that no longer fits the type reads as a miss, never as an error."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


class CacheCodec(Generic[T]):
    def __init__(self, kind: type[T]) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(kind)

    def dump(self, value: T) -> Any:
        return self._adapter.dump_python(value, mode="json")

    def load(self, raw: Any) -> T | None:
        if raw is None:
            return None
        try:
            return self._adapter.validate_python(raw)
        except ValidationError:
            return None

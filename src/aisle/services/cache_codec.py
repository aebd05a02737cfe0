"""Typed results in and out of a cache.

A service caches its frozen result itself: the in-process cache keeps the object, a shared cache (Redis) keeps its
JSON form and hands back that JSON. ``CacheCodec.load`` turns either back into the type; a value written by an
older release that no longer fits the type reads as a miss, never as an error."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


class CacheCodec(Generic[T]):
    def __init__(self, kind: type[T]) -> None:
        self._kind = kind
        self._adapter: TypeAdapter[T] = TypeAdapter(kind)

    def load(self, cached: Any) -> T | None:
        if cached is None or isinstance(cached, self._kind):
            return cached
        try:
            return self._adapter.validate_python(cached)
        except ValidationError:
            return None

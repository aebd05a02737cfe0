"""What the inventory use cases answer, typed, and how an answer is remembered for its idempotency key.

A remembered answer is stored as JSON (the idempotency table) and read back into its type; answers remembered by
an older release (the API's JSON, ids as strings) read back too, since the field names are the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from aisle.domain.inventory import Availability, Operation, Reservation, StockLevel

A = TypeVar("A")


@dataclass(frozen=True)
class StockReport:
    """A variant's stock in every warehouse, and what shoppers are told about it."""

    variant_id: int
    levels: tuple[StockLevel, ...]
    shown: Availability

    @property
    def available(self) -> int:
        return sum(level.available for level in self.levels)

    @property
    def reserved(self) -> int:
        return sum(level.reserved for level in self.levels)


@dataclass(frozen=True)
class LevelChanged:
    """A warehouse's level after a RESTOCK or SET."""

    operation: Operation
    variant_id: int
    warehouse_id: str
    available: int
    reserved: int
    version: int

    @classmethod
    def of(cls, operation: Operation, level: StockLevel) -> LevelChanged:
        return cls(operation, level.variant_id, level.warehouse_id, level.available, level.reserved, level.version)


class Remembered(Generic[A]):
    """An answer kept for an idempotency key, as JSON, and read back as the type it was."""

    def __init__(self, kind: type[A]) -> None:
        self._adapter: TypeAdapter[A] = TypeAdapter(kind)

    def dump(self, answer: A) -> dict[str, Any]:
        dumped: dict[str, Any] = self._adapter.dump_python(answer, mode="json")
        return dumped

    def load(self, stored: dict[str, Any]) -> A:
        return self._adapter.validate_python(stored)


RESERVATION = Remembered(Reservation)
LEVEL_CHANGED = Remembered(LevelChanged)

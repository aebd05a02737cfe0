"""What the inventory use cases answer, typed, and how an answer is remembered for its idempotency key.

A remembered answer is stored as JSON (the idempotency table) and read back into its type; answers remembered by
an older release (the API's JSON, ids as strings) read back too, since the field names are the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import TypeAdapter

from aisle.domain.inventory import Availability, Operation, Reservation, StockLevel

if TYPE_CHECKING:
    from aisle.services.ports import UnitOfWork

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
    """An answer kept for an idempotency key, as JSON, and read back as the type it was; ``as_now`` gives a
    replay the thing the answer names as it is now, where that can have changed since."""

    def __init__(self, kind: type[A], as_now: Callable[[UnitOfWork, A], A] = lambda _uow, answer: answer) -> None:
        self._adapter: TypeAdapter[A] = TypeAdapter(kind)
        self._as_now = as_now

    def dump(self, answer: A) -> dict[str, Any]:
        dumped: dict[str, Any] = self._adapter.dump_python(answer, mode="json")
        return dumped

    def load(self, stored: dict[str, Any]) -> A:
        return self._adapter.validate_python(stored)

    def replay(self, stored: dict[str, Any], uow: UnitOfWork) -> A:
        """The answer for a retried request."""
        return self._as_now(uow, self.load(stored))


def _reservation_now(uow: UnitOfWork, reservation: Reservation) -> Reservation:
    """A retry after the reservation was released, deducted or expired is told so, not that it holds stock."""
    return uow.inventory.reservation(reservation.reservation_id) or reservation


RESERVATION = Remembered(Reservation, _reservation_now)
LEVEL_CHANGED = Remembered(LevelChanged)  # the level the change left: later changes are not this request's

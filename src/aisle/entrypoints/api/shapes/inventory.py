"""The inventory answers: warehouses, a variant's stock, reservations and level changes."""

from __future__ import annotations

from pydantic import Field

from aisle.domain.inventory import Reservation, StockLevel, Warehouse
from aisle.entrypoints.api.shapes.common import Wire, Wired
from aisle.services.inventory_results import LevelChanged, StockReport


class WarehouseOut(Wire):
    warehouse_id: str
    name: str
    region: str


class WarehouseList(Wire):
    warehouses: list[WarehouseOut]


class LevelOut(Wire):
    variant_id: str
    warehouse_id: str
    available: int
    reserved: int
    version: int


class StockOut(Wire):
    variant_id: str
    available: int
    reserved: int
    status: str
    quantity_hint: str | None = Field(description='e.g. "Only 3 left", "50+"; none when out of stock')
    warehouses: list[LevelOut]


class ReservationLineOut(Wire):
    variant_id: str
    warehouse_id: str
    quantity: int


class ReservationOut(Wire):
    reservation_id: str
    owner: str
    status: str
    created_at: str
    expires_at: str
    lines: list[ReservationLineOut]


class StockChangeOut(Wire):
    """RESTOCK and SET answer with the operation and the warehouse's new level (LevelOut's fields); RESERVE,
    RELEASE and DEDUCT with the reservation (ReservationOut's fields)."""

    operation: str | None = None
    variant_id: str | None = None
    warehouse_id: str | None = None
    available: int | None = None
    reserved: int | None = None
    version: int | None = None
    reservation_id: str | None = None
    owner: str | None = None
    status: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    lines: list[ReservationLineOut] | None = None


def warehouse_shown(warehouse: Warehouse) -> Wired:
    return {"warehouse_id": warehouse.warehouse_id, "name": warehouse.name, "region": warehouse.region}


def stock_shown(report: StockReport) -> Wired:
    return {
        "variant_id": str(report.variant_id),
        "available": report.available,
        "reserved": report.reserved,
        "status": report.shown.status,
        "quantity_hint": report.shown.quantity_hint,
        "warehouses": [level_shown(level) for level in report.levels],
    }


def level_shown(level: StockLevel | LevelChanged) -> Wired:
    return {
        "variant_id": str(level.variant_id),
        "warehouse_id": level.warehouse_id,
        "available": level.available,
        "reserved": level.reserved,
        "version": level.version,
    }


def level_changed_shown(changed: LevelChanged) -> Wired:
    return {"operation": changed.operation.value, **level_shown(changed)}


def reservation_shown(reservation: Reservation) -> Wired:
    return {
        "reservation_id": str(reservation.reservation_id),
        "owner": reservation.owner,
        "status": reservation.status.value,
        "created_at": reservation.created_at.isoformat(),
        "expires_at": reservation.expires_at.isoformat(),
        "lines": [
            {"variant_id": str(line.variant_id), "warehouse_id": line.warehouse_id, "quantity": line.quantity}
            for line in reservation.lines
        ],
    }

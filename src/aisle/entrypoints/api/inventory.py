"""The inventory API: warehouses, stock per variant, reservations. Internal callers (checkout, warehouses) use the
internal token; a seller may read and restock or count its own variants with its API key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import Field

from aisle.domain.errors import InvalidInput, NotFound
from aisle.domain.inventory import Operation
from aisle.entrypoints.api.dependencies import (
    Caller,
    CallerDep,
    IdempotencyKey,
    InventoryDep,
    ReserverDep,
    internal_caller,
    parse_id,
    scoped_key,
)
from aisle.entrypoints.api.responses import (
    ReservationOut,
    Responses,
    StockChangeOut,
    StockOut,
    WarehouseList,
    WarehouseOut,
    ok,
)
from aisle.services.input_model import IdText, InputModel
from aisle.services.inventory import InventoryService, ReserveLine

router = APIRouter(prefix="/api/v1", tags=["inventory"])
INTERNAL = [Depends(internal_caller)]
Quantity = Annotated[int, Field(strict=True, description="A whole number of units")]
PROBLEMS: Responses = {
    401: {"description": "Missing or wrong token"},
    404: {"description": "Unknown variant, warehouse or reservation"},
    409: {"description": "Not enough stock, or the reservation is no longer active"},
    422: {"description": "Invalid fields"},
}


class WarehouseIn(InputModel):
    warehouse_id: str = Field(min_length=1, max_length=64, examples=["us-east-1"])
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=100, examples=["us-east"])


class StockChange(InputModel):
    operation: Literal["RESERVE", "RELEASE", "DEDUCT", "RESTOCK", "SET"]
    quantity: Quantity | None = Field(None, description="RESERVE, RESTOCK, SET")
    warehouse_id: str | None = Field(None, max_length=64, description="RESTOCK and SET need it; RESERVE may pick")
    reservation_id: str | None = Field(None, description="RELEASE and DEDUCT name the reservation")
    owner: str = Field("api", max_length=200, description="Who holds a reservation, e.g. a cart id")


class LineIn(InputModel):
    variant_id: IdText
    quantity: Quantity
    warehouse_id: str | None = Field(None, max_length=64)


class ReservationIn(InputModel):
    owner: str = Field(min_length=1, max_length=200, examples=["cart-8c41"])
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    ttl_seconds: int | None = Field(None, ge=1, le=86_400, description="Defaults to AISLE_RESERVATION_TTL_SECONDS")


@router.post(
    "/warehouses",
    status_code=status.HTTP_201_CREATED,
    dependencies=INTERNAL,
    response_model=None,
    responses={**PROBLEMS, 201: ok(WarehouseOut, "Created")},
)
def create_warehouse(body: WarehouseIn, inventory: InventoryDep) -> dict[str, str]:
    created = inventory.create_warehouse(body.warehouse_id, body.name, body.region)
    return {"warehouse_id": created.warehouse_id, "name": created.name, "region": created.region}


@router.get("/warehouses", dependencies=INTERNAL, response_model=None, responses={**PROBLEMS, 200: ok(WarehouseList)})
def list_warehouses(inventory: InventoryDep) -> dict[str, Any]:
    found = inventory.warehouses()
    return {"warehouses": [{"warehouse_id": w.warehouse_id, "name": w.name, "region": w.region} for w in found]}


@router.get("/inventory/{variant_id}", response_model=None, responses={**PROBLEMS, 200: ok(StockOut)})
def get_stock(variant_id: str, caller: CallerDep, inventory: InventoryDep) -> dict[str, Any]:
    """Per-warehouse figures (available, reserved, version) and the status a shopper sees."""
    variant = parse_id(variant_id, "variant_id")
    _may_touch(caller, inventory, variant, "read")
    return inventory.stock(variant)


@router.patch("/inventory/{variant_id}", response_model=None, responses={**PROBLEMS, 200: ok(StockChangeOut)})
def change_stock(
    variant_id: str,
    body: StockChange,
    caller: CallerDep,
    inventory: InventoryDep,
    reserver: ReserverDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """RESERVE (a warehouse is picked when none is named: the one with most stock), RELEASE or DEDUCT a
    reservation, RESTOCK or SET a warehouse's count. Sellers may RESTOCK and SET their own variants."""
    variant = parse_id(variant_id, "variant_id")
    operation = Operation(body.operation)
    _may_touch(caller, inventory, variant, operation.value)
    key = scoped_key(idempotency_key, caller.label, operation.value, variant, body)
    if operation in (Operation.RESTOCK, Operation.SET):
        warehouse = _required(body.warehouse_id, "warehouse_id")
        return inventory.adjust(variant, operation, warehouse, _required(body.quantity, "quantity"), key)
    if operation is Operation.RESERVE:
        line = ReserveLine(variant, _required(body.quantity, "quantity"), body.warehouse_id)
        return reserver.reserve_one(line, body.owner, key)
    reservation = parse_id(_required(body.reservation_id, "reservation_id"), "reservation_id")
    finish = inventory.release if operation is Operation.RELEASE else inventory.deduct
    return finish(reservation, key, variant)


@router.post(
    "/inventory/reservations",
    status_code=status.HTTP_201_CREATED,
    dependencies=INTERNAL,
    response_model=None,
    responses={**PROBLEMS, 201: ok(ReservationOut, "Created")},
)
def reserve_lines(body: ReservationIn, reserver: ReserverDep, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Several variants at once, all or nothing: if one line is short, nothing is reserved."""
    lines = [ReserveLine(parse_id(ln.variant_id, "variant_id"), ln.quantity, ln.warehouse_id) for ln in body.lines]
    key = scoped_key(idempotency_key, "internal", "RESERVE-MANY", "-", body)
    return reserver.reserve(lines, body.owner, key, body.ttl_seconds)


@router.get(
    "/inventory/reservations/{reservation_id}",
    dependencies=INTERNAL,
    response_model=None,
    responses={**PROBLEMS, 200: ok(ReservationOut)},
)
def get_reservation(reservation_id: str, inventory: InventoryDep) -> dict[str, Any]:
    return inventory.reservation(parse_id(reservation_id, "reservation_id"))


@router.post(
    "/inventory/reservations/{reservation_id}/release",
    dependencies=INTERNAL,
    response_model=None,
    responses={**PROBLEMS, 200: ok(ReservationOut)},
)
def release(reservation_id: str, inventory: InventoryDep, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    reservation = parse_id(reservation_id, "reservation_id")
    return inventory.release(reservation, scoped_key(idempotency_key, "internal", "RELEASE", reservation))


@router.post(
    "/inventory/reservations/{reservation_id}/deduct",
    dependencies=INTERNAL,
    response_model=None,
    responses={**PROBLEMS, 200: ok(ReservationOut)},
)
def deduct(reservation_id: str, inventory: InventoryDep, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    reservation = parse_id(reservation_id, "reservation_id")
    return inventory.deduct(reservation, scoped_key(idempotency_key, "internal", "DEDUCT", reservation))


def _may_touch(caller: Caller, inventory: InventoryService, variant_id: int, action: str) -> None:
    if caller.internal:
        return
    if action not in ("read", "RESTOCK", "SET"):
        raise HTTPException(403, f"{action} needs the internal token; sellers may read, RESTOCK and SET.")
    owner = inventory.variant_seller(variant_id)
    if owner is None or caller.seller is None or owner != caller.seller.seller_id:
        raise NotFound("variant", variant_id)


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInput.single(field, "is required for this operation")
    return value

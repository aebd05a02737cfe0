"""The inventory API: warehouses, stock per variant, reservations. Internal callers (checkout, warehouses) use the
internal token; a seller may read and restock or count its own variants with its API key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import Field

from aisle.domain.errors import FieldError, InvalidInput, NotFound
from aisle.domain.inventory import (
    MAX_QUANTITY,
    MAX_RESERVE_QUANTITY,
    MAX_WAREHOUSE_ID_LENGTH,
    WAREHOUSE_ID_CHARACTERS,
    Operation,
)
from aisle.entrypoints.api.dependencies import (
    Caller,
    CallerDep,
    IdempotencyKey,
    InventoryDep,
    ReservationIdText,
    ReserverDep,
    StockWritingCaller,
    VariantIdText,
    internal_caller,
    parse_id,
    scoped_key,
)
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.problems import named_by_line
from aisle.entrypoints.api.responses import Responses
from aisle.entrypoints.api.shapes.common import json_response
from aisle.entrypoints.api.shapes.inventory import (
    ReservationOut,
    StockChangeOut,
    StockOut,
    WarehouseList,
    WarehouseOut,
    level_changed_shown,
    reservation_shown,
    stock_shown,
    warehouse_shown,
)
from aisle.services.input_model import IdText, InputModel, VisibleText
from aisle.services.inventory import InventoryService, ReserveLine

router = APIRouter(route_class=UniqueKeysRoute, prefix="/api/v1", tags=["inventory"])
INTERNAL = [Depends(internal_caller)]
Quantity = Annotated[
    int,
    Field(
        strict=True,
        description=f"A whole number of units: RESERVE 1 to {MAX_RESERVE_QUANTITY:,}, RESTOCK 1 to {MAX_QUANTITY:,}, "
        f"SET 0 to {MAX_QUANTITY:,}",
        json_schema_extra={"minimum": 0, "maximum": MAX_QUANTITY},
    ),
]
# Documented bounds and patterns only: the domain checks them, with its own messages naming the field.
LineQuantity = Annotated[
    int,
    Field(
        strict=True,
        description="A whole number of units",
        json_schema_extra={"minimum": 1, "maximum": MAX_RESERVE_QUANTITY},
    ),
]
PROBLEMS: Responses = {
    401: {"description": "Missing or wrong token"},
    404: {"description": "Unknown variant, warehouse or reservation"},
    409: {"description": "Not enough stock, or the reservation is no longer active"},
    422: {"description": "Invalid fields"},
}


class WarehouseIn(InputModel):
    warehouse_id: str = Field(
        min_length=1, max_length=MAX_WAREHOUSE_ID_LENGTH, examples=["us-east-1"], pattern=WAREHOUSE_ID_CHARACTERS
    )
    name: Annotated[str, Field(min_length=1, max_length=200), VisibleText]
    region: Annotated[str, Field(min_length=1, max_length=100, examples=["us-east"]), VisibleText]


class StockChange(InputModel):
    operation: Literal["RESERVE", "RELEASE", "DEDUCT", "RESTOCK", "SET"]
    quantity: Quantity | None = Field(
        None, description="RESERVE, RESTOCK, SET (RELEASE and DEDUCT refuse it: they act on the whole reservation)"
    )
    warehouse_id: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_WAREHOUSE_ID_LENGTH,
        pattern=WAREHOUSE_ID_CHARACTERS,
        description="RESTOCK and SET need it; RESERVE may pick",
    )
    reservation_id: str | None = Field(None, description="RELEASE and DEDUCT name the reservation")
    owner: Annotated[str, VisibleText] | None = Field(
        None, min_length=1, max_length=200, description='RESERVE: who holds the reservation, e.g. a cart id ("api")'
    )


class LineIn(InputModel):
    variant_id: IdText
    quantity: LineQuantity
    warehouse_id: str | None = Field(
        None, min_length=1, max_length=MAX_WAREHOUSE_ID_LENGTH, pattern=WAREHOUSE_ID_CHARACTERS
    )


class ReservationIn(InputModel):
    owner: Annotated[str, VisibleText] = Field(min_length=1, max_length=200, examples=["cart-8c41"])
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    ttl_seconds: int | None = Field(
        None, ge=1, le=86_400, strict=True, description="Defaults to AISLE_RESERVATION_TTL_SECONDS"
    )


@router.post(
    "/warehouses",
    status_code=status.HTTP_201_CREATED,
    dependencies=INTERNAL,
    response_model=WarehouseOut,
    responses=PROBLEMS,
)
def create_warehouse(body: WarehouseIn, inventory: InventoryDep) -> Response:
    created = inventory.create_warehouse(body.warehouse_id, body.name, body.region)
    return json_response(warehouse_shown(created), status.HTTP_201_CREATED)


@router.get("/warehouses", dependencies=INTERNAL, response_model=WarehouseList, responses=PROBLEMS)
def list_warehouses(inventory: InventoryDep) -> Response:
    return json_response({"warehouses": [warehouse_shown(w) for w in inventory.warehouses()]})


@router.get("/inventory/{variant_id}", response_model=StockOut, responses=PROBLEMS)
def get_stock(variant_id: VariantIdText, caller: CallerDep, inventory: InventoryDep) -> Response:
    """Per-warehouse figures (available, reserved, version) and the status a shopper sees."""
    variant = parse_id(variant_id, "variant_id")
    _may_touch(caller, inventory, variant, "read")
    return json_response(stock_shown(inventory.stock(variant)))


@router.patch(
    "/inventory/{variant_id}",
    response_model=StockChangeOut,
    responses={
        **PROBLEMS,
        403: {"description": "A seller may only RESTOCK or SET; RESERVE, RELEASE and DEDUCT need the internal token"},
        409: {
            "description": "Not enough stock, the reservation is no longer active, or a SET counts fewer units "
            "than are reserved at the warehouse (release reservations first)"
        },
        429: {"description": "Over the seller's stock-change rate limit; see Retry-After"},
    },
)
def change_stock(
    variant_id: VariantIdText,
    body: StockChange,
    caller: StockWritingCaller,
    inventory: InventoryDep,
    reserver: ReserverDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """RESERVE (when no warehouse is named: the one with most stock, or several, fullest first, when none holds
    the whole quantity; the reservation then lists a line per warehouse), RELEASE or DEDUCT a reservation,
    RESTOCK (add to what a warehouse has to sell) or SET (a stock count: the units on the shelf, reserved ones
    among them, so `available` becomes the count less what is reserved). Sellers may RESTOCK and SET their own
    variants."""
    variant = parse_id(variant_id, "variant_id")
    operation = Operation(body.operation)
    _refuse_unused(body, operation)
    _may_touch(caller, inventory, variant, operation.value)
    key = scoped_key(idempotency_key, caller.label, operation.value, variant, body)
    if operation in (Operation.RESTOCK, Operation.SET):
        warehouse = _required(body.warehouse_id, "warehouse_id")
        changed = inventory.adjust(variant, operation, warehouse, _required(body.quantity, "quantity"), key)
        return json_response(level_changed_shown(changed))
    if operation is Operation.RESERVE:
        line = ReserveLine(variant, _required(body.quantity, "quantity"), body.warehouse_id)
        return json_response(reservation_shown(reserver.reserve_one(line, body.owner or "api", key)))
    reservation = parse_id(_required(body.reservation_id, "reservation_id"), "reservation_id")
    finish = inventory.release if operation is Operation.RELEASE else inventory.deduct
    return json_response(reservation_shown(finish(reservation, key, variant)))


@router.post(
    "/inventory/reservations",
    status_code=status.HTTP_201_CREATED,
    dependencies=INTERNAL,
    response_model=ReservationOut,
    responses=PROBLEMS,
)
def reserve_lines(body: ReservationIn, reserver: ReserverDep, idempotency_key: IdempotencyKey = None) -> Response:
    """Several variants at once, all or nothing: if one line is short, nothing is reserved. A line that names no
    warehouse is taken from several when no one warehouse holds it (a line per warehouse in the answer)."""
    lines = [
        ReserveLine(parse_id(ln.variant_id, f"lines[{n}].variant_id"), ln.quantity, ln.warehouse_id)
        for n, ln in enumerate(body.lines)
    ]
    key = scoped_key(idempotency_key, "internal", "RESERVE-MANY", "-", body)
    try:
        reserved = reserver.reserve(lines, body.owner, key, body.ttl_seconds)
    except NotFound as missing:
        named = [{"variant_id": line.variant_id, "warehouse_id": line.warehouse_id} for line in lines]
        raise named_by_line(missing, named) from None
    answer = json_response(reservation_shown(reserved), status.HTTP_201_CREATED)
    answer.headers["Location"] = f"/api/v1/inventory/reservations/{reserved.reservation_id}"
    return answer


@router.get(
    "/inventory/reservations/{reservation_id}",
    dependencies=INTERNAL,
    response_model=ReservationOut,
    responses=PROBLEMS,
)
def get_reservation(reservation_id: ReservationIdText, inventory: InventoryDep) -> Response:
    return json_response(reservation_shown(inventory.reservation(parse_id(reservation_id, "reservation_id"))))


@router.post(
    "/inventory/reservations/{reservation_id}/release",
    dependencies=INTERNAL,
    response_model=ReservationOut,
    responses=PROBLEMS,
)
def release(
    reservation_id: ReservationIdText, inventory: InventoryDep, idempotency_key: IdempotencyKey = None
) -> Response:
    reservation = parse_id(reservation_id, "reservation_id")
    released = inventory.release(reservation, scoped_key(idempotency_key, "internal", "RELEASE", reservation))
    return json_response(reservation_shown(released))


@router.post(
    "/inventory/reservations/{reservation_id}/deduct",
    dependencies=INTERNAL,
    response_model=ReservationOut,
    responses=PROBLEMS,
)
def deduct(
    reservation_id: ReservationIdText, inventory: InventoryDep, idempotency_key: IdempotencyKey = None
) -> Response:
    reservation = parse_id(reservation_id, "reservation_id")
    deducted = inventory.deduct(reservation, scoped_key(idempotency_key, "internal", "DEDUCT", reservation))
    return json_response(reservation_shown(deducted))


def _may_touch(caller: Caller, inventory: InventoryService, variant_id: int, action: str) -> None:
    if caller.internal:
        return
    if action not in ("read", "RESTOCK", "SET"):
        raise HTTPException(403, f"{action} needs the internal token; sellers may read, RESTOCK and SET.")
    owner = inventory.variant_seller(variant_id)
    if owner is None or caller.seller is None or owner != caller.seller.seller_id:
        raise NotFound("variant", variant_id)


# the fields each operation reads; one it would ignore is refused, since the caller meant something by it: a DEDUCT
# with a quantity of 1 would sell the whole reservation
FIELDS_READ = {
    Operation.RESERVE: {"quantity", "warehouse_id", "owner"},
    Operation.RESTOCK: {"quantity", "warehouse_id"},
    Operation.SET: {"quantity", "warehouse_id"},
    Operation.RELEASE: {"reservation_id"},
    Operation.DEDUCT: {"reservation_id"},
}
FINISHING_WHOLE = "RELEASE and DEDUCT act on the whole reservation"


def _refuse_unused(body: StockChange, operation: Operation) -> None:
    sent = {field for field in body.model_fields_set if getattr(body, field) is not None}
    unused = sorted(sent - FIELDS_READ[operation] - {"operation"})
    if unused:
        why = FINISHING_WHOLE if operation in (Operation.RELEASE, Operation.DEDUCT) else "it would be ignored"
        raise InvalidInput([FieldError(field, f"is not used by {operation.value}: {why}") for field in unused])


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInput.single(field, "is required for this operation")
    return value

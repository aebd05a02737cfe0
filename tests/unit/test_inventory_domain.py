from __future__ import annotations

import pytest

from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.inventory import (
    InsufficientStock,
    Operation,
    StockLevel,
    availability,
    check_quantity,
    split_over_warehouses,
)


def level(available: int, reserved: int = 0, warehouse: str = "east") -> StockLevel:
    return StockLevel(7, warehouse, available, reserved, version=3)


def test_reserve_moves_stock_from_available_to_reserved_and_bumps_the_version():
    after = level(10).reserve(4)
    assert (after.available, after.reserved, after.version) == (6, 4, 4)


def test_reserving_more_than_available_is_refused():
    with pytest.raises(InsufficientStock) as short:
        level(3).reserve(4)
    assert (short.value.wanted, short.value.available) == (4, 3)


def test_release_returns_and_deduct_removes_reserved_stock():
    held = level(10).reserve(4)
    assert (held.release(4).available, held.release(4).reserved) == (10, 0)
    assert (held.deduct(4).available, held.deduct(4).reserved) == (6, 0)
    with pytest.raises(Conflict):
        held.deduct(5)


def test_restock_adds_to_what_is_for_sale_and_a_count_includes_what_is_reserved():
    assert level(10).restock(5).available == 15
    assert level(10).counted(2).available == 2
    held = level(10).reserve(1)
    assert (held.counted(1).available, held.counted(1).reserved) == (0, 1)  # the one on the shelf is in a cart
    assert held.counted(4).available == 3
    with pytest.raises(Conflict):  # the reserved unit would be sold from a shelf counted empty
        held.counted(0)
    with pytest.raises(InvalidInput):
        level(999_999).restock(2)


def test_the_warehouse_with_most_stock_is_chosen_and_several_only_when_none_holds_it_all():
    levels = [level(3, warehouse="west"), level(9, warehouse="east"), level(9, warehouse="north")]
    assert [(lvl.warehouse_id, n) for lvl, n in split_over_warehouses(levels, 5)] == [("east", 5)]  # ties: by id
    apart = split_over_warehouses([level(3), level(0, warehouse="north"), level(4, warehouse="west")], 5)
    assert [(lvl.warehouse_id, n) for lvl, n in apart] == [("west", 4), ("east", 1)]  # the fullest first
    with pytest.raises(InsufficientStock) as short:
        split_over_warehouses([level(3), level(4, warehouse="west")], 8)
    assert short.value.available == 7  # what all of them hold together


@pytest.mark.parametrize(
    ("available", "status", "hint"),
    [(0, "OUT_OF_STOCK", None), (3, "LOW_STOCK", "Only 3 left"), (12, "IN_STOCK", "12"), (50, "IN_STOCK", "50+")],
)
def test_what_a_shopper_is_told(available, status, hint):
    shown = availability(available, low_stock_threshold=5)
    assert (shown.status, shown.quantity_hint) == (status, hint)


@pytest.mark.parametrize("quantity", [0, -1, 10_001, 2.5, "3", True, None])
def test_bad_reserve_quantities(quantity):
    with pytest.raises(InvalidInput):
        check_quantity(quantity, Operation.RESERVE)


def test_set_may_be_zero():
    assert check_quantity(0, Operation.SET) == 0

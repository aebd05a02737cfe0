"""Stock per warehouse with restock, and each variant's price history as an SVG chart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.inventory import Operation
from aisle.entrypoints.api.dependencies import CatalogDep, InventoryDep, PricingDep, parse_id
from aisle.entrypoints.api.shapes.pricing import price_change_shown
from aisle.entrypoints.numbers import whole_number
from aisle.entrypoints.web.seller.notices import notices_said, redirect_saying
from aisle.entrypoints.web.seller.portal import PortalSeller, checked_form, page, to_sign_in

router = APIRouter()
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 90, 8
PORTAL_OPERATIONS = {"RESTOCK": Operation.RESTOCK, "SET": Operation.SET}  # the form's two choices; reserving is not


@router.get("/products/{product_id}/stock", response_class=HTMLResponse)
def stock_page(
    product_id: str,
    request: Request,
    seller: PortalSeller,
    catalog: CatalogDep,
    inventory: InventoryDep,
    pricing: PricingDep,
) -> Response:
    if seller is None:
        return to_sign_in(request)
    product = catalog.get_product(seller.seller_id, parse_id(product_id, "product_id"))
    variants = [(v, v.variant_id) for v in product.content.variants if v.variant_id is not None]
    levels = inventory.levels_for([vid for _v, vid in variants])
    warehouses = inventory.warehouses()
    rows = [
        {
            "variant": v,
            "levels": levels.get(vid, []),
            "chart": price_chart([price_change_shown(c) for c in pricing.price_history(seller.seller_id, vid)]),
        }
        for v, vid in variants
    ]
    context = {
        "seller": seller,
        "product": product,
        "rows": rows,
        "warehouses": warehouses,
        **notices_said(request, seller.seller_id, "note", "error", "variant"),  # said in the variant's section
    }
    return page(request, "seller/stock.html", context)


@router.post("/products/{product_id}/stock")
async def change_stock(
    product_id: str, request: Request, seller: PortalSeller, catalog: CatalogDep, inventory: InventoryDep
) -> Response:
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    pid = parse_id(product_id, "product_id")
    product = await run_in_threadpool(catalog.get_product, seller.seller_id, pid)
    variant_id = parse_id(str(form.get("variant_id") or ""), "variant_id")
    if variant_id not in {v.variant_id for v in product.content.variants}:
        raise InvalidInput.single("variant_id", "is not a variant of this product")
    target = f"/seller/products/{pid}/stock"
    sku = next(v.sku for v in product.content.variants if v.variant_id == variant_id)

    def refused(reason: str) -> RedirectResponse:
        """Back to the stock page at the variant's section, which shows why its change was refused."""
        return redirect_saying(request, seller.seller_id, target, f"v-{variant_id}", error=reason, variant=sku)

    operation = PORTAL_OPERATIONS.get(str(form.get("operation") or "").strip().upper())
    if operation is None:
        return refused("choose a change: add (restock) or set the shelf count")
    quantity = whole_number(form.get("quantity"))
    if quantity is None:
        typed = str(form.get("quantity") or "").strip()[:40]
        reason = (
            f"quantity “{typed}” is no count of units: write a whole number such as 12" if typed else "enter a quantity"
        )
        return refused(reason)
    warehouse = str(form.get("warehouse_id") or "")
    try:
        await run_in_threadpool(inventory.adjust, variant_id, operation, warehouse, quantity)
    except InvalidInput as invalid:
        reason = "; ".join(f"{e.field} {e.reason}" for e in invalid.errors)
        return refused(reason)
    except Conflict as conflict:  # a count below what shoppers have reserved
        return refused(conflict.detail)
    except NotFound:
        return refused("choose one of the warehouses listed")
    note = f"{operation.value.lower()} of {sku} saved"
    return redirect_saying(request, seller.seller_id, target, f"v-{variant_id}", note=note, variant=sku)


def price_chart(history: list[dict[str, Any]], now: datetime | None = None) -> dict[str, Any] | None:
    """An SVG step line of the price from its first setting until now (each price holds until the next), or None
    without any history."""
    points = sorted(history, key=lambda h: h["changed_at"])
    if not points:
        return None
    times = [datetime.fromisoformat(p["changed_at"]).timestamp() for p in points]
    prices = [p["new"] for p in points]
    end = max(times[-1], (now or datetime.now(UTC)).timestamp())
    start, span = times[0], (end - times[0]) or 1.0
    low, high = min(prices), max(prices)
    spread = (high - low) or 1.0
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def xy(when: float, price: float) -> tuple[float, float]:
        x = CHART_PAD + (when - start) / span * inner_w
        y = CHART_PAD + (high - price) / spread * inner_h if high != low else CHART_HEIGHT / 2
        return round(x, 1), round(y, 1)

    coords = [xy(t, p) for t, p in zip(times, prices, strict=True)]
    steps = []  # a price holds until the next change: draw steps, not slopes
    for index, (x, y) in enumerate(coords):
        if index:
            steps.append((x, coords[index - 1][1]))
        steps.append((x, y))
    steps.append((xy(end, prices[-1])[0], coords[-1][1]))
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "line": " ".join(f"{x},{y}" for x, y in steps),
        "dots": [
            {"x": x, "y": y, "price": p["new"], "at": p["changed_at"][:16].replace("T", " ") + " UTC"}
            for (x, y), p in zip(coords, points, strict=True)
        ],
        "low": low,
        "high": high,
    }

"""Through the API: a sorted search pages the same way before and after `aisle reindex`, every product once."""

from __future__ import annotations

from typer.testing import CliRunner

from aisle.entrypoints.cli import app
from tests.api.conftest import product_body, wait_for_outbox

SEARCH = "/api/v1/products/search"


def all_pages(client, sort: str, page_size: int) -> list[str]:
    found: list[str] = []
    for page in range(1, 20):
        body = client.get(SEARCH, params={"q": "quill", "sort": sort, "page": page, "page_size": page_size}).json()
        found += [item["product_id"] for item in body["results"]]
        if page * page_size >= body["total"]:
            return found
    raise AssertionError("more pages than products")


def test_sorted_pages_break_ties_by_product_id_and_survive_a_reindex(client, seller, container, tmp_path):
    created = [
        seller.create(**product_body(title=f"Quill Pen {n}", variants=[{"sku": f"QP-{n}", "price": (5, 7, 9)[n % 3]}]))
        for n in range(17)
    ]
    wait_for_outbox(container)
    by_id = sorted(created, key=lambda p: int(p["product_id"]))
    price = {p["product_id"]: float(p["variants"][0]["price"]) for p in created}
    expected_asc = [p["product_id"] for p in sorted(by_id, key=lambda p: price[p["product_id"]])]
    expected_desc = [p["product_id"] for p in sorted(by_id, key=lambda p: -price[p["product_id"]])]
    for size in (2, 5, 17):
        assert all_pages(client, "price_asc", size) == expected_asc
        assert all_pages(client, "price_desc", size) == expected_desc

    result = CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert all_pages(client, "price_asc", 4) == expected_asc
    assert all_pages(client, "price_desc", 4) == expected_desc

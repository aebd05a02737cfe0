"""Paging through a relevance search shows every match once, in one order, whatever the page size: pages deeper
than the re-ranked best are cut from the same list as the first ones."""

from __future__ import annotations

import pytest

from aisle.services.search import service
from tests.api.conftest import SellerClient, list_products

RERANKED = 6  # a small re-rank depth, so that a small catalog has matches deeper than it
COLOURS = ["Black", "White", "Red", "Blue", "Green", "Silver", "Gold", "Pink"]
KINDS = [("Laptop", ["Computers", "Laptops"]), ("Laptop Sleeve", ["Computers", "Laptop Bags"])]


@pytest.fixture
def laptops(seller: SellerClient, container, monkeypatch) -> int:
    monkeypatch.setattr(service, "RERANK_DEPTH", RERANKED)
    rows = [
        (f"Acme {n} {kind} - {COLOURS[n % len(COLOURS)]}", path, 100 + 7 * n % 50)
        for n in range(14)
        for kind, path in KINDS
    ]
    list_products(seller, container, "PAGE", rows)
    return len(rows)


def _walk(client, page_size: int) -> list[str]:
    shown: list[str] = []
    for page in range(1, 100):
        body = client.get("/api/v1/products/search", params={"q": "laptop", "page": page, "page_size": page_size})
        results = body.json()["results"]
        if not results:
            return shown
        shown += [r["product_id"] for r in results]
    return shown


@pytest.mark.parametrize("page_size", [3, 5, 7])
def test_every_match_shows_once_and_in_the_order_one_big_page_shows(client, laptops: int, page_size: int):
    whole = _walk(client, 100)
    assert len(whole) == laptops
    assert _walk(client, page_size) == whole

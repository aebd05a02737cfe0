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
    rows.append(("Zephyr Laptop Stand", ["Computers", "Laptop Stands"], 30))  # the one "zephyr laptop" names
    list_products(seller, container, "PAGE", rows)
    return len(rows)


def _walk(client, q: str, page_size: int) -> tuple[list[str], set[int]]:
    shown: list[str] = []
    totals: set[int] = set()
    for page in range(1, 100):
        body = client.get("/api/v1/products/search", params={"q": q, "page": page, "page_size": page_size}).json()
        totals.add(body["total"])
        if not body["results"]:
            break
        shown += [r["product_id"] for r in body["results"]]
    return shown, totals


@pytest.mark.parametrize("page_size", [3, 5, 7])
def test_every_match_shows_once_and_in_the_order_one_big_page_shows(client, laptops: int, page_size: int):
    whole, _totals = _walk(client, "laptop", 100)
    assert len(whole) == laptops
    assert _walk(client, "laptop", page_size)[0] == whole


@pytest.mark.parametrize("page_size", [2, 4])
def test_near_matches_after_the_few_exact_ones_page_the_same_way(client, laptops: int, page_size: int):
    whole, totals = _walk(client, "zephyr laptop", 100)
    shown, paged_totals = _walk(client, "zephyr laptop", page_size)
    assert shown == whole and len(set(shown)) == len(shown) > 1
    assert totals == paged_totals == {len(whole)}  # the total does not grow as the pages go deeper

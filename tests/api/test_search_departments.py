"""A word that names a department: its products first, the few matches from other departments after them."""

from __future__ import annotations

import pytest

from tests.api.conftest import SellerClient, category_id, list_products
from tests.api.conftest import search_titles as titles

BUILDING, RC = ["Toys & Games", "Building Toys"], ["Toys & Games", "Remote Control Toys"]
DOLLS, DOGS = ["Toys & Games", "Dolls & Action Figures"], ["Pet Supplies", "Dogs"]
CATALOG = [
    ("Brickworks Castle Set", BUILDING),
    ("Brickworks Space Station", BUILDING),
    ("Brickworks Pirate Ship", BUILDING),
    ("Zoomer RC Race Car", RC),
    ("Zoomer RC Monster Truck", RC),
    ("Skyhawk RC Drone", RC),
    ("Cuddly Bear Plush Toy", DOLLS),
    ("Cuddly Bunny Plush Toy", DOLLS),
    ("Ropey Dog Chew Toy", DOGS),
    ("Squeaky Dog Ball", DOGS),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "DEPT", [(title, path, 10 + n) for n, (title, path) in enumerate(CATALOG)])


def test_the_department_holding_nearly_every_match_comes_first(client, catalog):
    found = titles(client, "toys")  # 8 of its 9 matches are Toys & Games; only the chew toy's title says "toy"
    assert len(found) == 9
    assert found[-1] == "Ropey Dog Chew Toy"  # still found, after the toys
    assert found[:2] == ["Cuddly Bear Plush Toy", "Cuddly Bunny Plush Toy"] or found[:2] == [
        "Cuddly Bunny Plush Toy",
        "Cuddly Bear Plush Toy",
    ]  # within the department, the words still rank: the titles that say "toy" first


def test_words_that_ask_for_the_other_department_are_left_to_rank(client, catalog):
    assert titles(client, "dog toys")[0] == "Ropey Dog Chew Toy"


def test_a_search_narrowed_to_a_category_keeps_its_order(client, catalog, container):
    pets = category_id(container, ["Pet Supplies"])
    assert titles(client, "toys", category=pets) == ["Ropey Dog Chew Toy"]

"""The department a search's words ask for (domain/search/departments.py)."""

from __future__ import annotations

from aisle.domain.categories import Category
from aisle.domain.search.departments import (
    aisle_of,
    aisle_of_most,
    category_holding_most,
    department_asked,
    department_first,
    department_typed_first,
    names_department,
    root_of,
)

TOYS, PETS = 1, 2
CATEGORIES = {
    TOYS: Category(TOYS, "Toys & Games", None, "Toys & Games"),
    PETS: Category(PETS, "Pet Supplies", None, "Pet Supplies"),
    11: Category(11, "Building Toys", TOYS, "Toys & Games > Building Toys"),
    21: Category(21, "Dogs", PETS, "Pet Supplies > Dogs"),
    22: Category(22, "Chew Toys", 21, "Pet Supplies > Dogs > Chew Toys"),
}


def test_a_department_holding_most_but_not_all_matches_is_asked_for():
    assert department_asked([(TOYS, 92), (PETS, 8)], total=100) == TOYS
    assert department_asked([(TOYS, 80), (PETS, 20)], total=100) == TOYS


def test_no_department_when_none_stands_out_or_nothing_lies_outside_it():
    assert department_asked([(TOYS, 79), (PETS, 21)], total=100) is None
    assert department_asked([(TOYS, 100)], total=100) is None  # nothing to move
    assert department_asked([], total=100) is None
    assert department_asked([(TOYS, 0)], total=0) is None


def test_the_department_first_keeps_each_sides_order():
    ranked = [("chew", 22), ("bricks", 11), ("ball", 21), ("castle", 11), ("loose", None)]
    moved = department_first(ranked, TOYS, lambda item: root_of(CATEGORIES, item[1]))
    assert [name for name, _ in moved] == ["bricks", "castle", "chew", "ball", "loose"]


def test_root_of_walks_up_and_survives_bad_data():
    assert root_of(CATEGORIES, 22) == PETS
    assert root_of(CATEGORIES, TOYS) == TOYS
    assert root_of(CATEGORIES, None) is None and root_of(CATEGORIES, 999) is None
    looped = {5: Category(5, "A", 6, "A"), 6: Category(6, "B", 5, "B")}
    assert root_of(looped, 5) is None


def test_a_word_names_a_department_in_either_number():
    assert names_department(["toys"], CATEGORIES[TOYS]) and names_department(["toy"], CATEGORIES[TOYS])
    assert names_department(["kitchen"], Category(3, "Home & Kitchen", None, "Home & Kitchen"))
    assert not names_department(["watch"], Category(4, "Cables & Adapters", None, "Cables & Adapters"))
    assert not names_department(["dog", "toys"], CATEGORIES[PETS])  # "toys" names Toys & Games, not Pet Supplies


def test_the_category_a_search_is_about_is_the_deepest_holding_half_its_matches():
    counted = [(PETS, 10), (21, 8), (22, 6), (TOYS, 2), (11, 2)]  # counted up the tree, as facets are
    assert category_holding_most(counted, total=12, categories=CATEGORIES) == 22
    assert category_holding_most([(PETS, 10), (21, 8), (22, 5)], total=12, categories=CATEGORIES) == 21
    assert category_holding_most([(PETS, 5), (TOYS, 5)], total=11, categories=CATEGORIES) is None
    assert category_holding_most([(999, 12)], total=12, categories=CATEGORIES) is None  # not in the tree
    assert category_holding_most([], total=0, categories=CATEGORIES) is None


def test_the_aisle_is_the_category_below_the_department():
    assert aisle_of(CATEGORIES, 22) == 21  # Pet Supplies > Dogs > Chew Toys: Dogs
    assert aisle_of(CATEGORIES, 21) == 21
    assert aisle_of(CATEGORIES, PETS) == PETS  # a department is its own aisle
    assert aisle_of(CATEGORIES, None) is None
    assert aisle_of(CATEGORIES, 999) is None


def test_the_exact_matches_aisle_is_where_more_than_half_of_them_sit():
    assert aisle_of_most([21, 21, 11]) == 21
    assert aisle_of_most([21, 11]) is None  # spread: phones and their cases
    assert aisle_of_most([None, None, 21]) is None
    assert aisle_of_most([]) is None


def test_near_matches_in_the_aisle_go_first_each_side_in_order():
    near = [("blocks", 11), ("ball", 22), ("puzzle", 11), ("collar", 21), ("loose", None)]
    moved = department_first(near, 21, lambda item: aisle_of(CATEGORIES, item[1]))
    assert [name for name, _ in moved] == ["ball", "collar", "blocks", "puzzle", "loose"]


def test_a_query_starting_with_a_departments_whole_name_asks_for_the_rest_in_it():
    phones = Category(3, "Cell Phones", None, "Cell Phones")
    categories = [*CATEGORIES.values(), phones]
    assert department_typed_first("cell phones clips", categories) == (phones, "clips")
    assert department_typed_first("Pet Supplies chew toys", categories) == (CATEGORIES[PETS], "chew toys")
    assert department_typed_first("cell phones", categories) is None  # nothing else asked
    assert department_typed_first("cell phones with plans", categories) is None  # the phones, sold with plans
    assert department_typed_first("cell phone clips", categories) is None  # not the department's name
    assert department_typed_first("building toys lego", categories) is None  # no top-level category
    audio = Category(4, "Audio", None, "Audio")
    assert department_typed_first("audio cable", [audio]) is None  # a one-word name begins products' names too

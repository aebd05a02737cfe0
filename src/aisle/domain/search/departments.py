"""The department a search's words ask for, read from where their matches sit.

A word can name things in several departments: "toys" matches every product of Toys & Games (through its
category) and the dog chew toys and cat toys of Pet Supplies (through their titles). Ranked by the words alone, the
titles that say "toy" come first, so the chew toys lead. When a word names a department ("toys": Toys & Games;
"kitchen": Home & Kitchen) and that department holds nearly all of the matches, it is what the shopper asks for:
its products go first, and the few from elsewhere follow, still found. Both must hold: most of what "watch" matches
may be cables whose descriptions say "watch videos", in a department no word names, and they must not pass the
watch bands. A search narrowed to a category, or whose matches sit in one department, is left as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from aisle.domain.categories import Category, ancestors_path
from aisle.domain.search.kinds import singular
from aisle.domain.search.text import tokenize

DEPARTMENT_SHARE = 0.8  # of a search's matches, in one top-level category: the department the words ask for

T = TypeVar("T")


def department_asked(root_counts: Iterable[tuple[int, int]], total: int) -> int | None:
    """The top-level category (id, from ``(id, matches)`` pairs) holding at least DEPARTMENT_SHARE of the
    ``total`` matches but not all of them; None when no department stands out, or nothing lies outside it."""
    counted = [(count, category_id) for category_id, count in root_counts]
    if not counted or total <= 0:
        return None
    count, category_id = max(counted)
    return category_id if DEPARTMENT_SHARE * total <= count < total else None


def category_holding_most(counts: Iterable[tuple[int, int]], total: int, categories: dict[int, Category]) -> int | None:
    """The deepest category (id, from ``(id, matches)`` pairs counted up the tree) holding at least half of the
    ``total`` matches; None when none does. It says what a search is about whatever order its page is in: a page
    sorted by price starts with the cheapest matches, often accessories, which say nothing of the rest."""
    if total <= 0:
        return None
    held = [category_id for category_id, count in counts if category_id in categories and 2 * count >= total]
    return max(held, key=lambda category_id: len(ancestors_path(categories, category_id)), default=None)


def names_department(words: Iterable[str], department: Category) -> bool:
    """Whether one of the words names the department, singular or plural ("toy" and "toys": Toys & Games)."""
    named = {singular(word) for word in tokenize(department.name)}
    return any(singular(word) in named for word in words)


def department_typed_first(query: str, categories: Iterable[Category]) -> tuple[Category, str] | None:
    """The department a query starts by naming, whole, and the rest of the query: "cell phones clips" asks for clips
    in Cell Phones, as a store's own search suggestions write it, not for phones that mention clips. None when
    nothing follows the name, or when a word that joins ("cell phones with plans") comes right after it. Only a
    name of two words or more: one word ("Audio", "Power") is as often the first of a product's own name ("audio
    cable", "power bank"), filed elsewhere."""
    words = tokenize(query)
    for category in sorted((c for c in categories if c.parent_id is None), key=lambda c: -len(c.name)):
        name = tokenize(category.name)
        rest = words[len(name) :]
        if len(name) >= 2 and words[: len(name)] == name and rest and rest[0] not in _JOINING:
            return category, " ".join(rest)
    return None


_JOINING = frozenset({"with", "and", "or", "for", "in", "of", "without", "not", "by", "on", "to", "from"})


def department_first(ranked: Sequence[T], department: int, department_of: Callable[[T], int | None]) -> list[T]:
    """The department's products in their order, then the others in theirs."""
    inside = [item for item in ranked if department_of(item) == department]
    return inside + [item for item in ranked if department_of(item) != department]


def root_of(categories: dict[int, Category], category_id: int | None) -> int | None:
    """The top-level category above (or at) ``category_id``; None for none, an unknown one, or a cycle."""
    path = ancestors_path(categories, category_id) if category_id is not None else []
    return path[0].category_id if path and path[0].parent_id is None else None


def aisle_of(categories: dict[int, Category], category_id: int | None) -> int | None:
    """The category two levels down above (or at) ``category_id``: its aisle within the department ("Cell Phones >
    Cell Phone Accessories" for iPhone cables and car chargers alike); the category itself when it is higher."""
    path = ancestors_path(categories, category_id) if category_id is not None else []
    return path[min(1, len(path) - 1)].category_id if path else None


def aisle_of_most(exact: Iterable[int | None]) -> int | None:
    """The aisle (from the exact matches' aisles) where more than half of them sit; None when they spread out
    (phones and their cases) and so say nothing of which near matches to prefer."""
    aisles = list(exact)
    most, count = max(Counter(aisles).items(), key=lambda pair: pair[1], default=(None, 0))
    return most if 2 * count > len(aisles) else None

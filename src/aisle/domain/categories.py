"""The category tree: every product sits in one category; a category path runs from a root down to it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Category:
    category_id: int
    name: str
    parent_id: int | None
    path: str  # "Electronics > Audio > Headphones": unique, the natural key

    @property
    def slug(self) -> str:
        return slugify(self.path)


def path_of(names: Iterable[str]) -> str:
    return PATH_SEPARATOR.join(clean_name(n) for n in names)


def clean_name(name: str) -> str:
    return " ".join(name.replace(">", "-").split())


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def ancestors_path(categories_by_id: dict[int, Category], category_id: int) -> list[Category]:
    """The categories from the root down to ``category_id`` (inclusive)."""
    chain: list[Category] = []
    current = categories_by_id.get(category_id)
    while current is not None and len(chain) < 32:  # the bound guards against a cycle in bad data
        chain.append(current)
        current = categories_by_id.get(current.parent_id) if current.parent_id is not None else None
    return list(reversed(chain))


def descendants(categories_by_id: dict[int, Category], category_id: int) -> list[int]:
    """The category and every category below it."""
    children: dict[int | None, list[int]] = {}
    for category in categories_by_id.values():
        children.setdefault(category.parent_id, []).append(category.category_id)
    found, frontier = [category_id], [category_id]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found.extend(frontier)
    return found


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    product_count: int  # the category's products and its descendants'
    children: tuple[CategoryNode, ...]


def build_tree(categories: Iterable[Category], product_counts: dict[int, int] | None = None) -> list[CategoryNode]:
    """The roots, each with its children by name; counts include each category's descendants."""
    counts = product_counts or {}
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> CategoryNode:
        kids = tuple(node(c) for c in sorted(children.get(category.category_id, []), key=lambda c: c.name))
        total = counts.get(category.category_id, 0) + sum(k.product_count for k in kids)
        return CategoryNode(category, total, kids)

    return [node(c) for c in sorted(children.get(None, []), key=lambda c: c.name)]

"""The category tree answer (GET /api/v1/categories); the storefront's departments menu shows the same."""

from __future__ import annotations

from pydantic import Field

from aisle.domain.categories import CategoryNode as Node
from aisle.entrypoints.api.shapes.common import Wire, Wired


class CategoryNode(Wire):
    id: str
    name: str
    path: str
    slug: str
    product_count: int = Field(description="ACTIVE products in the category and below")
    children: list[CategoryNode]


class CategoryTree(Wire):
    categories: list[CategoryNode]


def node_shown(node: Node) -> Wired:
    category = node.category
    return {
        "id": str(category.category_id),
        "name": category.name,
        "path": category.path,
        "slug": category.slug,
        "product_count": node.product_count,
        "children": [node_shown(child) for child in node.children],
    }

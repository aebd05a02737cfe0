from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError

from aisle.adapters.sql import schema as t
from aisle.domain.categories import PATH_SEPARATOR, Category, clean_name
from aisle.domain.errors import InvalidInput


class SqlCategoryRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def all(self) -> list[Category]:
        return [_to_category(r) for r in self._db.execute(select(t.categories))]

    def get(self, category_id: int) -> Category | None:
        row = self._db.execute(select(t.categories).where(t.categories.c.category_id == category_id)).first()
        return None if row is None else _to_category(row)

    def get_or_create_path(self, names: Sequence[str], new_id: Callable[[], int]) -> Category:
        cleaned = [clean_name(n) for n in names if clean_name(n)]
        if not cleaned:
            raise InvalidInput.single("category_path", "must name at least one category")
        parent: Category | None = None
        for depth in range(1, len(cleaned) + 1):
            path = PATH_SEPARATOR.join(cleaned[:depth])
            parent = self._by_path(path) or self._insert(
                Category(new_id(), cleaned[depth - 1], parent.category_id if parent else None, path)
            )
        assert parent is not None
        return parent

    def _by_path(self, path: str) -> Category | None:
        row = self._db.execute(select(t.categories).where(t.categories.c.path == path)).first()
        return None if row is None else _to_category(row)

    def _insert(self, category: Category) -> Category:
        try:
            with self._db.begin_nested():  # a concurrent import may create the same path: then use theirs
                self._db.execute(
                    t.categories.insert().values(
                        category_id=category.category_id,
                        parent_id=category.parent_id,
                        name=category.name,
                        path=category.path,
                    )
                )
            return category
        except IntegrityError:
            existing = self._by_path(category.path)
            assert existing is not None
            return existing


def _to_category(row: Row) -> Category:
    return Category(row.category_id, row.name, row.parent_id, row.path)

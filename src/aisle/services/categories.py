"""The category tree, read often and changed rarely: cached in process for a few seconds."""

from __future__ import annotations

import threading
import time

from aisle.domain.categories import Category
from aisle.services.ports import UnitOfWorkFactory

CATEGORY_TTL_SECONDS = 10.0


class CategoryCache:
    def __init__(self, uow_factory: UnitOfWorkFactory, ttl_seconds: float = CATEGORY_TTL_SECONDS) -> None:
        self._uow = uow_factory
        self._ttl = ttl_seconds
        self._categories: dict[int, Category] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> dict[int, Category]:
        if time.monotonic() - self._loaded_at > self._ttl:
            with self._lock, self._uow(readonly=True) as uow:
                self._categories = {c.category_id: c for c in uow.categories.all()}
                self._loaded_at = time.monotonic()
        return self._categories

    def forget(self) -> None:
        self._loaded_at = float("-inf")

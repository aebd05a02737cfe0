"""In-process notice that a product just changed, heard before the outbox relay tells every process."""

from __future__ import annotations

from collections.abc import Callable, Iterable


class ProductChanges:
    def __init__(self) -> None:
        self._listeners: list[Callable[[int], None]] = []

    def listen(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    def __call__(self, product_id: int) -> None:
        for listener in self._listeners:
            listener(product_id)

    def many(self, product_ids: Iterable[int]) -> None:
        for product_id in product_ids:
            self(product_id)

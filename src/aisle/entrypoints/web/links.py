"""Links that change one thing about the current query string: add or drop a filter, go to a page."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

Pairs = tuple[tuple[str, str], ...]


class Query:
    """An ordered, multi-valued query string that makes new links without touching the page's own."""

    def __init__(self, path: str, pairs: Iterable[tuple[str, str]]) -> None:
        self.path = path
        self.pairs: Pairs = tuple((k, v) for k, v in pairs if v not in ("", None))

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.pairs if k == key), None)

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def url(self, **changes: str | None) -> str:
        """Sets (or with None drops) single-valued keys; any change but a page change goes back to page 1."""
        return self.changed(**changes).link

    def changed(self, **changes: str | None) -> Query:
        dropped = set(changes) | ({"page"} if "page" not in changes else set())
        pairs = [(k, v) for k, v in self.pairs if k not in dropped]
        pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
        return Query(self.path, pairs)

    def moved(self, path: str) -> Query:
        """The same query string on another page (a subcategory's, keeping the filters chosen)."""
        return Query(path, self.pairs)

    def added(self, key: str, values: Iterable[str]) -> Query:
        return Query(self.path, [*self.pairs, *((key, v) for v in values)])

    @property
    def link(self) -> str:
        return self._link(list(self.pairs))

    def toggled(self, key: str, value: str) -> str:
        """Adds a repeatable value, or drops it when present (brand and attribute checkboxes)."""
        present = (key, value) in self.pairs
        pairs = [(k, v) for k, v in self.pairs if k != "page" and (k, v) != (key, value)]
        if not present:
            pairs.append((key, value))
        return self._link(pairs)

    def _link(self, pairs: list[tuple[str, str]]) -> str:
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path

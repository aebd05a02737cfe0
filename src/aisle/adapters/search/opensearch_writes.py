"""Writes into one OpenSearch index (or the alias in front of it): bulk upserts and deletes with external versions.

Versioning. Every write carries ``version = the engine clock in microseconds`` with ``version_type=external_gte``:

* a write never replaces a newer one: a request that was delayed or retried after a later write reached the
  index is refused with 409, which only means "something newer is already there" and is not an error;
* replays are idempotent: a retried bulk request resends the very same versions, and ``_gte`` accepts equal
  versions, so a retry of a request that had in fact succeeded rewrites the same content instead of failing;
* deletes carry a version too, and OpenSearch keeps their tombstone for ``index.gc_deletes`` (60 s), so an
  older upsert arriving just after a delete does not resurrect the product.

The product ``version`` cannot serve: reviews, prices and stock change a document without bumping it. The
clock orders writes by when they were *sent*, which is the best the engine can know; the index builder loads
the newest state right before writing, so the window left (a builder that loaded earlier but wrote later) is
the time between its read and its write. Clocks of different hosts must be NTP-synchronized.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import orjson
from opensearchpy import OpenSearch

from aisle.adapters.search.opensearch_mapping import SourceBuilder
from aisle.domain.search.document import SearchDocument

BULK_CHUNK = 1_000  # documents per _bulk request (descriptions are capped at 2,000 characters: a few MB)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONFLICT, NOT_FOUND = 409, 404


class OpenSearchWriteError(RuntimeError):
    """Some documents of a bulk request were refused for a reason other than a newer version."""


def write_version(now: datetime) -> int:
    return (now - EPOCH) // timedelta(microseconds=1)


class IndexWriter:
    """Writes into ``index`` (a physical index, or an alias with one write index). Also a RebuildTarget.

    Through an alias, every write requires the alias (``require_alias``): were the index behind it deleted (a
    cluster restored without its data), OpenSearch would otherwise create an index under the alias's own name
    with mappings guessed from the first document, which searches and facets cannot use and which keeps the
    alias from ever being created again. Refused instead, the writes are retried until the index is rebuilt."""

    def __init__(
        self,
        client: OpenSearch,
        index: str,
        sources: SourceBuilder,
        now: Callable[[], datetime],
        timeout_seconds: float,
        through_alias: bool = False,
    ) -> None:
        self.client = client
        self.index = index
        self._sources = sources
        self._now = now
        self._timeout = timeout_seconds
        self._params = {"require_alias": "true"} if through_alias else {}

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        now = self._now()
        version = write_version(now)
        for chunk in _chunks(documents):
            lines: list[bytes] = []
            for doc in chunk:
                lines.append(_action("index", doc.product_id, version))
                lines.append(orjson.dumps(self._sources.source(doc, now)))
            self._bulk(lines)

    def delete(self, product_ids: Sequence[int]) -> None:
        version = write_version(self._now())
        for chunk in _chunks(product_ids):
            self._bulk([_action("delete", product_id, version) for product_id in chunk])

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.index, request_timeout=self._timeout)

    def _bulk(self, lines: list[bytes]) -> None:
        if not lines:
            return
        body = b"\n".join(lines) + b"\n"
        response = self.client.bulk(body=body, index=self.index, request_timeout=self._timeout, params=self._params)
        if response.get("errors"):
            _raise_on_real_errors(response["items"])


def _action(kind: str, product_id: int, version: int) -> bytes:
    return orjson.dumps({kind: {"_id": str(product_id), "version": version, "version_type": "external_gte"}})


def _chunks(items: Sequence[Any]) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, BULK_CHUNK)):
        yield chunk


def _raise_on_real_errors(items: list[dict[str, Any]]) -> None:
    failures = []
    for item in items:
        kind, result = next(iter(item.items()))
        status = result.get("status", 500)
        if status < 300 or status == CONFLICT or (kind == "delete" and status == NOT_FOUND):
            continue  # 409: a newer version is already indexed; 404 on delete: already gone
        failures.append(f"{kind} {result.get('_id')}: {status} {result.get('error')}")
    if failures:
        raise OpenSearchWriteError(f"{len(failures)} bulk item(s) failed, e.g. {failures[:3]}")

"""Picks the reader for a format; optionally gives real products deterministic generated reviews for the demo."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from aisle.adapters.importers.bestbuy import read_bestbuy
from aisle.adapters.importers.icecat import read_icecat
from aisle.adapters.importers.jsonl import read_jsonl
from aisle.adapters.importers.records import ImportRecord, ProductRecord
from aisle.adapters.importers.synthetic import generate_catalog, generate_reviews_for

SOURCE_NAMES = {
    "bestbuy": "Best Buy (imported)",
    "icecat": "Icecat (imported)",
    "jsonl": "JSONL import",
}


def read(fmt: str, path: Path, with_generated_reviews: bool = False) -> Iterator[ImportRecord]:
    readers = {"bestbuy": read_bestbuy, "icecat": read_icecat, "jsonl": read_jsonl}
    records = readers[fmt](path)
    return _with_reviews(records) if with_generated_reviews else records


def generated(count: int, seed: int = 7) -> Iterator[ImportRecord]:
    return iter(generate_catalog(count, seed=seed, with_reviews=True))


def count_hint(fmt: str, path: Path) -> int | None:
    """How many records to expect, for the progress bar; None when counting would mean reading everything twice."""
    if fmt == "bestbuy":
        with path.open("rb") as handle:
            return len(json.load(handle))
    if fmt == "icecat":
        return None
    return sum(1 for line in path.open("rb") if line.strip())


def _with_reviews(records: Iterator[ImportRecord]) -> Iterator[ImportRecord]:
    for record in records:
        if isinstance(record, ProductRecord) and not record.reviews:
            title = str(record.data.get("title", ""))
            seed = zlib.crc32(title.encode())  # deterministic per product across runs and machines
            record = replace(record, reviews=generate_reviews_for(title, seed, count=seed % 9))
        yield record

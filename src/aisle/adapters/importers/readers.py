"""Picks the reader for a format; optionally gives real products deterministic generated reviews for the demo."""

from __future__ import annotations

import codecs
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from aisle.adapters.importers.bestbuy import read_bestbuy
from aisle.adapters.importers.icecat import icecat_files, read_icecat
from aisle.adapters.importers.jsonl import read_jsonl
from aisle.adapters.importers.records import ImportRecord, ProductRecord
from aisle.adapters.importers.synthetic import generate_catalog, generate_reviews_for

FILE_FORMATS = ("bestbuy", "jsonl")  # read from one file; icecat also reads a zip or a directory
_SNIFFED_BYTES = 4096  # of a file's start, to tell a zip or a JSON array from what --format names
_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableCatalog(Exception):
    """The path is not what its format says (a JSONL file given as bestbuy, a directory given as jsonl)."""


SOURCE_NAMES = {
    "bestbuy": "Best Buy (imported)",
    "icecat": "Icecat (imported)",
    "jsonl": "JSONL import",
}


def read(fmt: str, path: Path, with_generated_reviews: bool = False) -> Iterator[ImportRecord]:
    readers = {"bestbuy": read_bestbuy, "icecat": read_icecat, "jsonl": read_jsonl}
    _check_path(fmt, path)
    records = _unreadable_as(fmt, path, readers[fmt](path))
    return _with_reviews(records) if with_generated_reviews else records


def generated(count: int, seed: int = 7) -> Iterator[ImportRecord]:
    return iter(generate_catalog(count, seed=seed, with_reviews=True))


def count_hint(fmt: str, path: Path) -> int | None:
    """How many records to expect, for the progress bar; None when counting would mean reading everything twice."""
    _check_path(fmt, path)
    if fmt == "icecat":
        return None
    try:
        if fmt == "bestbuy":
            with path.open("rb") as handle:
                items = json.load(handle)
            return len(items) if isinstance(items, list) else None  # not a list: its reader names the problem
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except (OSError, ValueError, TypeError) as error:  # TypeError: a JSON value that has no length
        raise _unreadable(fmt, path, error) from error
    except RecursionError:
        raise _unreadable(fmt, path, ValueError("it nests arrays or objects too deeply to be read")) from None


def _check_path(fmt: str, path: Path) -> None:
    if fmt in FILE_FORMATS and path.is_dir():
        raise UnreadableCatalog(f"{path} is a directory: --format {fmt} reads one file")
    if fmt == "icecat" and path.is_dir() and not icecat_files(path):
        raise UnreadableCatalog(f"{path} holds no Icecat file (*.json.zip, or *.json unzipped)")
    if fmt in FILE_FORMATS and path.is_file():
        _check_content(fmt, path)


def _check_content(fmt: str, path: Path) -> None:
    """A file plainly of another format is named as such, not reported as a decoding error or as thousands of
    lines that are no JSON object each."""
    try:
        with path.open("rb") as handle:
            start = handle.read(_SNIFFED_BYTES)
    except OSError:
        return  # reading it fails again, and is reported, where it is read
    if start.startswith(_ZIP_MAGIC):
        raise UnreadableCatalog(
            f"{path} is a zip archive: --format {fmt} reads a JSON file "
            "(Icecat's catalogs come zipped: --format icecat)"
        )
    if fmt == "jsonl" and start.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"["):
        raise UnreadableCatalog(
            f"{path} holds a JSON array, not one JSON product a line: is it --format bestbuy or --format icecat?"
        )


def _unreadable_as(fmt: str, path: Path, records: Iterator[ImportRecord]) -> Iterator[ImportRecord]:
    """A file that is not what its format says ends the import with a sentence, not a traceback (a record
    that is malformed in a readable file is the importer's business: it is counted as skipped or failed)."""
    try:
        yield from records
    except (OSError, ValueError, zipfile.BadZipFile) as error:  # json's and unicode's decode errors are ValueErrors
        raise _unreadable(fmt, path, error) from error


def _unreadable(fmt: str, path: Path, error: Exception) -> UnreadableCatalog:
    expected = {
        "bestbuy": "the JSON array of Best Buy's products.json",
        "icecat": "an Icecat zip, directory or JSON array",
        "jsonl": "one JSON product per line, in the seller API's shape",
    }[fmt]
    return UnreadableCatalog(f"{path} cannot be read as {fmt} ({expected}): {error}")


def _with_reviews(records: Iterator[ImportRecord]) -> Iterator[ImportRecord]:
    for record in records:
        if isinstance(record, ProductRecord) and not record.reviews:
            title = str(record.data.get("title", ""))
            seed = zlib.crc32(title.encode())  # deterministic per product across runs and machines
            record = replace(record, reviews=generate_reviews_for(title, seed, count=seed % 9))
        yield record

"""Reads Icecat product exports: a zip holding JSON arrays, a directory of such zips, or a plain JSON file.

Icecat has no category field, so each product is placed from its title and specs (``place_in_category``); one
that fits nowhere gets an empty category path, which the import service counts as "not placed". Of the
thousands of sparse ``attr_t_``/``attr_n_``/``attr_b_`` spec fields a product keeps at most ``MAX_ATTRIBUTES``,
in Icecat's own order (main features first), leaving out logistics data (pallets, packaging, storage climate).
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from aisle.adapters.importers.brands import brand_name
from aisle.adapters.importers.feed_text import pieces_spelled_out, repaired
from aisle.adapters.importers.jsonl import iter_json_array
from aisle.adapters.importers.records import ImportRecord, ProductRecord, SkippedRecord, without_repeated_skus
from aisle.domain.catalog import MAX_WEIGHT_GRAMS, gtin_problem
from aisle.domain.categorize import place_in_category, readable_spec_name

SKU_PREFIX = "IC-"
MAX_ATTRIBUTES = 40
MAX_TEXT_ATTRIBUTE = 200
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
MAX_BRAND = 200
IMAGE_FIELDS_BEST_FIRST = ("img_high", "img_500x500", "img_low", "img_thumb")
SPECS_IN_GENERATED_DESCRIPTION = 8

_LOGISTICS_SPEC_WORDS = (
    "package",
    "pallet",
    "master_outer_case",
    "quantity_per_",
    "cartons",
    "layers_per",
    "harmonized_system",
    "unspsc",
    "imperial",
    "storage_temperature",
    "storage_relative_humidity",
    "operating_relative_humidity",
    "non_operating",
    "last_change",
    "ark_id",
    "country_of_origin",
)
_HTML_LINE_BREAK = re.compile(r"<\s*(br|/li|/p|/div)\s*/?\s*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
_NOT_SKU_CHARACTER = re.compile(r"[^A-Za-z0-9._-]")
_DIGITS = re.compile(r"(\d+)")


def read_icecat(path: Path) -> Iterator[ImportRecord]:
    """One record per product, numbered from 1 across every file read."""
    items = (item for stream in _json_streams(path) for item in iter_json_array(stream))
    yield from without_repeated_skus(_record(number, item) for number, item in enumerate(items, start=1))


def icecat_files(directory: Path) -> list[Path]:
    """The catalog's files in a directory: its zips, and the JSON arrays they hold once unzipped, in number order."""
    found = [p for p in directory.iterdir() if p.is_file() and p.name.endswith((".json.zip", ".json"))]
    return sorted(found, key=_natural_order)


def _is_zip(path: Path) -> bool:
    """zipfile.is_zipfile, but a file that cannot be opened says why (permission denied) instead of passing for a
    damaged archive: is_zipfile answers False to any OSError."""
    with path.open("rb") as file:
        return zipfile.is_zipfile(file)


def _json_streams(path: Path) -> Iterator[TextIO]:
    if path.is_dir():
        for file in icecat_files(path):
            yield from _json_streams(file)
    elif _is_zip(path):
        yield from _zip_members(path)
    elif path.name.endswith(".zip"):
        raise zipfile.BadZipFile("not a zip archive (damaged, or cut short)")
    else:
        with path.open(encoding="utf-8-sig") as stream:
            yield stream


def _zip_members(path: Path) -> Iterator[TextIO]:
    with zipfile.ZipFile(path) as archive:
        names = sorted((n for n in archive.namelist() if n.endswith(".json")), key=_natural_order)
        for name in names:
            with _text_member(archive, name) as stream:
                yield stream


@contextmanager
def _text_member(archive: zipfile.ZipFile, name: str) -> Iterator[TextIO]:
    with archive.open(name) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig") as stream:
        yield stream


def _natural_order(path: Path | str) -> list[int | str]:
    """Sorts "2.json.zip" before "10.json.zip"."""
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(str(path))]


def _record(number: int, item: Any) -> ImportRecord:
    if not isinstance(item, dict):
        return SkippedRecord(number, "not a JSON object")
    sku = _sku(item.get("id"))
    if sku is None:
        return SkippedRecord(number, "no Icecat product id")
    title = pieces_spelled_out(_plain(item.get("title")) or _plain(item.get("name")))
    if not title:
        return SkippedRecord(number, "no title")
    price = _price_from_cents(item.get("price"))
    if price is None:
        return SkippedRecord(number, f"no valid price (found {item.get('price')!r})")
    specs = {key: value for key, value in item.items() if key.startswith("attr_")}
    return ProductRecord(number, _product_data(item, title, sku, price, specs))


def _product_data(item: dict[str, Any], title: str, sku: str, price: Decimal, specs: dict[str, Any]) -> dict[str, Any]:
    attributes = shopper_attributes(specs)
    description = pieces_spelled_out(_plain(item.get("short_description"))) or _description_from(title, attributes)
    colour = specs.get("attr_t_product_colour")
    return {
        "title": title[:MAX_TITLE],
        "description": description[:MAX_DESCRIPTION],
        "brand": brand_name(_plain(item.get("supplier")))[:MAX_BRAND] or None,
        "category_path": list(place_in_category(title, specs) or ()),
        "images": _best_image(item),
        "status": "ACTIVE",
        "gtin": _first_ean(item.get("ean")),
        "attributes": attributes,
        "popularity": None,
        "variants": [
            {
                "sku": sku,
                "attributes": {"color": _clipped(colour)} if isinstance(colour, str) and colour else {},
                "price": price,
                "compare_price": None,
                "weight_grams": _weight_grams(specs.get("attr_n_weight")),
            }
        ],
    }


def shopper_attributes(specs: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Icecat spec fields under readable keys ("attr_t_product_colour" -> "product_colour"), logistics left out."""
    attributes: dict[str, str | int | float | bool] = {}
    for field, value in specs.items():
        key = _shopper_key(field)
        if key is None or key in attributes:
            continue
        readable = _readable_value(value)
        if readable is not None:
            attributes[key] = readable
            if len(attributes) == MAX_ATTRIBUTES:
                break
    return attributes


@lru_cache(maxsize=16_384)
def _shopper_key(field: str) -> str | None:
    """The readable key of a spec field, or None for logistics data a shopper does not need."""
    key = readable_spec_name(field)[:MAX_TEXT_ATTRIBUTE]
    return None if any(word in key for word in _LOGISTICS_SPEC_WORDS) else key


def _readable_value(value: Any) -> str | int | float | bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):  # NaN or infinity: no spec, and no JSON number to store
            return None
        return int(value) if float(value).is_integer() else value
    if isinstance(value, str):
        return _clipped(_plain(_listed(value))) or None
    return None


def _listed(value: str) -> str:
    """Icecat writes a list's items one a line with an escaped line break ("FX-890\\nFX-890A"), which would show
    as a backslash and an n: the items are listed with commas instead."""
    if "\\n" not in value:
        return value
    items = (item.strip().rstrip(",;").strip() for item in value.split("\\n"))
    return ", ".join(item for item in items if item)


def _description_from(title: str, attributes: Mapping[str, object]) -> str:
    """A description for the products Icecat gives none: the title, then the first few specs."""
    facts = [
        f"{key.replace('_', ' ').capitalize()}: {_spoken(value)}"
        for key, value in list(attributes.items())[:SPECS_IN_GENERATED_DESCRIPTION]
    ]
    return f"{title}. {'; '.join(facts)}." if facts else f"{title}."


def _spoken(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _plain(value: Any) -> str:
    """Text without HTML markup or entities, garbled characters repaired, whitespace collapsed."""
    if not isinstance(value, str):
        return ""
    if "<" in value or "&" in value:
        value = html.unescape(_HTML_TAG.sub(" ", _HTML_LINE_BREAK.sub(" ", value)))
    return " ".join(repaired(value).split())


def _clipped(text: str) -> str:
    if len(text) <= MAX_TEXT_ATTRIBUTE:
        return text
    return text[: MAX_TEXT_ATTRIBUTE - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


def _sku(icecat_id: Any) -> str | None:
    if isinstance(icecat_id, bool) or not isinstance(icecat_id, str | int):
        return None
    cleaned = _NOT_SKU_CHARACTER.sub("", str(icecat_id))
    return f"{SKU_PREFIX}{cleaned}"[:64] if cleaned else None


def _price_from_cents(cents: Any) -> Decimal | None:
    if isinstance(cents, bool) or not isinstance(cents, int) or cents <= 0:
        return None
    return Decimal(cents).scaleb(-2)


def _best_image(item: Mapping[str, Any]) -> list[str]:
    # The image fields are sizes of one picture: a gallery of all four would show it four times.
    best = next((url for field in IMAGE_FIELDS_BEST_FIRST if isinstance(url := item.get(field), str) and url), None)
    return [best] if best else []


def _first_ean(eans: Any) -> str | None:
    if isinstance(eans, str):
        eans = [eans]
    if not isinstance(eans, list):
        return None
    # A code that fails its check digit would refuse the whole product; the product is kept without it.
    codes = (ean.strip() for ean in eans if isinstance(ean, str))
    return next((code for code in codes if gtin_problem(code) is None), None)


def _weight_grams(weight: Any) -> int | None:
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 1 <= weight <= MAX_WEIGHT_GRAMS:
        return None  # NaN and infinities too: a weight no one could ship is no weight, and the product is kept
    return round(weight)

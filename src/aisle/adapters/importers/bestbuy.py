"""Reads the Best Buy catalog (a JSON array of products with a category path, a USD price and one image).

The file has no product id: the Best Buy SKU is the file name of each product's image
(".../bestbuy-0118/4984700_sb.jpg"), so that is where the variant SKU comes from.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from aisle.adapters.importers.brands import brand_name
from aisle.adapters.importers.feed_text import repaired
from aisle.adapters.importers.jsonl import iter_json_array
from aisle.adapters.importers.records import ImportRecord, ProductRecord, SkippedRecord, without_repeated_skus
from aisle.domain.money import MAX_PRICE

SKU_PREFIX = "BB-"
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
MAX_BRAND = 200

_CENT = Decimal("0.01")
_SKU_IN_IMAGE_URL = re.compile(r"/(\d+)[^/]*\.\w+$")


def read_bestbuy(path: Path) -> Iterator[ImportRecord]:
    """One record per array element, numbered from 1 in file order."""
    with path.open(encoding="utf-8-sig") as stream:
        records = (_record(number, item) for number, item in enumerate(iter_json_array(stream), start=1))
        yield from without_repeated_skus(records)


def _record(number: int, item: Any) -> ImportRecord:
    if not isinstance(item, dict):
        return SkippedRecord(number, "not a JSON object")
    title = _plain(item.get("name"))
    if not title:
        return SkippedRecord(number, "no product name")
    price = _price(item.get("price"))
    if price is None:
        return SkippedRecord(number, f"no valid price (found {item.get('price')!r})")
    return ProductRecord(number, _product_data(number, item, title, price))


def _product_data(number: int, item: dict[str, Any], title: str, price: Decimal) -> dict[str, Any]:
    image = item.get("image")
    return {
        "title": title[:MAX_TITLE],
        "description": _plain(item.get("description"))[:MAX_DESCRIPTION],
        "brand": brand_name(_plain(item.get("brand")))[:MAX_BRAND] or None,
        "category_path": [name for name in map(_plain, item.get("categories") or []) if name],
        "images": [image] if isinstance(image, str) and image else [],
        "status": "ACTIVE",
        "gtin": None,
        "attributes": {},
        "popularity": _popularity(item.get("popularity")),
        "variants": [
            {
                "sku": _sku(image, title),
                "attributes": _colour(title),
                "price": price,
                "compare_price": None,
                "weight_grams": None,
            }
        ],
    }


MAX_COLOUR = 60
_TRADEMARK = re.compile("[\u00ae\u2122]")  # ® ™
_CARRIER_NOTE = re.compile(r"\s*\([^)]*\)\s*$")  # "Black Onyx (Verizon)": the carrier is no colour


def _colour(title: str) -> dict[str, str]:
    """Best Buy titles read "Brand - Product - Colour": the colour is the last " - " part, when there are three
    and it does not name a product ("... - Essentials Bundle for Apple® iPhone® 7": trademarks mark product names)."""
    parts = title.split(" - ")
    if len(parts) < 3:
        return {}
    colour = _CARRIER_NOTE.sub("", parts[-1]).strip()
    if not colour or len(colour) > MAX_COLOUR or colour[0].isdigit() or _TRADEMARK.search(colour):
        return {}
    return {"color": colour}


def _plain(value: Any) -> str:
    """Text with HTML entities decoded ("&#8250;"), garbled characters repaired and whitespace collapsed."""
    return " ".join(repaired(html.unescape(value)).split()) if isinstance(value, str) else ""


def _price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_PRICE:
        return None  # NaN, infinities and 1e30 too: no price anyone sells at
    price = Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return price if price > 0 else None


def _popularity(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _sku(image_url: Any, title: str) -> str:
    """Best Buy's SKU, read from the image URL; without one, a SKU made from the name, not from the item's place in
    the file: a feed with one more item in front would otherwise import an item again under another SKU."""
    match = _SKU_IN_IMAGE_URL.search(image_url) if isinstance(image_url, str) else None
    if match:
        return f"{SKU_PREFIX}{match.group(1)}"
    return f"{SKU_PREFIX}name-{hashlib.sha256(title.casefold().encode()).hexdigest()[:16]}"

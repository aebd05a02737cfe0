"""The product aggregate: content a seller controls, a version bumped by every change, and the events it records."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from aisle.domain import events as ev
from aisle.domain.errors import Conflict, FieldError, InvalidInput
from aisle.domain.money import price_problem

MAX_VARIANTS = 50
MAX_IMAGES = 20
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
MAX_WEIGHT_GRAMS = 1_000_000
SKU_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
GTIN_TEXT = r"^(?:[0-9]{8}|[0-9]{12,14})$"  # GTIN-8, UPC-A (12), EAN-13, GTIN-14
GTIN_PATTERN = re.compile(GTIN_TEXT)


class ProductStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DELETED = "DELETED"


SELLER_SETTABLE_STATUSES = frozenset({ProductStatus.DRAFT, ProductStatus.ACTIVE, ProductStatus.INACTIVE})


@dataclass(frozen=True)
class Variant:
    sku: str
    price: Decimal
    compare_price: Decimal | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    weight_grams: int | None = None
    variant_id: int | None = None  # assigned when the product is created or the variant first appears


@dataclass(frozen=True)
class ProductContent:
    """Everything a seller can set. Each version of a product is one of these."""

    title: str
    variants: tuple[Variant, ...]
    description: str = ""
    brand: str | None = None
    category_id: int | None = None
    images: tuple[str, ...] = ()
    status: ProductStatus = ProductStatus.DRAFT
    attributes: Mapping[str, Any] = field(default_factory=dict)
    gtin: str | None = None
    canonical_product_id: int | None = None  # "I sell that same product": joins its buy box, like a shared GTIN
    popularity: float | None = None


def content_problems(content: ProductContent) -> list[FieldError]:
    """Rules every version of a product obeys, whatever door it came in by (API, bulk job, import)."""
    problems: list[FieldError] = []
    if not content.title.strip():
        problems.append(FieldError("title", "must not be empty"))
    if len(content.title) > MAX_TITLE:
        problems.append(FieldError("title", f"must be at most {MAX_TITLE} characters"))
    if len(content.description) > MAX_DESCRIPTION:
        problems.append(FieldError("description", f"must be at most {MAX_DESCRIPTION} characters"))
    if len(content.images) > MAX_IMAGES:
        problems.append(FieldError("images", f"at most {MAX_IMAGES} images"))
    if not 1 <= len(content.variants) <= MAX_VARIANTS:
        problems.append(FieldError("variants", f"a product has 1 to {MAX_VARIANTS} variants"))
    if content.gtin is not None and (reason := gtin_problem(content.gtin)):
        problems.append(FieldError("gtin", reason))
    if reason := _same_name_twice(content.attributes):
        problems.append(FieldError("attributes", reason))
    problems.extend(_variant_problems(content.variants))
    return problems


def gtin_problem(gtin: str) -> str | None:
    """GS1's rule for every GTIN length (EAN-8, UPC-A, EAN-13, GTIN-14): the last digit checks the others, so a
    mistyped digit or two swapped neighbours are caught before the code joins another seller's buy box."""
    if not GTIN_PATTERN.fullmatch(gtin):
        return "must be 8, 12, 13 or 14 digits"
    if not gtin.strip("0"):
        return "must not be all zeros"
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return f"check digit should be {expected}, not {gtin[-1]}: a digit is mistyped"
    return None


def gtin_forms(gtin: str) -> tuple[str, ...]:
    """The same code as a shopper may type it: UPC-A (12 digits), EAN-13 and GTIN-14 differ only by leading
    zeros, so "095205603217" on a US box names the product an EAN list holds as "0095205603217"."""
    significant = gtin.lstrip("0")
    padded = (significant.zfill(width) for width in (12, 13, 14) if len(significant) <= width)
    return tuple(dict.fromkeys((gtin, *padded)))


def gtin_check_digit(body: str) -> int:
    """GS1 mod 10: digits weigh 3, 1, 3, ... from the right."""
    weighted = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - weighted % 10) % 10


def sku_key(sku: str) -> str:
    """A SKU as a seller's SKUs are told apart: in any case ("case-sku-1" is "CASE-SKU-1"), as the portal finds them.
    SKUs are ASCII (SKU_PATTERN), so this is also what SQL's lower() makes of them."""
    return sku.casefold()


def duplicate_sku(index: int, sku: str) -> FieldError:
    """Variant ``index`` repeats the SKU of an earlier variant of the same product (in any case)."""
    return FieldError(f"variants[{index}].sku", f"duplicate SKU {sku!r} in this product")


def _variant_problems(variants: tuple[Variant, ...]) -> list[FieldError]:
    problems: list[FieldError] = []
    seen: set[str] = set()
    options_at: dict[frozenset[tuple[str, str]], int] = {}
    for index, variant in enumerate(variants):
        where = f"variants[{index}]"
        options = _options(variant.attributes)
        if options and (first := options_at.setdefault(options, index)) != index:
            # a shopper would see two identical choices ("S / red" twice) at two prices
            problems.append(FieldError(f"{where}.attributes", f"has the same options as variants[{first}]"))
        if not SKU_PATTERN.fullmatch(variant.sku):
            problems.append(FieldError(f"{where}.sku", "must be 1-64 characters of letters, digits, '.', '_', '-'"))
        elif sku_key(variant.sku) in seen:
            problems.append(duplicate_sku(index, variant.sku))
        seen.add(sku_key(variant.sku))
        if reason := price_problem(variant.price):
            problems.append(FieldError(f"{where}.price", reason))
        if variant.compare_price is not None:
            if reason := price_problem(variant.compare_price):
                problems.append(FieldError(f"{where}.compare_price", reason))
            elif variant.compare_price <= variant.price:
                problems.append(FieldError(f"{where}.compare_price", "must be greater than price"))
        if variant.weight_grams is not None and variant.weight_grams < 0:
            problems.append(FieldError(f"{where}.weight_grams", "must not be negative"))
        if reason := _same_name_twice(variant.attributes):
            problems.append(FieldError(f"{where}.attributes", reason))
    return problems


def _options(attributes: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """A variant's options as a shopper tells them apart: names and values in any case and spacing."""
    return frozenset((attribute_name(n), folded(str(v))) for n, v in attributes.items())


def attribute_name(name: str) -> str:
    """An attribute's name as the index keeps it and filters read it: ``folded``."""
    return folded(name)


def folded(text: str) -> str:
    """Text as a shopper tells it apart: in any case and spacing, and in any of Unicode's spellings of the same
    letters ("Rosé" typed with its accent built in or after the "e", "Red" in full-width letters)."""
    return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).split())


def _same_name_twice(attributes: Mapping[str, Any]) -> str | None:
    """Shoppers filter on attributes by name in any case and spacing (attr=color:Red), so "Color" and "color", or
    "Screen Size" and "screen  size", would be one attribute with two values."""
    seen: dict[str, str] = {}
    for name in attributes:
        if (earlier := seen.setdefault(attribute_name(name), name)) != name:
            return f"{earlier!r} and {name!r} name one attribute (names are read in any case and spacing): keep one"
    return None


@dataclass
class Product:
    product_id: int
    seller_id: int
    content: ProductContent
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[ev.Event] = field(default_factory=list, compare=False, repr=False)

    @property
    def status(self) -> ProductStatus:
        return self.content.status

    @classmethod
    def create(
        cls,
        product_id: int,
        seller_id: int,
        content: ProductContent,
        now: datetime,
        new_id: Callable[[], int],
    ) -> Product:
        _require_valid(content)
        content = _assign_variant_ids(content, previous=(), new_id=new_id)
        product = cls(product_id, seller_id, content, version=1, created_at=now, updated_at=now)
        product.events.append(ev.Event(ev.PRODUCT_CREATED, product_id, {"version": 1, "seller_id": seller_id}))
        return product

    def update(self, content: ProductContent, now: datetime, new_id: Callable[[], int]) -> list[str]:
        """Replaces the content as a new version; returns the names of the fields that changed (none: nothing
        was written, the version stays)."""
        if self.status is ProductStatus.DELETED:
            raise Conflict("the product is deleted: roll back to a previous version to restore it", "product_id")
        return self._change_to(content, now, new_id, reason={})

    def rollback_to(self, version: int, content: ProductContent, now: datetime, new_id: Callable[[], int]) -> list[str]:
        """Restores an earlier version's content as a new version (history is never rewritten)."""
        return self._change_to(content, now, new_id, reason={"rolled_back_to": version})

    def delete(self, now: datetime) -> None:
        if self.status is ProductStatus.DELETED:
            raise Conflict(
                "the product is already deleted: roll back to a previous version to restore it", "product_id"
            )
        self.content = replace(self.content, status=ProductStatus.DELETED)
        self._bump(now)
        self.events.append(ev.Event(ev.PRODUCT_DELETED, self.product_id, {"version": self.version}))

    def _change_to(
        self, content: ProductContent, now: datetime, new_id: Callable[[], int], reason: dict[str, Any]
    ) -> list[str]:
        _require_valid(content)
        content = _assign_variant_ids(content, previous=self.content.variants, new_id=new_id)
        changed = changed_fields(self.content, content)
        if not changed:  # the same content again (a feed sent twice, an empty PATCH): no version, no event
            return []
        price_changes = _price_changes(self.content.variants, content.variants)
        self.content = content
        self._bump(now)
        payload = {"version": self.version, "changed": changed, **reason}
        self.events.append(ev.Event(ev.PRODUCT_UPDATED, self.product_id, payload))
        if price_changes:
            self.events.append(
                ev.Event(ev.PRICE_CHANGED, self.product_id, {"version": self.version, "variants": price_changes})
            )
        return changed

    def _bump(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


def _require_valid(content: ProductContent) -> None:
    if problems := content_problems(content):
        raise InvalidInput(problems)


def _assign_variant_ids(
    content: ProductContent, previous: tuple[Variant, ...], new_id: Callable[[], int]
) -> ProductContent:
    """A variant keeps its id for as long as its SKU stays on the product (stock and prices hang off that id), and
    one a rollback brings back gets the id it had (the content of an earlier version carries it)."""
    ids_by_sku = {v.sku: v.variant_id for v in previous}
    variants = tuple(replace(v, variant_id=ids_by_sku.get(v.sku) or v.variant_id or new_id()) for v in content.variants)
    return replace(content, variants=variants)


def _price_changes(before: tuple[Variant, ...], after: tuple[Variant, ...]) -> list[dict[str, str | None]]:
    old_prices = {v.sku: v.price for v in before}
    return [
        {
            "variant_id": str(v.variant_id),
            "sku": v.sku,
            "old": _str(old_prices.get(v.sku)),
            "new": str(v.price),
        }
        for v in after
        if old_prices.get(v.sku) != v.price
    ]


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


ROLLED_BACK = "product.rolled_back"  # a version's label only: the rollback's event is product.updated


def version_event(events: Sequence[ev.Event]) -> str:
    """What a new version is said to be: an edit that changed prices and nothing beside the variants is a price
    change; an edit of the title (or anything else) that also changed prices is an edit; a rollback is said as
    one, whatever it changed."""
    if not events:
        return "unknown"
    edit = next((e for e in events if e.name == ev.PRODUCT_UPDATED), None)
    if edit is not None and "rolled_back_to" in edit.payload:
        return ROLLED_BACK
    if edit is not None and set(edit.payload.get("changed", ())) - {"variants"}:
        return ev.PRODUCT_UPDATED
    return events[-1].name


def changed_fields(before: ProductContent, after: ProductContent) -> list[str]:
    old, new = content_to_dict(before), content_to_dict(after)
    return [name for name in new if old.get(name) != new[name]]


def content_to_dict(content: ProductContent) -> dict[str, Any]:
    """A JSON-safe snapshot (money as strings, ids as strings) used for version history."""
    return {
        "title": content.title,
        "description": content.description,
        "brand": content.brand,
        "category_id": None if content.category_id is None else str(content.category_id),
        "images": list(content.images),
        "status": content.status.value,
        "attributes": dict(content.attributes),
        "gtin": content.gtin,
        "canonical_product_id": None if content.canonical_product_id is None else str(content.canonical_product_id),
        "popularity": content.popularity,
        "variants": [variant_to_dict(v) for v in content.variants],
    }


def variant_to_dict(variant: Variant) -> dict[str, Any]:
    return {
        "variant_id": None if variant.variant_id is None else str(variant.variant_id),
        "sku": variant.sku,
        "price": str(variant.price),
        "compare_price": _str(variant.compare_price),
        "attributes": dict(variant.attributes),
        "weight_grams": variant.weight_grams,
    }


def content_from_dict(data: Mapping[str, Any]) -> ProductContent:
    return ProductContent(
        title=data["title"],
        description=data.get("description") or "",
        brand=data.get("brand"),
        category_id=None if data.get("category_id") is None else int(data["category_id"]),
        images=tuple(data.get("images") or ()),
        status=ProductStatus(data.get("status", ProductStatus.DRAFT)),
        attributes=dict(data.get("attributes") or {}),
        gtin=data.get("gtin"),
        canonical_product_id=None if data.get("canonical_product_id") is None else int(data["canonical_product_id"]),
        popularity=data.get("popularity"),
        variants=tuple(variant_from_dict(v) for v in data["variants"]),
    )


def variant_from_dict(data: Mapping[str, Any]) -> Variant:
    compare = data.get("compare_price")
    return Variant(
        sku=data["sku"],
        price=Decimal(str(data["price"])),
        compare_price=None if compare is None else Decimal(str(compare)),
        attributes=dict(data.get("attributes") or {}),
        weight_grams=data.get("weight_grams"),
        variant_id=None if data.get("variant_id") is None else int(data["variant_id"]),
    )

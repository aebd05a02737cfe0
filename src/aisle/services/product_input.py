"""The product body sellers send (API, bulk NDJSON, JSONL import), validated once, the same way for every door."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from aisle.domain.catalog import (
    GTIN_TEXT,
    MAX_DESCRIPTION,
    MAX_IMAGES,
    MAX_TITLE,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
    ProductContent,
    ProductStatus,
    Variant,
    gtin_problem,
)
from aisle.domain.errors import FieldError, InvalidInput
from aisle.domain.money import MAX_PRICE, price_problem, to_money
from aisle.domain.visible_text import shows_anything
from aisle.services.input_model import (
    IdText,
    InputModel,
    VisibleText,
    down_to_value,
    plain_reason,
    visible,
)

Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", examples=["TSHIRT-BLU-M"])]


def _checked_gtin(value: str) -> str:
    if reason := gtin_problem(value):
        raise ValueError(reason)
    return value


Gtin = Annotated[str, Field(pattern=GTIN_TEXT), AfterValidator(_checked_gtin)]


ShortText = Annotated[str, Field(max_length=200)]
AttributeName = Annotated[str, Field(max_length=200), VisibleText]


def _filterable_name(name: str) -> str:
    if ":" in name:  # `attr=name:value` ends the name at its first colon ("ratio:16:9" is the value 16:9)
        raise ValueError("the name must not hold ':', which ends a name in an attr=name:value search filter")
    return name


# A variant's attributes are what shoppers filter on: attr=color:Red
VariantAttributeName = Annotated[str, Field(max_length=200), VisibleText, AfterValidator(_filterable_name)]
MAX_ATTRIBUTE_VALUE = 10_000  # a spec sheet's longest field (Icecat's reach 6,900 characters)
MAX_ATTRIBUTES_TEXT = 50_000  # names and values together: a product page stays a page


def _attribute_value(value: Any) -> str | int | float | bool:
    """One reason for a wrong value, where a union of types would give one per type."""
    if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_VALUE:
        raise ValueError(f"must be at most {MAX_ATTRIBUTE_VALUE} characters")
    if isinstance(value, str | bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError("must be text, a number or true/false")


AttributeValue = Annotated[
    str | int | float | bool,
    PlainValidator(_attribute_value),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "maxLength": MAX_ATTRIBUTE_VALUE}, {"type": "number"}, {"type": "boolean"}]}
    ),
]
# http(s), or a path on this site: "//host/x.png" and "/\\host/x.png" are other hosts to a browser
IMAGE_URL_PATTERN = r"^(https?://\S+|/[^/\\\s]\S*)$"
ImageUrl = Annotated[str, Field(max_length=2000, pattern=IMAGE_URL_PATTERN)]
SellerStatus = Literal["DRAFT", "ACTIVE", "INACTIVE"]


def _fitting_a_page(attributes: dict[str, Any]) -> dict[str, Any]:
    size = sum(len(name) + len(str(value)) for name, value in attributes.items())
    if size > MAX_ATTRIBUTES_TEXT:
        raise ValueError(f"hold {size} characters of names and values; at most {MAX_ATTRIBUTES_TEXT} in all")
    return attributes


def _money(value: Any) -> Decimal:
    if reason := price_problem(value):
        raise ValueError(reason)
    return to_money(value)


# Documented as the number it must be (pydantic would say "number or string" for a Decimal; a string is refused)
Money = Annotated[Decimal, WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_PRICE)})]


class VariantIn(InputModel):
    sku: Sku
    price: Money = Field(description="Price in USD, a JSON number with at most 2 decimals", examples=[19.99])
    compare_price: Money | None = Field(None, description="The 'was' price; must be above price", examples=[24.99])
    attributes: dict[VariantAttributeName, ShortText] = Field(
        default_factory=dict, max_length=20, examples=[{"size": "M"}]
    )
    weight_grams: int | None = Field(None, ge=0, le=MAX_WEIGHT_GRAMS, strict=True)
    # as GET shows a variant, so that a product read can be written back: a variant is known by its sku
    variant_id: IdText | None = Field(None, description="As GET shows it; read only (a variant is its sku)")
    currency: Literal["USD"] = Field("USD", description="As GET shows it; prices are in USD")

    @field_validator("price", "compare_price", mode="before")
    @classmethod
    def _exact_money(cls, value: Any, info: ValidationInfo) -> Decimal | None:
        if value is None and info.field_name == "price":
            raise ValueError("must be a number, not null")
        return None if value is None else _money(value)

    def to_variant(self) -> Variant:
        return Variant(self.sku, self.price, self.compare_price, dict(self.attributes), self.weight_grams)


def _images_as_get_lists_them(value: Any) -> Any:
    """Image entries as GET lists them, read as the URLs a write takes: ``{"url": ...}`` is that URL, and an
    uploaded image (``{"image_id": ...}``, managed at /images) stays as it is, so it is no URL to write."""
    if not isinstance(value, list):
        return value
    kept = [v for v in value if not (isinstance(v, dict) and "image_id" in v)]
    return [v["url"] if isinstance(v, dict) and set(v) == {"url"} else v for v in kept]


IMAGES_DESCRIPTION = (
    "Image URLs (http(s) or a path on this site); also as GET lists them: {url} objects, and uploaded images "
    "({image_id, ...}), which stay as they are (they are managed at /images)"
)
_IMAGE_ENTRY_SCHEMA = {
    "anyOf": [
        {"type": "string", "maxLength": 2000, "pattern": IMAGE_URL_PATTERN},
        {
            "type": "object",
            "properties": {"url": {"type": "string", "maxLength": 2000, "pattern": IMAGE_URL_PATTERN}},
            "required": ["url"],
            "additionalProperties": False,
        },
        {"type": "object", "properties": {"image_id": {"type": "string"}}, "required": ["image_id"]},
    ]
}
# What a write takes: the URLs, read from any of the entry shapes GET lists (_images_as_get_lists_them)
Images = Annotated[
    list[ImageUrl],
    WithJsonSchema(
        {"type": "array", "maxItems": MAX_IMAGES, "items": _IMAGE_ENTRY_SCHEMA, "description": IMAGES_DESCRIPTION}
    ),
]


class ProductIn(InputModel):
    """A whole product. ``category_id`` comes from ``GET /api/v1/categories``."""

    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["Acme Trail Running Shoe"])
    description: str = Field("", max_length=MAX_DESCRIPTION)
    brand: str | None = Field(None, max_length=200, examples=["Acme"])
    category_id: IdText | None = Field(None, description="A category id (a string of digits)")
    images: Images = Field(default_factory=list, max_length=MAX_IMAGES)
    status: SellerStatus = "DRAFT"
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=100)
    gtin: Gtin | None = Field(
        None, description="GTIN-8, UPC-A (12 digits), EAN-13 or GTIN-14; the last digit is its GS1 check digit"
    )
    canonical_product_id: IdText | None = Field(
        None,
        description="An ACTIVE product listed by another seller (not itself an offer of a third): the two share a "
        "buy box. When that product has a GTIN, this one must carry the same; without one, this title must hold "
        "most of that title's words",
    )
    variants: list[VariantIn] = Field(min_length=1, max_length=MAX_VARIANTS)
    confirm_price_change: StrictBool = Field(
        False,
        description=(
            "Needed to set a price more than 50% away from its price 30 days ago and outside the range it has had "
            "since (not stored)"
        ),
    )

    @field_validator("images", mode="before")
    @classmethod
    def _images_read(cls, value: Any) -> Any:
        return _images_as_get_lists_them(value)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        return visible(value)

    @field_validator("attributes")
    @classmethod
    def _attributes_fit_a_page(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _fitting_a_page(value)

    @field_validator("brand")
    @classmethod
    def _blank_brand_is_none(cls, value: str | None) -> str | None:
        """A brand of only spaces is no brand, as an empty one is; its spaces collapsed ("  Spaced  Brand " is
        "Spaced Brand" in the brand facet), and one spelling of each accented letter (NFC), as search's brand filter
        reads it."""
        if value is None or not shows_anything(value):
            return None
        return unicodedata.normalize("NFC", " ".join(value.split()))

    def to_content(self) -> ProductContent:
        return ProductContent(
            title=self.title,
            description=self.description,
            brand=self.brand,
            category_id=None if self.category_id is None else int(self.category_id),
            images=tuple(self.images),
            status=ProductStatus(self.status),
            attributes=dict(self.attributes),
            gtin=self.gtin,
            canonical_product_id=None if self.canonical_product_id is None else int(self.canonical_product_id),
            variants=tuple(v.to_variant() for v in self.variants),
        )


class ProductReplace(ProductIn):
    """A whole product for PUT, also in the shape GET answers, so that a product read can be written back with
    its changes: ``product_id`` and ``seller_id`` must be the product's; the version and times are read only
    (If-Match says which version a write expects)."""

    product_id: IdText | None = Field(None, description="As GET shows it: must be the product in the path")
    seller_id: IdText | None = Field(None, description="As GET shows it: must be yours")
    version: int | None = Field(None, ge=1, strict=True, description="As GET shows it; read only (see If-Match)")
    created_at: datetime | None = Field(None, description="As GET shows it; read only")
    updated_at: datetime | None = Field(None, description="As GET shows it; read only")

    def require_same(self, product_id: int, seller_id: int) -> None:
        """The ids a body read from GET carries name the product written, and its seller."""
        if self.product_id is not None and int(self.product_id) != product_id:
            raise InvalidInput.single("product_id", f"is {self.product_id}, not the product in the path ({product_id})")
        if self.seller_id is not None and int(self.seller_id) != seller_id:
            raise InvalidInput.single("seller_id", "must be yours: a product does not change hands")


NOT_NULL = ("title", "description", "images", "status", "attributes", "variants")  # of a patch: null is refused


def _documented_without_null(schema: dict[str, Any], fields: Sequence[str]) -> None:
    for name in fields:
        field = schema["properties"][name]
        if "anyOf" in field:
            kept = [option for option in field.pop("anyOf") if option != {"type": "null"}]
            field.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        field.pop("default", None)


class ProductPatch(InputModel):
    """Any subset of the product's fields; ``variants``, when given, replaces the whole list, and ``attributes``
    the whole map (send every attribute to keep; with If-Match, concurrent edits cannot drop each other's). ``null``
    clears a field that may be empty (brand, category_id, gtin, canonical_product_id) and is refused for the
    others."""

    # left out means "keep"; the document does not offer null where null is refused (_documented_without_null)
    model_config = ConfigDict(json_schema_extra=lambda schema: _documented_without_null(schema, NOT_NULL))
    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    brand: str | None = Field(None, max_length=200)
    category_id: IdText | None = None
    images: Images | None = Field(None, max_length=MAX_IMAGES)
    status: SellerStatus | None = None
    attributes: dict[AttributeName, AttributeValue] | None = Field(None, max_length=100)
    gtin: Gtin | None = None
    canonical_product_id: IdText | None = None
    variants: list[VariantIn] | None = Field(None, min_length=1, max_length=MAX_VARIANTS)
    confirm_price_change: StrictBool = Field(
        False,
        description=(
            "Needed to set a price more than 50% away from its price 30 days ago and outside the range it has had "
            "since (not stored)"
        ),
    )

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    @field_validator("images", mode="before")
    @classmethod
    def _images_read(cls, value: Any) -> Any:
        return _images_as_get_lists_them(value)

    @field_validator("attributes")
    @classmethod
    def _attributes_fit_a_page(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else _fitting_a_page(value)

    def apply(self, current: ProductContent) -> ProductContent:
        """The product with these fields changed; raises InvalidInput when the result breaks a rule of a whole
        product (a title that is only spaces)."""
        given = self.model_dump(exclude_unset=True, exclude={"confirm_price_change"})
        try:
            merged = ProductIn.model_validate(
                {**_content_as_input(current), **{k: v for k, v in given.items() if k != "variants"}}
                | ({"variants": [v.model_dump() for v in self.variants]} if self.variants is not None else {})
            )
        except ValidationError as error:
            raise InvalidInput(field_errors(error)) from None
        return replace(merged.to_content(), popularity=current.popularity)


def _content_as_input(content: ProductContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "description": content.description,
        "brand": content.brand,
        "category_id": None if content.category_id is None else str(content.category_id),
        "images": list(content.images),
        "status": content.status.value if content.status is not ProductStatus.DELETED else "INACTIVE",
        "attributes": dict(content.attributes),
        "gtin": content.gtin,
        "canonical_product_id": None if content.canonical_product_id is None else str(content.canonical_product_id),
        "variants": [
            {
                "sku": v.sku,
                "price": v.price,
                "compare_price": v.compare_price,
                "attributes": dict(v.attributes),
                "weight_grams": v.weight_grams,
            }
            for v in content.variants
        ],
    }


def field_errors(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """pydantic's errors as ``field: reason`` pairs, with paths like ``variants[0].price``."""
    return [
        FieldError(prefix + down_to_value(field_path(e["loc"]), e) or "body", plain_reason(e)) for e in error.errors()
    ]


def field_path(location: tuple[Any, ...]) -> str:
    path = ""
    for part in location:
        if part == "[key]":  # pydantic's mark of a mapping's key, not its value: the path names the key already
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path

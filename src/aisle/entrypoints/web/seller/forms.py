"""The product form: HTML form fields to the API's product body and back."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from aisle.domain.catalog import MAX_VARIANTS, Product, ProductContent, Variant, content_problems, duplicate_sku
from aisle.domain.categories import Category
from aisle.domain.errors import FieldError, InvalidInput
from aisle.entrypoints.numbers import decimal_comma, without_thousands
from aisle.services.product_input import ProductIn, field_errors

BLANK_VARIANT_ROWS = 2
MORE_VARIANT_ROWS = 5  # added by the form's "More variant rows" button
STAND_IN_PRICE = 1.0  # for a price that could not be read, while the rest of the form is checked


def pairs_text(values: Mapping[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in values.items())


def parse_pairs(text: str, field: str) -> dict[str, str]:
    """ "size=42; color=black" (or one pair a line) as a dict."""
    found: dict[str, str] = {}
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise InvalidInput.single(field, f"“{part.strip()}” should look like name=value")
        found[key.strip()] = value.strip()
    return found


def form_values(product: Product | None, categories: dict[int, Category]) -> dict[str, Any]:
    """What an edit form shows for a product (or a new one)."""
    if product is None:
        return {"status": "DRAFT", "variants": [{}] * (BLANK_VARIANT_ROWS + 1)}
    c = product.content
    category = categories.get(c.category_id) if c.category_id else None
    variants = [
        {
            "sku": v.sku,
            "price": f"{v.price:.2f}",
            "compare_price": "" if v.compare_price is None else f"{v.compare_price:.2f}",
            "attributes": pairs_text(v.attributes),
        }
        for v in c.variants
    ]
    return {
        "title": c.title,
        "description": c.description,
        "brand": c.brand or "",
        "category": category.path if category else "",
        "status": c.status.value,
        "images": "\n".join(i for i in c.images if isinstance(i, str)),
        "attributes": pairs_text(c.attributes),
        "gtin": c.gtin or "",
        "variants": variants + [{}] * BLANK_VARIANT_ROWS,
    }


def with_more_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The variant rows as typed and MORE_VARIANT_ROWS blank ones, up to as many as a product may have."""
    return [*rows, *[{}] * MORE_VARIANT_ROWS][: max(len(rows), MAX_VARIANTS)]


def submitted_values(form: FormData) -> dict[str, Any]:
    """The form as typed, to show it again next to its errors."""
    rows = zip(
        form.getlist("v_sku"), form.getlist("v_price"), form.getlist("v_compare"), form.getlist("v_attrs"), strict=False
    )
    keys = ("title", "description", "brand", "category", "status", "images", "attributes", "gtin")
    # a browser sends a textarea's line breaks as CRLF (the HTML standard's form encoding); the catalog keeps LF
    values: dict[str, Any] = {k: str(form.get(k) or "").replace("\r\n", "\n") for k in keys}
    values["variants"] = [
        {"sku": str(s), "price": str(p), "compare_price": str(c), "attributes": str(a)} for s, p, c, a in rows
    ]
    return values


def product_body(
    values: dict[str, Any], categories: dict[int, Category], confirm: bool, shown: ProductContent | None = None
) -> ProductIn:
    """Raises InvalidInput naming each bad field in the API's terms (``variants[0].price``). ``shown``: the version
    the form edits; what the form has no field for is kept from it, and so are attributes left as shown (see
    ``_pairs_unless_shown`` and ``_variants``)."""
    problems: list[FieldError] = []
    body: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "brand": values["brand"].strip() or None,
        "status": values["status"] or "DRAFT",
        "images": [line.strip() for line in values["images"].splitlines() if line.strip()],
        "gtin": values["gtin"].strip() or None,
        "confirm_price_change": confirm,
    }
    try:
        body["attributes"] = _pairs_unless_shown(
            values["attributes"], shown.attributes if shown else None, "attributes"
        )
    except InvalidInput as invalid:
        problems += invalid.errors
    if values["category"].strip():
        body["category_id"] = _category_id(values["category"], categories, problems)
    body["variants"] = _variants(values["variants"], problems, shown.variants if shown else ())
    if shown is not None and shown.canonical_product_id is not None:  # the offer stays in its buy box
        body["canonical_product_id"] = str(shown.canonical_product_id)
    try:
        parsed = ProductIn.model_validate(body)
    except ValidationError as error:
        problems += field_errors(error)
        parsed = None
    if problems and parsed is not None:  # the rules the catalog checks on saving, named in the same answer
        named = {problem.field for problem in problems}
        problems += [p for p in content_problems(parsed.to_content()) if p.field not in named]
    if problems or parsed is None:
        raise InvalidInput(problems)
    return parsed


def _category_id(text: str, categories: dict[int, Category], problems: list[FieldError]) -> str | None:
    wanted = " > ".join(part.strip() for part in text.split(">")).casefold()
    found = next((c for c in categories.values() if c.path.casefold() == wanted), None)
    if found is None:
        problems.append(FieldError("category", f"no category “{text.strip()}”{_category_hint(wanted, categories)}"))
        return None
    return str(found.category_id)


def _category_hint(wanted: str, categories: dict[int, Category]) -> str:
    """Real paths to pick from: those whose last part is the typed one's ("Headphones": "Audio > Headphones"),
    else any few; the field's list offers them all."""
    last = wanted.rsplit(">", 1)[-1].strip()
    paths = sorted(c.path for c in categories.values())
    named = [path for path in paths if path.rsplit(">", 1)[-1].strip().casefold() == last]
    shown = (named or paths)[:3]
    return f": pick one of the store's categories, such as {' or '.join(shown)}" if shown else ""


def _pairs_unless_shown(text: str, shown: Mapping[str, Any] | None, field: str) -> dict[str, Any]:
    """The pairs typed; the very pairs shown where the text still holds them as the form showed them. Pairs text
    cannot say every value (a number, true, spaces around a value, a value holding ";"), so a pair left as shown
    keeps its value instead of being read back as text, and a changed value keeps the type it had where it can
    ("watts=60" in place of the number 40 is the number 60)."""
    if shown is None:
        return parse_pairs(text, field)
    kept: dict[str, Any] = {}
    for name, value in shown.items():
        as_shown = re.compile(r"(^|[;\n])[ \t]*" + re.escape(f"{name}={value}") + r"[ \t]*(?=[;\n]|$)")
        if (found := as_shown.search(text)) is not None:
            kept[name] = value
            text = text[: found.start()] + found.group(1) + text[found.end() :]
    typed = {name: _typed_like(value, shown.get(name)) for name, value in parse_pairs(text, field).items()}
    merged = {**kept, **typed}  # a pair typed again beside the one shown is the change
    return {name: merged[name] for name in dict.fromkeys([*shown, *typed]) if name in merged}


def _typed_like(text: str, before: Any) -> Any:
    """A value typed in place of ``before``, of its type when it reads as one (a number stays a number)."""
    if isinstance(before, bool):
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
    if isinstance(before, int | float):
        try:
            number = float(without_thousands(text))
        except ValueError:
            return text
        if math.isfinite(number):
            return int(number) if isinstance(before, int) and number.is_integer() else number
    return text


def _variants(
    rows: list[dict[str, str]], problems: list[FieldError], shown: Sequence[Variant] = ()
) -> list[dict[str, Any]]:
    """``shown``: the variants the form showed; one whose SKU is kept keeps what the form has no field for (its
    weight) and, left as shown, its attributes."""
    by_sku = {v.sku: v for v in shown}
    variants: list[dict[str, Any]] = []
    for row in rows:
        if not any(row.get(k, "").strip() for k in ("sku", "price", "compare_price", "attributes")):
            continue
        index = len(variants)
        variant: dict[str, Any] = {"sku": row["sku"].strip()}
        if variant["sku"] and any(v["sku"] == variant["sku"] for v in variants):
            # said beside the other fields' problems, not only once they are mended (the product rules run last)
            problems.append(duplicate_sku(index, variant["sku"]))
        for name in ("price", "compare_price"):
            if name == "price" or row.get(name, "").strip():
                variant[name] = _number(row.get(name, ""), f"variants[{index}].{name}", problems)
        before = by_sku.get(variant["sku"])
        try:
            variant["attributes"] = _pairs_unless_shown(
                row.get("attributes", ""), before.attributes if before else None, f"variants[{index}].attributes"
            )
        except InvalidInput as invalid:
            problems += invalid.errors
        if before is not None and before.weight_grams is not None:
            variant["weight_grams"] = before.weight_grams
        variants.append(variant)
    return variants


def _number(text: str, field: str, problems: list[FieldError]) -> float:
    """The price typed; when it is none, a problem named in the form's words and a stand-in price, so that the
    rest of the form is still checked in the same answer (nothing is saved while any problem stands)."""
    cleaned = text.strip().lstrip("$")
    if dotted := decimal_comma(cleaned):
        reason = f"“{text.strip()}”: write cents with a dot ({dotted}); a comma only separates thousands (1,250.00)"
        problems.append(FieldError(field, reason))
        return STAND_IN_PRICE
    cleaned = without_thousands(cleaned)
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems.append(
            FieldError(
                field,
                f"“{text.strip()}” is no price: write one such as 19.99" if cleaned else "enter a price, such as 19.99",
            )
        )
        return STAND_IN_PRICE
    return number

"""The page renderer: one Jinja2 environment with the filters the templates share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from aisle.entrypoints.web import images

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def money(value: Any) -> str:
    if value is None:
        return ""
    return f"${float(value):,.2f}"


def stars(average: Any) -> Markup:
    """Five stars filled to the nearest half, with the number spelled out for screen readers."""
    if average is None:
        return Markup('<span class="stars stars-none">No ratings yet</span>')
    value = round(float(average) * 2) / 2
    label = f"Rated {float(average):.1f} out of 5"
    return Markup(
        f'<span class="stars" role="img" aria-label="{label}" style="--rating:{value}">'
        '<span aria-hidden="true">★★★★★</span></span>'
    )


# Words of attribute names that are read as letters; the feeds write them in lower case ("usb_2_0_ports")
_LETTERS = (
    "ac adf awg cd cpu dc dvd ecc ean fm fsb gpu gtin hd hdd hdmi hp io lan lcd led lte mp3 nfc oem pc pci ram "
    "rms rohs sata sd ssd tdp tv uhd upc usb vga vesa wlan"
)
SPELLED_OUT = frozenset(_LETTERS.split())

# Phrases the underscores took apart ("operating_temperature_t_t" was "Operating temperature (T-T)")
PHRASES = (
    (r"\bwi fi\b", "Wi-Fi"),
    (r"\brj (\d+)\b", r"RJ-\1"),
    (r"\bl r\b", "L/R"),
    (r"\bi o\b", "I/O"),
    (r"\bt t\b", "(T-T)"),
)


def spec_name(name: Any) -> str:
    """An attribute's name as a person reads it: "keyboard_number_of_keys" is "Keyboard number of keys",
    "usb_2_0_ports_quantity" "USB 2.0 ports quantity", "wi_fi" "Wi-Fi"."""
    text = " ".join(str(name).replace("_", " ").split())
    text = re.sub(r"(?<=\b\d) (?=\d\b)", ".", text)  # "2 0" was "2.0" before the dots became underscores
    for spelled, written in PHRASES:
        text = re.sub(spelled, written, text, flags=re.IGNORECASE)
    words = [word.upper() if word.lower() in SPELLED_OUT else word for word in text.split(" ")]
    joined = " ".join(words)
    return joined[:1].upper() + joined[1:]


def spec_value(value: Any) -> str:
    """A yes/no as words ("True" means nothing to a shopper); other values as they are."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


FIELD_LABELS = {
    "compare_price": "was price",
    "category_id": "category",
    "sku": "SKU",
    "gtin": "GTIN",
    "images": "image URL",
}


def field_label(field: str) -> str:
    """An API field path as the form labels it: "variants[0].price" is "Variant 1 price", "images[1]" "Image URL 2"."""
    words: list[str] = []
    for name, index in re.findall(r"([A-Za-z_]+)(?:\[(\d+)\])?", field):
        said = FIELD_LABELS.get(name, name.replace("_", " "))
        said = ("variant" if index else "variants") if name == "variants" else said
        said = "options" if name == "attributes" and words else said  # a variant's attributes are its options
        words.append(f"{said} {int(index) + 1}" if index else said)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


CHANGES_SAID = {
    "product.created": "Created",
    "product.updated": "Edited",
    "product.rolled_back": "Rolled back",
    "price.changed": "Price changed",
    "product.deleted": "Deleted",
}


def change_said(event: str) -> str:
    """A version's event as the seller reads it: "price.changed" is "Price changed"."""
    return CHANGES_SAID.get(event, event.replace(".", " ").replace("_", " ").capitalize())


def actor_said(actor: str) -> str:
    """Who made a version: "seller:123" and "seller" are the seller signed in (only its own versions are shown),
    "bulk:7" a bulk upload, "import" a catalog import."""
    kind, _, ref = actor.partition(":")
    said = {"seller": "You", "bulk": f"Bulk upload {ref}".strip(), "import": "Catalog import"}
    return said.get(kind, actor)


def plain_number(value: Any) -> str:
    """A number as a person types it: 10, not 10.0; 12.5 stays."""
    return f"{float(value):g}"


templates.env.filters["money"] = money
templates.env.filters["plain_number"] = plain_number
templates.env.filters["field_label"] = field_label
templates.env.filters["change_said"] = change_said
templates.env.filters["actor_said"] = actor_said
templates.env.filters["stars"] = stars
templates.env.filters["spec_name"] = spec_name
templates.env.filters["spec_value"] = spec_value
templates.env.globals["picture"] = images.picture
templates.env.globals["PLACEHOLDER"] = images.PLACEHOLDER


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)

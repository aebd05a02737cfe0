"""Product images as an <img>: thumbnails with a srcset when the image pipeline made them, else the external URL.

An image is either a URL (imported catalogs, older products) or a record from the image pipeline:
{"image_id", "status", "alt_text", "position", "variant_id", "urls": {"150", "300", "600", "1200", "original"}}
(``urls`` once READY) or {"url": ...} for an external image."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

PLACEHOLDER = "/static/img/placeholder.svg"
SIZES = ("150", "300", "600", "1200")


def source_of(image: Any, width: int = 300) -> dict[str, str] | None:
    """{"src", "srcset", "alt"} for one image, or None when it has nothing to show yet (still PENDING)."""
    if isinstance(image, str):
        return {"src": image, "srcset": "", "alt": ""} if image else None
    if not isinstance(image, dict):
        return None
    alt = str(image.get("alt_text") or "")
    urls = image.get("urls") or {}
    if urls:
        srcset = ", ".join(f"{urls[size]} {size}w" for size in SIZES if urls.get(size))
        src = urls.get(str(width)) or urls.get("300") or urls.get("original") or ""
        return {"src": src, "srcset": srcset, "alt": alt} if src else None
    if image.get("url"):
        return {"src": str(image["url"]), "srcset": "", "alt": alt}
    return None


def sources(images: list[Any] | None, width: int = 600) -> list[dict[str, str]]:
    found = (source_of(image, width) for image in images or [])
    return [s for s in found if s is not None]


def picture(image: Any, alt: str, width: int = 300, sizes: str = "300px", css: str = "", lazy: bool = True) -> Markup:
    """An <img> that never shows as broken: a failed load swaps in the local placeholder."""
    found = source_of(image, width)
    src = found["src"] if found else PLACEHOLDER
    attributes = {
        "src": src,
        "alt": (found and found["alt"]) or alt,
        "class": css,
        "width": str(width),
        "height": str(width),
        "decoding": "async",
    }
    if found and found["srcset"]:
        attributes.update(srcset=found["srcset"], sizes=sizes)
    if lazy:
        attributes["loading"] = "lazy"
    # alt="" stays: it says the picture adds nothing to the text beside it (an <img> without alt is read as a file)
    rendered = " ".join(f'{key}="{escape(value)}"' for key, value in attributes.items() if value or key == "alt")
    fallback = f"this.onerror=null;this.removeAttribute('srcset');this.src='{PLACEHOLDER}'"
    return Markup(f'<img {rendered} onerror="{fallback}">')

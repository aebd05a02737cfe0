"""Product images as an <img>: thumbnails with a srcset when the image pipeline made them, else the external URL.

An image is either a URL (imported catalogs, older products) or a record from the image pipeline:
{"image_id", "status", "alt_text", "position", "variant_id", "urls": {"150", "300", "600", "1200", "original"}}
(``urls`` once READY) or {"url": ...} for an external image."""

from __future__ import annotations

import hashlib
import textwrap
import unicodedata
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from aisle.domain.images import fitted

PLACEHOLDER = "/static/img/placeholder.svg"
MISSING = "/img/missing.svg"  # a tile naming the brand, for a picture that is not there or will not load
SIZES = ("150", "300", "600", "1200")
LABEL_LENGTH = 60  # what a tile can say: more is cut, never refused (it is only a picture's stand-in)
LINE_LENGTH, LINES = 13, 3


def source_of(image: Any, width: int = 300) -> dict[str, str] | None:
    """{"src", "srcset", "alt"} for one image, or None when it has nothing to show yet (still PENDING)."""
    if isinstance(image, str):
        return {"src": image, "srcset": "", "alt": ""} if image else None
    if not isinstance(image, dict):
        return None
    alt = str(image.get("alt_text") or "")
    urls = image.get("urls") or {}
    if urls:
        srcset = _srcset(urls, image.get("width"), image.get("height"))
        src = urls.get(str(width)) or urls.get("300") or urls.get("original") or ""
        return {"src": src, "srcset": srcset, "alt": alt} if src else None
    if image.get("url"):
        return {"src": str(image["url"]), "srcset": "", "alt": alt}
    return None


def _srcset(urls: dict[str, str], width: Any, height: Any) -> str:
    """Each rendition once, described by its real width: a picture is never upscaled, so a 700 px upload's "1200"
    is its 600 file, which a srcset calling it 1200 px wide would have a phone show at half size."""
    measured = isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0
    seen: set[str] = set()
    parts = []
    for size in SIZES:
        url = urls.get(size)
        if not url or url in seen:
            continue
        seen.add(url)
        shown = fitted(width, height, int(size))[0] if measured else int(size)
        parts.append(f"{url} {shown}w")
    return ", ".join(parts)


def sources(images: list[Any] | None, width: int = 600) -> list[dict[str, str]]:
    found = (source_of(image, width) for image in images or [])
    return [s for s in found if s is not None]


def picture(
    image: Any, alt: str, width: int = 300, sizes: str = "300px", css: str = "", lazy: bool = True, label: str = ""
) -> Markup:
    """An <img> that never shows as broken: no picture, or one that fails to load (an imported catalog's pictures
    live on its own servers), shows a tile with ``label`` (the brand), else the plain placeholder."""
    found = source_of(image, width)
    stand_in = missing_url(label)
    src = found["src"] if found else stand_in
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
    fallback = f"this.onerror=null;this.removeAttribute('srcset');this.src='{stand_in}'"
    return Markup(f'<img {rendered} onerror="{escape(fallback)}">')


def missing_url(label: str) -> str:
    label = _shown(label)
    return f"{MISSING}?{urlencode({'label': label})}" if label else PLACEHOLDER


def missing_svg(label: str) -> str:
    """A square tile in a tint of the label's own colour (the same brand always looks the same), the label in up
    to three lines over a faint picture outline, and "No photo" under it: a stand-in, never taken for a photo."""
    label = _shown(label)
    hue = int.from_bytes(hashlib.sha256(label.casefold().encode()).digest()[:2], "big") % 360
    lines = textwrap.wrap(label, LINE_LENGTH, max_lines=LINES, placeholder="…") or ["aisle"]
    size = 34 if max(len(line) for line in lines) <= 9 else 26
    top = 175 - (len(lines) - 1) * size * 0.6
    text = "".join(
        f'<text x="150" y="{top + n * size * 1.2:.0f}" font-size="{size}">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 300" role="img">'
        f'<rect width="300" height="300" fill="hsl({hue},45%,93%)"/>'
        f'<g fill="none" stroke="hsl({hue},30%,80%)" stroke-width="6" stroke-linejoin="round">'
        '<rect x="105" y="40" width="90" height="70" rx="8"/><circle cx="130" cy="64" r="8"/>'
        '<path d="M110 104l28-26 18 17 13-12 22 21"/></g>'
        f'<g font-family="system-ui,sans-serif" font-weight="700" fill="hsl({hue},40%,30%)" text-anchor="middle">'
        f"{text}</g>"
        f'<text x="150" y="275" font-family="system-ui,sans-serif" font-size="14" fill="hsl({hue},15%,45%)" '
        'text-anchor="middle">No photo</text></svg>'
    )


def _shown(label: str) -> str:
    """The label as a tile can say it: control and format characters dropped, spaces collapsed, cut short."""
    printable = "".join(ch for ch in label if unicodedata.category(ch)[0] != "C")
    return " ".join(printable.split())[:LABEL_LENGTH]

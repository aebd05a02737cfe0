"""Pictures for the generated demo catalog, drawn with Pillow: one per category and colour, so a page of results
shows headphones in navy next to headphones in red, and every card has a real image (all clearly illustrations).

A category picks the backdrop and the silhouette; the product's colour fills it. The same inputs always draw the
same bytes, so the content-addressed store keeps one copy however many products share a picture."""

from __future__ import annotations

import hashlib
import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

SIZE = 600
NAMED_COLOURS = {
    "black": (30, 30, 32), "white": (245, 245, 240), "navy": (28, 42, 94), "heather gray": (150, 150, 155),
    "olive": (107, 112, 52), "burgundy": (120, 24, 44), "sky blue": (110, 175, 230), "charcoal": (60, 64, 70),
    "sand": (214, 192, 150), "silver": (192, 196, 200), "space gray": (90, 92, 98), "blue": (40, 90, 200),
    "red": (200, 36, 40), "rose gold": (222, 160, 150), "green": (40, 150, 70), "gray": (128, 128, 128),
    "beige": (225, 210, 180), "sage green": (150, 175, 140), "terracotta": (196, 98, 66), "natural": (205, 180, 140),
}  # fmt: skip
SHAPES = ("circle", "rounded", "tall", "wide", "diamond", "hexagon")


@cache
def picture(category_path: tuple[str, ...], colour: str) -> bytes:
    """A 600x600 JPEG for products of this category in this colour."""
    backdrop = _tint(_hue_colour(category_path[0] if category_path else "aisle"), 0.7)
    fill = NAMED_COLOURS.get(colour.lower()) or _hue_colour(colour)
    image = Image.new("RGB", (SIZE, SIZE), backdrop)
    draw = ImageDraw.Draw(image)
    leaf = category_path[-1] if category_path else "Product"
    _silhouette(draw, SHAPES[_number(leaf) % len(SHAPES)], fill, outline=_tint(fill, -0.45))
    font = _font(34)
    label = leaf if colour.lower() in ("", "default") else f"{leaf} · {colour}"
    width = draw.textlength(label, font=font)
    draw.rounded_rectangle((40, 500, SIZE - 40, 560), 18, fill=(255, 255, 255))
    draw.text(((SIZE - width) / 2, 510), label, fill=(40, 40, 48), font=font)
    draw.text((SIZE - 150, 16), "illustration", fill=_tint(backdrop, -0.5), font=_font(20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _silhouette(draw: ImageDraw.ImageDraw, shape: str, fill: tuple[int, int, int], outline: tuple[int, ...]) -> None:
    box = {"tall": (200, 70, 400, 470), "wide": (90, 150, 510, 400)}.get(shape, (120, 70, 480, 430))
    if shape == "circle":
        draw.ellipse(box, fill=fill, outline=outline, width=6)
    elif shape == "diamond":
        draw.polygon([(300, 60), (490, 250), (300, 440), (110, 250)], fill=fill, outline=outline, width=6)
    elif shape == "hexagon":
        draw.regular_polygon((300, 250, 190), 6, fill=fill, outline=outline, width=6)
    else:
        draw.rounded_rectangle(box, 40, fill=fill, outline=outline, width=6)
    draw.ellipse((255, 205, 345, 295), fill=_tint(fill, 0.35))  # a highlight, so white on white still shows


def _number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _hue_colour(text: str) -> tuple[int, int, int]:
    hue = _number(text) % 360
    image = Image.new("HSV", (1, 1), (hue * 255 // 360, 150, 200)).convert("RGB")
    red, green, blue = image.getpixel((0, 0))  # type: ignore[misc]
    return red, green, blue


def _tint(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """Towards white for a positive amount, towards black for a negative one."""
    target = 255 if amount > 0 else 0
    red, green, blue = (round(c + (target - c) * abs(amount)) for c in colour)
    return red, green, blue


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)

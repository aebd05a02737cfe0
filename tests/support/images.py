"""Real image files made in the tests, each one a case the image pipeline must get right."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    gradient = Image.linear_gradient("L").resize((width, height))
    Image.merge("RGB", [gradient, Image.new("L", (width, height), colour[1]), gradient]).save(out, "JPEG", **save)
    return out.getvalue()


def jpeg_with_gps(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """A landscape picture that says "rotate me 90°" and where it was taken (near the Eiffel tower)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    exif[0x010F] = "CameraMaker"
    return jpeg(width, height, exif=exif.tobytes())


def png(width: int = 32, height: int = 32, mode: str = "RGB", colour: object = (0, 128, 255)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG")  # type: ignore[arg-type]
    return out.getvalue()


def png_16bit(width: int = 40, height: int = 30) -> bytes:
    image = Image.new("I;16", (width, height), 40_000)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def cmyk_jpeg(width: int = 60, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (width, height), (0, 255, 255, 0)).save(out, "JPEG", quality=95)  # pure red in CMYK
    return out.getvalue()


def webp(width: int = 50, height: int = 50) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 128)).save(out, "WEBP")
    return out.getvalue()


def gif_two_frames() -> bytes:
    out = io.BytesIO()
    first, second = Image.new("P", (20, 10), 1), Image.new("P", (20, 10), 2)
    first.save(out, "GIF", save_all=True, append_images=[second])
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg(640, 480)
    return data[: len(data) // 2]


@functools.cache
def png_bomb(width: int = 9_000, height: int = 9_000) -> bytes:
    """A valid PNG of 81 megapixels of black in ~80 KB: it would decode into 81 MB for every byte of it kept per
    pixel (more than 40 MP, yet under Pillow's own bomb limit, so it is aisle's check that has to catch it)."""
    block = (b"\x00" + b"\x00" * width) * 500
    compressor = zlib.compressobj(6)
    body = b"".join(compressor.compress(block) for _ in range(height // 500)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + (_chunk(b"IDAT", body) + _chunk(b"IEND", b""))
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


TEXT_NAMED_JPG = b"This is a shopping list, not a picture.\nmilk\neggs\n"

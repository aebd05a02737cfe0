"""Image validation and rendering with Pillow, judged on the bytes alone (never a file name or declared type).

``check`` refuses anything that is not a JPEG, PNG, WebP or GIF, more pixels than allowed (read from the header,
before anything is decoded: decompression bombs never reach the decoder), and truncated or corrupt data (found by
decoding: JPEGs at 1/8 scale, which still reads every byte). ``render`` makes what is served: orientation applied,
sRGB 8-bit, all metadata (EXIF, GPS, XMP, ICC) dropped, and WebP thumbnails that are never upscaled."""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from aisle.domain.images import THUMBNAIL_SIZES, ImageFacts, ImageRefused, fitted
from aisle.services.ports import Rendition

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
BUFFERED_ENCODE_MAX_PIXELS = 12_000_000
MAX_SIDE = 65_500  # the longest side a JPEG original may have (libjpeg's JPEG_MAX_DIMENSION)
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")  # and RIFF....WEBP, below
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
_SRGB = ImageCms.createProfile("sRGB")


class PillowImagePipeline:
    def __init__(self, max_pixels: int = 40_000_000, jpeg_quality: int = 88, webp_quality: int = 80) -> None:
        self.max_pixels = max_pixels
        self.jpeg_quality = jpeg_quality
        self.webp_quality = webp_quality

    def check(self, data: BinaryIO) -> ImageFacts:
        image = self._open(data)
        try:
            width, height = image.size
            if image.format == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        except DECODE_ERRORS as error:
            raise ImageRefused(f"the image data is truncated or corrupt ({error})") from error
        # Not image.close(): for a PNG that would close the caller's stream, which still has to be stored.
        return ImageFacts(format=str(image.format), width=width, height=height)

    def render(self, data: bytes) -> Rendition:
        image = self._open(io.BytesIO(data))
        try:
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            image = to_srgb_8bit(image)
        except DECODE_ERRORS as error:
            raise ImageRefused(f"the image data is truncated or corrupt ({error})") from error
        image.info = {}  # EXIF (GPS included), XMP, comments and the ICC profile are not carried into any output
        try:
            original, ext = self._encode_original(image)
            thumbnails = self._thumbnails(image)
        except DECODE_ERRORS as error:  # the same bytes would fail again: refused, never retried
            raise ImageRefused(f"the image could not be rendered ({error})") from error
        width, height = image.size
        image.close()
        return Rendition(original=original, original_ext=ext, width=width, height=height, thumbnails=thumbnails)

    def _open(self, data: BinaryIO) -> Image.Image:
        try:
            image = Image.open(data, formats=ACCEPTED_FORMATS)
        except Image.DecompressionBombError as error:
            raise ImageRefused(f"the image has more than {self._megapixels()} megapixels") from error
        except UnidentifiedImageError as error:
            if _signed_as_accepted(data):  # a PNG whose header is broken is a corrupt PNG, not another format
                # Pillow's message names only the file object it was given (an address): nothing for the seller
                raise ImageRefused("the image header is corrupt") from error
            raise ImageRefused("the file is not a JPEG, PNG, WebP or GIF image", status=415) from error
        except DECODE_ERRORS as error:
            raise ImageRefused(f"the image header is corrupt ({error})") from error
        width, height = image.size
        if width < 1 or height < 1:
            image.close()
            raise ImageRefused("the image has no pixels")
        if max(width, height) > MAX_SIDE:
            image.close()
            raise ImageRefused(f"the image is {width}x{height}; at most {MAX_SIDE:,} pixels a side are accepted")
        if width * height > self.max_pixels:
            image.close()
            raise ImageRefused(
                f"the image is {width}x{height} ({width * height / 1e6:.1f} megapixels); "
                f"at most {self._megapixels()} megapixels are accepted"
            )
        return image

    def _megapixels(self) -> str:
        return f"{self.max_pixels / 1e6:g}"

    def _encode_original(self, image: Image.Image) -> tuple[bytes, str]:
        out = io.BytesIO()
        if image.mode == "RGBA":
            image.save(out, "PNG", compress_level=6)
            return out.getvalue(), "png"
        # Progressive and optimized JPEGs make libjpeg hold every DCT coefficient (~120 MB more at 40 MP).
        small = image.width * image.height <= BUFFERED_ENCODE_MAX_PIXELS
        image.save(out, "JPEG", quality=self.jpeg_quality, optimize=small, progressive=small)
        return out.getvalue(), "jpg"

    def _thumbnails(self, image: Image.Image) -> dict[int, bytes]:
        """Largest first, each made from the previous one: resampling the full image once, not four times."""
        longest = max(image.size)
        sizes = [size for size in THUMBNAIL_SIZES if size <= longest] or [THUMBNAIL_SIZES[0]]
        made: dict[int, bytes] = {}
        source = image
        for size in sorted(sizes, reverse=True):
            scaled = _fit(source, size)
            out = io.BytesIO()
            scaled.save(out, "WEBP", quality=self.webp_quality, method=4)
            made[size] = out.getvalue()
            source = scaled
        return made


def _signed_as_accepted(data: BinaryIO) -> bool:
    """Whether the file starts as a JPEG, PNG, GIF or WebP does."""
    data.seek(0)
    head = data.read(12)
    data.seek(0)
    return head.startswith(_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _fit(image: Image.Image, size: int) -> Image.Image:
    target = fitted(*image.size, size)
    if target == image.size:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def to_srgb_8bit(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is not opaque; CMYK and wide-gamut pictures through their ICC profile."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        image = _to_srgb(image, profile)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB") if image.mode not in ("RGB", "RGBA") else image
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    return image


def _to_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    output = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image.convert(output)  # a broken profile: the pixels as they are beat refusing the picture
    assert converted is not None
    return converted

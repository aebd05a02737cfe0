"""The image pipeline on real files made here: what it refuses, and what it serves for what it accepts."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aisle.adapters.images.pillow_pipeline import PillowImagePipeline
from aisle.domain.images import ImageRefused
from tests.support import images as files

pipeline = PillowImagePipeline(max_pixels=40_000_000)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def refusal(data: bytes) -> ImageRefused:
    with pytest.raises(ImageRefused) as refused:
        pipeline.check(io.BytesIO(data))
    return refused.value


def test_gps_exif_is_stripped_and_the_orientation_applied() -> None:
    data = files.jpeg_with_gps(400, 200, orientation=6)
    assert opened(data).getexif().get_ifd(files.GPS_IFD)  # the upload really carries a location
    rendition = pipeline.render(data)
    original = opened(rendition.original)
    assert original.size == (200, 400)  # rotated upright: the tag said 90°
    assert (rendition.width, rendition.height) == (200, 400)
    assert dict(original.getexif()) == {}
    assert b"Exif" not in rendition.original and b"CameraMaker" not in rendition.original
    for thumbnail in rendition.thumbnails.values():
        assert b"Exif" not in thumbnail and "exif" not in opened(thumbnail).info


def test_thumbnails_are_webp_by_longest_side_and_never_upscaled() -> None:
    rendition = pipeline.render(files.jpeg(1000, 500))
    assert sorted(rendition.thumbnails) == [150, 300, 600]  # no 1200: the picture is only 1000 wide
    for size, data in rendition.thumbnails.items():
        thumbnail = opened(data)
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) == size
        assert thumbnail.size == (size, size // 2)


def test_a_1x1_png_is_accepted_and_stays_1x1() -> None:
    data = files.png(1, 1)
    assert pipeline.check(io.BytesIO(data)).width == 1
    rendition = pipeline.render(data)
    assert list(rendition.thumbnails) == [150]
    assert opened(rendition.thumbnails[150]).size == (1, 1)
    assert rendition.original_ext == "jpg"


def test_cmyk_becomes_srgb() -> None:
    rendition = pipeline.render(files.cmyk_jpeg())
    original = opened(rendition.original)
    assert original.mode == "RGB"
    red, green, blue = original.getpixel((30, 20))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_16_bit_becomes_8_bit() -> None:
    rendition = pipeline.render(files.png_16bit())
    original = opened(rendition.original)
    assert original.mode == "RGB"
    value = original.getpixel((10, 10))[0]  # type: ignore[index]
    assert abs(value - 40_000 / 257) <= 3  # scaled, not clipped to 255


def test_transparency_is_kept_as_png_and_webp_with_alpha() -> None:
    rendition = pipeline.render(files.webp())
    assert rendition.original_ext == "png"
    assert opened(rendition.original).mode == "RGBA"
    assert opened(rendition.thumbnails[150]).mode == "RGBA"


def test_a_gif_gives_its_first_frame() -> None:
    data = files.gif_two_frames()
    assert pipeline.check(io.BytesIO(data)).format == "GIF"
    rendition = pipeline.render(data)
    first_frame = Image.open(io.BytesIO(data)).convert("RGB").getpixel((0, 0))
    assert opened(rendition.original).getpixel((0, 0)) == pytest.approx(first_frame, abs=6)  # type: ignore[arg-type]


def test_a_text_file_named_jpg_is_refused_as_unsupported() -> None:
    refused = refusal(files.TEXT_NAMED_JPG)
    assert refused.status == 415
    assert "not a JPEG, PNG, WebP or GIF" in refused.reason


def test_a_png_bomb_is_refused_from_its_header() -> None:
    refused = refusal(files.png_bomb())
    assert refused.status == 422
    assert "81.0 megapixels" in refused.reason and "at most 40" in refused.reason


def test_a_truncated_jpeg_is_refused() -> None:
    refused = refusal(files.truncated_jpeg())
    assert "truncated" in refused.reason


def test_a_corrupt_png_is_refused() -> None:
    data = bytearray(files.png(64, 64))
    data[60:80] = b"\xff" * 20  # inside the compressed pixels
    refused = refusal(bytes(data))
    assert refused.status == 422


@pytest.mark.parametrize("make", [files.jpeg, files.png, files.webp, files.gif_two_frames, files.cmyk_jpeg])
def test_every_accepted_kind_passes_the_check(make) -> None:
    facts = pipeline.check(io.BytesIO(make()))
    assert facts.format in {"JPEG", "PNG", "WEBP", "GIF"}
    assert facts.width > 0 and facts.height > 0


def test_other_formats_are_refused_even_when_pillow_reads_them() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    assert refusal(out.getvalue()).status == 415


def test_a_side_longer_than_a_jpeg_may_have_is_refused_at_upload_not_left_to_fail_rendering() -> None:
    """276 bytes and 0.13 megapixels, so no bomb: but its JPEG original cannot be written, and the worker retried
    it forever, holding up every other seller's pictures behind it."""
    out = io.BytesIO()
    Image.new("L", (2, 66_000), 99).save(out, "PNG")
    refused = refusal(out.getvalue())
    assert refused.status == 422 and "at most 65,500 pixels a side" in refused.reason


def test_an_image_that_cannot_be_rendered_is_refused_by_the_render_not_raised_to_be_retried(monkeypatch) -> None:
    def fails(*_args, **_kwargs):
        raise OSError("broken data stream when writing image file")

    monkeypatch.setattr(PillowImagePipeline, "_encode_original", fails)
    with pytest.raises(ImageRefused, match="could not be rendered"):
        pipeline.render(files.png(8, 8))


@pytest.mark.parametrize("offset", [12, 16, 24])  # in IHDR: its name, its width, its bit depth
def test_a_png_with_a_broken_header_is_corrupt_not_another_format(offset) -> None:
    data = bytearray(files.png(64, 64))
    data[offset : offset + 4] = b"\x00\x00\x00\x00"
    refused = refusal(bytes(data))
    assert refused.status == 422 and "corrupt" in refused.reason
    assert "object at" not in refused.reason  # Pillow's message names a Python object: nothing for the seller

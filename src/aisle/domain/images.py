"""Product images uploaded by sellers: a record per upload, its status, and where its renditions live.

The bytes are stored content-addressed: every key holds the SHA-256 of the uploaded bytes, so the same upload twice
is stored once and a URL never changes meaning (which is what lets it be cached forever)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from aisle.domain.errors import FieldError, InvalidInput

THUMBNAIL_SIZES = (150, 300, 600, 1200)  # longest side in pixels, WebP, never upscaled
MAX_ALT_TEXT = 500
MAX_POSITION = 1000


class ImageStatus(StrEnum):
    PENDING = "PENDING"
    READY = "READY"
    REJECTED = "REJECTED"


class ImageRefused(Exception):
    """The bytes are not an image we accept; ``status`` is the HTTP status that says why (413, 415 or 422) and
    ``field`` names the form part."""

    def __init__(self, reason: str, status: int = 422, field: str = "file") -> None:
        super().__init__(f"{field}: {reason}")
        self.reason = reason
        self.status = status
        self.field = field


@dataclass(frozen=True)
class ImageFacts:
    """What the header (and a check decode) says about uploaded bytes that passed validation."""

    format: str  # JPEG, PNG, WEBP or GIF
    width: int
    height: int


@dataclass(frozen=True)
class ProductImage:
    image_id: int
    product_id: int
    seller_id: int
    content_hash: str  # SHA-256 hex of the uploaded bytes
    status: ImageStatus
    created_at: datetime
    updated_at: datetime
    alt_text: str = ""
    position: int = 0
    variant_id: int | None = None
    width: int | None = None  # of the stored original, after orientation
    height: int | None = None
    original_ext: str | None = None  # "jpg", "png" or "webp" once READY
    reason: str | None = None  # why REJECTED

    def ready(self, width: int, height: int, original_ext: str, now: datetime) -> ProductImage:
        return replace(
            self, status=ImageStatus.READY, width=width, height=height, original_ext=original_ext, updated_at=now
        )

    def rejected(self, reason: str, now: datetime) -> ProductImage:
        return replace(self, status=ImageStatus.REJECTED, reason=reason, updated_at=now)

    def thumbnail_sizes(self) -> tuple[int, ...]:
        """The sizes made for it: every standard size up to its longest side, and at least the smallest."""
        longest = max(self.width or 0, self.height or 0)
        return tuple(size for size in THUMBNAIL_SIZES if size <= longest) or THUMBNAIL_SIZES[:1]


def shown_for(image: ProductImage, variant_ids: Collection[int | None]) -> ProductImage:
    """The image as its product shows it now: bound to no variant when its variant was taken out of the product.
    It keeps the binding underneath, so a rollback that brings the variant back brings the binding back too."""
    if image.variant_id is None or image.variant_id in variant_ids:
        return image
    return replace(image, variant_id=None)


def fitted(width: int, height: int, size: int) -> tuple[int, int]:
    """A picture's width and height once its longest side is at most ``size``: scaled down, never up."""
    scale = min(1.0, size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def upload_key(image_id: int) -> str:
    """Where one upload's bytes wait for the worker (never served: they may still carry EXIF/GPS). Kept by image,
    not by content like the renditions: another seller deleting the same picture meanwhile takes its renditions,
    never the bytes this upload still needs."""
    return f"uploads/{image_id}"


def legacy_upload_key(content_hash: str) -> str:
    """Where uploads waited before they were kept per image: one in flight across an upgrade (or sent through an
    API process not yet upgraded) is still found there."""
    return f"uploads/{content_hash}"


def original_key(content_hash: str, ext: str) -> str:
    return f"images/{content_hash[:2]}/{content_hash}/original.{ext}"


def thumbnail_key(content_hash: str, size: int) -> str:
    return f"images/{content_hash[:2]}/{content_hash}/{size}.webp"


def rendition_keys(image: ProductImage) -> dict[str, str]:
    """ "150" … "1200" and "original" -> blob key, for a READY image. A size larger than the image itself names the
    largest thumbnail made, so every size a page asks for resolves without upscaling."""
    if image.status is not ImageStatus.READY or image.original_ext is None:
        return {}
    made = image.thumbnail_sizes()
    keys = {str(size): thumbnail_key(image.content_hash, min(size, made[-1])) for size in THUMBNAIL_SIZES}
    keys["original"] = original_key(image.content_hash, image.original_ext)
    return keys


def placed(images: Sequence[ProductImage], moved: Sequence[ProductImage], position: int | None) -> list[ProductImage]:
    """``moved`` (new pictures, or one whose position is edited) placed from ``position`` on (None: after the
    others), and those of the others at that position or after it moved along to make room: a picture put first
    is first, instead of sharing position 0 with the one that was. Only the pictures whose position changed, and
    ``moved``, are returned."""
    moved_ids = {image.image_id for image in moved}
    others = [image for image in images if image.image_id not in moved_ids]
    start = max((image.position + 1 for image in others), default=0) if position is None else position
    shifted = [
        replace(i, position=i.position + len(moved)) for i in others if position is not None and i.position >= start
    ]
    return [replace(image, position=start + n) for n, image in enumerate(moved)] + shifted


def check_edit(alt_text: str | None, position: int | None) -> None:
    problems = []
    if alt_text is not None and len(alt_text) > MAX_ALT_TEXT:
        problems.append(FieldError("alt_text", f"must be at most {MAX_ALT_TEXT} characters"))
    if position is not None and not 0 <= position <= MAX_POSITION:
        problems.append(FieldError("position", f"must be between 0 and {MAX_POSITION}"))
    if problems:
        raise InvalidInput(problems)

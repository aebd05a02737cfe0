"""Seller image uploads (multipart, answered 202 while thumbnails are made) and the /media route that serves them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from aisle.domain.errors import InvalidInput
from aisle.domain.images import MAX_ALT_TEXT, MAX_POSITION, ProductImage
from aisle.entrypoints.api.dependencies import (
    OVER_WRITE_LIMIT,
    ImageIdText,
    ImagesDep,
    ProductId,
    SellerDep,
    WritingSeller,
    current_seller,
    parse_id,
)
from aisle.entrypoints.api.image_form import ImageForm
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.schemas import UploadedImageOut
from aisle.entrypoints.numbers import whole_number
from aisle.services.images import MAX_FILES_PER_REQUEST, UNCHANGED, ImageEdit, ImageService

# Authentication first, as in seller_products: 401 before any path id is read.
router = APIRouter(
    route_class=UniqueKeysRoute, prefix="/api/v1/seller", tags=["seller images"], dependencies=[Depends(current_seller)]
)
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key"},
    404: {"description": "No such product (or image) for this seller"},
    422: {"description": "Invalid fields, or a file that is not a valid image (problem+json naming it)"},
}
EDIT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    409: {"description": "The product is deleted: roll it back to a live version first"},
    **OVER_WRITE_LIMIT,
}
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **EDIT_PROBLEMS,
    409: {"description": "The product is deleted (roll it back to a live version first), or shows 20 pictures"},
    400: {"description": "The multipart body is malformed; nothing was stored"},
    413: {"description": "A file over AISLE_IMAGE_MAX_BYTES, or too many files; nothing was stored"},
    415: {"description": "Not multipart/form-data, or a file that is not a JPEG, PNG, WebP or GIF"},
}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": f"1 to {MAX_FILES_PER_REQUEST} JPEG, PNG, WebP or GIF files (judged by "
                        "their bytes; GIF: first frame), each at most AISLE_IMAGE_MAX_BYTES and 40 megapixels",
                    },
                    "alt_text": {"type": "string", "maxLength": 500, "description": "For every file of the request"},
                    "position": {"type": "integer", "minimum": 0, "description": "Of the first file (default: last)"},
                    "variant_id": {"type": "string", "description": "The variant these images show"},
                },
            }
        }
    },
}


def _out(images: ImageService, image: ProductImage) -> UploadedImageOut:
    return UploadedImageOut.model_validate(images.media.image_view(image))


@router.post(
    "/products/{product_id}/images",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=list[UploadedImageOut],
    responses=UPLOAD_PROBLEMS,
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_images(
    product_id: ProductId, request: Request, seller: WritingSeller, images: ImagesDep
) -> list[UploadedImageOut]:
    """Validates each file on its bytes (type, size, pixels, integrity); if one is refused nothing is stored.
    Accepted files answer PENDING; thumbnails (150/300/600/1200 px WebP) are made in the background and the
    image turns READY with its ``urls`` (or REJECTED with a ``reason``). Poll GET …/images/{image_id}."""
    form = ImageForm(images.max_bytes, MAX_FILES_PER_REQUEST)
    await form.read(request.headers.get("content-type", ""), request.stream())
    try:
        fields = form.fields
        uploaded = await run_in_threadpool(
            images.upload,
            seller.seller_id,
            product_id,
            form.files,
            fields.get("alt_text", ""),
            _position(fields.get("position")),
            parse_id(fields["variant_id"], "variant_id") if fields.get("variant_id") else None,
        )
    finally:
        form.close()
    return [_out(images, image) for image in uploaded]


@router.get("/products/{product_id}/images", response_model=list[UploadedImageOut], responses=PROBLEMS)
def list_images(product_id: ProductId, seller: SellerDep, images: ImagesDep) -> list[UploadedImageOut]:
    return [_out(images, image) for image in images.images(seller.seller_id, product_id)]


@router.get("/products/{product_id}/images/{image_id}", response_model=UploadedImageOut, responses=PROBLEMS)
def get_image(product_id: ProductId, image_id: ImageIdText, seller: SellerDep, images: ImagesDep) -> UploadedImageOut:
    return _out(images, images.image(seller.seller_id, product_id, parse_id(image_id, "image_id")))


class ImagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alt_text: str | None = Field(None, max_length=MAX_ALT_TEXT, description='null or "" clears it')
    position: int | None = Field(None, ge=0, le=MAX_POSITION, strict=True)
    variant_id: str | None = Field(None, description="The variant the image shows; null detaches it")

    def to_edit(self) -> ImageEdit:
        variant: int | object | None = UNCHANGED
        if "variant_id" in self.model_fields_set:
            variant = None if self.variant_id is None else parse_id(self.variant_id, "variant_id")
        cleared = "alt_text" in self.model_fields_set and self.alt_text is None
        return ImageEdit(alt_text="" if cleared else self.alt_text, position=self.position, variant_id=variant)


@router.patch("/products/{product_id}/images/{image_id}", response_model=UploadedImageOut, responses=EDIT_PROBLEMS)
def edit_image(
    product_id: ProductId, image_id: ImageIdText, body: ImagePatch, seller: WritingSeller, images: ImagesDep
) -> UploadedImageOut:
    """Changes the alt text, position or variant of an image; the product's pages follow within seconds."""
    image = images.edit(seller.seller_id, product_id, parse_id(image_id, "image_id"), body.to_edit())
    return _out(images, image)


@router.delete(
    "/products/{product_id}/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT, responses=EDIT_PROBLEMS
)
def delete_image(product_id: ProductId, image_id: ImageIdText, seller: WritingSeller, images: ImagesDep) -> Response:
    images.delete(seller.seller_id, product_id, parse_id(image_id, "image_id"))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _position(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    position = whole_number(raw)
    if position is None:
        raise InvalidInput.single("position", "must be a whole number from 0")
    return position

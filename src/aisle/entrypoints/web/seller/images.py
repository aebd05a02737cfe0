"""The portal's pictures: upload (with progress, from the page's script, or a plain form), alt text, order, delete.

Uploads go through the same image service as the API: the bytes are validated on the request, thumbnails are made
in the background, and the page polls until each picture is READY (or REJECTED with its reason)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.images import MAX_POSITION, ImageRefused
from aisle.entrypoints.api.dependencies import container, parse_id
from aisle.entrypoints.api.image_form import ImageForm
from aisle.entrypoints.numbers import whole_number
from aisle.entrypoints.web.seller import session
from aisle.entrypoints.web.seller.notices import redirect_saying
from aisle.entrypoints.web.seller.portal import PortalSeller, checked_form, to_sign_in
from aisle.services.images import MAX_FILES_PER_REQUEST, ImageEdit, ImageService

router = APIRouter()


def _images(request: Request) -> ImageService:
    return container(request).images


def _max_file_bytes(request: Request) -> int:
    return container(request).settings.image_max_bytes


ImagesDep = Annotated[ImageService, Depends(_images)]
MaxFileBytes = Annotated[int, Depends(_max_file_bytes)]


def pictures(images: ImageService, seller_id: int, product: Any) -> list[dict[str, Any]]:
    """The product's pictures as the seller sees them, PENDING and REJECTED ones included."""
    if product is None:
        return []
    return [images.media.image_view(i) for i in images.images(seller_id, product.product_id)]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _back(request: Request, seller_id: int, product_id: int, **note: str) -> RedirectResponse:
    return redirect_saying(request, seller_id, f"/seller/products/{product_id}", "pictures", **note)


@router.post("/products/{product_id}/images")
async def upload(
    product_id: str, request: Request, seller: PortalSeller, images: ImagesDep, max_bytes: MaxFileBytes
) -> Response:
    if seller is None:
        return to_sign_in(request)
    pid = parse_id(product_id, "product_id")
    form = ImageForm(max_bytes, MAX_FILES_PER_REQUEST, extra_fields=(session.CSRF_FIELD,))
    try:
        await form.read(request.headers.get("content-type", ""), request.stream())
        submitted = request.headers.get("x-csrf-token") or form.fields.get(session.CSRF_FIELD)
        if not session.csrf_ok(request, submitted):
            raise HTTPException(403, "This form has expired; reload the page and retry.")
        alt_text = form.fields.get("alt_text", "")
        uploaded = await run_in_threadpool(images.upload, seller.seller_id, pid, form.files, alt_text)
    except (ImageRefused, InvalidInput) as refused:
        if _wants_json(request):
            raise
        return _back(
            request,
            seller.seller_id,
            pid,
            image_error=refused.reason if isinstance(refused, ImageRefused) else str(refused),
        )
    finally:
        form.close()
    if _wants_json(request):
        return JSONResponse([images.media.image_view(image) for image in uploaded], status_code=202)
    pictures = "1 picture" if len(uploaded) == 1 else f"{len(uploaded)} pictures"
    return _back(
        request, seller.seller_id, pid, image_note=f"{pictures} uploaded; thumbnails are made in a few seconds."
    )


@router.get("/products/{product_id}/images.json")
def image_list(product_id: str, seller: PortalSeller, images: ImagesDep) -> Response:
    """The product's pictures with their status, for the page's polling while thumbnails are made."""
    if seller is None:
        return JSONResponse({"detail": "Sign in again."}, status_code=401)
    found = images.images(seller.seller_id, parse_id(product_id, "product_id"))
    return JSONResponse([images.media.image_view(image) for image in found])


@router.post("/products/{product_id}/images/{image_id}")
async def edit(product_id: str, image_id: str, request: Request, seller: PortalSeller, images: ImagesDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    pid, iid = parse_id(product_id, "product_id"), parse_id(image_id, "image_id")
    try:
        if form.get("action") == "delete":
            await run_in_threadpool(images.delete, seller.seller_id, pid, iid)
            return _back(request, seller.seller_id, pid, image_note="Picture deleted.")
        typed = str(form.get("position") or "").strip()
        position = whole_number(typed)
        if typed and (position is None or position > MAX_POSITION):
            why = f"Not saved: the position “{typed[:20]}” is no whole number from 0 (first) to {MAX_POSITION}."
            return _back(request, seller.seller_id, pid, image_error=why)
        change = ImageEdit(alt_text=str(form.get("alt_text") or ""), position=position)
        await run_in_threadpool(images.edit, seller.seller_id, pid, iid, change)
    except InvalidInput as refused:  # said on the product's page, as a refused upload is, not as problem+json
        reasons = "; ".join(f"{e.reason} ({e.field.replace('_', ' ')})" for e in refused.errors)
        return _back(request, seller.seller_id, pid, image_error=f"Not saved: {reasons}.")
    except Conflict as refused:
        return _back(request, seller.seller_id, pid, image_error=f"Not done: {refused.detail}.")
    return _back(request, seller.seller_id, pid, image_note="Picture saved.")

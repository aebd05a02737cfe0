"""Versions with their diff and one-click rollback; bulk NDJSON uploads and their jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aisle.domain.categories import Category
from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.sellers import Seller
from aisle.entrypoints.api.dependencies import BulkDep, CatalogDep, parse_id
from aisle.entrypoints.api.schemas import job_out
from aisle.entrypoints.numbers import whole_number
from aisle.entrypoints.web.dependencies import CategoriesDep
from aisle.entrypoints.web.rendering import field_label
from aisle.entrypoints.web.seller.portal import PortalSeller, checked_form, page, to_sign_in
from aisle.services.bulk import TooManyLines
from aisle.services.catalog import CatalogService
from aisle.services.categories import CategoryCache

router = APIRouter()
CATEGORIES_LISTED = 500  # the ids a bulk file's lines may name, listed on its page


@router.get("/products/{product_id}/versions", response_class=HTMLResponse)
def versions(
    product_id: str, request: Request, seller: PortalSeller, catalog: CatalogDep, categories: CategoriesDep
) -> Response:
    if seller is None:
        return to_sign_in(request)
    context = _versions_context(request, seller, catalog, categories, parse_id(product_id, "product_id"))
    return page(request, "seller/versions.html", context)


def _versions_context(
    request: Request, seller: Seller, catalog: CatalogService, categories: CategoryCache, pid: int
) -> dict[str, Any]:
    product = catalog.get_product(seller.seller_id, pid)
    listed = catalog.versions(seller.seller_id, pid)
    newest = product.version
    to_version = _version(request.query_params.get("to"), newest) or newest
    from_version = _version(request.query_params.get("from"), newest) or max(1, to_version - 1)
    diff = catalog.diff(seller.seller_id, pid, from_version, to_version) if from_version != to_version else None
    if diff is not None:
        shown = [row for change in diff["fields"] for row in _each_attribute(change)]
        diff = {**diff, "fields": [_readable(change, categories()) for change in shown]}
    return {
        "seller": seller,
        "product": product,
        "versions": listed,
        "diff": diff,
        "from": from_version,
        "to": to_version,
        "rolled": request.query_params.get("rolled"),
    }


def _each_attribute(change: dict[str, Any]) -> list[dict[str, Any]]:
    """An attributes change as one row per attribute that changed ("capacity: 128 → 256"), not both whole lists."""
    before, after = change["from"], change["to"]
    if change["field"] != "attributes" or not isinstance(before or {}, dict) or not isinstance(after or {}, dict):
        return [change]
    before, after = before or {}, after or {}
    names = [*before, *(name for name in after if name not in before)]
    return [
        {"field": "attributes", "label": f"Attribute “{name}”", "from": before.get(name), "to": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


def _readable(change: dict[str, Any], categories: dict[int, Any]) -> dict[str, Any]:
    """A field's change as a seller reads it: "Category", its path rather than its id, "none" for nothing."""

    def said(value: Any) -> Any:
        if value is None or value == "" or value == [] or value == {}:
            return "none"
        if change["field"] == "category_id" and (category := categories.get(int(value))) is not None:
            return category.path
        return value

    label = change.get("label") or field_label(change["field"])
    return {"field": label, "from": said(change["from"]), "to": said(change["to"])}


@router.post("/products/{product_id}/rollback")
async def rollback(
    product_id: str, request: Request, seller: PortalSeller, catalog: CatalogDep, categories: CategoriesDep
) -> Response:
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    pid = parse_id(product_id, "product_id")
    wanted = _version(str(form.get("version") or ""), 1_000_000)
    if wanted is None:
        raise InvalidInput.single("version", "must be a version number")
    try:
        product = await run_in_threadpool(catalog.rollback, seller.seller_id, pid, wanted)
    except Conflict as refused:  # the versions page again, saying why (a variant it drops holds stock)
        context = await run_in_threadpool(_versions_context, request, seller, catalog, categories, pid)
        return page(request, "seller/versions.html", {**context, "refused": refused.detail}, status_code=409)
    return RedirectResponse(f"/seller/products/{pid}/versions?rolled={wanted}&to={product.version}", status_code=303)


SAMPLE_LINE = (
    '{"title": "Trail Shoe", "status": "ACTIVE", "category_id": "%s", '
    '"variants": [{"sku": "TS-42", "price": 89.99, "attributes": {"size": "42"}}]}'
)


@router.get("/bulk", response_class=HTMLResponse)
def bulk_page(request: Request, seller: PortalSeller, categories: CategoriesDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    return _bulk_page(request, seller, categories())


def _bulk_page(
    request: Request, seller: Any, categories: dict[int, Category], error: str | None = None, status_code: int = 200
) -> Response:
    """The upload form, with a line to copy and the category ids its lines name (the product form takes paths)."""
    listed = sorted(categories.values(), key=lambda c: c.path)[:CATEGORIES_LISTED]
    sample = SAMPLE_LINE % (listed[0].category_id if listed else "")
    context = {"seller": seller, "error": error, "categories": listed, "sample": sample, "all": len(categories)}
    return page(request, "seller/bulk.html", context, status_code)


@router.post("/bulk", response_class=HTMLResponse)
async def bulk_upload(request: Request, seller: PortalSeller, bulk: BulkDep, categories: CategoriesDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    upload = form.get("file")
    body = await upload.read() if isinstance(upload, UploadFile) else b""
    if not body.strip():
        chosen = upload.filename if isinstance(upload, UploadFile) else None
        error = f"{chosen} is empty: it needs one product per line." if chosen else "Choose an NDJSON file."
        return _bulk_page(request, seller, categories(), error, 422)
    try:
        job = await run_in_threadpool(bulk.submit, seller.seller_id, body)
    except (InvalidInput, TooManyLines) as refused:
        reason = "; ".join(e.reason for e in refused.errors) if isinstance(refused, InvalidInput) else str(refused)
        return _bulk_page(request, seller, categories(), reason, 422)
    return RedirectResponse(f"/seller/jobs/{job.job_id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, seller: PortalSeller, bulk: BulkDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    job, errors = bulk.status(seller.seller_id, parse_id(job_id, "job_id"))
    return page(request, "seller/job.html", {"seller": seller, "job": job_out(job, errors)})


@router.get("/jobs/{job_id}/status")
def job_status(job_id: str, seller: PortalSeller, bulk: BulkDep) -> Response:
    """The job as JSON for the page's live progress (the session cookie, not an API key, says who asks)."""
    if seller is None:
        return JSONResponse({"detail": "Sign in again."}, status_code=401)
    job, errors = bulk.status(seller.seller_id, parse_id(job_id, "job_id"))
    return JSONResponse(job_out(job, errors).model_dump(mode="json"))


def _version(raw: str | None, newest: int) -> int | None:
    version = whole_number(raw)
    return version if version is not None and 1 <= version <= newest else None

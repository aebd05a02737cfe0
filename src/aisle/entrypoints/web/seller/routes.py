"""Sign in and out, the product list, and creating and editing a product."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.errors import Conflict, FieldError, InvalidInput, StaleVersion
from aisle.entrypoints.api.dependencies import CatalogDep, SellersDep, parse_id
from aisle.entrypoints.numbers import page_number, whole_number
from aisle.entrypoints.web.dependencies import CategoriesDep
from aisle.entrypoints.web.seller import forms, history, images, session, stock
from aisle.entrypoints.web.seller.notices import notices_said
from aisle.entrypoints.web.seller.portal import (
    PortalSeller,
    checked_form,
    errors_by_field,
    page,
    safe_next,
    session_secret,
    sign_in_allowed,
    to_sign_in,
)

router = APIRouter(prefix="/seller", include_in_schema=False)
router.include_router(history.router)
router.include_router(stock.router)
router.include_router(images.router)
STATUSES = ("DRAFT", "ACTIVE", "INACTIVE", "DELETED")
PAGE_SIZE = 25
PRICE_RULE = "confirm_price_change"  # the API's ±50% rule names the flag that confirms a change
CATEGORIES_OFFERED = 500  # paths listed in the product form; about 25 KB of HTML at most


@router.get("", response_class=HTMLResponse)
def sign_in_page(request: Request, seller: PortalSeller) -> Response:
    target = safe_next(request.query_params.get("next"))
    if seller:
        return RedirectResponse(target, status_code=303)
    context = {
        "error": None,
        "signed_out": request.query_params.get("signed_out") == "1",
        "ended": request.query_params.get("ended") == "1",
        "unsaved": request.query_params.get("unsaved") == "1",
        "next": target,
    }
    return page(request, "seller/sign_in.html", context)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, sellers: SellersDep) -> Response:
    form = await checked_form(request)
    allowed = await run_in_threadpool(sign_in_allowed, request)
    key = str(form.get("api_key") or "").strip()
    signed = await run_in_threadpool(sellers.sign_in, key) if key and allowed else None
    if signed is None:
        error = "Too many attempts; wait a minute." if not allowed else "This API key is not valid."
        error = "Enter your API key (it starts with aisle_sk_)." if allowed and not key else error
        context = {"error": error, "next": safe_next(str(form.get("next") or ""))}
        return page(request, "seller/sign_in.html", context, status_code=401 if allowed else 429)
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    seller, key_fingerprint = signed
    value = session.session_value(session_secret(request), seller.seller_id, key_fingerprint)
    session.set_cookie(request, response, session.SESSION_COOKIE, value, session.SESSION_SECONDS)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/seller?signed_out=1", status_code=303)
    response.delete_cookie(session.SESSION_COOKIE, path="/seller")
    return response


@router.get("/products", response_class=HTMLResponse)
def products(request: Request, seller: PortalSeller, catalog: CatalogDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    status = request.query_params.get("status") or None
    wanted = (ProductStatus(status),) if status in STATUSES else ()
    text = (request.query_params.get("q") or "").strip()
    number = page_number(request.query_params.get("page"), 10_000)
    listed = catalog.list_products(seller.seller_id, wanted, number, PAGE_SIZE, text)
    items, total = listed.items, listed.total
    last = max(1, -(-total // PAGE_SIZE))
    if number > last and total:  # an old link, a typed page number: the last page, as the storefront does
        return RedirectResponse(f"{request.url.path}?{urlencode({**request.query_params, 'page': last})}", 303)
    context = {
        "seller": seller,
        "items": items,
        "total": total,
        "status": status if wanted else "",
        "q": text,
        "page": number,
        "pages": last,
        "statuses": STATUSES,
        "deleted": whole_number(request.query_params.get("deleted")),
    }
    return page(request, "seller/products.html", context)


@router.get("/products/new", response_class=HTMLResponse)
def new_product(request: Request, seller: PortalSeller, categories: CategoriesDep) -> Response:
    if seller is None:
        return to_sign_in(request)
    return _editor(request, seller, None, forms.form_values(None, {}), categories())


@router.post("/products/new", response_class=HTMLResponse)
async def create_product(
    request: Request, seller: PortalSeller, catalog: CatalogDep, categories: CategoriesDep, pictures: images.ImagesDep
) -> Response:
    return await _save(request, seller, catalog, categories, pictures, None)


@router.get("/products/{product_id}", response_class=HTMLResponse)
def edit_product(
    product_id: str,
    request: Request,
    seller: PortalSeller,
    catalog: CatalogDep,
    categories: CategoriesDep,
    pictures: images.ImagesDep,
) -> Response:
    if seller is None:
        return to_sign_in(request)
    product = catalog.get_product(seller.seller_id, parse_id(product_id, "product_id"))
    shown = images.pictures(pictures, seller.seller_id, product)
    known = categories()
    return _editor(request, seller, product, forms.form_values(product, known), known, shown=shown)


@router.post("/products/{product_id}", response_class=HTMLResponse)
async def update_product(
    product_id: str,
    request: Request,
    seller: PortalSeller,
    catalog: CatalogDep,
    categories: CategoriesDep,
    pictures: images.ImagesDep,
) -> Response:
    return await _save(request, seller, catalog, categories, pictures, parse_id(product_id, "product_id"))


async def _save(
    request: Request,
    seller: Any,
    catalog: CatalogDep,
    categories: CategoriesDep,
    pictures: images.ImagesDep,
    product_id: int | None,
) -> Response:
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    values = forms.submitted_values(form)
    expected = _form_version(form)
    if form.get("more_rows"):  # the same form again, as typed, with room for more variants: nothing is saved
        current = None if product_id is None else catalog.get_product(seller.seller_id, product_id)
        values["variants"] = forms.with_more_rows(values["variants"])
        shown = images.pictures(pictures, seller.seller_id, current) if current is not None else ()
        return _editor(request, seller, current, values, categories(), shown=shown, opened_version=expected)
    confirm = form.get("confirm_price_change") == "1"
    try:
        opened = None if product_id is None else catalog.get_product(seller.seller_id, product_id).content
        body = forms.product_body(values, categories(), confirm, opened)
        if product_id is None:
            saved = await run_in_threadpool(catalog.create_product, seller.seller_id, body.to_content())
        else:
            saved = await run_in_threadpool(
                catalog.replace_product, seller.seller_id, product_id, body.to_content(), expected, confirm
            )
    except (InvalidInput, StaleVersion, Conflict) as refused:  # the editor again, with the seller's words
        current = None if product_id is None else catalog.get_product(seller.seller_id, product_id)
        errors, status_code = _refusal(refused)
        shown = images.pictures(pictures, seller.seller_id, current) if current is not None else ()
        # after a 412 the seller has been told, and saving again replaces the version saved meanwhile
        kept = None if isinstance(refused, StaleVersion) else expected
        return _editor(request, seller, current, values, categories(), errors, status_code, shown, opened_version=kept)
    return RedirectResponse(f"/seller/products/{saved.product_id}?saved={saved.version}", status_code=303)


@router.post("/products/{product_id}/delete")
async def delete_product(product_id: str, request: Request, seller: PortalSeller, catalog: CatalogDep) -> Response:
    """Deletes as the API does (softly: a rollback restores it), refused when the form's version is stale."""
    if seller is None:
        return to_sign_in(request)
    form = await checked_form(request)
    pid = parse_id(product_id, "product_id")
    await run_in_threadpool(catalog.delete_product, seller.seller_id, pid, _form_version(form))
    return RedirectResponse(f"/seller/products?deleted={pid}", status_code=303)


def _form_version(form: Any) -> int | None:
    """The version the form was opened at, which the write must still find; a form without one (sent by a script)
    writes whatever the version, as the API does without If-Match, and one changed by hand is refused."""
    raw = str(form.get("version") or "").strip()
    version = whole_number(raw)
    if raw and version is None:
        raise InvalidInput.single("version", f"“{raw}” is no version number")
    return version


def _refusal(error: InvalidInput | StaleVersion | Conflict) -> tuple[list[FieldError], int]:
    """What the editor says of a save the catalog refused, and the status it answers with."""
    if isinstance(error, InvalidInput):
        return list(error.errors), 422
    if isinstance(error, StaleVersion):  # saved meanwhile (another tab, another person)
        said = (
            f"this product was saved as version {error.actual} after you opened version {error.expected}, so your "
            "edits below are not saved yet. Compare on its Versions page; saving again replaces that version."
        )
        return [FieldError("version", said)], 412
    return [FieldError(error.field or "product", error.detail)], 409  # a variant left out still holds stock


def _editor(
    request: Request,
    seller: Any,
    product: Any,
    values: dict,
    categories: dict[int, Any],
    errors=(),
    status_code: int = 200,
    shown=(),
    opened_version: int | None = None,
) -> Response:
    """``opened_version``: the version the form was opened at, which a form shown again keeps, so that saving it
    still refuses a change saved meanwhile (412); by default the product's own."""
    by_field = errors_by_field(list(errors))
    needs_confirm = any(PRICE_RULE in reason for reason in by_field.values())
    by_field = {field: reason.split(f"; send {PRICE_RULE}")[0] for field, reason in by_field.items()}
    if links := [f"line {int(f[7:-1]) + 1}: {why}" for f, why in by_field.items() if re.fullmatch(r"images\[\d+\]", f)]:
        by_field.setdefault("images", "; ".join(links))  # one field in the form: its lines, each named
    context = {
        "seller": seller,
        "product": product,
        "v": values,
        "errors": by_field,
        "needs_confirm": needs_confirm,
        # "Saved as version N" only while N is the version shown: not for a made-up one, nor once it changed
        "saved": _saved_version(request, product),
        "statuses": STATUSES[:3],
        "category_paths": _offered(categories),
        "images": list(shown),
        "opened_version": opened_version if opened_version is not None else getattr(product, "version", None),
        **notices_said(request, seller.seller_id, "image_error", "image_note"),
    }
    return page(request, "seller/edit.html", context, status_code)


def _offered(categories: dict[int, Any]) -> list[str]:
    """The category paths the field offers as it is typed; none from a tree too large to send with every form
    (a refused path is still answered with the nearest real ones)."""
    return sorted(c.path for c in categories.values()) if len(categories) <= CATEGORIES_OFFERED else []


def _saved_version(request: Request, product: Product | None) -> int | None:
    saved = whole_number(request.query_params.get("saved"))
    return saved if product is not None and saved == product.version else None

"""The shopper's pages: home, search, category browse and product pages. Every page works without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aisle.domain.categories import ancestors_path
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.entrypoints.api.dependencies import (
    CatalogDep,
    PdpDep,
    ReviewsDep,
    SearchDep,
    client_address,
    parse_id,
    product_review_allowed,
    review_allowed,
    search_allowed,
)
from aisle.entrypoints.api.shapes.categories import node_shown
from aisle.entrypoints.api.shapes.search import search_shown
from aisle.entrypoints.numbers import whole_number
from aisle.entrypoints.web import images, search_page
from aisle.entrypoints.web.dependencies import CategoriesDep, PageCacheDep
from aisle.entrypoints.web.product_page import product_context
from aisle.entrypoints.web.rendering import render
from aisle.services.pdp import GoneListing, ProductPageService
from aisle.services.reviews import ReviewService
from aisle.services.search.params import SearchParams

router = APIRouter(include_in_schema=False)
TREE_KEY, TREE_TTL_SECONDS = "web:category-tree", 60
POPULAR_KEY, POPULAR_TTL_SECONDS = "web:popular", 60
POPULAR_SHOWN = 12


class PageNotFound(Exception):
    """Raised by a page for an id that names nothing a shopper can see: answered with the friendly 404 page, which
    names a product taken off sale (``gone``) and where to look for another."""

    def __init__(self, gone: GoneListing | None = None) -> None:
        super().__init__()
        self.gone = gone


def category_tree(catalog: CatalogDep, cache: PageCacheDep) -> list[dict[str, Any]]:
    """The departments with products in them, kept a minute: counting a large catalog's categories is not free."""
    tree = cache.get(TREE_KEY)
    if tree is None:
        tree = [node_shown(node) for node in catalog.category_tree() if node.product_count]
        cache.set(TREE_KEY, tree, TREE_TTL_SECONDS)
    return tree


@router.get(images.MISSING, response_class=Response)
def missing_picture(label: str = "") -> Response:
    """The stand-in for a picture that is not there: the same for every product of a brand, so kept a day."""
    # opened on its own it is a document: nothing in it may run or load (it holds none, and says so)
    headers = {
        "Cache-Control": "public, max-age=86400",
        "Content-Security-Policy": "default-src 'none'",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(images.missing_svg(label), media_type="image/svg+xml", headers=headers)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, catalog: CatalogDep, search: SearchDep, cache: PageCacheDep) -> HTMLResponse:
    popular = cache.get(POPULAR_KEY)
    if popular is None:
        found = search_shown(search.search(SearchParams(page_size=POPULAR_SHOWN * 2)))["results"]
        popular = _one_per_title(found)[:POPULAR_SHOWN]
        cache.set(POPULAR_KEY, popular, POPULAR_TTL_SECONDS)
    return render(request, "home.html", {"tree": category_tree(catalog, cache), "popular": popular})


def _one_per_title(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A showcase shows no title twice: catalogs list the same product under several SKUs ("Re-Boost $50
    Prepaid Phone Card" twice, side by side, looks like a fault)."""
    by_title: dict[str, dict[str, Any]] = {}
    for result in results:
        by_title.setdefault(result["title"].casefold(), result)
    return list(by_title.values())


@router.get("/search", response_class=HTMLResponse, dependencies=[Depends(search_allowed)])
def search_results(request: Request, search: SearchDep, categories: CategoriesDep) -> Response:
    asked = search_page.read_query("/search", request.query_params, search.brand_choices)
    return _results_page(request, search, categories(), asked, heading=None)


@router.get("/c/{category_id}", response_class=HTMLResponse, dependencies=[Depends(search_allowed)])
def browse(category_id: str, request: Request, search: SearchDep, categories: CategoriesDep) -> Response:
    wanted = _id_or_404(category_id)
    known = categories()
    if wanted not in known:
        raise PageNotFound()
    asked = search_page.read_query(f"/c/{wanted}", request.query_params, search.brand_choices, str(wanted))
    trail = ancestors_path(known, wanted)
    return _results_page(request, search, known, asked, heading=known[wanted].name, trail=trail)


def _results_page(
    request: Request, search: SearchDep, categories, asked: search_page.Asked, heading, trail=()
) -> Response:
    error = None
    asked = search_page.without_unknown_category(asked, categories)
    try:
        result = search.search(asked.params)
    except InvalidInput as invalid:
        error = "; ".join(f"{e.field} {e.reason}" for e in invalid.errors)
        result = search.search(SearchParams(q=asked.params.q, page_size=search_page.PAGE_SIZE))
    response = search_shown(result)
    last_page = search_page.last_page(response["total"])
    if asked.params.page > last_page and response["total"]:  # an old link, a typed page number: the last page
        return RedirectResponse(asked.query.url(page=str(last_page)), status_code=303)
    raw_category = asked.params.category or ""
    category_number = whole_number(raw_category)
    chosen = categories.get(category_number) if category_number is not None else None
    context = {
        "asked": asked,
        "r": response,
        "heading": heading,
        "trail": list(trail),
        "error": error,
        "chips": search_page.chips(asked, response["query"], chosen.name if chosen else None, _relaxed(response)),
        "clear_all_url": search_page.clear_all_url(asked, response["query"]),
        "pages": search_page.pages(response["page"], response["total"]),
        "last_page": last_page,
        "sorts": search_page.SORTS,
        "price_label": search_page.price_label,
        "price_links": search_page.price_links_from(asked, response["query"]),
    }
    return render(request, "search.html", context)


def _relaxed(response: dict[str, Any]) -> set[str]:
    return {step["dropped"] for step in (response.get("relaxed") or {}).get("steps", [])}


REVIEWED_COOKIE = "aisle_reviewed"  # the product a review was just posted for, in this browser
REVIEWED_SECONDS = 60


@router.get("/p/{product_id}", response_class=HTMLResponse)
def product(product_id: str, request: Request, pdp: PdpDep, reviews: ReviewsDep) -> HTMLResponse:
    pid = _id_or_404(product_id)
    try:
        context = product_context(pdp, reviews, pid, request.query_params)
    except NotFound as missing:
        raise PageNotFound(pdp.no_longer_listed(pid)) from missing
    thanked = context["reviewed"] and request.cookies.get(REVIEWED_COOKIE) == str(pid)
    page = render(request, "product.html", {**context, "reviewed": thanked})
    if thanked:
        page.delete_cookie(REVIEWED_COOKIE, path=f"/p/{pid}")
        page.headers["Cache-Control"] = "no-store"  # this answer is this browser's alone
    return page


def posted_from_this_store(request: Request) -> None:
    """A review form sent from another site's page is refused: a reviewer is told apart by address, so a page
    elsewhere posting the form from each visitor's browser would write one review per visitor. Browsers say where
    a form came from (Sec-Fetch-Site; Origin, in older ones); a request saying neither (curl) is taken."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    ours = {request.headers.get("host"), request.headers.get("x-forwarded-host")} - {None}
    if site == "cross-site" or (site is None and origin is not None and urlsplit(origin).netloc not in ours):
        raise HTTPException(403, "A review is written on this store's own product page, not from another site.")


@router.post(
    "/p/{product_id}/reviews",
    response_class=HTMLResponse,
    dependencies=[Depends(posted_from_this_store), Depends(review_allowed)],
)
def post_review(
    product_id: str,
    request: Request,
    pdp: PdpDep,
    reviews: ReviewsDep,
    rating: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "",
) -> Any:
    pid = _id_or_404(product_id)
    form = {"rating": rating, "title": title, "body": body, "author": author}
    try:
        stars = whole_number(rating) or 0
        product_review_allowed(request, pid)
        reviews.add(pid, stars, title, body, author, client_address(request))
    except NotFound as missing:
        raise PageNotFound() from missing
    except InvalidInput as invalid:
        return _review_refused(request, pdp, reviews, pid, form, {e.field: e.reason for e in invalid.errors}, 422)
    except Conflict:
        errors = {"reviewer": "you have already reviewed this product (one review each)"}
        return _review_refused(request, pdp, reviews, pid, form, errors, 409)
    shown = whole_number(request.query_params.get("variant"))  # the variant the page showed stays shown
    chosen = f"variant={shown}&" if shown is not None else ""
    posted = RedirectResponse(f"/p/{pid}?{chosen}reviewed=1#reviews", status_code=303)
    # the thanks are for this browser, once: "reviewed=1" alone, in a link or a reload, says nothing
    posted.set_cookie(
        REVIEWED_COOKIE,
        str(pid),
        max_age=REVIEWED_SECONDS,
        path=f"/p/{pid}",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return posted


def _review_refused(
    request: Request,
    pdp: ProductPageService,
    reviews: ReviewService,
    product_id: int,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Any:
    """The product page again with the shopper's words in the form and why they were not published."""
    context = product_context(pdp, reviews, product_id, request.query_params)
    context.update(review_errors=errors, review_form=form)
    return render(request, "product.html", context, status_code=status_code)


def _id_or_404(raw: str) -> int:
    try:
        return parse_id(raw)
    except InvalidInput as invalid:
        raise PageNotFound() from invalid

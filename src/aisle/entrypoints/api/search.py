"""Search and autocomplete. Any text is welcome in q: it is read as words, never as engine syntax."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BeforeValidator

from aisle.domain.errors import InvalidInput
from aisle.domain.search.query import MAX_QUERY_CHARS, MAX_QUERY_INPUT_CHARS
from aisle.entrypoints import metrics
from aisle.entrypoints.api.dependencies import AutocompleteDep, SearchDep, search_allowed
from aisle.entrypoints.api.shapes.autocomplete import AutocompleteResponse, completions_shown, unavailable
from aisle.entrypoints.api.shapes.common import json_response
from aisle.entrypoints.api.shapes.search import SearchResponse, search_shown
from aisle.entrypoints.numbers import ascii_digits_only
from aisle.services.search.engine import EngineUnavailable
from aisle.services.search.params import MAX_ATTRIBUTE_FILTERS, MAX_PAGE_SIZE, SearchParams, attribute_filters

router = APIRouter(prefix="/api/v1/products", tags=["search"])
Price = Annotated[
    Decimal | None,
    BeforeValidator(ascii_digits_only),
    Query(ge=0, le=1_000_000, allow_inf_nan=False, description="In USD"),
]


@router.get(
    "/search",
    dependencies=[Depends(search_allowed)],
    response_model=SearchResponse,
    responses={
        422: {"description": "A parameter is malformed (problem+json names it)"},
        429: {"description": "Over the per-client search rate limit; see Retry-After"},
    },
)
def search(
    request: Request,
    search: SearchDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_INPUT_CHARS,
            description=f'Free text, e.g. "sony headphones under $200"; read up to {MAX_QUERY_CHARS} characters',
        ),
    ] = "",
    category: Annotated[str | None, Query(max_length=500, description="Category id or path")] = None,
    price_min: Price = None,
    price_max: Price = None,
    brand: Annotated[
        list[str] | None,
        Query(
            max_length=2_000,
            description="Brands, any of them: repeatable or comma-separated (`brand=Sony,Bose`); a brand whose name "
            "holds a comma is chosen by its whole name (`brand=Black, Decker %26 Sons`)",
        ),
    ] = None,
    rating_min: Annotated[
        float | None, BeforeValidator(ascii_digits_only), Query(ge=0, le=5, allow_inf_nan=False)
    ] = None,
    in_stock: bool | None = None,
    sort: Annotated[
        Literal["relevance", "price_asc", "price_desc", "rating", "newest"] | None,
        Query(
            description="`rating`: best rated first by the average the number of reviews supports (a Bayesian "
            "average: 4.8 stars from 200 reviews comes before 5.0 from one review); the effective price for the "
            "price sorts (a running deal applied); `newest`: latest listed first; `relevance` (the default). Sorted "
            "with words, only the products whose name, brand or category hold every word, when a fifth of the "
            "catalog's matches for the words or more do (decided on the words alone, so a facet's count is what "
            "choosing it finds): a product only its description relates to the words is left out",
        ),
    ] = None,
    page: Annotated[
        int,
        Query(
            ge=1, le=10_000, description="From 1; page times page_size may reach 10,000 (page 500 at the default size)"
        ),
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    attr: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_ATTRIBUTE_FILTERS,
            description="Variant attribute filter `name:value`, repeatable (`attr=color:Red&attr=color:Blue&"
            "attr=storage:64GB`): values of one attribute match any of them, different attributes must all match, "
            "in one variant; case does not matter. With an attribute chosen, `price_min`/`price_max` and "
            "`in_stock=true` are asked of that variant too, and a result's price is that variant's. The values to "
            "pick from are in `facets.attributes` = {name: [{name, count, selected}]}.",
        ),
    ] = None,
) -> Response:
    """Full-text search with filters, facets and query understanding.

    The response's `query` block says how the text was read (keywords, filters found in it, spelling
    corrections, synonyms, predicted category); `relaxed` says what was dropped, in order, when the query as
    given matched nothing: words and the filters the text implied, never a filter given as a parameter (a
    `price_max` nothing is under gives no results, not dearer ones).
    """
    if price_min is not None and price_max is not None and price_min > price_max:
        raise InvalidInput.single("price_min", f"must not exceed price_max ({price_max})")
    brands = search.brand_choices(brand or [])
    client = request.client.host if request.client else ""
    attributes = attribute_filters(attr or [])
    params = SearchParams(
        q,
        category,
        price_min,
        price_max,
        brands,
        rating_min,
        in_stock,
        sort,
        page,
        page_size,
        attributes=attributes,
        client=client,
    )
    started = time.perf_counter()
    result = search.search(params)
    metrics.observe_search(time.perf_counter() - started, result)
    return json_response(search_shown(result))


@router.get("/autocomplete", response_model=AutocompleteResponse)
def autocomplete(
    autocomplete: AutocompleteDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_INPUT_CHARS,
            description=f"What the shopper has typed so far; read up to {MAX_QUERY_CHARS} characters",
        ),
    ] = "",
) -> Response:
    """Up to 9 completions: popular queries, brands, categories, product titles and words; typo-tolerant."""
    try:
        return json_response(completions_shown(autocomplete.suggest(q)))
    except EngineUnavailable:
        return json_response(unavailable(q))

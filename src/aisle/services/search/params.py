"""What a shopper asks for: the search endpoint's parameters, before query understanding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # page * page_size beyond this is refused: deep paging is a crawler's game


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category: str | None = None  # an id, or a path like "Electronics > Audio"
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    brands: tuple[str, ...] = ()
    rating_min: float | None = None
    in_stock: bool | None = None
    sort: str | None = None  # None: relevance, unless the query says otherwise ("cheapest ...")
    page: int = 1
    page_size: int = 20

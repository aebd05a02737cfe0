"""What a shopper asks for: the search endpoint's parameters, before query understanding."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from aisle.domain.errors import InvalidInput

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
    attributes: tuple[tuple[str, str], ...] = ()  # ("color", "Red"): variant attributes to filter on
    client: str = ""  # who asked (an address or key), so autocomplete learns only what several clients ran

    def __post_init__(self) -> None:
        # "Müller" typed as "u" + a combining diaeresis is the brand stored as one "ü"
        object.__setattr__(self, "brands", tuple(unicodedata.normalize("NFC", b) for b in self.brands))


MAX_ATTRIBUTE_FILTERS = 20
MAX_BRAND_FILTERS = 50  # the search page's most: each of its links repeats them all (the API takes hundreds)
MAX_ATTRIBUTE_PART = 100


def attribute_filters(raw: list[str]) -> tuple[tuple[str, str], ...]:
    """ "color:Red" → ("color", "Red"); several values of one attribute match any of them."""
    if len(raw) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidInput.single("attr", f"at most {MAX_ATTRIBUTE_FILTERS} attribute filters")
    found = []
    for item in raw:
        name, colon, value = item.partition(":")
        name, value = " ".join(name.split()), " ".join(value.split())
        if not colon or not name or not value:
            raise InvalidInput.single("attr", f"{item[:50]!r} is not name:value, e.g. attr=color:Red")
        if len(name) > MAX_ATTRIBUTE_PART or len(value) > MAX_ATTRIBUTE_PART:
            raise InvalidInput.single("attr", f"name and value may be at most {MAX_ATTRIBUTE_PART} characters each")
        found.append((name, value))
    return tuple(dict.fromkeys(found))

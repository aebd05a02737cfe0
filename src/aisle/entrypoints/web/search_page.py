"""The search page's view: what the shopper asked (query string), what was understood, and the links to change it."""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import QueryParams

from aisle.domain.errors import InvalidInput
from aisle.domain.search.query import MAX_QUERY_CHARS
from aisle.entrypoints.numbers import decimal_comma, page_number, whole_number, without_thousands
from aisle.entrypoints.web.links import Query
from aisle.services.input_model import REFUSED_CHARACTERS
from aisle.services.search.params import MAX_ATTRIBUTE_FILTERS, MAX_BRAND_FILTERS, SearchParams, attribute_filters

PAGE_SIZE = 24
SORTS = {
    "relevance": "Best match",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Customer rating",
    "newest": "Newest",
}
KEYS = ("q", "category", "brand", "price_min", "price_max", "rating_min", "in_stock", "sort", "attr", "page")


@dataclass
class Chip:
    label: str
    remove_url: str

    @property
    def kind(self) -> str:
        """Which filter, in the relaxation's words (brand, price, rating_min, in_stock, category)."""
        if self.label.startswith("Brand:"):
            return "brand"
        if self.label.startswith("Category:"):
            return "category"
        if "★" in self.label:
            return "rating_min"
        if self.label == "In stock":
            return "in_stock"
        return "price" if "$" in self.label else "attribute"


@dataclass
class Asked:
    """The query string, read leniently: a malformed value is dropped and named in ``ignored``, never a 422."""

    query: Query
    params: SearchParams
    attributes: tuple[str, ...] = ()
    ignored: list[str] = field(default_factory=list)


def read_query(
    path: str, raw: QueryParams, brand_choices: Callable[[list[str]], tuple[str, ...]], category: str | None = None
) -> Asked:
    """``brand_choices``: the brands that ``brand=`` values choose (SearchService.brand_choices)."""
    ignored: list[str] = []
    # control characters ("%00") and bidi overrides are no part of a search, and would be echoed into the page
    # (U+202E shows "evil" as "live")
    pairs = [(k, " ".join(REFUSED_CHARACTERS.sub(" ", v).split())) for k, v in raw.multi_items() if k in KEYS]
    pairs = [(k, v[:MAX_QUERY_CHARS] if k == "q" else v) for k, v in pairs if k != "category"]  # all a search reads
    if len([k for k, _v in pairs if k == "brand"]) > MAX_BRAND_FILTERS:
        ignored.append(f"at most {MAX_BRAND_FILTERS} brands filter at once, so the others did not")
        brand_at = [at for at, (k, _v) in enumerate(pairs) if k == "brand"]
        dropped = set(brand_at[MAX_BRAND_FILTERS:])  # a set: thousands of brand= in a URL must not cost their square
        pairs = [pair for at, pair in enumerate(pairs) if at not in dropped]
    if category is None:
        category = (raw.get("category") or "").strip() or None
        if category:
            pairs.append(("category", category))
    query = Query(path, pairs)
    brands = brand_choices(query.all("brand"))[:MAX_BRAND_FILTERS]  # fewer values, written with commas
    price_min, price_max = _price_range(query, ignored)
    params = SearchParams(
        q=query.get("q") or "",
        category=category,
        price_min=price_min,
        price_max=price_max,
        brands=brands,
        rating_min=_rating(query, ignored),
        in_stock=_in_stock(query, ignored),
        sort=query.get("sort") if query.get("sort") in SORTS else None,
        page=_page(query),
        page_size=PAGE_SIZE,
    )
    attributes = _attributes(query, ignored)
    return Asked(query, replace(params, attributes=attribute_filters(list(attributes))), attributes, ignored)


def without_unknown_category(asked: Asked, known: Container[int | None]) -> Asked:
    """A category the store does not have filters nothing: it is left out and named, as other bad filters are."""
    raw = asked.params.category
    if raw is None or whole_number(raw) in known:
        return asked
    asked.ignored.append(f"category “{raw}” is not one of the store's departments")
    return replace(asked, params=replace(asked.params, category=None))


def _in_stock(query: Query, ignored: list[str]) -> bool | None:
    raw = query.get("in_stock")
    if raw in ("1", "true", "on"):
        return True
    if raw not in (None, "", "0", "false", "off"):
        ignored.append(f"in stock “{raw}” is not 1 or 0")
    return None


def _attributes(query: Query, ignored: list[str]) -> tuple[str, ...]:
    """The attribute filters ("color:black") the search can take: a malformed one, and those past the most one
    search takes, are left out and named, as other bad filters are."""
    kept = []
    for raw in dict.fromkeys(query.all("attr")):
        try:
            attribute_filters([raw])
        except InvalidInput as invalid:
            ignored.append(f"option “{raw[:50]}”: {invalid.errors[0].reason}")
            continue
        kept.append(raw)
    if len(kept) > MAX_ATTRIBUTE_FILTERS:
        left_out = ", ".join(kept[MAX_ATTRIBUTE_FILTERS:])
        ignored.append(f"at most {MAX_ATTRIBUTE_FILTERS} options filter at once, so {left_out} did not")
    return tuple(kept[:MAX_ATTRIBUTE_FILTERS])


def _number(query: Query, key: str, ignored: list[str]) -> Decimal | None:
    typed = (query.get(key) or "").strip().lstrip("$")
    raw = decimal_comma(typed) or without_thousands(typed)  # a shopper's "20,5" is 20.5 (it only filters)
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 1_000_000:
        ignored.append(f"{key.replace('_', ' ')} “{query.get(key)}” is not a price")
        return None
    return value


def _price_range(query: Query, ignored: list[str]) -> tuple[Decimal | None, Decimal | None]:
    """The price bounds typed, the wrong way round ("500" to "100") read the right way round."""
    low, high = _number(query, "price_min", ignored), _number(query, "price_max", ignored)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def clear_all_url(asked: Asked, understood: dict[str, Any]) -> str:
    """Every filter let go of, the words and the sort kept (a filter read from the words goes with its words)."""
    sort = asked.query.get("sort") or understood.get("sort")
    pairs = [("q", " ".join(understood.get("keywords") or [])), ("sort", sort or "")]
    return Query(asked.query.path, [(key, value) for key, value in pairs if value]).link


def _rating(query: Query, ignored: list[str]) -> float | None:
    raw = query.get("rating_min")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and 0 <= value <= 5):
        ignored.append(f"rating “{raw}” is not between 0 and 5")
        return None
    return value


def _page(query: Query) -> int:
    return page_number(query.get("page"), 10_000 // PAGE_SIZE)


def price_label(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{_dollars(low)} – {_dollars(_under(high))}"  # noqa: RUF001 - an en dash is right for a range
    if high is not None:
        return f"under {_dollars(_under(high))}"
    return f"{_dollars(low)} and up"  # a minimum includes itself: $10.00 is in "$10 and up", not "over $10"


_CENT = Decimal("0.01")


def _under(high: Any) -> Decimal:
    """The whole dollar a bound a cent below it stands for (a price bucket's $9.99 is "under $10"); else the
    bound itself."""
    value = Decimal(str(high))
    return value + _CENT if (value + _CENT) == (value + _CENT).to_integral_value() else value


def _dollars(amount: Any) -> str:
    """The bound as asked: whole dollars without cents ("$20"), else to the cent ("$20.50") or finer ("$0.001"),
    never rounded into another bound ("under $0" for 0.50, "$1,000 and up" for 999.99)."""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"${value:,.0f}"
    return f"${value:,.2f}" if value == value.quantize(_CENT) else f"${value.normalize():,}"


def chips(asked: Asked, understood: dict[str, Any], category_name: str | None, relaxed: set[str]) -> list[Chip]:
    """Every filter in force, each with a link that drops it; a filter read from the text is dropped by
    rewriting the text as its keywords, with the other filters it implied kept as explicit parameters.
    Filters the search had to let go of (``relaxed``) are not in force, so they get no chip."""
    return [c for c in _chips(asked, understood, category_name) if c.kind not in relaxed]


def _chips(asked: Asked, understood: dict[str, Any], category_name: str | None) -> list[Chip]:
    query, found = asked.query, understood.get("filters") or {}
    result = [Chip(f"Brand: {b}", query.toggled("brand", b)) for b in query.all("brand")]
    if not query.all("brand"):
        made_for = " or made for it" if found.get("brand_in_titles") else ""  # "samsung case": cases for a Samsung
        result += [
            Chip(f"Brand: {b}{made_for}", _without_text(asked, understood, "brand")) for b in found.get("brand") or []
        ]
    if query.get("price_min") or query.get("price_max"):
        low, high = asked.params.price_min, asked.params.price_max
        if low is not None or high is not None:
            result.append(Chip(price_label(low, high).capitalize(), query.url(price_min=None, price_max=None)))
        # the words' bound on the side the form left open still applies ("under $50", then a minimum of 20)
        text_low = found.get("price_min") if low is None else None
        text_high = found.get("price_max") if high is None else None
        if text_low is not None or text_high is not None:
            label = price_label(text_low, text_high).capitalize()
            result.append(Chip(label, _without_text(asked, understood, "price")))
    elif found.get("price_min") is not None or found.get("price_max") is not None:
        label = price_label(found.get("price_min"), found.get("price_max")).capitalize()
        result.append(Chip(label, _without_text(asked, understood, "price")))
    rating = asked.params.rating_min if query.get("rating_min") else None
    if rating is not None:
        result.append(Chip(f"{rating:g}★ & up", query.url(rating_min=None)))
    elif found.get("rating_min") is not None:
        result.append(Chip(f"{found['rating_min']:g}★ & up", _without_text(asked, understood, "rating_min")))
    if asked.params.in_stock and query.get("in_stock"):
        result.append(Chip("In stock", query.url(in_stock=None)))
    elif found.get("in_stock"):
        result.append(Chip("In stock", _without_text(asked, understood, "in_stock")))
    if asked.params.category and query.get("category"):
        result.append(Chip(f"Category: {category_name or asked.params.category}", query.url(category=None)))
    result += [Chip(a.replace(":", ": ", 1), query.toggled("attr", a)) for a in asked.attributes]
    excluded = found.get("excluded") or []
    result += [Chip(f"Without: {w}", _without_text(asked, understood, f"excluded:{w}")) for w in excluded]
    if makers := found.get("not_made_by"):
        result.append(Chip(f"Not made by {', '.join(makers)}", _without_text(asked, understood, "not_made_by")))
    return result


def price_links_from(asked: Asked, understood: dict[str, Any]) -> Query:
    """The query the price facet's links change: without the price its words set ("headphones under $100"), which
    a range chosen replaces; else a range above $100 would show under a heading still saying "under $100"."""
    found, query = understood.get("filters") or {}, asked.query
    typed = found.get("price_min") is not None or found.get("price_max") is not None
    if not typed or query.get("price_min") or query.get("price_max"):
        return query
    return _rewritten(asked, understood, "price")


def _without_text(asked: Asked, understood: dict[str, Any], dropped: str) -> str:
    return _rewritten(asked, understood, dropped).link


def _rewritten(asked: Asked, understood: dict[str, Any], dropped: str) -> Query:
    found = understood.get("filters") or {}
    query = asked.query
    ruled_out = [f"-{w}" for w in found.get("excluded") or [] if dropped != f"excluded:{w}"]
    third_party = ["third party"] if found.get("not_made_by") and dropped != "not_made_by" else []
    kept: dict[str, str | None] = {"q": " ".join([*(understood.get("keywords") or []), *ruled_out, *third_party])}
    if dropped != "price" and not (query.get("price_min") or query.get("price_max")):
        kept["price_min"] = _text(found.get("price_min"))
        kept["price_max"] = _text(found.get("price_max"))
    if dropped != "rating_min" and not query.get("rating_min"):
        kept["rating_min"] = _text(found.get("rating_min"))
    if dropped != "in_stock" and not query.get("in_stock") and found.get("in_stock"):
        kept["in_stock"] = "1"
    if not query.get("sort") and understood.get("sort"):
        kept["sort"] = understood["sort"]
    rewritten = query.changed(**kept)
    if dropped != "brand" and not query.all("brand"):
        rewritten = rewritten.added("brand", found.get("brand") or [])
    return rewritten


def _text(value: Any) -> str | None:
    return None if value is None else f"{float(value):g}"


def last_page(total: int) -> int:
    return max(1, min(math.ceil(total / PAGE_SIZE), 10_000 // PAGE_SIZE))


def pages(current: int, total: int) -> list[int | None]:
    """Page numbers around the current one, with None where a gap is (shown as an ellipsis)."""
    last = last_page(total)
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown

"""The devices among a search's candidates, read from their prices, for a query that names no kind of product: a
product line or a model ("thinkpad", "canon eos") names the devices and the accessories made for them, which are
more numerous and match its words as well or better (short titles: "Lenovo ThinkPad Battery 17+"). What sets the
devices apart in any catalog is what they cost: the category holding the line's dearest products, when those
cost several times what the rest do, holds the devices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from statistics import median

from aisle.domain.search.text import tokenize

DEVICE_PRICE_RATIO = 3.0  # the devices' median price over the others': a clear tier, not a dearer accessory
MIN_DEVICES = 2  # products of a category among the candidates, for its median to say anything
DEVICE_SHARE = 0.5  # of the kind lift (a query naming a kind gives its products up to all of it)
LINE_POSITION = 4  # a line or model stands among a title's first words ("Lenovo ThinkPad X1"), a spec later

Priced = tuple[int, int | None, float | None]  # (product id, category id, price)


def devices(candidates: Sequence[Priced]) -> dict[int, float]:
    """The candidates of the category whose median price is DEVICE_PRICE_RATIO times the others' (or more), with
    the share of the kind lift they get; none when no category stands out so."""
    prices: defaultdict[int, list[float]] = defaultdict(list)
    for _product_id, category_id, price in candidates:
        if category_id is not None and price is not None:
            prices[category_id].append(price)
    medians = {category_id: median(found) for category_id, found in prices.items() if len(found) >= MIN_DEVICES}
    if len(prices) < 2 or not medians:
        return {}
    dearest = max(medians, key=lambda category_id: (medians[category_id], -category_id))
    others = [price for category_id, found in prices.items() if category_id != dearest for price in found]
    if medians[dearest] < DEVICE_PRICE_RATIO * median(others):
        return {}
    return {product_id: DEVICE_SHARE for product_id, category_id, _price in candidates if category_id == dearest}


def names_a_line(titles: Sequence[str], words: Sequence[str]) -> bool:
    """Whether the words stand among the first LINE_POSITION words of most of the devices' titles: a product line
    or model ("Lenovo ThinkPad X1", "Canon EOS 500D"), not a specification the devices list after their names
    ("DELL PowerEdge T140 server Intel Xeon E 3.4 GHz 8 GB DDR4-SDRAM": "ddr4" asks for memory, not servers)."""
    wanted = {token for word in words for token in tokenize(word)}
    early = sum(1 for title in titles if wanted <= set(tokenize(title)[:LINE_POSITION]))
    return bool(wanted) and early * 2 >= len(titles)

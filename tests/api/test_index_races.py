"""The index never ends up older than the database, however its syncs interleave (threads hammered for real)."""

from __future__ import annotations

import random
import string
import threading
from decimal import Decimal
from pathlib import Path

from aisle.bootstrap import bootstrap
from aisle.domain.catalog import ProductContent, ProductStatus, Variant
from aisle.services.search.engine import EngineQuery, KeywordGroup
from tests.api.conftest import make_settings

ROUNDS = 30
THREADS = 6


def _word(rng: random.Random) -> str:
    return "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def _content(word: str) -> ProductContent:
    return ProductContent(
        title=f"Lamp {word}", variants=(Variant("LAMP-1", Decimal("10.00")),), status=ProductStatus.ACTIVE
    )


def _found(app, word: str) -> list[int]:
    query = EngineQuery(keywords=(KeywordGroup(word, fuzzy=False),), limit=5, with_facets=False)
    return [hit.product_id for hit in app.search_engine.search(query).hits]


def test_concurrent_syncs_leave_the_newest_title_indexed(tmp_path: Path):
    """Each round, several threads write a new title and sync at once (as the relay and a catch-up after an index
    switch may): the title the database holds last must be the one search finds."""
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    rng = random.Random(7)
    seller = app.sellers.create("Racy Lamps").seller
    product_id = app.catalog.create_product(seller.seller_id, _content(_word(rng))).product_id
    stale_rounds = 0
    for _ in range(ROUNDS):
        words = [_word(rng) for _ in range(THREADS)]
        start = threading.Barrier(THREADS)

        def write_and_sync(word: str, start: threading.Barrier = start) -> None:
            start.wait()
            app.catalog.replace_product(seller.seller_id, product_id, _content(word))
            app.index_builder.sync([product_id])

        threads = [threading.Thread(target=write_and_sync, args=(w,)) for w in words]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.uow(readonly=True) as uow:
            last_word = uow.products.get_many([product_id])[0].content.title.split()[-1]
        stale_rounds += product_id not in _found(app, last_word)
    app.stop()
    assert stale_rounds == 0, f"{stale_rounds} of {ROUNDS} rounds left an older title in the index"

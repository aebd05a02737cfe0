"""Several index builders writing to one OpenSearch alias at once agree on one spelling per brand.

Each round brings brands none of the builders has seen, each builder indexing a product with its own spelling of
them at the same moment (threads behind a barrier, each builder with its own OpenSearch client, as separate
processes would have). Before the claims, every builder picked the best spelling it knew, which was its own.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from opensearchpy import OpenSearch

from aisle.adapters.search.opensearch_engine import OpenSearchEngine
from aisle.bootstrap import bootstrap
from aisle.domain.catalog import ProductContent, ProductStatus, Variant
from aisle.domain.search.brand_spellings import brand_key
from aisle.services.clock import utc_now
from aisle.services.search.index_builder import IndexBuilder
from tests.api.conftest import make_settings
from tests.conftest import opensearch_test_alias, opensearch_url

BUILDERS = 4
ROUNDS = 8
BRANDS_PER_ROUND = 3


def spellings(name: str) -> list[str]:
    """One spelling per builder: "Zorbix", "ZORBIX", "zorbix", "ZorBix"."""
    return [name.capitalize(), name.upper(), name.lower(), name[:3].capitalize() + name[3:].capitalize()]


def synced(builder: IndexBuilder, product_ids: list[int], failures: list[Exception], attempts: int = 5) -> None:
    """As the index builder's consumer loop does: a step that failed (an OpenSearch request past its timeout on a
    loaded box) is tried again; one that keeps failing is counted."""
    for attempt in range(attempts):
        try:
            builder.sync(product_ids)
            return
        except Exception as error:
            if attempt == attempts - 1:
                failures.append(error)


def test_builders_running_at_once_write_one_spelling_per_brand(tmp_path: Path):
    url = opensearch_url()
    alias = opensearch_test_alias()
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    engines = [OpenSearchEngine(url, alias, utc_now) for _ in range(BUILDERS)]
    builders = [IndexBuilder(app.uow, engine, utc_now) for engine in engines]
    seller = app.sellers.create("Brand Racers").seller.seller_id
    failures: list[Exception] = []
    try:
        for round_ in range(ROUNDS):
            names = [f"zq{uuid.uuid4().hex[:6]}brand" for _ in range(BRANDS_PER_ROUND)]
            mine: list[list[int]] = [[] for _ in range(BUILDERS)]
            for n, name in enumerate(names):
                for builder, spelling in enumerate(spellings(name)):
                    content = ProductContent(
                        title=f"Widget {round_} {builder}",
                        variants=(Variant(f"W-{round_}-{n}-{builder}", Decimal("5.00")),),
                        brand=spelling,
                        status=ProductStatus.ACTIVE,
                    )
                    mine[builder].append(app.catalog.create_product(seller, content).product_id)
            start = threading.Barrier(BUILDERS)

            def build(builder: int, start: threading.Barrier = start, mine: list[list[int]] = mine) -> None:
                start.wait()
                synced(builders[builder], mine[builder], failures)

            threads = [threading.Thread(target=build, args=(b,)) for b in range(BUILDERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not failures, failures
        engines[0].refresh()
        indexed: dict[str, set[str]] = defaultdict(set)
        for brand in engines[0].brands():
            indexed[brand_key(brand)].add(brand)
        raced = {key: found for key, found in indexed.items() if key.startswith("zq")}
        assert len(raced) == ROUNDS * BRANDS_PER_ROUND  # every brand of every round was indexed
        assert {key: found for key, found in raced.items() if len(found) > 1} == {}
        assert engines[0].count() == ROUNDS * BRANDS_PER_ROUND * BUILDERS
    finally:
        client = OpenSearch(url)
        client.indices.delete(index=",".join(engines[0].physical_indexes()), ignore=[404])
        engines[0].brand_claims.drop()
        for engine in engines:
            engine.close()
        app.stop()

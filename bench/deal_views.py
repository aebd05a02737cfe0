"""How long a deal over many products takes to create and to end, with the shared (Redis) cache: each request
re-prices every product of the seller and drops their cached pages and cards before it answers.

Rerun:  .venv/bin/python bench/deal_views.py --products 3000 --redis redis://127.0.0.1:6379/9
Report: bench/reports/deal_views.md
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from common import Report, summarize

REPORT = Path(__file__).parent / "reports" / "deal_views.md"


def main() -> None:
    args = _arguments()
    from aisle.bootstrap import bootstrap
    from aisle.domain.catalog import ProductContent, ProductStatus, Variant
    from aisle.services.clock import utc_now
    from aisle.services.pricing import Caller, DealRequest
    from aisle.settings import Settings

    started = time.time()
    namespace = f"bench-deals-{uuid.uuid4().hex}"
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="aisle-deals-")),
        internal_token="bench-deal-views-token",
        run_background_workers=False,
        cache_store="redis",
        redis_url=args.redis,
        redis_namespace=namespace,
    )
    app = bootstrap(settings)
    created: list[float] = []
    ended: list[float] = []
    try:
        seller = app.sellers.create("Deal Lamps").seller
        for n in range(args.products):
            variants = (Variant(f"L-{n}", Decimal(20)),)
            app.catalog.create_product(
                seller.seller_id, ProductContent(f"Lamp {n}", variants, status=ProductStatus.ACTIVE)
            )
        for _ in range(args.rounds):
            now = utc_now()
            request = DealRequest("SELLER", seller.seller_id, "PERCENT", 10, now, now + timedelta(days=1), "All")
            before = time.perf_counter()
            deal = app.pricing.create_deal(Caller(seller.seller_id), request)
            created.append((time.perf_counter() - before) * 1000)
            before = time.perf_counter()
            app.pricing.end_deal(Caller(seller.seller_id), deal.deal_id)
            ended.append((time.perf_counter() - before) * 1000)
    finally:
        app.stop()
    report = Report("A deal over many products: create and end, with the Redis cache")
    report.run_and_machine((time.time() - started) / 60)
    report.facts("Setup", {"products": f"{args.products:,} of one seller, one SELLER deal", "rounds": args.rounds})
    rows = [
        (name, *(f"{summarize(v)[k]:.0f}" for k in ("p50", "max"))) for name, v in (("create", created), ("end", ended))
    ]
    report.table("Request time in the service, ms", ["request", "p50", "max"], rows)
    print(report.write(args.report).read_text())


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--report", type=Path, default=REPORT)
    return parser.parse_args()


if __name__ == "__main__":
    main()

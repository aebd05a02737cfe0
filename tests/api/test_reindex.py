"""`aisle reindex` builds a fresh index while the old one serves, then switches with no empty moment."""

from __future__ import annotations

import threading
import time

from typer.testing import CliRunner

from aisle.adapters.leadership import FileLock
from aisle.adapters.search.tantivy_home import TantivyIndexHome
from aisle.bootstrap import REBUILD_LOCK
from aisle.entrypoints.cli import app
from aisle.services.clock import utc_now
from tests.api.conftest import product_body, wait_for_outbox


def test_reindex_switches_to_a_fresh_index_while_searches_keep_answering(client, seller, container, tmp_path):
    for n in range(30):
        seller.create(**product_body(title=f"Reindex Lantern {n}", variants=[{"sku": f"RL-{n}", "price": 10 + n}]))
    wait_for_outbox(container)
    home = TantivyIndexHome(tmp_path / "search")
    before = home.current()
    totals: list[int] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            totals.append(client.get("/api/v1/products/search", params={"q": "lantern"}).json()["total"])
            time.sleep(0.01)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    result = CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)})
    seller.create(**product_body(title="Reindex Lantern late", variants=[{"sku": "RL-late", "price": 50}]))
    deadline = time.monotonic() + 20  # the serving engine follows the new index within a second or so
    while client.get("/api/v1/products/search", params={"q": "lantern"}).json()["total"] < 31:
        assert time.monotonic() < deadline, "the late write never reached the new index"
        time.sleep(0.05)
    done.set()
    searcher.join()

    assert result.exit_code == 0, result.output
    assert "indexed 30 products" in result.output
    assert home.current() != before
    assert totals and min(totals) >= 30  # never an empty moment
    assert client.get("/api/v1/products/search", params={"q": "lantern"}).json()["total"] == 31


def test_a_reindex_while_another_runs_is_refused_and_changes_nothing(seller, container, tmp_path):
    seller.create(**product_body(title="Refused Lantern", variants=[{"sku": "RF-1", "price": 10}]))
    wait_for_outbox(container)
    home = TantivyIndexHome(tmp_path / "search")
    before = home.current()
    running = FileLock(tmp_path / "search" / REBUILD_LOCK)  # what a reindex in another process holds
    assert running.try_acquire()
    try:
        result = CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)})
    finally:
        running.release()

    assert result.exit_code == 1
    assert "another process is rebuilding the search index" in result.output
    assert home.current() == before
    assert sorted(p.name for p in (tmp_path / "search").glob("gen-*")) == [before.name]
    assert CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)}).exit_code == 0


def test_a_reindex_removes_the_index_a_killed_one_left_half_built(seller, container, tmp_path):
    seller.create(**product_body(title="Orphan Lantern", variants=[{"sku": "OL-1", "price": 10}]))
    wait_for_outbox(container)
    home = TantivyIndexHome(tmp_path / "search")
    abandoned = home.new_generation(utc_now())  # begun by a reindex that was killed before it switched

    result = CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)})

    assert result.exit_code == 0, result.output
    assert not abandoned.exists()
    assert home.current().name > abandoned.name


def test_the_bar_ends_complete_and_the_summary_says_why_fewer_products_than_listings_were_indexed(
    seller, other_seller, container, tmp_path
):
    for owner, sku in ((seller, "BOX-A"), (other_seller, "BOX-B")):  # one product, two offers: one document
        owner.create(**product_body(title="Boxed Lantern", gtin="0885909950805", variants=[{"sku": sku, "price": 20}]))
    wait_for_outbox(container)

    result = CliRunner().invoke(app, ["reindex"], env={"AISLE_DATA_DIR": str(tmp_path)})

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "indexing active listings" in output and "2/2" in output
    assert (
        "indexed 1 products into a fresh index and switched to it (2 active listings: 1 is an offer in the buy box "
        "of a product another listing shows)" in output
    )

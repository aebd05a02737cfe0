"""A search index lost while the catalog was kept (its directory deleted, restored empty) is rebuilt by the serving
process; until then /readyz says indexing, and searches are answered from the catalog database, not from the empty
index."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

from aisle.adapters.importers.synthetic import generate_catalog
from aisle.adapters.leadership import FileLock
from aisle.adapters.search.tantivy_home import TantivyIndexHome
from aisle.bootstrap import REBUILD_LOCK, Container, bootstrap, worker_loops
from aisle.entrypoints.api.app import create_app
from aisle.services.clock import utc_now
from aisle.services.search.index_rebuild import EmptyIndexRepair
from tests.api.conftest import make_settings

PRODUCTS = 30
WAIT_SECONDS = 60  # a loaded 2-core machine; nothing here measures time


def _imported(tmp_path: Path) -> None:
    first = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = first.sellers.get_or_create("Kept").seller_id
    first.importer(index=True).run(seller, generate_catalog(PRODUCTS, with_reviews=False))
    assert first.search_engine.count() == PRODUCTS
    first.stop()


def _imported_then_index_lost(tmp_path: Path) -> Container:
    _imported(tmp_path)
    shutil.rmtree(tmp_path / "search")
    return bootstrap(make_settings(tmp_path, run_background_workers=False))


def _repair(container: Container) -> EmptyIndexRepair:
    lock = container.rebuild_lock()
    return EmptyIndexRepair(container.uow, container.search_engine, container.index_builder, utc_now, lock)


def test_a_lost_index_is_rebuilt_by_the_serving_loops_and_readyz_says_indexing_until_then(tmp_path: Path):
    container = _imported_then_index_lost(tmp_path)
    with TestClient(create_app(container, manage_background=False)) as client:
        lost = client.get("/readyz")
        assert lost.status_code == 503
        assert lost.json() == {"status": "indexing", "indexed": 0, "total": PRODUCTS, "events_waiting": 0}
        meanwhile = client.get("/api/v1/products/search", params={"sort": "newest"}).json()
        assert meanwhile["total"] == PRODUCTS  # from the database, and saying so
        assert meanwhile["degraded"]["reason"] == "search index being rebuilt"

        [loop] = worker_loops(container, ("index-repair",))
        loop.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the index was never rebuilt"
            time.sleep(0.1)
        loop.stop()
        # the index answers again once the searches see it refilled (they look every few seconds)
        while "degraded" in (found := client.get("/api/v1/products/search", params={"sort": "newest"}).json()):
            assert time.monotonic() < deadline, "searches never went back to the index"
            time.sleep(0.1)
    assert found["total"] == PRODUCTS
    assert container.search_engine.count() == PRODUCTS
    container.stop()


def test_a_corrupted_index_does_not_keep_the_store_from_starting_and_is_rebuilt(tmp_path: Path):
    _imported(tmp_path)
    serving = TantivyIndexHome(tmp_path / "search").current()
    (serving / "meta.json").write_text("not json")

    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    assert not container.index_progress().caught_up
    assert _repair(container).repair_once() == PRODUCTS
    assert container.index_progress().caught_up
    container.stop()


def test_a_full_index_is_left_alone(tmp_path: Path):
    container = _imported_then_index_lost(tmp_path)
    assert _repair(container).repair_once() == PRODUCTS
    assert _repair(container).repair_once() == 0  # nothing lost any more: counting is all a check costs
    container.stop()


def test_a_lost_index_a_new_product_was_indexed_into_since_is_rebuilt(tmp_path: Path):
    """The index directory deleted under a running store, a product written, the store restarted: the written
    product's event fills a fresh index with that one product, and the rest of the catalog must not stay unfound."""
    container = _imported_then_index_lost(tmp_path)
    seller = container.sellers.get_or_create("Kept").seller_id
    container.importer(index=False).run(seller, generate_catalog(1, seed=99, with_reviews=False))
    container.relay.drain()
    assert container.search_engine.count() == 1
    with TestClient(create_app(container, manage_background=False)) as client:  # as lost as an empty index
        lost = client.get("/readyz")
        assert lost.status_code == 503, lost.text
        assert lost.json() == {"status": "indexing", "indexed": 1, "total": PRODUCTS + 1, "events_waiting": 0}
        meanwhile = client.get("/api/v1/products/search", params={"sort": "newest"}).json()
        assert meanwhile["total"] == PRODUCTS + 1 and "degraded" in meanwhile  # from the database, saying so
    assert _repair(container).repair_once() == PRODUCTS + 1
    assert container.search_engine.count() == PRODUCTS + 1
    container.stop()


def test_an_empty_catalog_needs_no_index_and_is_ready(tmp_path: Path):
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    assert _repair(container).repair_once() == 0
    assert container.index_progress().caught_up
    container.stop()


def test_no_rebuild_while_events_wait_to_be_indexed(tmp_path: Path):
    """An import that indexes later (or a backlog the relay works through) fills the index by itself."""
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = container.sellers.get_or_create("Later").seller_id
    container.importer(index=False).run(seller, generate_catalog(PRODUCTS, with_reviews=False))

    assert _repair(container).repair_once() == 0
    assert container.search_engine.count() == 0
    # written a moment ago: writes in flight, not a lost index (a new store's first product keeps it ready)
    assert container.index_progress().caught_up
    container.relay.drain()
    assert container.search_engine.count() == PRODUCTS
    container.stop()


def test_an_index_deleted_under_a_serving_process_still_answers_and_is_rebuilt(tmp_path: Path, monkeypatch):
    """The serving process holds an index writer with nothing committed yet when its directory goes: following
    the pointer to a fresh generation must not fail the search on closing the writer of the one that is gone."""
    from aisle.adapters.search import tantivy_home

    _imported(tmp_path)
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    container.search_engine.delete([1])  # no such product: the write only opens the writer
    shutil.rmtree(tmp_path / "search")
    monkeypatch.setattr(tantivy_home, "CHECK_EVERY_SECONDS", 0.0)  # the next search follows the pointer
    with TestClient(create_app(container, manage_background=False)) as client:
        answered = client.get("/api/v1/products/search", params={"sort": "newest"})
        assert answered.status_code == 200
        assert answered.json()["total"] == PRODUCTS
        assert client.get("/readyz").json() == {
            "status": "indexing",
            "indexed": 0,
            "total": PRODUCTS,
            "events_waiting": 0,
        }
    assert _repair(container).repair_once() == PRODUCTS
    assert container.search_engine.count() == PRODUCTS
    container.stop()


def test_query_understanding_learns_the_catalog_again_once_a_lost_index_is_rebuilt(tmp_path: Path):
    brand = next(iter(generate_catalog(PRODUCTS, with_reviews=False))).data["brand"]
    container = _imported_then_index_lost(tmp_path)
    with TestClient(create_app(container, manage_background=False)) as client:

        def brands_read(text: str) -> list[str]:
            return client.get("/api/v1/products/search", params={"q": text}).json()["query"]["filters"]["brand"]

        assert brands_read(brand.lower()) == []  # learned from the empty index: no brand known yet
        assert _repair(container).repair_once() == PRODUCTS
        container.understanding.rebuild_if_stale()  # the refresh loop's step
        assert brands_read(brand.lower()) == [brand]
    container.stop()


def test_the_repair_drops_what_a_killed_rebuild_left_unless_a_rebuild_is_running(tmp_path: Path):
    _imported(tmp_path)
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    home = TantivyIndexHome(tmp_path / "search")
    try:
        abandoned = home.new_generation(utc_now())  # an `aisle reindex` killed before it switched
        running = FileLock(tmp_path / "search" / REBUILD_LOCK)  # while a rebuild runs, that may be its index
        assert running.try_acquire()
        assert _repair(container).repair_once() == 0
        assert abandoned.exists()
        running.release()

        assert _repair(container).repair_once() == 0
        assert not abandoned.exists()
        assert container.search_engine.count() == PRODUCTS  # the serving index untouched
    finally:
        container.stop()


def test_a_file_where_the_index_directory_was_leaves_searches_answered_from_the_database(tmp_path: Path, monkeypatch):
    """Not a 500 with a traceback: the index cannot be followed to a new generation, and searches say they are
    answered from the catalog database until it can."""
    from aisle.adapters.search import tantivy_home

    _imported(tmp_path)
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    shutil.rmtree(tmp_path / "search")
    (tmp_path / "search").write_text("in the way")
    monkeypatch.setattr(tantivy_home, "CHECK_EVERY_SECONDS", 0.0)  # the next search follows the pointer
    with TestClient(create_app(container, manage_background=False), raise_server_exceptions=False) as client:
        for _ in range(3):
            answered = client.get("/api/v1/products/search", params={"sort": "newest"})
            assert answered.status_code == 200, answered.text
            assert answered.json()["total"] == PRODUCTS and "degraded" in answered.json()
    container.stop()

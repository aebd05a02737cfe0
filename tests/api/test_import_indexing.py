"""`aisle import` leaves the index built; /readyz says when the index lags; old rows are pruned."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aisle.adapters.importers.synthetic import generate_catalog
from aisle.bootstrap import bootstrap
from aisle.domain import events as ev
from aisle.entrypoints.api.app import create_app
from aisle.entrypoints.cli import app as cli
from aisle.services.clock import utc_now
from aisle.services.import_indexing import HOLD_EVENTS
from aisle.services.importing import CatalogImporter
from aisle.services.maintenance import Pruner
from aisle.services.outbox_relay import OutboxRelay
from aisle.services.ports import IdempotencyKey, OutboxEntry
from tests.api.conftest import make_settings


def test_synthetic_import_is_searchable_when_it_ends_and_leaves_nothing_to_replay(tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["import", "--format", "synthetic", "--count", "120"], env={"AISLE_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert "\nindexing " in result.output  # the second process's progress bar
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    with app.uow(readonly=True) as uow:
        assert uow.outbox.pending_count() == 0
    assert app.catalog.count_active() == 120
    assert app.search_engine.count() == 120
    assert app.index_progress().caught_up
    app.stop()


def test_an_import_indexing_in_the_importing_process_leaves_the_same_state(tmp_path: Path):
    result = CliRunner().invoke(
        cli,
        ["import", "--format", "synthetic", "--count", "60", "--no-parallel"],
        env={"AISLE_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert "\nindexing " not in result.output  # no second progress bar: nothing indexes elsewhere
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    with app.uow(readonly=True) as uow:
        assert uow.outbox.pending_count() == 0
    assert app.search_engine.count() == 60
    app.stop()


def test_synthetic_import_is_deterministic_and_has_reviews(tmp_path: Path):
    first = [(r.data["title"], len(r.reviews)) for r in generate_catalog(40, seed=3)]
    again = [(r.data["title"], len(r.reviews)) for r in generate_catalog(40, seed=3)]
    assert first == again
    assert sum(n for _title, n in first) > 0


def test_a_path_is_refused_for_synthetic_and_required_otherwise(tmp_path: Path):
    runner, env = CliRunner(), {"AISLE_DATA_DIR": str(tmp_path)}
    assert runner.invoke(cli, ["import", "--format", "jsonl"], env=env).exit_code == 2
    assert runner.invoke(cli, ["import", str(tmp_path), "--format", "synthetic"], env=env).exit_code == 2


class _IndexDown:
    def index_imported(self, products) -> None:
        raise ConnectionError("index unreachable")

    def commit(self) -> None:
        raise ConnectionError("index unreachable")


def test_an_import_that_cannot_index_still_imports_and_leaves_its_events_to_the_relay(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = app.sellers.get_or_create("Held").seller_id
    importer = CatalogImporter(app.uow, app.ids.next_id, utc_now, batch_size=4, indexer=_IndexDown())
    assert importer.run(seller, generate_catalog(10, with_reviews=False)).imported == 10
    delivered: list[OutboxEntry] = []
    app.bus.subscribe("product.created", delivered.append)
    app.relay.drain()
    assert len(delivered) == 10  # due at once, not after the hold
    app.stop()


def test_events_of_an_import_that_died_before_indexing_are_delivered_after_the_hold(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = app.sellers.get_or_create("Crashed").seller_id
    with app.uow() as uow:  # what a batch of an import killed right after its commit leaves behind
        uow.outbox.hold_new_events(utc_now() + timedelta(minutes=2))
        uow.record([ev.Event(ev.PRODUCT_CREATED, 1, {"seller_id": seller})])
        uow.commit()
    assert app.relay.relay_once() == 0  # held: the import may still index it itself
    later = OutboxRelay(app.uow, app.bus, lambda: utc_now() + timedelta(minutes=3))
    assert later.relay_once() == 1
    app.stop()


def test_readyz_says_indexing_while_the_index_lags_then_ready(tmp_path: Path):
    container = bootstrap(make_settings(tmp_path, run_background_workers=False, ready_max_index_lag_seconds=0.05))
    seller = container.sellers.get_or_create("Lagging").seller_id
    container.importer(index=False).run(seller, generate_catalog(30, with_reviews=False))
    time.sleep(0.1)
    with TestClient(create_app(container, manage_background=False)) as client:
        lagging = client.get("/readyz")
        assert lagging.status_code == 503
        body = lagging.json()
        assert body.pop("events_waiting") >= 30  # one product.created each at least
        assert body == {"status": "indexing", "indexed": 0, "total": 30}
        documented = client.get("/openapi.json").json()["paths"]["/readyz"]["get"]["responses"]["503"]["content"]
        assert lagging.headers["content-type"] == "application/json"
        assert documented["application/json"]["schema"]["$ref"].endswith("/Indexing")
        schema = client.get("/openapi.json").json()["components"]["schemas"]["Indexing"]
        assert set(schema["required"]) == {*body, "events_waiting"}
        container.relay.drain()
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready", "profile": "embedded"}


def test_changes_waiting_while_every_product_is_indexed_leave_readyz_ready_saying_how_far_behind(tmp_path: Path):
    """A stopped relay or a broker down: searches still answer with every product, a little out of date, and a
    balancer taking every process out for it would stop them all."""
    container = bootstrap(make_settings(tmp_path, run_background_workers=False, ready_max_index_lag_seconds=0.05))
    seller = container.sellers.get_or_create("Behind").seller_id
    container.importer(index=False).run(seller, generate_catalog(30, with_reviews=False))
    container.relay.drain()
    with container.uow() as uow:
        uow.outbox.add([ev.Event(ev.PRODUCT_UPDATED, key=1, payload={})], utc_now())
        uow.commit()
    time.sleep(0.1)
    with TestClient(create_app(container, manage_background=False)) as client:
        behind = client.get("/readyz")
        assert behind.status_code == 200 and behind.json()["status"] == "ready"
        assert behind.json()["index_behind"]["events_waiting"] == 1 and behind.json()["index_behind"]["seconds"] > 0
        readiness = client.get("/openapi.json").json()["components"]["schemas"]["Readiness"]
        assert "index_behind" in readiness["properties"]
        container.relay.drain()
        assert "index_behind" not in client.get("/readyz").json()
    container.stop()


def test_events_an_import_holds_do_not_make_readyz_say_indexing(tmp_path: Path):
    """An import killed between indexing a batch and marking its events delivered leaves them held for
    HOLD_EVENTS: the relay takes them then, and meanwhile every process stays in its balancer."""
    container = bootstrap(make_settings(tmp_path, run_background_workers=False, ready_max_index_lag_seconds=0.05))
    with container.uow() as uow:
        uow.outbox.hold_new_events(utc_now() + HOLD_EVENTS)
        (held,) = uow.outbox.add([ev.Event(ev.PRODUCT_UPDATED, key=1, payload={})], utc_now())
        uow.commit()
    time.sleep(0.1)
    with TestClient(create_app(container, manage_background=False)) as client:
        assert client.get("/readyz").status_code == 200
        with container.uow() as uow:
            uow.outbox.mark_failed(held.event_id, "index down", retry_at=utc_now() + timedelta(minutes=5))
            uow.commit()
        failed = client.get("/readyz")  # waiting now, for a product the index does not miss
        assert failed.status_code == 200 and failed.json()["index_behind"]["events_waiting"] == 1
    container.stop()


OLD_KEY = IdempotencyKey("internal:RESERVE:1:old-key", "request-hash")


def test_pruner_deletes_only_what_is_older_than_the_retention(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = app.sellers.get_or_create("Old").seller_id
    app.importer(index=False).run(seller, generate_catalog(5, with_reviews=False))
    app.relay.drain()
    with app.uow() as uow:
        uow.inventory.remember(OLD_KEY, {"ok": True}, utc_now())
        uow.commit()
    Pruner(app.uow, utc_now, timedelta(hours=1)).prune_once()
    with app.uow(readonly=True) as uow:
        assert uow.outbox.keys_since(utc_now() - timedelta(hours=1))  # young: kept
        assert uow.inventory.remembered(OLD_KEY) is not None
    a_week_later = Pruner(app.uow, lambda: utc_now() + timedelta(days=8), timedelta(days=7))
    while a_week_later.prune_once():
        pass
    with app.uow(readonly=True) as uow:
        assert uow.outbox.keys_since(utc_now() - timedelta(hours=1)) == []
        assert uow.inventory.remembered(OLD_KEY) is None
    app.stop()

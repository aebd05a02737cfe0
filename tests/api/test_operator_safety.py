"""Operator-facing safety (issue 11): no default internal token, /metrics behind it, seller key management, and a
CLI that says which database it uses."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aisle.entrypoints.cli import app as cli
from aisle.settings import Settings
from tests.api.conftest import INTERNAL_TOKEN, SellerClient

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def test_there_is_no_default_internal_token(monkeypatch):
    monkeypatch.delenv("AISLE_INTERNAL_TOKEN", raising=False)
    assert Settings().internal_token is None


def test_serve_refuses_to_start_without_a_token(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AISLE_INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["serve", "--port", "8104"])
    assert result.exit_code == 2
    assert "AISLE_INTERNAL_TOKEN" in result.output and "aisle demo" in result.output


def test_a_bad_server_address_is_named_before_anything_starts(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    monkeypatch.setenv("AISLE_DATABASE_URL", "postgres-at-db-host")
    result = CliRunner().invoke(cli, ["serve", "--port", "8105"])
    assert result.exit_code == 2
    assert "bad setting AISLE_DATABASE_URL: not a database URL" in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("AISLE_TOPIC_PREFIX", "shop events/", "bad setting AISLE_TOPIC_PREFIX: String should match pattern"),
        ("AISLE_SEARCH_INDEX", "Shop-UPPER", "pattern '^[a-z0-9][a-z0-9_-]*$'"),  # the pattern whole, not '^*$'
    ],
)
def test_a_name_a_service_would_refuse_stops_start_up_with_the_rule_it_breaks(
    tmp_path, monkeypatch, setting, value, said
):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    monkeypatch.setenv(setting, value)
    result = CliRunner().invoke(cli, ["serve", "--port", "8106"])
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())


def test_a_data_dir_that_cannot_be_made_is_named_without_a_traceback(tmp_path: Path, monkeypatch):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a directory")
    monkeypatch.setenv("AISLE_DATA_DIR", str(in_the_way))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Anyone"])
    assert result.exit_code == 2
    assert f"AISLE_DATA_DIR {in_the_way} cannot be made a directory: a file is in the way" in " ".join(
        result.output.split()
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_setting_checked_with_others_is_named_by_its_message(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    monkeypatch.setenv("AISLE_SYNONYMS_PATH", str(tmp_path / "missing.txt"))
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Anyone"])
    assert result.exit_code == 2
    assert "bad setting: AISLE_SYNONYMS_PATH: no file at" in " ".join(result.output.split())


def test_metrics_ports_that_cannot_be_used_are_named_before_anything_starts(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        monkeypatch.setenv("AISLE_METRICS_PORT", str(taken - 1))  # process 1's metrics port is taken
        result = CliRunner().invoke(cli, ["serve", "--port", "8106", "--workers", "2"])
        assert result.exit_code == 1
        assert f"AISLE_METRICS_PORT (process 1 uses {taken})" in " ".join(result.output.split())
    monkeypatch.setenv("AISLE_METRICS_PORT", "8105")  # process 1 would take the serving port
    result = CliRunner().invoke(cli, ["serve", "--port", "8106", "--workers", "2"])
    assert result.exit_code == 2 and "gives process 1 the port --port 8106" in " ".join(result.output.split())


def test_one_node_id_for_several_processes_is_refused_before_anything_starts(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    monkeypatch.setenv("AISLE_NODE_ID", "5")
    result = CliRunner().invoke(cli, ["serve", "--port", "8107", "--workers", "2"])
    assert result.exit_code == 2 and "AISLE_NODE_ID names one process's id" in " ".join(result.output.split())


def test_a_seller_named_on_the_command_line_gets_the_api_s_text_checks(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    spoofed = CliRunner().invoke(cli, ["sellers", "create", "--name", "evil\u202etxt.exe"])
    assert spoofed.exit_code == 2 and "bidirectional" in spoofed.output
    listed = CliRunner().invoke(cli, ["sellers", "create", "--name", "Good Shop"])
    assert listed.exit_code == 0 and json.loads(listed.output.splitlines()[-1])["name"] == "Good Shop"


def test_a_database_that_cannot_be_reached_is_said_plainly(tmp_path: Path):
    env = {
        **os.environ,
        "AISLE_DATA_DIR": str(tmp_path),
        "AISLE_INTERNAL_TOKEN": "a-token-long-enough-for-the-test",
        "AISLE_DATABASE_URL": "postgresql+psycopg://aisle:secret@127.0.0.1:1/aisle",  # nothing listens on port 1
    }
    started = subprocess.run(
        [sys.executable, "-c", "from aisle.entrypoints.cli import main; main()", "serve", "--port", "8106"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join(started.stderr.split())
    assert started.returncode == 1
    assert "the database cannot be used (connection failed" in said and "Check AISLE_DATABASE_URL" in said
    assert "Traceback" not in said and "secret" not in said


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_in_use_is_said_plainly_before_anything_starts(tmp_path: Path, monkeypatch, command):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(cli, [command, "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "pass --port" in result.output
    assert not (tmp_path / "data" / "aisle.db").exists()  # the demo imported nothing


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_out_of_range_is_refused_by_its_option(tmp_path: Path, monkeypatch, command):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    result = CliRunner().invoke(cli, [command, "--port", "99999"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--port'" in result.output
    assert not (tmp_path / "data" / "aisle.db").exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_seller_name_that_is_refused_is_said_in_one_line(tmp_path: Path, monkeypatch, name):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", name])
    assert result.exit_code == 1, result.output
    assert "name: must be 1 to 200 characters" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback


def test_a_seller_command_run_where_no_store_is_makes_none_and_says_where_it_looked(tmp_path: Path, monkeypatch):
    # the default data dir is ./var: run from another directory, the key printed would open no running store
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AISLE_DATA_DIR", raising=False)
    monkeypatch.delenv("AISLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("AISLE_PROFILE", "embedded")
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    for command in (["sellers", "create", "--name", "Acme"], ["sellers", "keys", "list", "--seller", "1"], ["reindex"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, (command, result.output)
        assert f"no store at {(tmp_path / 'var').resolve()}" in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "unrelated.log").write_text("not a store")  # a ./var that holds other things is no store
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Acme"])
    assert result.exit_code == 2 and "no store at" in result.output
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["unrelated.log"]


def test_an_empty_data_dir_variable_means_the_default_data_dir_not_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    monkeypatch.setenv("AISLE_DATA_DIR", "")
    monkeypatch.delenv("AISLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("AISLE_PROFILE", "embedded")
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Acme"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "aisle.db").exists() and not (tmp_path / "aisle.db").exists()


def test_every_command_says_which_database_it_uses(tmp_path: Path, monkeypatch):
    (tmp_path / "here").mkdir()  # a data dir made for a new store: its database is made in it
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path / "here"))
    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Acme"])
    assert result.exit_code == 0, result.output
    assert f"database: sqlite:///{(tmp_path / 'here' / 'aisle.db').resolve()}" in result.output


def test_metrics_need_the_internal_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token-here"}).status_code == 401
    allowed = client.get("/metrics", headers=INTERNAL)
    assert allowed.status_code == 200 and "aisle_" in allowed.text


def test_seller_keys_can_be_listed_rotated_and_revoked(client, seller: SellerClient):
    listed = client.get(f"/api/v1/sellers/{seller.id}/keys", headers=INTERNAL)
    assert listed.status_code == 200, listed.text
    [first] = listed.json()["keys"]
    assert first["active"] is True and "api_key" not in first
    rotated = client.post(f"/api/v1/sellers/{seller.id}/keys", headers=INTERNAL)
    assert rotated.status_code == 201, rotated.text
    new_key = rotated.json()["api_key"]
    assert seller.request("GET", "/products").status_code == 401  # the old key stopped working
    fresh = {"Authorization": f"Bearer {new_key}"}
    assert client.get("/api/v1/seller/products", headers=fresh).status_code == 200
    keys = client.get(f"/api/v1/sellers/{seller.id}/keys", headers=INTERNAL).json()["keys"]
    assert [k["active"] for k in keys] == [True, False]
    revoked = client.delete(f"/api/v1/sellers/{seller.id}/keys/{keys[0]['key_id']}", headers=INTERNAL)
    assert revoked.status_code == 200, revoked.text
    again = client.delete(f"/api/v1/sellers/{seller.id}/keys/{keys[0]['key_id']}", headers=INTERNAL)
    assert (again.status_code, again.json()) == (200, revoked.json())  # a retried revoke changes nothing
    never = client.delete(f"/api/v1/sellers/{seller.id}/keys/999", headers=INTERNAL)
    assert never.status_code == 404 and never.json()["detail"] == "No key with id 999."
    assert client.get("/api/v1/seller/products", headers=fresh).status_code == 401
    assert client.get(f"/api/v1/sellers/{seller.id}/keys", headers=seller.headers).status_code == 401
    assert client.get("/api/v1/sellers/123456789/keys", headers=INTERNAL).status_code == 404


def test_the_cli_manages_seller_keys(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    created = runner.invoke(cli, ["sellers", "create", "--name", "Acme"])
    seller_id = created.stdout.strip().splitlines()[-1].split('"seller_id": "')[1].split('"')[0]
    rotated = runner.invoke(cli, ["sellers", "keys", "rotate", "--seller", seller_id])
    assert rotated.exit_code == 0, rotated.output
    assert "aisle_sk_" in rotated.stdout
    listed = runner.invoke(cli, ["sellers", "keys", "list", "--seller", seller_id])
    assert listed.exit_code == 0 and listed.stdout.count('"active": false') == 1
    key_id = _active_key(listed.stdout)
    revoked = runner.invoke(cli, ["sellers", "keys", "revoke", "--seller", seller_id, "--key", key_id])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(cli, ["sellers", "keys", "list", "--seller", seller_id]).stdout.count('"active": false') == 2
    again = runner.invoke(cli, ["sellers", "keys", "revoke", "--seller", seller_id, "--key", key_id])
    assert again.exit_code == 0 and f"key {key_id} of seller {seller_id} was already revoked" in again.output


def test_the_key_commands_take_a_seller_s_name_and_refuse_one_two_sellers_have(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = [runner.invoke(cli, ["sellers", "create", "--name", name]) for name in ("Some Name", "Twin", "Twin")]
    ids = [json.loads(result.stdout.splitlines()[-1])["seller_id"] for result in made]

    listed = runner.invoke(cli, ["sellers", "keys", "list", "--seller", "Some Name"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["seller_id"] == ids[0]
    twins = runner.invoke(cli, ["sellers", "keys", "rotate", "--seller", "Twin"])
    assert twins.exit_code == 2
    assert f"2 sellers are named 'Twin': give --seller the id of one of them: {ids[1]}, {ids[2]}" in twins.output
    unknown = runner.invoke(cli, ["sellers", "keys", "list", "--seller", "Nobody"])
    assert unknown.exit_code == 2
    assert "no seller Nobody: give an id or a name that `aisle sellers list` shows" in " ".join(unknown.output.split())


def _active_key(listing: str) -> str:
    return next(k["key_id"] for k in json.loads(listing)["keys"] if k["active"])


@pytest.mark.parametrize("path", ["/api/v1/sellers/abc/keys", "/api/v1/sellers/\u00b3/keys"])
def test_seller_key_paths_refuse_bad_ids(client, path):
    assert client.get(path, headers=INTERNAL).status_code == 422


def test_the_demo_makes_a_token_once_and_keeps_it(tmp_path: Path, monkeypatch, capsys):
    from aisle.entrypoints import cli as cli_module

    monkeypatch.delenv("AISLE_INTERNAL_TOKEN", raising=False)
    cli_module._demo_internal_token(tmp_path)
    first = (tmp_path / cli_module.TOKEN_FILE).read_text().strip()
    assert len(first) >= 32 and (tmp_path / cli_module.TOKEN_FILE).stat().st_mode & 0o077 == 0
    assert first in capsys.readouterr().err  # shown when made
    monkeypatch.delenv("AISLE_INTERNAL_TOKEN")
    cli_module._demo_internal_token(tmp_path)
    assert os.environ["AISLE_INTERNAL_TOKEN"] == first  # the same token across restarts
    again = capsys.readouterr().err  # a restart's output may go to a log file: the file named, not the token
    assert first not in again and cli_module.TOKEN_FILE in again
    (tmp_path / cli_module.TOKEN_FILE).write_text("")  # emptied (a crash while it was written): made again
    monkeypatch.delenv("AISLE_INTERNAL_TOKEN")
    cli_module._demo_internal_token(tmp_path)
    remade = os.environ["AISLE_INTERNAL_TOKEN"]
    assert len(remade) >= 32 and remade in capsys.readouterr().err


def test_the_demo_catalog_is_indexed_with_its_stock_before_the_store_opens(tmp_path: Path, monkeypatch):
    """Stocking comes after the import and changes every product's stock: delivered before serving, so the first
    searches do not see (and cache facets of) products that the server has not yet re-indexed as in stock."""
    from aisle.bootstrap import bootstrap
    from aisle.entrypoints import cli as cli_module
    from aisle.entrypoints.showcase import SECOND_SELLER
    from aisle.services.search.params import SearchParams
    from tests.api.conftest import make_settings

    monkeypatch.setenv("AISLE_SAMPLE_DATA", str(tmp_path / "no-sample-data"))
    container = bootstrap(make_settings(tmp_path / "data", run_background_workers=False))
    cli_module._load_demo_catalog(container, 40)

    assert container.relay.pending() == 0
    sellers = [
        container.sellers.get_or_create(name).seller_id for name in ("Aisle Demo Goods (generated)", SECOND_SELLER)
    ]
    products = container.catalog.products_by_id(
        [i for s in sellers for i in container.catalog.active_ids_for_seller(s)]
    )
    stocked = [p for p in products if any(cli_module._demo_stock(v.variant_id or 0) for v in p.content.variants)]
    # the demo's second seller offers one of the products: the two listings share a buy box and show as one
    shown = {p.content.canonical_product_id or p.product_id for p in stocked}
    in_stock = container.search.search(SearchParams(in_stock=True, sort="newest"))
    assert in_stock.total == len(shown) > 0
    container.stop()


def _gauge(text: str, name: str) -> float:
    line = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
    return float(line.split()[-1])


def test_cache_gauges_count_page_lookups_not_internal_reads(client, seller: SellerClient, container):
    from tests.api.conftest import wait_for_outbox

    product_id = seller.create()["product_id"]
    wait_for_outbox(container)
    before = client.get("/metrics", headers=INTERNAL).text
    for _ in range(5):
        assert client.get(f"/api/v1/products/{product_id}").status_code == 200
    after = client.get("/metrics", headers=INTERNAL).text
    hits = _gauge(after, "aisle_cache_hits") - _gauge(before, "aisle_cache_hits")
    misses = _gauge(after, "aisle_cache_misses") - _gauge(before, "aisle_cache_misses")
    assert (hits, misses) == (4, 1)  # five page views: one miss, four hits, nothing else
    assert 'aisle_cache_lookups{cache="pdp",outcome="hit"}' in after


def test_cache_gauges_ignore_the_reads_an_update_makes(client, seller: SellerClient, container):
    """The ratio the seed means is about pages served: an update's own cache reads (which pages mention the
    product, to drop them too) are not misses of anybody's page."""
    from tests.api.conftest import wait_for_outbox

    product_id = seller.create()["product_id"]
    wait_for_outbox(container)
    before = client.get("/metrics", headers=INTERNAL).text
    for title in ("Renamed once", "Renamed twice"):
        for _ in range(3):
            assert client.get(f"/api/v1/products/{product_id}").status_code == 200
        assert seller.request("PATCH", f"/products/{product_id}", json={"title": title}).status_code == 200
        wait_for_outbox(container)
    after = client.get("/metrics", headers=INTERNAL).text
    hits = _gauge(after, "aisle_cache_hits") - _gauge(before, "aisle_cache_hits")
    misses = _gauge(after, "aisle_cache_misses") - _gauge(before, "aisle_cache_misses")
    assert (hits, misses) == (4, 2)  # each round: the page missed once, then hit twice; the updates count nothing


def test_a_demo_load_that_was_stopped_is_finished_by_the_next_one_without_doubling_anything(
    tmp_path: Path, monkeypatch
):
    from aisle.bootstrap import bootstrap
    from aisle.entrypoints import cli as cli_module
    from aisle.entrypoints.showcase import SECOND_SELLER
    from tests.api.conftest import make_settings

    monkeypatch.setenv("AISLE_SAMPLE_DATA", str(tmp_path / "no-sample-data"))
    container = bootstrap(make_settings(tmp_path / "data", run_background_workers=False))
    seller = container.sellers.get_or_create("Aisle Demo Goods (generated)").seller_id
    cli_module._load_demo_catalog(container, 30)
    listed = sorted(container.catalog.active_ids_for_seller(seller))
    marker = tmp_path / "data" / cli_module.DEMO_LOADED
    assert marker.exists() and len(listed) == 30
    marker.unlink()  # as if the first load had been stopped before its end
    cli_module._load_demo_catalog(container, 30)
    assert sorted(container.catalog.active_ids_for_seller(seller)) == listed
    offers = container.catalog.active_ids_for_seller(container.sellers.get_or_create(SECOND_SELLER).seller_id)
    assert len(offers) == 1 and marker.exists()
    container.stop()


def _main(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "AISLE_DATA_DIR": str(tmp_path), "AISLE_INTERNAL_TOKEN": "a-token-long-enough-for-the-test"}
    env.pop("AISLE_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", "from aisle.entrypoints.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, " ".join((run.stdout + run.stderr).split())


def test_a_damaged_database_file_is_said_plainly(tmp_path: Path):
    (tmp_path / "aisle.db").write_bytes(b"\x13 not sqlite at all " * 500)
    code, said = _main(tmp_path, "sellers", "create", "--name", "Anyone")
    assert code == 1 and "the database file is damaged or is not an aisle database" in said
    assert "Traceback" not in said


def test_a_database_made_by_a_newer_aisle_is_said_plainly(tmp_path: Path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    assert CliRunner().invoke(cli, ["sellers", "create", "--name", "Anyone"]).exit_code == 0
    with sqlite3.connect(tmp_path / "aisle.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'zz9999future'")
    code, said = _main(tmp_path, "sellers", "create", "--name", "Someone")
    assert code == 1 and "was made by a newer aisle" in said and "Traceback" not in said


def test_a_worker_asked_of_the_embedded_shape_is_refused_before_a_store_is_made(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("AISLE_PROFILE", raising=False)
    result = CliRunner().invoke(cli, ["worker", "relay"])
    assert result.exit_code == 2 and "runs its workers inside `aisle serve`" in result.output
    assert not (tmp_path / "store" / "aisle.db").exists()


def test_sellers_are_listed_with_the_ids_other_commands_take(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    made = [
        json.loads(CliRunner().invoke(cli, ["sellers", "create", "--name", n]).output.splitlines()[-1]) for n in "AB"
    ]
    listed = CliRunner().invoke(cli, ["sellers", "list"])
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert rows == [{"seller_id": m["seller_id"], "name": m["name"]} for m in made]
    assert "api_key" not in listed.output


def test_the_cli_says_its_version_and_takes_h_for_help():
    from importlib.metadata import version

    assert CliRunner().invoke(cli, ["--version"]).output.strip() == f"aisle {version('aisle')}"
    helped = CliRunner().invoke(cli, ["import", "-h"])
    assert helped.exit_code == 0 and "--format" in helped.output


def _aisle(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AISLE_DATA_DIR": str(data_dir), "AISLE_INTERNAL_TOKEN": "a-token-long-enough"}
    command = [str(Path(sys.executable).parent / "aisle"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def read_only_data_dir(tmp_path: Path):
    """A store on a read-only mount (a bind mount of a directory of our own: needs root, as CI runs)."""
    source, mounted = tmp_path / "source", tmp_path / "read-only"
    mounted.mkdir()
    assert _aisle(source, "import", "--format", "synthetic", "--count", "5").returncode == 0
    reader = sqlite3.connect(source / "aisle.db")  # open, as a store still served: its -wal and -shm files exist
    reader.execute("SELECT count(*) FROM products").fetchone()
    bind = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bind.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True, capture_output=True)
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
        reader.close()


def test_a_data_dir_that_cannot_be_written_is_named_without_a_traceback(read_only_data_dir: Path):
    env = {**os.environ, "AISLE_DATA_DIR": str(read_only_data_dir), "AISLE_INTERNAL_TOKEN": "a-token-long-enough"}
    aisle = Path(sys.executable).parent / "aisle"
    done = subprocess.run(
        [str(aisle), "sellers", "create", "--name", "Anyone"], env=env, capture_output=True, text=True
    )
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1
    assert f"cannot write {read_only_data_dir}" in said and "Read-only file system" in said
    assert "Traceback" not in said


def test_a_store_whose_database_was_moved_away_refuses_to_start_rather_than_start_empty(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_INTERNAL_TOKEN", "a-token-long-enough-for-the-test")
    assert CliRunner().invoke(cli, ["import", "--format", "synthetic", "--count", "5"]).exit_code == 0
    (tmp_path / "aisle.db").rename(tmp_path / "aisle.db.moved")
    for command in (["serve", "--port", "8799"], ["import", "--format", "synthetic", "--count", "5"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, (command, result.output)
        said = " ".join(result.output.split())
        assert f"the store at {tmp_path.resolve()} has lost its database" in said and "search index" in said
    assert not (tmp_path / "aisle.db").exists()  # no empty database made beside the index
    (tmp_path / "aisle.db.moved").rename(tmp_path / "aisle.db")  # restored: the store is whole again
    assert CliRunner().invoke(cli, ["sellers", "list"]).exit_code == 0


def test_readyz_answers_503_while_the_database_file_is_gone_from_under_a_running_store(tmp_path: Path):
    from fastapi.testclient import TestClient

    from aisle.bootstrap import bootstrap
    from aisle.entrypoints.api.app import create_app
    from tests.api.conftest import make_settings

    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    with TestClient(create_app(container, manage_background=False)) as client:
        assert client.get("/readyz").status_code == 200
        (tmp_path / "aisle.db").rename(tmp_path / "aisle.db.moved")  # open connections still answer
        gone = client.get("/readyz")
        assert gone.status_code == 503 and gone.headers["content-type"] == "application/problem+json"
        assert gone.json()["cause"] == "FileNotFoundError"
        (tmp_path / "aisle.db.moved").rename(tmp_path / "aisle.db")
        assert client.get("/readyz").status_code == 200
    container.stop()

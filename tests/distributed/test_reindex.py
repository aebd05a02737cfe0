"""`aisle reindex` on OpenSearch: one at a time (two at once left the alias with two write indexes, and the second
died), and what a killed one left behind is dropped by the next."""

from __future__ import annotations

from opensearchpy import OpenSearch
from typer.testing import CliRunner

from aisle.entrypoints.cli import app as cli
from tests.conftest import eventually, opensearch_url
from tests.distributed.conftest import Shape, create_product, new_seller, search_total


def _reindex(shape: Shape) -> tuple[int, str]:
    settings = shape.settings.model_dump(exclude_none=True)
    env = {f"AISLE_{name.upper()}": str(value) for name, value in settings.items()}
    result = CliRunner().invoke(cli, ["reindex"], env=env)
    return result.exit_code, result.output


def test_a_reindex_waits_its_turn_and_drops_what_a_killed_one_left(shape: Shape):
    seller = new_seller(shape.client)
    create_product(shape.client, seller, "Quoll Reindex Lamp", "QRL-1")
    eventually(lambda: search_total(shape.client, "quoll")["total"] == 1, what="first indexing")
    cluster = OpenSearch(opensearch_url())
    alias = shape.settings.search_index
    serving = list(cluster.indices.get_alias(name=alias))
    shape.container.search_engine.begin_rebuild()  # a rebuild whose process was killed before it switched
    left_behind = sorted(cluster.indices.get(index=f"{alias}-*"))
    assert len(left_behind) == 2

    running = shape.container.rebuild_lock()  # held by a reindex running in another process
    assert running.try_acquire()
    try:
        refused, output = _reindex(shape)
    finally:
        running.release()
    assert refused == 1
    assert "another process is rebuilding the search index" in output
    assert list(cluster.indices.get_alias(name=alias)) == serving
    assert sorted(cluster.indices.get(index=f"{alias}-*")) == left_behind

    done, output = _reindex(shape)
    assert done == 0, output
    now_serving = list(cluster.indices.get_alias(name=alias))
    assert sorted(cluster.indices.get(index=f"{alias}-*")) == now_serving
    assert now_serving != serving and len(now_serving) == 1
    assert search_total(shape.client, "quoll lamp")["total"] == 1
    cluster.close()

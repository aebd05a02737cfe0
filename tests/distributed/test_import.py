"""`aisle import` on the distributed shape: PostgreSQL and OpenSearch for real, indexing in its second process."""

from __future__ import annotations

from typer.testing import CliRunner

from aisle.bootstrap import bootstrap
from aisle.entrypoints.cli import app as cli
from tests.conftest import opensearch_url, redis_url
from tests.distributed.conftest import distributed_settings, proxy_for

COUNT = 300


def test_an_import_leaves_postgres_and_opensearch_agreeing_and_nothing_to_replay(fresh_database: str):
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    settings = distributed_settings(fresh_database, opensearch, redis, with_workers=False)
    env = {f"AISLE_{name.upper()}": str(value) for name, value in settings.model_dump(exclude_none=True).items()}
    try:
        result = CliRunner().invoke(cli, ["import", "--format", "synthetic", "--count", str(COUNT)], env=env)
        assert result.exit_code == 0, result.output
        assert f"imported {COUNT}" in result.output
        app = bootstrap(settings.model_copy(update={"run_background_workers": False}))
        try:
            assert app.catalog.count_active() == COUNT
            assert app.search_engine.count() == COUNT
            with app.uow(readonly=True) as uow:
                assert uow.outbox.pending_count() == 0
        finally:
            app.stop()
    finally:
        opensearch.close()
        redis.close()

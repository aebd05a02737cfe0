"""Schemathesis over the whole OpenAPI document, against the embedded app built by the real composition root.

Every operation is called with generated requests (valid and invalid ones), once with a seller's API key and once
with the internal token; each answer must be no 5xx, a documented status code, the documented content type and a
body that matches the documented schema. AISLE_SCHEMATHESIS_EXAMPLES sets the examples per operation and phase
(default 8: about a minute on a 2-core machine for both passes); raise it for a deeper run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, make_settings

EXAMPLES = int(os.environ.get("AISLE_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# the bulk endpoint's NDJSON body is generated as arbitrary bytes (its schema is `format: binary`)
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a red CI is reproducible on a laptop
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 reads and renames ``node._nodeid``, which pytest 9.2 no longer has (it is ``_id``)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    container = bootstrap(make_settings(Path(tmp_path_factory.mktemp("schemathesis"))))
    container.start_background()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def app(embedded: Container):
    return create_app(embedded, manage_background=False)


def _schema(app, token: str) -> schemathesis.schemas.BaseSchema:
    config = SchemathesisConfig()
    config.projects.default.update(headers={"Authorization": f"Bearer {token}"})
    config.projects.default.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


@pytest.fixture(scope="module")
def seller_schema(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        created = client.post(
            "/api/v1/sellers", json={"name": "Schemathesis"}, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        )
    assert created.status_code == 201, created.text
    return _schema(app, created.json()["api_key"])


@pytest.fixture(scope="module")
def internal_schema(app):
    return _schema(app, INTERNAL_TOKEN)


as_seller = schemathesis.pytest.from_fixture("seller_schema")
as_internal = schemathesis.pytest.from_fixture("internal_schema")


@as_seller.parametrize()
@HYPOTHESIS
def test_every_operation_as_a_seller(case) -> None:
    case.call_and_validate(checks=CHECKS)


@as_internal.parametrize()
@HYPOTHESIS
def test_every_operation_with_the_internal_token(case) -> None:
    case.call_and_validate(checks=CHECKS)

"""Schemathesis over the whole OpenAPI document, against the embedded app built by the real composition root.

Every operation is called with generated requests (valid and invalid ones), once with a seller's API key and once
with the internal token; each answer must be no 5xx, a documented status code, the documented content type and a
body that matches the documented schema; a 405 names every method the path takes; a request without or with a
wrong key gets 401. AISLE_SCHEMATHESIS_EXAMPLES sets the examples per operation and phase
(default 8: about a minute on a 2-core machine for both passes); raise it for a deeper run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, make_settings, product_body

EXAMPLES = int(os.environ.get("AISLE_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.allow_header_conformance,  # a 405 names every method the path takes
    checks.missing_required_header,  # no Authorization: 401, before any path id or body is read
    checks.ignored_auth,  # a wrong or missing key is refused, never served
    checks.unsupported_method,
]
# the bulk endpoint's NDJSON body is generated as arbitrary bytes (its schema is `format: binary`)
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
RATE_LIMITS = (
    "seller_writes_per_minute",
    "seller_stock_writes_per_minute",
    "searches_per_minute",
    "quotes_per_minute",
    "reviews_per_minute_per_client",
    "reviews_per_minute_per_product",
)
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
    unlimited = {name: 1e9 for name in RATE_LIMITS}  # the limits have their own tests; here every case goes through
    container = bootstrap(make_settings(Path(tmp_path_factory.mktemp("schemathesis")), **unlimited))
    container.start_background()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def app(embedded: Container):
    return create_app(embedded, manage_background=False)


def _schema(app, token: str, path_ids: dict[str, str]) -> schemathesis.schemas.BaseSchema:
    config = SchemathesisConfig()
    config.projects.default.update(headers={"Authorization": f"Bearer {token}"}, parameters=path_ids)
    config.projects.default.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


@pytest.fixture(scope="module")
def seller_schema(app):
    """The seller's pass works on its own real product and variant (generated bodies reach the catalog's code),
    the internal pass below on generated ids (they reach the id parsing and the 404s)."""
    with TestClient(app) as client:
        created = client.post(
            "/api/v1/sellers", json={"name": "Schemathesis"}, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        )
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]
        as_seller = {"Authorization": f"Bearer {key}"}
        product = client.post("/api/v1/seller/products", json=product_body(), headers=as_seller)
        assert product.status_code == 201, product.text
    path_ids = {"product_id": product.json()["product_id"], "variant_id": product.json()["variants"][0]["variant_id"]}
    return _schema(app, key, path_ids)


@pytest.fixture(scope="module")
def internal_schema(app):
    return _schema(app, INTERNAL_TOKEN, {})


as_seller = schemathesis.pytest.from_fixture("seller_schema")
as_internal = schemathesis.pytest.from_fixture("internal_schema")


@pytest.mark.timeout(1800)  # one test runs every operation: pytest's default 300 s is for one case
@as_seller.parametrize()
@HYPOTHESIS
def test_every_operation_as_a_seller(case) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.timeout(1800)
@as_internal.parametrize()
@HYPOTHESIS
def test_every_operation_with_the_internal_token(case) -> None:
    case.call_and_validate(checks=CHECKS)

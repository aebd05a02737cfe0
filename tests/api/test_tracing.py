"""OpenTelemetry traces on the embedded shape: one trace spans a seller's PATCH, its outbox row and the index update
(issue 11), recorded by the SDK's in-memory exporter; the trace id sits beside the request id on log lines."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from aisle.adapters.sql import schema as t
from aisle.adapters.tracing import Tracing, exporters_wanted
from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import SellerClient, make_settings
from tests.support.logs import logging_to


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    yield exporter, processor  # type: ignore[misc]
    processor.shutdown()  # the process's provider stays; this test's exporter stops recording


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    with logging_to(io.StringIO()) as stream:
        yield stream


def wait_for_span(exporter: InMemorySpanExporter, name: str, trace_id: int, timeout: float = 30.0) -> ReadableSpan:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for span in exporter.get_finished_spans():
            if span.name == name and span.context.trace_id == trace_id:
                return span
        time.sleep(0.05)
    names = sorted({(s.name, f"{s.context.trace_id:032x}") for s in exporter.get_finished_spans()})
    raise AssertionError(f"no {name!r} span in trace {trace_id:032x}; spans seen: {names}")


def server_span(exporter: InMemorySpanExporter, method: str) -> ReadableSpan:
    found = [
        s
        for s in exporter.get_finished_spans()
        if s.kind == SpanKind.SERVER
        and (s.attributes or {}).get("http.method", (s.attributes or {}).get("http.request.method")) == method
    ]
    assert len(found) == 1, [s.name for s in exporter.get_finished_spans()]
    return found[0]


@pytest.fixture
def traced(tmp_path: Path, spans) -> Iterator[tuple[Container, TestClient, InMemorySpanExporter]]:
    exporter, processor = spans
    container = bootstrap(make_settings(tmp_path), tracing=Tracing.exporting([processor]))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield container, client, exporter
    container.stop()


def test_a_patch_and_the_index_update_it_causes_share_one_trace(traced, log_stream: io.StringIO):
    container, client, exporter = traced
    seller = SellerClient(client, "Traced Seller")
    product_id = seller.create()["product_id"]
    exporter.clear()

    patched = seller.request("PATCH", f"/products/{product_id}", json={"title": "Traced Trail Shoe"})
    assert patched.status_code == 200, patched.text

    request = server_span(exporter, "PATCH")
    trace_id = request.context.trace_id
    index_update = wait_for_span(exporter, "aisle.index-builder", trace_id)
    relay = wait_for_span(exporter, "aisle.outbox-relay publish", trace_id)
    in_request = {s.context.span_id for s in exporter.get_finished_spans() if s.context.trace_id == trace_id}
    in_request -= {index_update.context.span_id, relay.context.span_id}
    assert index_update.parent is not None and index_update.parent.span_id in in_request  # a child of the request's
    assert relay.parent is not None and relay.parent.span_id in in_request
    sql = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id and s.kind == SpanKind.CLIENT]
    assert sql, "the SQLAlchemy instrumentation records the request's statements in its trace"
    lone = [s.name for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT and s.parent is None]
    assert lone == [], "the background loops' polling statements start no trace of their own"

    with container.engine.connect() as connection:
        stored = connection.execute(
            select(t.outbox.c.traceparent).where(t.outbox.c.key == int(product_id)).order_by(t.outbox.c.event_id)
        ).scalars()
        assert f"00-{trace_id:032x}-{index_update.parent.span_id:016x}" in [tp[:52] for tp in stored if tp]

    lines = [json.loads(line) for line in log_stream.getvalue().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "aisle.access" and line["method"] == "PATCH"]
    assert (
        access
        and access[0]["trace_id"] == f"{trace_id:032x}"
        and access[0]["request_id"] == patched.headers["x-request-id"]
    )


def test_untraced_requests_store_no_trace_context(container, client):
    """Without an exporter configured, no span exists, so nothing is stored (and nothing is exported)."""
    assert container.tracing.enabled is False
    seller = SellerClient(client, "Untraced Seller")
    product_id = seller.create()["product_id"]
    with container.engine.connect() as connection:
        stored = connection.execute(select(t.outbox.c.traceparent).where(t.outbox.c.key == int(product_id)))
        assert list(stored.scalars()) == [None]


@pytest.mark.parametrize(
    ("setting", "environ", "wanted"),
    [
        (None, {}, []),
        (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        (None, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
        ("console", {}, ["console"]),
        ("none", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, []),
        ("otlp,console", {}, ["otlp", "console"]),
        ("otlp", {"OTEL_SDK_DISABLED": "true"}, []),
    ],
)
def test_traces_are_exported_only_when_configured(setting, environ, wanted):
    assert exporters_wanted(setting, environ) == wanted

"""OpenTelemetry traces, exported only when configured (docs/observability.md).

Unconfigured, nothing is instrumented and no span is made: the outbox writer's look at the current span is the
only cost. Configured, one SDK tracer provider per process exports through a batch processor, and SQLAlchemy, Redis
and confluent-kafka are instrumented by their OpenTelemetry packages. The W3C ``traceparent`` of
the request that records an event is stored with its outbox row, so the relay, the Kafka producer and the
consumers (the index builder among them) continue the request's trace. FastAPI's own support (``FastAPI(telemetry=
...)``) makes the server span of each request, the parent of everything the request does.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from aisle.services.ports import EventPublisher, OutboxEntry

log = logging.getLogger(__name__)
TRACEPARENT = "traceparent"
EXPORTERS = frozenset({"otlp", "console", "none"})
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER = "aisle"
_setup_lock = threading.Lock()


def current_traceparent() -> str | None:
    """The W3C traceparent of the span running now; None outside a (sampled or not) trace."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_of(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    extracted = _PROPAGATOR.extract({TRACEPARENT: traceparent})
    return extracted if trace.get_current_span(extracted).get_span_context().is_valid else None


@contextmanager
def continuing(traceparent: str | None) -> Iterator[None]:
    """Makes the stored trace current while the block runs (e.g. so the Kafka producer's span joins it)."""
    parent = context_of(traceparent)
    if parent is None:
        yield
        return
    token = otel_context.attach(parent)
    try:
        yield
    finally:
        otel_context.detach(token)


def exporters_wanted(setting: str | None, environ: dict[str, str] | None = None) -> list[str]:
    """Which exporters to use: the AISLE_/OTEL_TRACES_EXPORTER setting when given, else "otlp" when an OTLP
    endpoint is set in the environment, else none."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    if setting:
        names = [name.strip().lower() for name in setting.split(",") if name.strip()]
    elif env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        names = ["otlp"]
    else:
        names = []
    return [name for name in names if name != "none"]


class Tracing:
    """What this process traces. ``Tracing.off()`` instruments nothing; ``Tracing.exporting(...)`` sets up the
    process's tracer provider (once: OpenTelemetry allows one per process; later calls add their processors)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._tracer = trace.get_tracer(_TRACER)

    @classmethod
    def off(cls) -> Tracing:
        return cls(False)

    @classmethod
    def from_settings(cls, exporter_setting: str | None, service_name: str = "aisle") -> Tracing:
        names = exporters_wanted(exporter_setting)
        if not names:
            return cls.off()
        return cls.exporting([_batch_processor(name) for name in names], service_name)

    @classmethod
    def exporting(cls, processors: Sequence[Any], service_name: str = "aisle") -> Tracing:
        """``processors``: SDK span processors (a BatchSpanProcessor around an exporter; tests pass a
        SimpleSpanProcessor around the SDK's InMemorySpanExporter)."""
        provider = _process_provider(service_name)
        for processor in processors:
            provider.add_span_processor(processor)
        _instrument_redis()
        return cls(True)

    def flush(self, timeout_millis: int = 5000) -> None:
        """Exports what the batch processors still hold (at shutdown: the last spans are not lost)."""
        provider = trace.get_tracer_provider()
        if self.enabled and hasattr(provider, "force_flush"):
            provider.force_flush(timeout_millis)

    def instrument_engine(self, engine: Any) -> None:
        if self.enabled:
            from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
            from opentelemetry.metrics import get_meter

            usage = get_meter(_TRACER).create_up_down_counter("db.client.connections.usage", unit="connections")
            EngineTracer(trace.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine, usage)

    def kafka_producer(self, producer: Any) -> Any:
        if not self.enabled:
            return producer
        from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor

        return ConfluentKafkaInstrumentor.instrument_producer(producer)

    def kafka_consumer(self, consumer: Any) -> Any:
        if not self.enabled:
            return consumer
        from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor

        return _with_assignment(ConfluentKafkaInstrumentor.instrument_consumer(consumer), consumer)

    def traced_handler(self, name: str, handle: Callable[[list[OutboxEntry]], None]) -> Callable[..., None]:
        """``handle`` run inside a span of every trace its batch of events belongs to."""
        if not self.enabled:
            return handle

        def traced(entries: list[OutboxEntry]) -> None:
            with self._spans_for(f"aisle.{name}", entries):
                handle(entries)

        return traced

    def traced_publisher(self, publisher: EventPublisher) -> EventPublisher:
        return _TracedPublisher(publisher, self) if self.enabled else publisher

    @contextmanager
    def _spans_for(self, name: str, entries: Sequence[OutboxEntry]) -> Iterator[None]:
        """One span per distinct trace among ``entries`` (a batch mixes the events of several requests), all open
        while the block runs; the first is current, so what the block does (SQL, OpenSearch, Redis) joins it."""
        traces = dict.fromkeys(e.traceparent for e in entries if e.traceparent)
        parents: list[otel_context.Context | None] = [c for c in map(context_of, traces) if c is not None] or [None]
        with ExitStack() as spans:
            opened = [
                spans.enter_context(self._tracer.start_as_current_span(name, context=parent, end_on_exit=True))
                if number == 0
                else spans.enter_context(_ended(self._tracer.start_span(name, context=parent)))
                for number, parent in enumerate(parents)
            ]
            for span in opened:
                span.set_attribute("aisle.events", len(entries))
            yield


class _TracedPublisher:
    def __init__(self, publisher: EventPublisher, tracing: Tracing) -> None:
        self._publisher = publisher
        self._tracing = tracing

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        with self._tracing._spans_for("aisle.outbox-relay publish", list(entries)):
            self._publisher.publish(entries)

    def check(self) -> None:
        self._publisher.check()


@contextmanager
def _ended(span: Any) -> Iterator[Any]:
    try:
        yield span
    finally:
        span.end()


def _with_assignment(proxied: Any, consumer: Any) -> Any:
    """The instrumentation's consumer proxy forwards only some calls; ours also reads the assignment."""
    proxied.assignment = consumer.assignment
    return proxied


def _process_provider(service_name: str) -> Any:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    with _setup_lock:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            return current
        name = os.environ.get("OTEL_SERVICE_NAME") or service_name
        sampler = None if os.environ.get("OTEL_TRACES_SAMPLER") else _sampler()
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}), sampler=sampler)
        trace.set_tracer_provider(provider)
        return provider


def _sampler() -> Any:
    """Every trace, except those a lone client call would start: the background loops poll the database (the relay
    ten times a second when idle) and would flood the collector with one-statement traces. A statement inside a
    request or an event's handling is kept, as its parent is. OTEL_TRACES_SAMPLER replaces this."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult

    class NoLoneClientCalls(Sampler):
        def should_sample(
            self, parent_context: Any, trace_id: int, name: str, kind: Any = None, *args: Any, **kw: Any
        ) -> Any:
            if kind == trace.SpanKind.CLIENT:
                return SamplingResult(Decision.DROP)
            return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, *args, **kw)

        def get_description(self) -> str:
            return "NoLoneClientCalls"

    return ParentBased(root=NoLoneClientCalls())


def _instrument_redis() -> None:
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    with _setup_lock:
        instrumentor = RedisInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def _batch_processor(name: str) -> Any:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if name == "console":
        return BatchSpanProcessor(ConsoleSpanExporter())
    if name in ("otlp", "otlp_proto_http"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return BatchSpanProcessor(OTLPSpanExporter())  # endpoint, headers, timeout: the OTEL_EXPORTER_OTLP_* env
    raise ValueError(f"unknown traces exporter {name!r} (otlp, console or none)")

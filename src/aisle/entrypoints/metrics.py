"""Prometheus metrics for the seed's SLOs: search and PDP latency, zero-result rate, cache hit ratio, index lag,
errors. Defined once per process; `instrument` connects a container's services to them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import suppress

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from aisle.adapters.prometheus import INDEX_LAG
from aisle.bootstrap import Container
from aisle.services.search.results import SearchResult

__all__ = ["INDEX_LAG", "instrument", "observe_search"]
log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5)

HTTP_LATENCY = Histogram(
    "aisle_http_request_duration_seconds",
    "HTTP request latency",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_LATENCY = Histogram("aisle_search_duration_seconds", "Search pipeline latency", buckets=LATENCY_BUCKETS)
SEARCHES = Counter("aisle_searches_total", "Searches served")
ZERO_RESULTS = Counter("aisle_search_zero_results_total", "Searches that found nothing, even after relaxation")
RELAXED = Counter("aisle_search_relaxed_total", "Searches answered only after dropping filters or words")
DEGRADED = Counter(
    "aisle_search_degraded_total", "Searches answered by browsing the database: the search engine was out of reach"
)
PDP_LATENCY = Histogram("aisle_pdp_duration_seconds", "Product page latency", ["cache"], buckets=LATENCY_BUCKETS)
_SERVING_ONLY = (HTTP_LATENCY, SEARCH_LATENCY, SEARCHES, ZERO_RESULTS, RELAXED, DEGRADED, PDP_LATENCY)


class _ContainerGauges(Collector):
    """Read at scrape time: the cache hit ratio's parts, the outbox backlog and the background loops' failures of
    the newest container. A worker process (``serving=False``) has no caches to count and leads nothing."""

    def __init__(self) -> None:
        self.container: Container | None = None
        self.serving = True

    def collect(self) -> Iterator[GaugeMetricFamily]:
        container = self.container
        if container is None:
            return
        if self.serving:
            yield from _serving_gauges(container)
        try:
            pending, parked = container.relay.pending(), container.relay.parked()
            waited = container.relay.oldest_pending_seconds()
        except Exception as error:  # the database is out of reach: the scrape still carries the failing loops
            # one line per scrape, no traceback: an outage goes on for many scrapes, and the loops log its cause
            reason = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
            log.warning("outbox gauges left out of this scrape: the database did not answer (%s)", reason)
        else:
            yield GaugeMetricFamily("aisle_outbox_pending", "Events not yet delivered", value=pending)
            yield GaugeMetricFamily("aisle_outbox_parked", "Events a subscriber refused too often, kept", value=parked)
            yield GaugeMetricFamily(
                "aisle_outbox_oldest_pending_seconds", "How long the oldest undelivered event has waited", value=waited
            )
        failing = GaugeMetricFamily(
            "aisle_loop_failures_in_a_row",
            "Failed steps since a background loop (relay, index builder, ...) last succeeded; 0 when it works",
            labels=["loop"],
        )
        led = container.leadership.running if container.leadership is not None else []
        for loop in (*container.loops, *led):
            failing.add_metric([loop.name], loop.consecutive_failures)
        yield failing
        yield _resting(container)


def _resting(container: Container) -> GaugeMetricFamily:
    """1 while a dependency's circuit breaker keeps calls from it (open or half open) after it failed."""
    resting = GaugeMetricFamily(
        "aisle_dependency_resting",
        "1 while calls to a dependency are held back after it failed (its circuit breaker is not closed)",
        labels=["dependency"],
    )
    for name, adapter in (("search", container.search_engine), ("cache", container.cache), ("blobs", container.blobs)):
        state = getattr(adapter, "state", None)  # the embedded cache and disk store cannot be out of reach
        if state is not None:
            resting.add_metric([name], int(state != "closed"))
    return resting


def _serving_gauges(container: Container) -> Iterator[GaugeMetricFamily]:
    totals = container.lookups.totals()
    yield GaugeMetricFamily("aisle_cache_hits", "Page and card cache hits since start", value=totals["hit"])
    yield GaugeMetricFamily("aisle_cache_misses", "Page and card cache misses since start", value=totals["miss"])
    lookups = GaugeMetricFamily(
        "aisle_cache_lookups", "Product page and search card cache lookups since start", labels=["cache", "outcome"]
    )
    for (cache, outcome), count in sorted(container.lookups.snapshot().items()):
        lookups.add_metric([cache, outcome], count)
    yield lookups
    yield GaugeMetricFamily(
        "aisle_leader", "1 in the process that runs the relay, index builder and jobs", value=int(_leading(container))
    )


def _leading(container: Container) -> bool:
    """Embedded, the process holding the leader lock (one process alone leads); distributed, one started with the
    workers (`--with-workers`): the others leave them to `aisle worker` processes."""
    if container.leadership is not None:
        return container.leadership.leading
    return not container.distributed or container.settings.with_workers


_GAUGES = _ContainerGauges()
REGISTRY.register(_GAUGES)


def instrument(container: Container, serving: bool = True) -> None:
    """``serving``: the container answers API requests (else it is an `aisle worker`'s, whose scrape leaves out the
    request and search families: always zero there, they would read as an API process that gets no traffic)."""
    _GAUGES.container = container
    _GAUGES.serving = serving
    if not serving:
        for family in _SERVING_ONLY:
            with suppress(KeyError):  # already left out
                REGISTRY.unregister(family)


def observe_search(seconds: float, result: SearchResult) -> None:
    SEARCHES.inc()
    SEARCH_LATENCY.observe(seconds)
    if result.total == 0:
        ZERO_RESULTS.inc()
    if result.relaxed is not None:
        RELAXED.inc()
    if result.degraded is not None:
        DEGRADED.inc()

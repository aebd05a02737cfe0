"""Metrics recorded below the HTTP layer (the index builder runs in workers with no API): Prometheus collects them
from the same process-wide registry as the API's own."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)

INDEX_LAG = Histogram(
    "aisle_index_lag_seconds", "From a change's event being recorded to it being searchable", buckets=LAG_BUCKETS
)
INDEX_EVENTS_DELIVERED = Counter(
    "aisle_index_events_delivered",
    "Events delivered by the relay that the index builder must index: with aisle_index_lag_seconds_count flat "
    "meanwhile, no index builder is taking them",
)

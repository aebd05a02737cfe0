"""The cluster settings: several OpenSearch hosts, topic replication, refused when they make no sense."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aisle.settings import Settings


def test_several_opensearch_hosts_are_read_from_one_comma_separated_value() -> None:
    settings = Settings(opensearch_url=" http://127.0.0.1:9200, http://127.0.0.1:9201 ,https://search.example:443")
    assert settings.opensearch_hosts == ["http://127.0.0.1:9200", "http://127.0.0.1:9201", "https://search.example:443"]


@pytest.mark.parametrize("bad", ["127.0.0.1:9200", "http://a:9200,", "ftp://a", "http://a:9200,,http://b:9200"])
def test_an_opensearch_host_that_is_not_an_http_url_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValidationError, match="opensearch_url"):
        Settings(opensearch_url=bad)


def test_cluster_sizes_default_to_what_the_cluster_allows() -> None:
    settings = Settings()
    assert (settings.search_shards, settings.search_replicas) == (None, None)
    assert (settings.kafka_partitions, settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (
        3,
        None,
        None,
    )


def test_min_insync_replicas_above_the_replication_factor_is_refused() -> None:
    with pytest.raises(ValidationError, match="exceeds kafka_replication_factor"):
        Settings(kafka_replication_factor=2, kafka_min_insync_replicas=3)


@pytest.mark.parametrize(
    "field, value",
    [("search_shards", 0), ("search_replicas", -1), ("kafka_partitions", 0), ("kafka_replication_factor", 0)],
)
def test_sizes_out_of_range_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})

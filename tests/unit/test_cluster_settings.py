"""Settings refused when they make no sense: the cluster's (several OpenSearch hosts, topic replication, the
servers' addresses), the internal token's, the log level's."""

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


@pytest.mark.parametrize(
    "field, value",
    [
        ("database_url", "garbage"),
        ("database_url", "mysql://aisle:secret@db/aisle"),
        ("redis_url", "127.0.0.1:6379"),
        ("kafka_bootstrap", "not a host"),
        ("kafka_bootstrap", "broker:9092,"),
        ("kafka_bootstrap", "broker:99999"),
    ],
)
def test_a_server_address_aisle_cannot_use_is_refused_by_name(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field) as refused:
        Settings(**{field: value})
    assert "secret" not in str(refused.value.errors()[0]["msg"])  # a password in a URL is not echoed back


def test_the_addresses_of_real_servers_are_accepted() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://aisle:aisle@127.0.0.1:5432/aisle",
        redis_url="rediss://cache.example:6380/2",
        kafka_bootstrap="k1:9092, k2:9092,[::1]:9093",
    )
    assert settings.kafka_bootstrap == "k1:9092,k2:9092,[::1]:9093"
    assert Settings(database_url="sqlite:///var/aisle.db").database == "sqlite:///var/aisle.db"


def test_a_log_level_is_read_in_any_case(monkeypatch) -> None:
    monkeypatch.setenv("AISLE_LOG_LEVEL", "info")
    assert Settings().log_level == "INFO"
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="chatty")


@pytest.mark.parametrize("token", [" " * 17, "a long token with spaces"])
def test_an_internal_token_with_spaces_is_refused(token: str) -> None:
    with pytest.raises(ValidationError, match="must have no spaces"):
        Settings(internal_token=token)

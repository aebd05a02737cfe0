"""Typed settings from AISLE_* environment variables; a bad value stops start-up with a message naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://aisle:aisle@127.0.0.1:5432/aisle"
# The distributed defaults are where `make services-up` starts each service.
TRACES_EXPORTERS = frozenset({"otlp", "otlp_proto_http", "console", "none", ""})
DATABASE_SCHEMES = frozenset({"postgresql", "sqlite"})  # with or without a driver: postgresql+psycopg
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AISLE_", extra="ignore")

    profile: Literal["embedded", "distributed"] = Field(
        "embedded",
        description="embedded: SQLite + in-process everything; distributed: PostgreSQL and friends",
    )
    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the embedded shape keeps its database and indexes")
    database_url: str | None = Field(None, description="SQLAlchemy URL; defaults by profile")
    sqlite_lock_wait_seconds: float = Field(
        30.0, gt=0, le=600, description="SQLite: longest wait for the write lock another writer holds (503 after it)"
    )
    opensearch_url: str = Field(
        "http://127.0.0.1:9200",
        description="OpenSearch node URLs, comma-separated: a cluster's nodes share the requests (distributed)",
    )
    search_shards: int | None = Field(
        None, ge=1, le=64, description="Primary shards of a new search index; unset: 1 on one data node, 2 on more"
    )
    search_replicas: int | None = Field(
        None, ge=0, le=8, description="Replicas of each shard; unset: 0 on one data node, 1 on more"
    )
    search_index: str = Field(
        "aisle-products", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="OpenSearch alias the searches read"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for cache and rate limits (distributed)")
    cache_store: Literal["memory", "redis"] | None = Field(
        None, description="Cached pages and cards in this process's memory or in Redis; defaults by profile"
    )
    redis_namespace: str = Field(
        "aisle",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Prefix of aisle's keys in Redis (cache, rate limits, popular queries): deployments can share one",
    )
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers (distributed)")
    topic_prefix: str = Field(
        "aisle.",
        pattern=r"^[A-Za-z0-9._-]{0,200}$",  # what Kafka takes in a topic's name, with room for the topic's own
        description="Prefix of the Kafka topics",
    )
    kafka_partitions: int = Field(3, ge=1, le=1024, description="Partitions of each new topic (consumers per group)")
    kafka_replication_factor: int | None = Field(
        None, ge=1, le=16, description="Copies of each new topic's partitions; unset: 3, or fewer brokers if fewer"
    )
    kafka_min_insync_replicas: int | None = Field(
        None, ge=1, le=16, description="Copies a write needs before it is acknowledged; unset: replication factor - 1"
    )
    seller_writes_per_minute: float = Field(
        100, gt=0, description="Rate limit per seller on product, image, deal and coupon writes"
    )
    seller_stock_writes_per_minute: float = Field(
        6000, gt=0, description="Rate limit per seller on stock changes (RESTOCK, SET): a whole catalog's sync fits"
    )
    searches_per_minute: float = Field(600, gt=0, description="Rate limit per client address on search")
    quotes_per_minute: float = Field(120, gt=0, description="Rate limit per client address on price quotes")
    reviews_per_minute_per_client: float = Field(10, gt=0, description="Rate limit per client address on reviews")
    reviews_per_minute_per_product: float = Field(30, gt=0, description="Rate limit per product on new reviews")
    internal_token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token for internal APIs (inventory, platform pricing, seller keys, /metrics); no default: "
        "`aisle serve` refuses to start without it, `aisle demo` makes one",
    )
    node_id: int | None = Field(None, ge=0, le=1023, description="Snowflake node id; leased from the database if unset")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest JSON request body accepted (413 above)")
    bulk_max_bytes: int = Field(64 * 1_048_576, ge=1024, description="Largest bulk NDJSON body accepted")
    body_read_timeout_seconds: float = Field(
        30.0, gt=0, le=3600, description="Longest wait for the next part of a request body (408 after it)"
    )
    bulk_max_lines: int = Field(10_000, ge=1, description="Most products in one bulk request")
    vocabulary_refresh_seconds: float = Field(
        5.0,
        gt=0,
        description="How often at most the spelling vocabulary and brand list follow the index (distributed: looked"
        " for after each catalog write, in the outbox)",
    )
    search_pages_kept: int = Field(
        2048,
        ge=0,
        le=1_000_000,
        description="Ranked search pages each process keeps per index generation (embedded shape; 0: none)",
    )
    synonyms_path: Path | None = Field(
        None,
        description="Synonyms file in Solr's format (reloaded when it changes); the packaged file when unset",
    )
    reservation_ttl_seconds: float = Field(900, gt=0, le=86_400, description="How long a reservation holds stock")
    low_stock_threshold: int = Field(5, ge=0, description='At or below this many left a page says "Only N left"')
    reservation_mode: Literal["auto", "direct", "batched", "group"] = Field(
        "auto",
        description="Reservations: per-request conditional write (direct), per-variant queues (batched), or "
        "many callers' reservations committed together by one writer at a time (group; what auto means)",
    )
    with_workers: bool = Field(
        False, description="Distributed: also run the relay, index builder, cache invalidator and expirer in-process"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logs go to stderr, each line with its request id"
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="json: an object per line, for log shippers; console: readable; auto: console on a terminal"
    )
    retention_hours: float = Field(
        168, gt=0, description="Delivered outbox events, idempotency keys and finished bulk jobs are deleted after this"
    )
    ready_max_index_lag_seconds: float = Field(
        5.0,
        gt=0,
        description="/readyz answers 503 indexing while an undelivered event is older than this and the index lacks "
        "products (else 200 with index_behind)",
    )
    ready_backlog_read_seconds: float = Field(
        2.0,
        gt=0,
        le=300,
        description="Distributed: how often at most each API process asks Kafka for the index builders' lag (/readyz)",
    )
    workers: int = Field(1, ge=1, le=64, description="API processes `aisle serve` starts (embedded: one of them leads)")
    requests_per_connection: int = Field(
        20,
        ge=1,
        le=1_000_000,
        description="With several API processes, a keep-alive connection is closed after this many requests, so "
        "that its client reconnects and the kernel places it on a process again",
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65_535,
        description="With several API processes, process n also serves its own /metrics on this + n; "
        "`aisle worker` serves its /metrics on this port",
    )
    run_background_workers: bool = Field(True, description="Run the outbox relay and job runner in this process")
    image_max_bytes: int = Field(10 * 1_048_576, ge=1024, description="Largest image file accepted (413 above)")
    image_max_pixels: int = Field(40_000_000, ge=1, description="Most pixels an uploaded image may have")
    media_base_url: str = Field(
        "/media", pattern=r"^(https?://[^\s]+|/[^\s]*)$", description="Where image URLs point: /media or a CDN"
    )
    blob_store: Literal["disk", "s3"] | None = Field(
        None, description="Image bytes on local disk or in S3; defaults by profile (embedded: disk)"
    )
    s3_url: str = Field(
        "http://aisle:aisle-local-secret@127.0.0.1:9000",
        description="S3 endpoint with credentials, http(s)://ACCESS_KEY:SECRET@host:port (distributed)",
    )
    traces_exporter: str | None = Field(
        None,
        validation_alias=AliasChoices("traces_exporter", "AISLE_TRACES_EXPORTER", "OTEL_TRACES_EXPORTER"),
        description="Where traces go: otlp (OTEL_EXPORTER_OTLP_* say where), console or none; unset: otlp when "
        "OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing at all",
    )
    s3_bucket: str = Field("aisle-media", pattern=r"^[a-z0-9][a-z0-9.-]{2,62}$", description="S3 bucket for images")
    cors_origins: str = Field(
        "",
        description="Web origins whose pages may call the API from a browser, comma-separated "
        "(https://shop.example), or * for any; empty: none (same-origin pages only)",
    )

    @field_validator("internal_token")
    @classmethod
    def _token_without_spaces(cls, value: str | None) -> str | None:
        if value is not None and any(ch.isspace() for ch in value):
            raise ValueError("must have no spaces: it is sent as one word after 'Bearer '")
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _empty_data_dir_is_unset(cls, value: object) -> object:
        # as an empty AISLE_INTERNAL_TOKEN is no token: `AISLE_DATA_DIR=` would otherwise be the current directory
        if isinstance(value, str) and not value.strip():
            return DEFAULT_DATA_DIR
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value  # "info" as Python's logging spells it

    @field_validator("opensearch_url")
    @classmethod
    def _opensearch_hosts(cls, value: str) -> str:
        hosts = [host.strip() for host in value.split(",")]
        for host in hosts:
            parts = urlsplit(host)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{host!r} is not an http(s)://host[:port] URL (several: comma-separated)")
        return ",".join(hosts)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        # the message never repeats the value: it may hold a password
        if value is not None and urlsplit(value).scheme.split("+")[0] not in DATABASE_SCHEMES:
            raise ValueError(
                "not a database URL aisle can use: postgresql+psycopg://user:password@host:5432/name "
                "or sqlite:///path/to/aisle.db"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in REDIS_SCHEMES:
            raise ValueError("not a Redis URL: redis://host:6379/0, rediss:// (TLS) or unix:///path/redis.sock")
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _kafka_servers(cls, value: str) -> str:
        servers = [server.strip() for server in value.split(",")]
        for server in servers:
            host, _, port = server.rpartition(":")
            if not host or " " in host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{server!r} is not host:port (several: comma-separated)")
        return ",".join(servers)

    @field_validator("cors_origins")
    @classmethod
    def _web_origins(cls, value: str) -> str:
        """Each origin as browsers send it (lowercase, no trailing slash), or a start-up error naming it: one
        that could never match would fail silently."""
        origins = [origin.strip() for origin in value.split(",") if origin.strip()]
        return ",".join(origin if origin == "*" else _web_origin(origin) for origin in origins)

    @property
    def cors_origin_list(self) -> list[str]:
        return self.cors_origins.split(",") if self.cors_origins else []

    @field_validator("traces_exporter")
    @classmethod
    def _known_exporters(cls, value: str | None) -> str | None:
        unknown = [name for name in (value or "").split(",") if name.strip().lower() not in TRACES_EXPORTERS]
        if unknown:
            raise ValueError(f"unknown traces exporter {unknown[0]!r}: use otlp, console or none (comma-separated)")
        return value

    @model_validator(mode="after")
    def _insync_within_replication(self) -> Settings:
        factor, insync = self.kafka_replication_factor, self.kafka_min_insync_replicas
        if factor is not None and insync is not None and insync > factor:
            raise ValueError(f"kafka_min_insync_replicas ({insync}) exceeds kafka_replication_factor ({factor})")
        return self

    @property
    def opensearch_hosts(self) -> list[str]:
        return self.opensearch_url.split(",")

    @model_validator(mode="after")
    def _synonyms_file_exists(self) -> Settings:
        if self.synonyms_path is not None and not self.synonyms_path.is_file():
            raise ValueError(f"AISLE_SYNONYMS_PATH: no file at {self.synonyms_path}")
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if self.database_url is None:
            self.database_url = (
                DEFAULT_POSTGRES_URL if self.profile == "distributed" else f"sqlite:///{self.data_dir / 'aisle.db'}"
            )
        return self

    @property
    def blobs(self) -> Literal["disk", "s3"]:
        return self.blob_store or ("s3" if self.profile == "distributed" else "disk")

    @property
    def cache(self) -> Literal["memory", "redis"]:
        return self.cache_store or ("redis" if self.profile == "distributed" else "memory")

    @property
    def database(self) -> str:
        assert self.database_url is not None
        return self.database_url


def _web_origin(origin: str) -> str:
    parts = urlsplit(origin.removesuffix("/"))
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = -1
    bare = (
        parts.scheme in ("http", "https")
        and parts.hostname
        and port != -1
        and not (parts.path or parts.query or parts.fragment or parts.username or parts.password)
        and "?" not in origin
        and "#" not in origin
    )
    if not bare:
        raise ValueError(
            f"{origin!r} is not an origin: scheme://host[:port], nothing after it (several: comma-separated)"
        )
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port is not None else "")

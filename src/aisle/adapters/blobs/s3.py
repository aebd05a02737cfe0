"""Blobs as objects in one S3 bucket (any S3-compatible server), through boto3.

``url`` is ``http(s)://ACCESS_KEY:SECRET@host:port`` (credentials may also come from boto3's usual environment).
The bucket is created on first use when it does not exist."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from aisle.adapters.blobs.keys import checked_key
from aisle.adapters.resilience import BreakerState, CircuitBreaker
from aisle.services.ports import BlobStoreUnavailable

MISSING = {"404", "NoSuchKey", "NotFound"}
BREAKER_FAILURES = 3
BREAKER_RESET_SECONDS = 5.0
T = TypeVar("T")
_NOT_CALLED: Any = object()


class S3BlobStore:
    """``read_timeout``: seconds an answer may take (boto3 tries twice). After BREAKER_FAILURES calls in a row
    found the store unavailable, calls fail at once for BREAKER_RESET_SECONDS, then one is tried: a store that
    stops answering must not hold every request thread that serves a picture for the length of its timeouts."""

    def __init__(self, url: str, bucket: str, region: str = "us-east-1", read_timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        endpoint = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        config = Config(
            # S3-compatible servers (S3Proxy, older MinIO) refuse the CRC trailers boto3 sends by default since 1.36.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"total_max_attempts": 2, "mode": "standard"},  # two tries (max_attempts counts retries)
            connect_timeout=3,
            read_timeout=read_timeout,
            max_pool_connections=20,
        )
        self._client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=unquote(parts.username) if parts.username else None,
            aws_secret_access_key=unquote(parts.password) if parts.password else None,
            region_name=region,
            config=config,
        )
        self._bucket = bucket
        self._bucket_ready = False
        self._lock = threading.Lock()
        breaker = CircuitBreaker(BREAKER_FAILURES, BREAKER_RESET_SECONDS, failure_types=(BlobStoreUnavailable,))
        self._breaker = breaker

    @property
    def state(self) -> BreakerState:
        return self._breaker.state

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._guarded(self._put, key, data, content_type)

    def get(self, key: str) -> bytes | None:
        return self._guarded(self._get, key)

    def exists(self, key: str) -> bool:
        return bool(self._guarded(self._exists, key))

    def delete(self, key: str) -> None:
        self._guarded(self._delete, key)

    def _guarded(self, call: Callable[..., T], *args: Any) -> T:
        failed: list[BlobStoreUnavailable] = []

        def attempt() -> T:
            try:
                return call(*args)
            except BlobStoreUnavailable as unavailable:
                failed.append(unavailable)
                raise

        answer = self._breaker.call(attempt, fallback=_NOT_CALLED)
        if answer is _NOT_CALLED:
            raise (
                failed[0] if failed else BlobStoreUnavailable("S3 unreachable: recent calls failed; trying again soon")
            )
        return cast(T, answer)

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        with _reachable():
            self._ensure_bucket()
            self._client.put_object(Bucket=self._bucket, Key=checked_key(key), Body=data, ContentType=content_type)

    def _get(self, key: str) -> bytes | None:
        with _reachable():
            try:
                answer = self._client.get_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                if _missing(error):
                    return None
                raise
            return answer["Body"].read()

    def _exists(self, key: str) -> bool:
        with _reachable():
            try:
                self._client.head_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                if _missing(error):
                    return False
                raise
            return True

    def _delete(self, key: str) -> None:
        with _reachable():
            try:
                self._client.delete_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                if not _missing(error):
                    raise

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._lock:
            if self._bucket_ready:
                return
            try:
                self._client.head_bucket(Bucket=self._bucket)
            except ClientError as error:
                if not _missing(error) and error.response.get("Error", {}).get("Code") != "NoSuchBucket":
                    raise
                self._client.create_bucket(Bucket=self._bucket)
            self._bucket_ready = True


@contextmanager
def _reachable() -> Iterator[None]:
    """No connection, a timeout, or a server answering 5xx (after boto3's own retries): the store is unavailable."""
    try:
        yield
    except BotoCoreError as error:  # connection refused, DNS, timeouts: never a ClientError
        raise BlobStoreUnavailable(f"S3 unreachable: {error}") from error
    except ClientError as error:
        if int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500:
            raise BlobStoreUnavailable(f"S3 answered {error}") from error
        raise


def _missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in MISSING or code == "NoSuchBucket"

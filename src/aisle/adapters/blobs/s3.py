"""Blobs as objects in one S3 bucket (any S3-compatible server), through boto3.

``url`` is ``http(s)://ACCESS_KEY:SECRET@host:port`` (credentials may also come from boto3's usual environment).
The bucket is created on first use when it does not exist."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from aisle.adapters.blobs.keys import checked_key
from aisle.services.ports import BlobStoreUnavailable

MISSING = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    def __init__(self, url: str, bucket: str, region: str = "us-east-1") -> None:
        parts = urlsplit(url)
        endpoint = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        config = Config(
            # S3-compatible servers (S3Proxy, older MinIO) refuse the CRC trailers boto3 sends by default since 1.36.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=3,
            read_timeout=30,
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

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with _reachable():
            self._ensure_bucket()
            self._client.put_object(Bucket=self._bucket, Key=checked_key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        with _reachable():
            try:
                answer = self._client.get_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                if _missing(error):
                    return None
                raise
            return answer["Body"].read()

    def exists(self, key: str) -> bool:
        with _reachable():
            try:
                self._client.head_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                if _missing(error):
                    return False
                raise
            return True

    def delete(self, key: str) -> None:
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

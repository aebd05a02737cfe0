"""One suite for the blob store port, run against the local disk and a real S3 server (S3Proxy in CI)."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisle.adapters.blobs.disk import DiskBlobStore
from aisle.services.ports import BlobStore, BlobStoreUnavailable
from tests.conftest import s3_url

TEST_BUCKET = "aisle-contract-tests"


@pytest.fixture(params=["disk", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "disk":
        yield DiskBlobStore(tmp_path / "blobs")
        return
    from aisle.adapters.blobs.s3 import S3BlobStore

    yield S3BlobStore(s3_url(), TEST_BUCKET)


@pytest.fixture
def prefix() -> str:
    """Keys of one test: the S3 bucket is shared by every run."""
    return f"images/t{uuid.uuid4().hex}"


def test_put_then_get_returns_the_same_bytes(blobs: BlobStore, prefix: str) -> None:
    data = bytes(range(256)) * 1000
    blobs.put(f"{prefix}/a.webp", data, "image/webp")
    assert blobs.get(f"{prefix}/a.webp") == data
    assert blobs.exists(f"{prefix}/a.webp")


def test_a_missing_key_is_none_and_does_not_exist(blobs: BlobStore, prefix: str) -> None:
    assert blobs.get(f"{prefix}/nothing.jpg") is None
    assert not blobs.exists(f"{prefix}/nothing.jpg")


def test_put_again_replaces(blobs: BlobStore, prefix: str) -> None:
    blobs.put(f"{prefix}/x.jpg", b"first", "image/jpeg")
    blobs.put(f"{prefix}/x.jpg", b"second", "image/jpeg")
    assert blobs.get(f"{prefix}/x.jpg") == b"second"


def test_delete_is_idempotent(blobs: BlobStore, prefix: str) -> None:
    blobs.put(f"{prefix}/gone.png", b"bytes", "image/png")
    blobs.delete(f"{prefix}/gone.png")
    blobs.delete(f"{prefix}/gone.png")
    assert blobs.get(f"{prefix}/gone.png") is None
    assert not blobs.exists(f"{prefix}/gone.png")


def test_an_empty_blob_round_trips(blobs: BlobStore, prefix: str) -> None:
    blobs.put(f"{prefix}/empty", b"", "application/octet-stream")
    assert blobs.get(f"{prefix}/empty") == b""


@pytest.mark.parametrize("key", ["../escape", "images/../../etc/passwd", "/absolute", "images//double", "UPPER/x"])
def test_keys_that_could_escape_are_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        blobs.put(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        blobs.get(key)


def test_concurrent_writers_of_one_key_leave_one_whole_value(blobs: BlobStore, prefix: str) -> None:
    """Content addressing makes every writer of a key write the same bytes; readers never see half a file."""
    key = f"{prefix}/shared.jpg"
    values = [bytes([n]) * 300_000 for n in range(8)]
    seen: list[bytes | None] = []
    errors: list[BaseException] = []

    def write(value: bytes) -> None:
        try:
            blobs.put(key, value, "image/jpeg")
            seen.append(blobs.get(key))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(seen) == len(values)
    digests = {hashlib.sha256(v).hexdigest() for v in values}
    assert all(value is not None and hashlib.sha256(value).hexdigest() in digests for value in seen)
    assert blobs.get(key) in values


def test_an_s3_nobody_answers_is_unavailable_not_an_error() -> None:
    from aisle.adapters.blobs.s3 import S3BlobStore

    closed = S3BlobStore("http://aisle:secret@127.0.0.1:9", TEST_BUCKET)  # nothing listens on the discard port
    for call in (
        lambda: closed.put("images/x/a.webp", b"x", "image/webp"),
        lambda: closed.get("images/x/a.webp"),
        lambda: closed.exists("images/x/a.webp"),
        lambda: closed.delete("images/x/a.webp"),
    ):
        with pytest.raises(BlobStoreUnavailable):
            call()


class SilentServer:
    """Accepts connections and never answers, as a hung store does; counts the connections it was asked for."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.accepted.append(self._listener.accept()[0])

    def close(self) -> None:
        self._listener.close()
        for connection in self.accepted:
            connection.close()


def test_an_s3_that_stops_answering_is_given_up_on_at_once_after_a_few_timeouts() -> None:
    from aisle.adapters.blobs.s3 import BREAKER_FAILURES, S3BlobStore

    silent = SilentServer()
    try:
        hung = S3BlobStore(f"http://aisle:secret@127.0.0.1:{silent.port}", TEST_BUCKET, read_timeout=0.3)
        for _ in range(BREAKER_FAILURES):
            with pytest.raises(BlobStoreUnavailable, match="S3 unreachable"):
                hung.get("images/x/a.webp")
        asked = len(silent.accepted)
        assert asked >= BREAKER_FAILURES
        for _ in range(20):  # a page of thumbnails: none of them waits on the store again
            with pytest.raises(BlobStoreUnavailable, match="trying again soon"):
                hung.get("images/x/a.webp")
        assert len(silent.accepted) == asked
    finally:
        silent.close()


def test_a_call_to_an_s3_that_stops_answering_is_tried_twice_not_three_times() -> None:
    """What docs/deploy.md promises: at most two waits of the read timeout. botocore's ``max_attempts`` counts
    the retries, not the tries: set to 2, a call waited three times (30 s at the default 10 s)."""
    from aisle.adapters.blobs.s3 import S3BlobStore

    silent = SilentServer()
    try:
        hung = S3BlobStore(f"http://aisle:secret@127.0.0.1:{silent.port}", TEST_BUCKET, read_timeout=0.3)
        with pytest.raises(BlobStoreUnavailable):
            hung.get("images/x/a.webp")
        assert len(silent.accepted) == 2  # each try after a timeout opens a connection of its own
    finally:
        silent.close()

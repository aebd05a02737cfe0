"""Bulk product uploads: the request stores every line with the job (202 at once); a runner works through them.

Each line is created in the same transaction that marks it done, so a crash mid-job neither loses nor repeats
a product: the runner resumes at the first line still pending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from aisle.domain.catalog import Product
from aisle.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from aisle.services.catalog import require_known_references
from aisle.services.input_model import RepeatedKey, json_of_unique_keys
from aisle.services.ports import BulkJob, BulkLine, IdempotencyKey, UnitOfWorkFactory
from aisle.services.price_history import record_price_history
from aisle.services.product_input import ProductIn, field_errors
from aisle.services.retry import retry_on_conflict

log = logging.getLogger(__name__)
LINES_PER_BATCH = 200
MAX_STEP_ATTEMPTS = 3  # a job whose step fails this many times in a row (across restarts) ends FAILED

ERRORS_SHOWN = 1000  # failed lines per look at a job; the rest are paged with errors_offset


class TooManyLines(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"a bulk request holds at most {limit} products")


class BulkImportService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        max_lines: int,
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._max_lines = max_lines
        self._on_submitted: Callable[[], None] = lambda: None
        self._turn = 0  # round robin over the sellers with unfinished jobs

    def on_submitted(self, callback: Callable[[], None]) -> None:
        """``callback`` runs after each job is stored, e.g. to wake the runner at once."""
        self._on_submitted = callback

    def submit(self, seller_id: int, ndjson: bytes, key: IdempotencyKey | None = None) -> BulkJob:
        """With ``key``, a retried request gets the job the first one queued (as it is now), never a second."""
        lines = _split_lines(ndjson)
        if len(lines) > self._max_lines:
            raise TooManyLines(self._max_lines)
        _require_json_lines(lines)

        def attempt() -> tuple[BulkJob, bool]:
            with self._uow() as uow:
                # the key is the seller's own (scoped_key): the job it names is this seller's
                earlier = uow.inventory.remembered(key) if key is not None else None
                if earlier is not None and (queued := uow.jobs.get(int(earlier["job_id"]))) is not None:
                    return queued, False
                job = BulkJob(self._new_id(), seller_id, "QUEUED", len(lines), 0, 0, 0, self._now(), None)
                uow.jobs.create(job, lines)
                if key is not None:
                    uow.inventory.remember(key, {"job_id": str(job.job_id)}, self._now())
                uow.commit()
                return job, True

        # A conflict is a twin request with the same key that committed first: the retry answers with its job.
        job, queued_now = retry_on_conflict(
            attempt, 2, "the same Idempotency-Key is in use by another request; try again"
        )
        if queued_now:
            self._on_submitted()
        return job

    def status(self, seller_id: int, job_id: int, errors_offset: int = 0) -> tuple[BulkJob, list[dict[str, Any]]]:
        """The job and the errors of up to ERRORS_SHOWN of its failed lines, from ``errors_offset`` on."""
        with self._uow(readonly=True) as uow:
            job = uow.jobs.get(job_id)
            if job is None or job.seller_id != seller_id:
                raise NotFound("job", job_id)
            return job, uow.jobs.errors(job_id, errors_offset, ERRORS_SHOWN)

    def run_pending(self) -> int:
        """Processes up to one batch of lines of one seller's oldest unfinished job, taking the sellers in turn so
        that a huge (or broken) job of one seller never holds back the others; returns how many lines it handled."""
        job = self._next_job()
        if job is None:
            return 0
        try:
            handled = self._run_batch(job)
        except Exception as error:
            return self._count_failure(job, error)
        return handled

    def _next_job(self) -> BulkJob | None:
        with self._uow(readonly=True) as uow:
            jobs = uow.jobs.unfinished()
        oldest_per_seller: dict[int, BulkJob] = {}
        for job in jobs:
            oldest_per_seller.setdefault(job.seller_id, job)
        if not oldest_per_seller:
            return None
        self._turn += 1
        candidates = list(oldest_per_seller.values())
        return candidates[self._turn % len(candidates)]

    def _run_batch(self, job: BulkJob) -> int:
        with self._uow(readonly=True) as uow:
            lines = uow.jobs.pending_lines(job.job_id, LINES_PER_BATCH)
        if not lines:
            with self._uow() as uow:
                uow.jobs.finish(job.job_id, self._now())
                uow.commit()
            return 1
        for line in lines:
            self._process(job, line)
        return len(lines)

    def _count_failure(self, job: BulkJob, error: Exception) -> int:
        """Counts the failed step in the job's row: after MAX_STEP_ATTEMPTS in a row, even across restarts, the
        job ends FAILED with the reason; before that the error goes up to the runner, which backs off."""
        with self._uow() as uow:
            attempts = uow.jobs.note_failed_attempt(job.job_id, f"{type(error).__name__}: {error}")
            if attempts >= MAX_STEP_ATTEMPTS:
                reason = f"the job stopped after {attempts} failed attempts: {type(error).__name__}: {error}"
                uow.jobs.fail(job.job_id, reason, self._now())
            uow.commit()
        if attempts < MAX_STEP_ATTEMPTS:
            raise error
        log.error("bulk job %s failed after %d attempts", job.job_id, attempts, exc_info=error)
        return 1

    def _process(self, job: BulkJob, line: BulkLine) -> None:
        if unreadable := _unreadable(line.body):  # refused as in a request's body
            self._record(job, line, None, [{"field": "body", "reason": f"not valid JSON: {unreadable}"}])
            return
        try:
            content = ProductIn.model_validate_json(line.body).to_content()
        except ValidationError as error:
            self._record(job, line, None, [_as_dict(e) for e in field_errors(error)])
            return
        try:
            with self._uow() as uow:
                require_known_references(uow, content, job.seller_id)
                product = Product.create(self._new_id(), job.seller_id, content, self._now(), self._new_id)
                uow.products.add(product, actor=f"bulk:{job.job_id}")
                record_price_history(uow, [product], actor=f"bulk:{job.job_id}")
                uow.jobs.record_line(job.job_id, line.line_no, product.product_id, [])
                uow.commit()
        except DomainError as error:
            self._record(job, line, None, _domain_errors(error))

    def _record(self, job: BulkJob, line: BulkLine, product_id: int | None, errors: list[dict[str, Any]]) -> None:
        with self._uow() as uow:
            uow.jobs.record_line(job.job_id, line.line_no, product_id, errors)
            uow.commit()


def _split_lines(ndjson: bytes) -> list[BulkLine]:
    try:
        text = ndjson.decode("utf-8-sig")  # a byte order mark in front (as spreadsheets save UTF-8) is no text
    except UnicodeDecodeError as error:  # stored with U+FFFD in its place, a title would pass as a product's
        line = ndjson.count(b"\n", 0, error.start) + 1
        column = error.start - (ndjson.rfind(b"\n", 0, error.start) + 1) + 1
        reason = (
            f"line {line} is not UTF-8 text (byte 0x{ndjson[error.start]:02x} at column {column}): "
            "save the file as UTF-8; nothing was imported"
        )
        raise InvalidInput.single("body", reason) from None
    # Lines end at "\n" only (NDJSON): str.splitlines() would also cut at U+2028 and others inside a JSON string
    lines = (raw.removesuffix("\r") for raw in text.split("\n"))
    return [BulkLine(number, raw) for number, raw in enumerate(lines, start=1) if raw.strip()]


def _require_json_lines(lines: list[BulkLine]) -> None:
    if not lines:
        raise InvalidInput.single("body", "the NDJSON body holds no products (one JSON object per line)")
    if not any(line.body.lstrip().startswith("{") for line in lines):
        first = lines[0].body.strip()[:60]
        kind = " (it looks like CSV)" if "," in first and not first.startswith(("[", '"')) else ""
        reason = f"no line is a JSON object{kind}: the body is NDJSON, one JSON product per line; line 1 is {first!r}"
        raise InvalidInput.single("body", reason)


def next_errors_offset(job: BulkJob, errors_offset: int) -> int | None:
    """Where the errors of the failed lines after those ``status`` showed from ``errors_offset`` start; None when
    none is left."""
    following = errors_offset + ERRORS_SHOWN
    return following if following < job.failed else None


def _unreadable(body: str | bytes) -> str | None:
    """Why the line is no JSON a request could send: a key named twice, or nesting too deep to read; None for any
    other line (one that is no JSON at all is named by the model)."""
    try:
        json_of_unique_keys(body)
    except RepeatedKey as repeated:
        return str(repeated)
    except RecursionError:
        return "it nests arrays or objects too deeply"
    except ValueError:
        return None
    return None


def _domain_errors(error: DomainError) -> list[dict[str, Any]]:
    if isinstance(error, InvalidInput):
        return [_as_dict(e) for e in error.errors]
    if isinstance(error, Conflict):
        return [{"field": error.field or "body", "reason": error.detail}]
    return [{"field": "body", "reason": str(error)}]


def _as_dict(error: Any) -> dict[str, Any]:
    return {"field": error.field, "reason": error.reason}

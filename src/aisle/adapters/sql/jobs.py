"""Bulk jobs: every NDJSON line is stored with the job, so a restart resumes at the first unprocessed line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, insert, select, update

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.timestamps import as_utc
from aisle.services.ports import BulkJob, BulkLine

PENDING, DONE, FAILED = "PENDING", "DONE", "FAILED"


class SqlBulkJobRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def create(self, job: BulkJob, lines: Sequence[BulkLine]) -> None:
        self._db.execute(
            insert(t.bulk_jobs).values(
                job_id=job.job_id,
                seller_id=job.seller_id,
                status=job.status,
                total=job.total,
                processed=0,
                succeeded=0,
                failed=0,
                created_at=job.created_at,
            )
        )
        if lines:
            self._db.execute(
                insert(t.bulk_job_lines),
                [{"job_id": job.job_id, "line_no": ln.line_no, "body": ln.body, "status": PENDING} for ln in lines],
            )

    def get(self, job_id: int) -> BulkJob | None:
        row = self._db.execute(select(t.bulk_jobs).where(t.bulk_jobs.c.job_id == job_id)).first()
        return None if row is None else _to_job(row)

    def unfinished(self) -> list[BulkJob]:
        rows = self._db.execute(
            select(t.bulk_jobs).where(t.bulk_jobs.c.status.not_in(("DONE", FAILED))).order_by(t.bulk_jobs.c.job_id)
        )
        return [_to_job(r) for r in rows]

    def pending_lines(self, job_id: int, limit: int) -> list[BulkLine]:
        rows = self._db.execute(
            select(t.bulk_job_lines.c.line_no, t.bulk_job_lines.c.body)
            .where(and_(t.bulk_job_lines.c.job_id == job_id, t.bulk_job_lines.c.status == PENDING))
            .order_by(t.bulk_job_lines.c.line_no)
            .limit(limit)
        )
        return [BulkLine(r.line_no, r.body) for r in rows]

    def record_line(self, job_id: int, line_no: int, product_id: int | None, errors: list[dict[str, Any]]) -> None:
        status = FAILED if errors else DONE
        marked = self._db.execute(
            update(t.bulk_job_lines)
            .where(
                and_(
                    t.bulk_job_lines.c.job_id == job_id,
                    t.bulk_job_lines.c.line_no == line_no,
                    t.bulk_job_lines.c.status == PENDING,
                )
            )
            .values(status=status, product_id=product_id, errors=errors or None)
        ).rowcount
        if marked != 1:
            return  # already recorded by an earlier run: counters must not move twice
        jobs = t.bulk_jobs.c
        self._db.execute(
            update(t.bulk_jobs)
            .where(jobs.job_id == job_id)
            .values(
                status="RUNNING",
                failed_attempts=0,  # the step went through: failures count only in a row
                processed=jobs.processed + 1,
                succeeded=jobs.succeeded + (0 if errors else 1),
                failed=jobs.failed + (1 if errors else 0),
            )
        )

    def errors(self, job_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
        lines = t.bulk_job_lines.c
        rows = self._db.execute(
            select(lines.line_no, lines.errors)
            .where(and_(lines.job_id == job_id, lines.status == FAILED))
            .order_by(lines.line_no)
            .offset(offset)
            .limit(limit)
        )
        return [{"line": r.line_no, **error} for r in rows for error in r.errors]

    def finish(self, job_id: int, now: datetime) -> None:
        self._db.execute(
            update(t.bulk_jobs).where(t.bulk_jobs.c.job_id == job_id).values(status="DONE", finished_at=now)
        )

    def note_failed_attempt(self, job_id: int, reason: str) -> int:
        """Counts one more failed step of the job in its row (a restart does not forget it); returns the count."""
        jobs = t.bulk_jobs.c
        self._db.execute(
            update(t.bulk_jobs)
            .where(jobs.job_id == job_id)
            .values(failed_attempts=jobs.failed_attempts + 1, failure_reason=reason[:1000])
        )
        count = self._db.execute(select(jobs.failed_attempts).where(jobs.job_id == job_id)).scalar_one()
        return int(count)

    def fail(self, job_id: int, reason: str, now: datetime) -> None:
        self._db.execute(
            update(t.bulk_jobs)
            .where(t.bulk_jobs.c.job_id == job_id)
            .values(status=FAILED, finished_at=now, failure_reason=reason[:1000])
        )

    def prune_finished(self, before: datetime) -> int:
        """Deletes jobs (and their lines) that finished before ``before``; returns how many jobs."""
        old = select(t.bulk_jobs.c.job_id).where(
            and_(t.bulk_jobs.c.finished_at.is_not(None), t.bulk_jobs.c.finished_at < before)
        )
        self._db.execute(delete(t.bulk_job_lines).where(t.bulk_job_lines.c.job_id.in_(old)))
        return self._db.execute(delete(t.bulk_jobs).where(t.bulk_jobs.c.job_id.in_(old))).rowcount


def _to_job(row: Row) -> BulkJob:
    finished = row.finished_at
    return BulkJob(
        job_id=row.job_id,
        seller_id=row.seller_id,
        status=row.status,
        total=row.total,
        processed=row.processed,
        succeeded=row.succeeded,
        failed=row.failed,
        created_at=as_utc(row.created_at),
        finished_at=None if finished is None else as_utc(finished),
        failure_reason=row.failure_reason,
        failed_attempts=row.failed_attempts,
    )

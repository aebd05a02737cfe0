"""The bulk-job store contract: jobs with their lines, resumable line by line, counted once per line; SQLite and
PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import timedelta

from aisle.services.clock import utc_now
from aisle.services.ports import BulkJob, BulkLine
from tests.contract.test_catalog_store import a_seller


def a_job(ids, uow, seller_id: int, lines: int = 3) -> BulkJob:
    job = BulkJob(ids.next_id(), seller_id, "QUEUED", lines, 0, 0, 0, utc_now(), None)
    with uow() as tx:
        tx.jobs.create(job, [BulkLine(n, f'{{"line": {n}}}') for n in range(1, lines + 1)])
        tx.commit()
    return job


def test_a_job_round_trips_and_its_lines_wait_in_order(ids, uow):
    seller = a_seller(ids, uow)
    job = a_job(ids, uow, seller.seller_id, lines=5)
    with uow(readonly=True) as tx:
        loaded = tx.jobs.get(job.job_id)
        first_two = tx.jobs.pending_lines(job.job_id, 2)
        all_lines = tx.jobs.pending_lines(job.job_id, 100)
    assert loaded == job
    assert [line.line_no for line in first_two] == [1, 2]
    assert [line.body for line in all_lines] == [f'{{"line": {n}}}' for n in range(1, 6)]
    with uow(readonly=True) as tx:
        assert tx.jobs.get(ids.next_id()) is None


def test_recording_lines_advances_the_counters_and_the_resume_point(ids, uow):
    seller = a_seller(ids, uow)
    job = a_job(ids, uow, seller.seller_id, lines=3)
    with uow() as tx:
        tx.jobs.record_line(job.job_id, 1, ids.next_id(), [])
        tx.jobs.record_line(job.job_id, 2, None, [{"field": "title", "reason": "is required"}])
        tx.commit()
    with uow(readonly=True) as tx:
        loaded = tx.jobs.get(job.job_id)
        pending = tx.jobs.pending_lines(job.job_id, 100)
        errors = tx.jobs.errors(job.job_id, 0, 100)
    assert loaded is not None
    assert (loaded.status, loaded.processed, loaded.succeeded, loaded.failed) == ("RUNNING", 2, 1, 1)
    assert [line.line_no for line in pending] == [3]
    assert errors == [{"line": 2, "field": "title", "reason": "is required"}]


def test_a_line_counts_once_even_when_recorded_again(ids, uow):
    """A restarted runner may process a line a second time: the counters must not move twice."""
    seller = a_seller(ids, uow)
    job = a_job(ids, uow, seller.seller_id, lines=2)
    for _ in range(3):
        with uow() as tx:
            tx.jobs.record_line(job.job_id, 1, None, [{"field": "sku", "reason": "taken"}])
            tx.commit()
    with uow(readonly=True) as tx:
        loaded = tx.jobs.get(job.job_id)
        errors = tx.jobs.errors(job.job_id, 0, 100)
    assert loaded is not None
    assert (loaded.processed, loaded.failed) == (1, 1)
    assert errors == [{"line": 1, "field": "sku", "reason": "taken"}]


def test_concurrent_runners_count_each_line_once(ids, uow):
    seller = a_seller(ids, uow)
    job = a_job(ids, uow, seller.seller_id, lines=20)
    failures: list[BaseException] = []

    def runner() -> None:
        for line_no in range(1, 21):
            try:
                with uow() as tx:
                    tx.jobs.record_line(job.job_id, line_no, None, [])
                    tx.commit()
            except Exception as error:  # a lock timeout would be a failure of the contract too
                failures.append(error)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with uow(readonly=True) as tx:
        loaded = tx.jobs.get(job.job_id)
    assert failures == []
    assert loaded is not None
    assert (loaded.processed, loaded.succeeded, loaded.failed) == (20, 20, 0)


def test_unfinished_jobs_come_oldest_first_and_finishing_removes_them(ids, uow):
    seller = a_seller(ids, uow)
    older, newer = a_job(ids, uow, seller.seller_id), a_job(ids, uow, seller.seller_id)
    with uow(readonly=True) as tx:
        assert [j.job_id for j in tx.jobs.unfinished()] == [older.job_id, newer.job_id]
    finished_at = utc_now() + timedelta(seconds=1)
    with uow() as tx:
        tx.jobs.finish(older.job_id, finished_at)
        tx.commit()
    with uow(readonly=True) as tx:
        assert [j.job_id for j in tx.jobs.unfinished()] == [newer.job_id]
        done = tx.jobs.get(older.job_id)
    assert done is not None
    assert done.status == "DONE"
    assert done.finished_at is not None
    assert abs((done.finished_at - finished_at).total_seconds()) < 0.001


def test_a_rolled_back_job_leaves_nothing(ids, uow):
    seller = a_seller(ids, uow)
    job = BulkJob(ids.next_id(), seller.seller_id, "QUEUED", 1, 0, 0, 0, utc_now(), None)
    with uow() as tx:
        tx.jobs.create(job, [BulkLine(1, "{}")])
        tx.rollback()
    with uow(readonly=True) as tx:
        assert tx.jobs.get(job.job_id) is None
        assert tx.jobs.pending_lines(job.job_id, 10) == []


def test_failed_attempts_count_in_the_row_and_a_recorded_line_clears_them(ids, uow):
    seller = a_seller(ids, uow)
    job = a_job(ids, uow, seller.seller_id, lines=2)
    counts = []
    for n in range(2):
        with uow() as tx:
            counts.append(tx.jobs.note_failed_attempt(job.job_id, f"TypeError: attempt {n}"))
            tx.commit()
    with uow(readonly=True) as tx:
        loaded = tx.jobs.get(job.job_id)
    assert counts == [1, 2]
    assert loaded is not None and (loaded.failed_attempts, loaded.failure_reason) == (2, "TypeError: attempt 1")
    with uow() as tx:
        tx.jobs.record_line(job.job_id, 1, ids.next_id(), [])
        tx.commit()
    with uow() as tx:
        assert tx.jobs.note_failed_attempt(job.job_id, "TypeError: again") == 1
        tx.commit()

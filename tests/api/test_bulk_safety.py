"""Bulk jobs under hostile input (issue 11): a bad line fails alone, a step that keeps failing ends the job FAILED
with its reason, sellers' jobs progress side by side, and a line is validated exactly as the API would."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from aisle.bootstrap import bootstrap
from aisle.services import bulk as bulk_module
from tests.api.conftest import SellerClient, make_settings
from tests.api.test_bulk import ndjson, wait_for_job


def _line(n: int, **extra) -> dict:
    return {"title": f"Item {n}", "status": "ACTIVE", "variants": [{"sku": f"IT-{n}", "price": 10}], **extra}


def test_a_canonical_id_above_64_bits_fails_its_line_alone(seller: SellerClient):
    body = ndjson([_line(1), _line(2, canonical_product_id=str(1 << 63)), _line(3)])
    job = wait_for_job(seller, seller.request("POST", "/products/bulk", content=body).json()["job_id"])
    assert (job["succeeded"], job["failed"]) == (2, 1)
    assert [(e["line"], e["field"]) for e in job["errors"]] == [(2, "canonical_product_id")]


def test_a_line_nested_too_deeply_to_read_fails_alone_and_the_lines_after_it_are_imported(seller: SellerClient):
    deep = '{"title": ' + "[" * 10_000 + "]" * 10_000 + "}"
    body = ndjson([_line(1), deep, _line(3)])
    job = wait_for_job(seller, seller.request("POST", "/products/bulk", content=body).json()["job_id"])
    assert (job["status"], job["succeeded"], job["failed"]) == ("DONE", 2, 1)
    assert [(e["line"], e["field"]) for e in job["errors"]] == [(2, "body")]
    assert "too deeply" in job["errors"][0]["reason"] and job["failure_reason"] is None


def test_bulk_refuses_references_the_api_refuses(seller: SellerClient, other_seller: SellerClient):
    draft = other_seller.create(status="DRAFT", variants=[{"sku": "D-1", "price": 5}])
    unknown_via_api = seller.request("POST", "/products", json=_line(9, canonical_product_id="123456789"))
    assert unknown_via_api.status_code == 422
    lines = [
        _line(1, canonical_product_id="123456789"),
        _line(2, canonical_product_id=draft["product_id"]),
        _line(3, category_id="987654321"),
    ]
    job = wait_for_job(seller, seller.request("POST", "/products/bulk", content=ndjson(lines)).json()["job_id"])
    reasons = {e["line"]: (e["field"], e["reason"]) for e in job["errors"]}
    assert reasons[1][0] == reasons[2][0] == "canonical_product_id"
    api_reason = unknown_via_api.json()["errors"][0]["reason"]
    assert reasons[1][1] == api_reason
    assert reasons[2][1] == api_reason.replace("123456789", draft["product_id"])  # a DRAFT looks unknown
    assert reasons[3][0] == "category_id"
    assert job["succeeded"] == 0


def test_a_step_that_keeps_failing_ends_the_job_failed_and_others_go_on(tmp_path: Path, monkeypatch):
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    try:
        bad_seller = container.sellers.create("Broken").seller
        good_seller = container.sellers.create("Fine").seller
        broken = container.bulk.submit(bad_seller.seller_id, ndjson([_line(1), _line(2)]))
        fine = container.bulk.submit(good_seller.seller_id, ndjson([_line(3)]))

        def always_fails(job, line):
            if job.job_id == broken.job_id:
                raise TypeError("a bug in the step")
            return real_process(job, line)

        real_process = container.bulk._process
        monkeypatch.setattr(container.bulk, "_process", always_fails)
        failures = 0
        for _ in range(20):
            try:
                container.bulk.run_pending()
            except TypeError:
                failures += 1
        assert 1 <= failures <= bulk_module.MAX_STEP_ATTEMPTS
        failed, _errors = container.bulk.status(bad_seller.seller_id, broken.job_id)
        assert failed.status == "FAILED" and "TypeError" in (failed.failure_reason or "")
        done, _ = container.bulk.status(good_seller.seller_id, fine.job_id)
        assert (done.status, done.succeeded) == ("DONE", 1)
    finally:
        container.stop()


def test_sellers_jobs_are_scheduled_fairly(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bulk_module, "LINES_PER_BATCH", 5)
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    try:
        big_seller = container.sellers.create("Big").seller
        small_seller = container.sellers.create("Small").seller
        big = container.bulk.submit(big_seller.seller_id, ndjson([_line(n) for n in range(100)]))
        small = container.bulk.submit(small_seller.seller_id, ndjson([_line(n) for n in range(5)]))
        for _ in range(4):
            container.bulk.run_pending()
        small_job, _ = container.bulk.status(small_seller.seller_id, small.job_id)
        big_job, _ = container.bulk.status(big_seller.seller_id, big.job_id)
        assert small_job.status == "DONE"
        assert big_job.status == "RUNNING" and big_job.processed < 100
    finally:
        container.stop()


@pytest.mark.parametrize("raw", ['{"title": "x", "variants": [{"sku": "A", "price": 1}], "attributes": {"n": NaN}}'])
def test_bulk_lines_refuse_nan_like_the_api(seller: SellerClient, raw):
    job = wait_for_job(seller, seller.request("POST", "/products/bulk", content=raw.encode()).json()["job_id"])
    assert job["failed"] == 1 and job["errors"][0]["field"].startswith("attributes")


def test_a_job_that_fails_once_per_process_start_still_ends_failed(tmp_path: Path, monkeypatch):
    """The count of failed steps lives in the job's row: a server restarted after every failure (a crash loop)
    does not give the job a fresh set of attempts each time."""
    real_process = bulk_module.BulkImportService._process
    broken_jobs: set[int] = set()

    def fails_for_the_broken_job(self, job, line):
        if job.job_id in broken_jobs:
            raise TypeError("a bug in the step")
        return real_process(self, job, line)

    monkeypatch.setattr(bulk_module.BulkImportService, "_process", fails_for_the_broken_job)
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = container.sellers.create("Crash loop").seller
    job = container.bulk.submit(seller.seller_id, ndjson([_line(1)]))
    broken_jobs.add(job.job_id)
    container.stop()
    statuses = []
    for _ in range(10):
        container = bootstrap(make_settings(tmp_path, run_background_workers=False))
        try:
            with contextlib.suppress(TypeError):
                container.bulk.run_pending()  # one failed step, then the process goes away
            state, _ = container.bulk.status(seller.seller_id, job.job_id)
        finally:
            container.stop()
        statuses.append(state.status)
        if state.status == "FAILED":
            break
    assert statuses == ["QUEUED"] * (bulk_module.MAX_STEP_ATTEMPTS - 1) + ["FAILED"]
    reason = state.failure_reason or ""
    assert "3 failed attempts" in reason and "TypeError: a bug in the step" in reason

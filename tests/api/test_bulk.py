from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aisle.bootstrap import bootstrap
from aisle.services import bulk as bulk_module
from tests.api.conftest import SellerClient, make_settings


def ndjson(lines: list) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()


def wait_for_job(seller: SellerClient, job_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = seller.request("GET", f"/jobs/{job_id}").json()
        if job["status"] in ("DONE", "FAILED"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_bulk_upload_reports_progress_and_per_line_errors(seller: SellerClient):
    body = ndjson(
        [
            {"title": "Mug", "variants": [{"sku": "MUG-1", "price": 9.5}], "status": "ACTIVE"},
            "{not json",
            "",
            {"title": "Bad price", "variants": [{"sku": "MUG-2", "price": "free"}]},
            {"title": "Plate", "variants": [{"sku": "PLATE-1", "price": 12}]},
            {"title": "Same SKU", "variants": [{"sku": "MUG-1", "price": 3}]},
        ]
    )
    accepted = seller.request("POST", "/products/bulk", content=body, headers={"content-type": "application/x-ndjson"})
    assert accepted.status_code == 202
    job = wait_for_job(seller, accepted.json()["job_id"])
    assert (job["total"], job["processed"], job["succeeded"], job["failed"]) == (5, 5, 2, 3)
    errors = {e["line"]: e for e in job["errors"]}
    assert sorted(errors) == [2, 4, 6]  # line numbers count blank lines, as an editor does
    assert errors[2]["field"] == "body"
    assert errors[4]["field"] == "variants[0].price"
    assert errors[6]["field"] == "variants[0].sku" and "MUG-1" in errors[6]["reason"]
    titles = {p["title"] for p in seller.request("GET", "/products").json()["items"]}
    assert titles == {"Mug", "Plate"}


def test_a_line_whose_sku_an_earlier_line_took_in_another_case_fails(seller: SellerClient):
    body = ndjson(
        [
            {"title": "Mug", "variants": [{"sku": "CASE-SKU-1", "price": 9.5}]},
            {"title": "Cup", "variants": [{"sku": "case-sku-1", "price": 9.5}]},
        ]
    )
    accepted = seller.request("POST", "/products/bulk", content=body, headers={"content-type": "application/x-ndjson"})
    job = wait_for_job(seller, accepted.json()["job_id"])
    assert (job["succeeded"], job["failed"]) == (1, 1)
    assert job["errors"][0]["line"] == 2 and job["errors"][0]["field"] == "variants[0].sku"
    assert [p["title"] for p in seller.request("GET", "/products").json()["items"]] == ["Mug"]


def test_a_bulk_upload_retried_with_its_key_answers_with_the_job_it_queued(client, seller: SellerClient):
    body = ndjson([{"title": f"Mug {n}", "variants": [{"sku": f"RETRY-MUG-{n}", "price": 9.5}]} for n in range(3)])
    keyed = {"content-type": "application/x-ndjson", "Idempotency-Key": "bulk-retry-1"}

    def upload(content: bytes = body):
        return seller.request("POST", "/products/bulk", content=content, headers=keyed)

    with ThreadPoolExecutor(4) as pool:  # a timeout's retry may race the first try
        answers = list(pool.map(lambda _n: upload(), range(4)))
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    assert len({a.json()["job_id"] for a in answers}) == 1
    job = wait_for_job(seller, answers[0].json()["job_id"])
    assert (job["succeeded"], job["failed"]) == (3, 0)
    late = upload()
    assert (late.status_code, late.json()["job_id"], late.json()["status"]) == (202, job["job_id"], "DONE")
    assert late.headers["location"] == answers[0].headers["location"]
    reused = upload(
        body + b"\n" + json.dumps({"title": "Plate", "variants": [{"sku": "PLATE-9", "price": 3}]}).encode()
    )
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert seller.request("GET", "/products").json()["total"] == 3
    documented = client.get("/openapi.json").json()["paths"]["/api/v1/seller/products/bulk"]["post"]["parameters"]
    assert "idempotency-key" in {p["name"].lower() for p in documented if p["in"] == "header"}


def test_the_errors_of_every_failed_line_can_be_read_page_by_page(seller: SellerClient):
    body = ndjson(["{not json"] * 1500)
    accepted = seller.request("POST", "/products/bulk", content=body, headers={"content-type": "application/x-ndjson"})
    job = wait_for_job(seller, accepted.json()["job_id"])
    assert job["failed"] == 1500 and len(job["errors"]) == 1000 and job["errors_next_offset"] == 1000
    rest = seller.request("GET", f"/jobs/{job['job_id']}", params={"errors_offset": job["errors_next_offset"]}).json()
    assert [e["line"] for e in rest["errors"]] == list(range(1001, 1501))
    assert rest["errors_next_offset"] is None


def test_a_job_belongs_to_its_seller(seller: SellerClient, other_seller: SellerClient):
    accepted = seller.request(
        "POST", "/products/bulk", content=ndjson([{"title": "A", "variants": [{"sku": "A", "price": 1}]}])
    )
    assert other_seller.request("GET", f"/jobs/{accepted.json()['job_id']}").status_code == 404


def test_too_many_lines_or_an_empty_body_is_refused(seller: SellerClient):
    lines = [{"title": f"P{n}", "variants": [{"sku": f"P{n}", "price": 1}]} for n in range(10_001)]
    too_many = seller.request("POST", "/products/bulk", content=ndjson(lines))
    assert too_many.status_code == 413
    assert "10000" in too_many.json()["detail"]
    empty = seller.request("POST", "/products/bulk", content=b"\n\n")
    assert empty.status_code == 422


def test_a_csv_file_sent_as_bulk_is_refused_at_once_and_a_broken_line_says_where_in_its_own_line(seller: SellerClient):
    csv = b"title,sku,price\nTrail Shoe,TS-42,89.99\n"
    assert (
        seller.request("POST", "/products/bulk", content=csv, headers={"content-type": "text/csv"}).status_code == 415
    )
    refused = seller.request("POST", "/products/bulk", content=csv)  # sent as NDJSON all the same
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith("no line is a JSON object (it looks like CSV): the body is NDJSON")
    assert seller.request("GET", "/products").json()["items"] == []
    body = ndjson([{"title": "Mug", "variants": [{"sku": "MUG-1", "price": 9.5}]}, '{"title": "Cup",'])
    job = wait_for_job(seller, seller.request("POST", "/products/bulk", content=body).json()["job_id"])
    [broken] = job["errors"]
    assert (broken["line"], broken["field"]) == (2, "body")
    assert broken["reason"].startswith("not valid JSON: EOF while parsing") and broken["reason"].endswith(" column 16")


def test_a_form_or_file_upload_is_refused_as_415_and_creates_no_job(seller: SellerClient):
    line = ndjson([{"title": "Mug", "variants": [{"sku": "MUG-1", "price": 9.5}]}])
    form = seller.request("POST", "/products/bulk", files={"file": ("products.jsonl", line)})
    assert form.status_code == 415
    assert form.headers["content-type"] == "application/problem+json"
    assert form.json()["errors"][0]["field"] == "content-type"
    assert "multipart/form-data" in form.json()["errors"][0]["reason"]
    image = seller.request("POST", "/products/bulk", content=b"\x89PNG", headers={"content-type": "image/png"})
    assert image.status_code == 415
    curl_default = {"content-type": "application/x-www-form-urlencoded"}  # what curl --data-binary sends
    accepted = seller.request("POST", "/products/bulk", content=line, headers=curl_default)
    assert accepted.status_code == 202
    assert wait_for_job(seller, accepted.json()["job_id"])["succeeded"] == 1
    assert seller.request("GET", "/products").json()["total"] == 1


def test_a_body_that_is_not_utf8_is_refused_naming_the_line_and_imports_nothing(seller: SellerClient):
    good = ndjson([{"title": "Widget", "variants": [{"sku": "W-1", "price": 1}]}])
    latin1 = '{"title": "Caf\u00e9 mug", "variants": [{"sku": "W-2", "price": 1}]}\n'.encode("latin-1")
    refused = seller.request("POST", "/products/bulk", content=good.rstrip(b"\n") + b"\n" + latin1)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "body" and error["reason"].startswith("line 2 is not UTF-8 text (byte 0xe9 at column 15)")
    assert seller.request("GET", "/products").json()["items"] == []


def test_a_byte_order_mark_and_line_separators_inside_strings_are_read_as_text(seller: SellerClient):
    """A spreadsheet's UTF-8 starts with a BOM; U+2028 is plain text inside a JSON string, not a line break."""
    first = {"title": "Mug", "variants": [{"sku": "BOM-1", "price": 9.5}], "status": "ACTIVE"}
    second = {
        "title": "Plate",
        "description": "Oven safe\u2028Dishwasher safe",
        "variants": [{"sku": "BOM-2", "price": 3}],
    }
    body = "\ufeff" + json.dumps(first) + "\r\n" + json.dumps(second, ensure_ascii=False) + "\r\n"
    accepted = seller.request(
        "POST", "/products/bulk", content=body.encode(), headers={"content-type": "application/x-ndjson"}
    )
    job = wait_for_job(seller, accepted.json()["job_id"])
    assert (job["total"], job["succeeded"], job["failed"]) == (2, 2, 0), job
    items = {p["title"]: p for p in seller.request("GET", "/products").json()["items"]}
    assert set(items) == {"Mug", "Plate"}


def test_a_job_interrupted_by_a_restart_resumes_without_duplicates(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bulk_module, "LINES_PER_BATCH", 3)
    settings = make_settings(tmp_path, run_background_workers=False)
    first = bootstrap(settings)
    seller = first.sellers.create("Bulk Seller").seller
    lines = [{"title": f"Lamp {n}", "variants": [{"sku": f"LAMP-{n}", "price": 20 + n}]} for n in range(10)]
    job = first.bulk.submit(seller.seller_id, ndjson(lines))
    assert first.bulk.run_pending() == 3  # one batch, then the process "dies"
    first.stop()

    second = bootstrap(settings)
    while second.bulk.run_pending():
        pass
    finished, errors = second.bulk.status(seller.seller_id, job.job_id)
    assert (finished.status, finished.processed, finished.succeeded, errors) == ("DONE", 10, 10, [])
    listed = second.catalog.list_products(seller.seller_id, None, 1, 100)
    assert sorted(p.content.title for p in listed.items) == sorted(f"Lamp {n}" for n in range(10))
    second.stop()

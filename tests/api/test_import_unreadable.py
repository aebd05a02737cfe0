"""`aisle import` given a path that is not what its format says, or a seller that does not exist, ends with a
sentence saying what was wrong and a non-zero exit code: never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aisle.entrypoints.cli import app as cli

JSONL = '{"title": "Trail Shoe", "status": "ACTIVE", "variants": [{"sku": "TS-1", "price": 89.99}]}\n'


def _import(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["import", *args], env={"AISLE_DATA_DIR": str(tmp_path / "data")})
    return result.exit_code, " ".join(result.output.split())  # the console wraps lines


@pytest.mark.parametrize("fmt", ["bestbuy", "icecat"])
@pytest.mark.parametrize("parallel", ["--parallel", "--no-parallel"])
def test_a_jsonl_file_given_as_a_json_array_format_is_refused_by_name(tmp_path: Path, fmt: str, parallel: str):
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL * 2)
    code, output = _import(tmp_path, "--format", fmt, str(lines), parallel)
    assert code == 1, output
    assert f"{lines} cannot be read as {fmt}" in output
    assert "Traceback" not in output


def test_a_directory_given_as_jsonl_is_refused_by_name(tmp_path: Path):
    code, output = _import(tmp_path, "--format", "jsonl", str(tmp_path))
    assert code == 1, output
    assert f"{tmp_path} is a directory: --format jsonl reads one file" in output
    assert "Traceback" not in output


def test_a_file_plainly_of_another_format_is_named_as_such(tmp_path: Path):
    import json
    import zipfile

    archive = tmp_path / "1.json.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("1.json", "[]")
    for fmt in ("bestbuy", "jsonl"):
        code, output = _import(tmp_path, "--format", fmt, str(archive))
        assert code == 1 and "is a zip archive" in output and "--format icecat" in output, output
    array = tmp_path / "products.json"
    array.write_text(json.dumps([{"name": "Case", "price": 9.99}] * 3, indent=2))  # one line per field
    code, output = _import(tmp_path, "--format", "jsonl", str(array))
    assert code == 1 and "holds a JSON array, not one JSON product a line" in output, output
    assert "failed" not in output


def test_a_binary_file_is_refused_and_the_same_store_then_imports_a_good_file(tmp_path: Path):
    garbage = tmp_path / "products.json"
    garbage.write_bytes(bytes(range(256)) * 8)
    good = tmp_path / "good.jsonl"
    good.write_text(JSONL)

    code, output = _import(tmp_path, "--format", "bestbuy", str(garbage))
    assert code == 1, output
    assert "cannot be read as bestbuy" in output
    code, output = _import(tmp_path, "--format", "jsonl", str(good))
    assert code == 0, output
    assert "imported 1" in output


@pytest.mark.parametrize("seller", ["abc", "999", "9" * 30])
def test_a_seller_that_does_not_exist_is_refused_before_anything_is_imported(tmp_path: Path, seller: str):
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL)
    code, output = _import(tmp_path, "--format", "jsonl", str(lines), "--seller", seller)
    assert code == 2, output
    assert f"no seller {seller}" in output
    code, output = _import(tmp_path, "--format", "jsonl", str(lines))
    assert code == 0 and "imported 1" in output, output  # the refused run left nothing behind


def test_a_jsonl_file_with_broken_lines_imports_the_rest_exits_1_and_names_the_lines(tmp_path: Path):
    lines = tmp_path / "products.jsonl"
    good = JSONL.replace("TS-1", "TS-2")
    lines.write_text(JSONL + "{not json\n" + '{"title": "", "variants": []}\n' + good + JSONL + "[1]\n")
    code, output = _import(tmp_path, "--format", "jsonl", str(lines))
    assert code == 1, output
    assert "imported 2, skipped 1, failed 3" in output
    assert "failed 1: not valid JSON: Expecting property name enclosed in double quotes at column 2 (line 2)" in output
    assert "failed 1: title: must not be empty; variants: must have at least one item (line 3)" in output
    assert "failed 1: expected a JSON object, found an array (line 6)" in output
    assert "skipped 1: duplicate of an earlier product with SKU TS-1 (line 5)" in output


def test_a_jsonl_file_in_which_no_line_is_a_product_exits_1(tmp_path: Path):
    lines = tmp_path / "products.jsonl"
    lines.write_text("".join(f"not json {n}\n" for n in range(8)))
    code, output = _import(tmp_path, "--format", "jsonl", str(lines), "--no-parallel")
    assert code == 1, output
    assert "imported 0, failed 8" in output
    assert "(lines 1, 2, 3, 4, 5 and 3 more)" in output


def test_a_product_imported_before_is_skipped_by_line_and_does_not_fail_the_run(tmp_path: Path):
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL)
    assert _import(tmp_path, "--format", "jsonl", str(lines))[0] == 0
    code, output = _import(tmp_path, "--format", "jsonl", str(lines))
    assert code == 0, output
    assert "skipped 1: SKU already in the catalog (imported before?) (line 1)" in output


def test_a_file_of_another_format_that_imports_nothing_exits_1_and_a_rerun_does_not(tmp_path: Path):
    import json

    best_buy = [{"name": "Acme Phone Case", "price": 9.99, "categories": ["Cell Phones"]}] * 3
    catalog = tmp_path / "products.json"
    catalog.write_text(json.dumps(best_buy))
    code, output = _import(tmp_path, "--format", "icecat", str(catalog))
    assert code == 1 and f"nothing in {catalog} could be imported as icecat: is --format right?" in output
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL)
    assert _import(tmp_path, "--format", "jsonl", str(lines))[0] == 0
    code, output = _import(tmp_path, "--format", "jsonl", str(lines))  # again: all skipped as imported before
    assert code == 0 and "imported 0" in output


@pytest.mark.parametrize(("fmt", "content"), [("jsonl", ""), ("bestbuy", "[]"), ("icecat", "[]")])
def test_a_file_holding_no_products_is_said_to_and_exits_1(tmp_path: Path, fmt: str, content: str):
    empty = tmp_path / f"empty.{'jsonl' if fmt == 'jsonl' else 'json'}"
    empty.write_text(content)
    code, output = _import(tmp_path, "--format", fmt, str(empty))
    assert code == 1 and "holds no products" in output, output


def test_a_seller_is_named_to_import_by_its_id_or_its_name(tmp_path: Path):
    import json

    env = {"AISLE_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "data").mkdir()
    made = CliRunner().invoke(cli, ["sellers", "create", "--name", "Acme Outdoors"], env=env)
    seller_id = json.loads(made.output.splitlines()[-1])["seller_id"]
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL)
    code, output = _import(tmp_path, "--format", "jsonl", str(lines), "--seller", "Acme Outdoors")
    assert code == 0 and "imported 1" in output, output
    listed = CliRunner().invoke(cli, ["sellers", "list"], env=env).output
    assert {"seller_id": seller_id, "name": "Acme Outdoors"} in [json.loads(r) for r in listed.splitlines() if "{" in r]
    assert "JSONL import" not in listed  # no seller of its own was made for the file


def test_a_line_a_product_rule_refuses_fails_alone_and_drafts_are_said_to_be_drafts(tmp_path: Path):
    twice = '{"title": "Mug", "variants": [{"sku": "M-1", "price": 5}, {"sku": "M-1", "price": 6}]}\n'
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL + twice + JSONL.replace("TS-1", "TS-2").replace('"status": "ACTIVE", ', ""))
    code, output = _import(tmp_path, "--format", "jsonl", str(lines))
    assert code == 1 and "Traceback" not in output, output  # a failed line is for the operator to see to
    assert "imported 2, failed 1" in output
    assert "variants[1].sku: duplicate SKU 'M-1' in this product (line 2)" in output
    assert "1 as drafts, not shown in the store until made ACTIVE" in output


def test_a_failed_record_is_said_on_one_line_however_long_when_the_output_is_no_terminal(tmp_path: Path):
    bad = JSONL.replace('"TS-1", "price": 89.99', '"TS-2", "price": "eighty-nine dollars and ninety-nine cents"')
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL + bad)
    result = CliRunner().invoke(cli, ["import", "--format", "jsonl", str(lines)], env={"AISLE_DATA_DIR": str(tmp_path)})
    failed = [line for line in result.output.splitlines() if "variants[0].price" in line]
    assert failed and all("(line 2)" in line for line in failed), result.output  # one line a log reader can grep


def test_a_seller_name_two_sellers_have_is_refused_with_their_ids(tmp_path: Path):
    import json

    env = {"AISLE_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "data").mkdir()
    made = [CliRunner().invoke(cli, ["sellers", "create", "--name", "Twin Shop"], env=env) for _ in range(2)]
    ids = [json.loads(result.output.splitlines()[-1])["seller_id"] for result in made]
    lines = tmp_path / "products.jsonl"
    lines.write_text(JSONL)

    code, output = _import(tmp_path, "--format", "jsonl", str(lines), "--seller", "Twin Shop")

    assert code == 2, output
    assert f"2 sellers are named 'Twin Shop': give --seller the id of one of them: {ids[0]}, {ids[1]}" in output
    code, output = _import(tmp_path, "--format", "jsonl", str(lines), "--seller", ids[1])
    assert code == 0 and "imported 1" in output, output  # the refused run imported nothing

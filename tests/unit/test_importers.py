from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from aisle.adapters.importers import readers
from aisle.adapters.importers.bestbuy import read_bestbuy
from aisle.adapters.importers.icecat import MAX_ATTRIBUTES, read_icecat
from aisle.adapters.importers.jsonl import iter_json_array, read_jsonl
from aisle.adapters.importers.records import GeneratedReview, ProductRecord, SkippedRecord
from aisle.adapters.importers.synthetic import generate_catalog, generate_reviews_for

SKU = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def products(records):
    return [record for record in records if isinstance(record, ProductRecord)]


def skipped(records):
    return [record for record in records if isinstance(record, SkippedRecord)]


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# --- Best Buy ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bestbuy_records(sample_data):
    return list(read_bestbuy(sample_data / "bestbuy" / "products.json"))


@pytest.mark.sample_data
def test_bestbuy_yields_one_record_per_item(bestbuy_records):
    assert len(bestbuy_records) == 3291
    assert len(products(bestbuy_records)) == 3291
    assert skipped(bestbuy_records) == []
    assert [record.line for record in bestbuy_records] == list(range(1, 3292))


@pytest.mark.sample_data
def test_bestbuy_product_fields(bestbuy_records):
    first = bestbuy_records[0].data
    assert first["title"] == "AT&T GoPhone - Samsung Galaxy Express 3 4G LTE with 8GB Memory Prepaid Cell Phone"
    assert first["brand"] == "AT&T GoPhone"
    assert first["category_path"] == ["Cell Phones", "Prepaid Phones", "All Prepaid Phones"]
    assert first["images"] == ["https://cdn-demo.algolia.com/bestbuy-0118/4984700_sb.jpg"]
    assert first["popularity"] == 21449.0
    assert first["status"] == "ACTIVE"
    assert first["description"].startswith("Grab your data and your minutes as you go")
    assert first["variants"] == [
        {"sku": "BB-4984700", "attributes": {}, "price": Decimal("49.99"), "compare_price": None, "weight_grams": None}
    ]


@pytest.mark.sample_data
def test_bestbuy_skus_are_unique_and_text_has_no_html_entities(bestbuy_records):
    skus = [record.data["variants"][0]["sku"] for record in bestbuy_records]
    assert len(set(skus)) == len(skus) and all(SKU.match(sku) for sku in skus)
    assert not any("&#" in r.data["description"] or "&amp;" in r.data["description"] for r in bestbuy_records)
    refurbished = next(r for r in bestbuy_records if r.data["title"].startswith("Apple - Geek Squad Refurbished"))
    assert refurbished.data["description"].endswith("Geek Squad Certified Refurbished products \u203a")  # &#8250;


def test_bestbuy_skips_items_without_a_name_or_a_valid_price(tmp_path):
    item = {"name": "Phone", "price": 9.99, "image": "https://x/123_sb.jpg", "categories": ["Phones"]}
    path = write_json(tmp_path / "products.json", [
        item,
        {**item, "name": "  "},
        {**item, "image": "https://x/124_sb.jpg", "price": 0},
        {**item, "image": "https://x/125_sb.jpg", "price": "cheap"},
        "not an object",
        {**item, "name": "Same SKU again"},
        {**item, "image": "https://x/126_sb.jpg", "price": 19.999},
        {**item, "image": "https://x/127_sb.jpg", "price": 1e30},  # stopped the whole import before
    ])  # fmt: skip
    records = list(read_bestbuy(path))
    assert [(r.line, r.reason) for r in skipped(records)] == [
        (2, "no product name"),
        (3, "no valid price (found 0)"),
        (4, "no valid price (found 'cheap')"),
        (5, "not a JSON object"),
        (6, "duplicate of an earlier product with SKU BB-123"),
        (8, "no valid price (found 1e+30)"),
    ]
    assert [r.data["variants"][0]["price"] for r in products(records)] == [Decimal("9.99"), Decimal("20.00")]


def test_feed_text_garbled_by_a_wrong_codec_is_repaired_not_refused(tmp_path):
    # Windows-1252 bytes read as Latin-1 come out as C1 controls, which the API refuses: "\x99" was "™"
    item = {"name": "Insignia\x99 - Hip Case\x07", "description": "\x84Soft\x93 case\x81", "price": 9.99,
            "image": "https://x/123_sb.jpg", "categories": ["Phones"]}  # fmt: skip
    data = products(read_bestbuy(write_json(tmp_path / "products.json", [item])))[0].data
    assert (data["title"], data["description"]) == ("Insignia™ - Hip Case", "„Soft“ case")


def test_feed_text_loses_spacing_accents_glued_to_its_words(tmp_path):
    item = {"name": "Folio Case for Apple® iPhone\u02ca 6 - Black", "description": "Caf\u00e9\u02cb ready",
            "price": 19.99, "image": "https://x/1_sb.jpg", "categories": ["Phones"]}  # fmt: skip
    data = products(read_bestbuy(write_json(tmp_path / "products.json", [item])))[0].data
    assert (data["title"], data["description"]) == ("Folio Case for Apple® iPhone 6 - Black", "Caf\u00e9 ready")


# --- Icecat --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def icecat_first_file(sample_data):
    return list(read_icecat(sample_data / "icecat" / "1.json.zip"))


@pytest.mark.sample_data
def test_icecat_reads_a_zip_directly(icecat_first_file):
    assert len(products(icecat_first_file)) == 5000
    toner = icecat_first_file[0].data
    assert toner["title"] == "Xerox 006R90321 toner cartridge Original Black 6 pieces"
    assert toner["brand"] == "Xerox"
    assert toner["gtin"] == "0095205603217"  # the first EAN
    assert toner["variants"][0]["sku"] == "IC-3920564"
    assert toner["variants"][0]["price"] == Decimal("49.95")  # from 4995 US cents
    assert toner["category_path"] == ["Printers & Scanners", "Ink & Toner"]
    assert toner["description"] == "Toner (6 Per Box) for CopyCentre C65 Digital Copier"
    assert toner["images"] == ["http://images.icecat.biz/img/gallery/img_3920564_high_1472618727_1208_7091.jpg"]
    assert toner["attributes"]["black_toner_page_yield"] == 23000
    assert toner["attributes"]["print_technology"] == "Laser printing"


@pytest.mark.sample_data
def test_icecat_colour_becomes_a_variant_attribute_and_logistics_are_dropped(icecat_first_file):
    laptop = icecat_first_file[1].data
    assert laptop["category_path"] == ["Computers", "Laptops"]
    assert laptop["variants"][0]["attributes"] == {"color": "Silver"}
    assert laptop["variants"][0]["weight_grams"] == 3460
    every_attribute = [(k, v) for r in icecat_first_file for k, v in r.data["attributes"].items()]
    assert max(len(r.data["attributes"]) for r in icecat_first_file) == MAX_ATTRIBUTES
    assert not [key for key, _ in every_attribute if "pallet" in key or "package" in key or key.startswith("attr_")]
    assert all(len(v) <= 200 for _, v in every_attribute if isinstance(v, str))


@pytest.mark.sample_data
def test_icecat_places_nearly_every_product_of_a_file(icecat_first_file):
    placed = sum(1 for record in icecat_first_file if record.data["category_path"])
    assert placed / len(icecat_first_file) >= 0.95  # 97.2% when written
    roots = Counter(record.data["category_path"][0] for record in icecat_first_file if record.data["category_path"])
    assert roots["Printers & Scanners"] > roots["Toys & Games"] > 0


@pytest.mark.sample_data
def test_icecat_reads_a_directory_of_zips_in_name_order(sample_data):
    records = list(read_icecat(sample_data / "icecat"))
    assert len(records) == 19406 and skipped(records) == []
    assert [record.line for record in records[:2]] == [1, 2]
    assert records[0].data["variants"][0]["sku"] == "IC-3920564"  # the first product of 1.json.zip


def test_icecat_reads_a_plain_json_file_and_skips_what_it_cannot_sell(tmp_path):
    item = {"id": "7", "name": "X1", "title": "Acme X1 toner cartridge", "ean": [], "price": 1250,
            "supplier": "Acme", "attr_t_product_colour": "Black", "attr_n_black_toner_page_yield": 2000.0,
            "attr_n_pallet_weight": 90.0, "attr_b_rohs_compliance": True, "attr_n_weight": 1e309}  # fmt: skip
    path = write_json(tmp_path / "export.json", [item, {**item, "id": "8", "price": 0}, {**item, "id": None}])
    records = list(read_icecat(path))
    reasons = [(r.line, r.reason) for r in skipped(records)]
    assert reasons == [(2, "no valid price (found 0)"), (3, "no Icecat product id")]
    data = products(records)[0].data
    assert data["gtin"] is None and data["images"] == []
    assert data["attributes"] == {"product_colour": "Black", "black_toner_page_yield": 2000, "rohs_compliance": True}
    assert data["description"] == (
        "Acme X1 toner cartridge. Product colour: Black; Black toner page yield: 2000; Rohs compliance: yes."
    )


def test_icecat_lists_written_one_a_line_read_as_lists_not_backslashes(tmp_path):
    item = {"id": "7", "title": "Acme X1 ribbon", "price": 1250, "attr_t_compatibility": "FX-890\\nFX-890A",
            "attr_t_certification": "CE, FCC,\\nRoHS", "attr_t_images_type_map": "\\n \\n\\n"}  # fmt: skip
    data = products(read_icecat(write_json(tmp_path / "export.json", [item])))[0].data
    assert data["attributes"] == {"compatibility": "FX-890, FX-890A", "certification": "CE, FCC, RoHS"}


def test_icecat_reads_a_directory_of_unzipped_files_and_names_one_that_holds_none(tmp_path):
    from aisle.adapters.importers.readers import UnreadableCatalog, count_hint, read

    item = {"id": "7", "title": "Acme X1 toner cartridge", "price": 1250}
    write_json(tmp_path / "10.json", [{**item, "id": "10"}])
    write_json(tmp_path / "2.json", [{**item, "id": "2"}])
    (tmp_path / "notes.txt").write_text("not a catalog")
    assert [r.data["variants"][0]["sku"] for r in products(read_icecat(tmp_path))] == ["IC-2", "IC-10"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UnreadableCatalog, match="holds no Icecat file"):
        count_hint("icecat", empty)
    cut = tmp_path / "cut" / "1.json.zip"
    cut.parent.mkdir()
    with zipfile.ZipFile(cut, "w") as archive:
        archive.writestr("1.json", json.dumps([item] * 50))
    cut.write_bytes(cut.read_bytes()[:40])  # a download cut short
    with pytest.raises(UnreadableCatalog, match="not a zip archive"):
        list(read("icecat", cut.parent))


def test_icecat_short_descriptions_lose_their_html(tmp_path):
    item = {"id": "9", "title": "Intel Core 2 Duo E8200 processor", "price": 100,
            "ean": ["123", "4006381333932", "4006381333931"],
            "short_description": "Intel&reg; Core&trade;2 Duo <br />(6M Cache, 2.66 GHz)<ul><li>A</li><li>B</li></ul>",
            "img_thumb": "http://img/thumb.jpg", "img_low": "http://img/low.jpg"}  # fmt: skip
    path = tmp_path / "1.json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("1.json", json.dumps([item]))
    data = products(read_icecat(path))[0].data
    assert data["description"] == "Intel® Core™2 Duo (6M Cache, 2.66 GHz) A B"
    assert data["images"] == ["http://img/low.jpg"]  # the best size there is
    assert data["gtin"] == "4006381333931"  # the first EAN whose check digit holds


def test_icecat_counts_of_pieces_are_words_a_search_for_pc_cannot_take_for_a_computer(tmp_path):
    puzzle = {"id": "11", "title": "Castorland Old Havana 1000 pcs Jigsaw puzzle 1,000 pc(s)", "price": 1500}
    labels = {"id": "12", "title": "HERMA Labels A4 2400 Pcs.", "price": 900, "short_description": "1 pc(s) per box"}
    computers = {"id": "13", "title": "HP rp5700 Desktop PC, 2 PCs, USB 3.0 PCS", "price": 90000}
    path = write_json(tmp_path / "export.json", [puzzle, labels, computers])
    read = [(r.data["title"], r.data["description"]) for r in products(read_icecat(path))]
    assert read[0][0] == "Castorland Old Havana 1000 pieces Jigsaw puzzle 1,000 pieces"
    assert read[1] == ("HERMA Labels A4 2400 pieces", "1 piece per box")
    assert read[2][0] == "HP rp5700 Desktop PC, 2 PCs, USB 3.0 PCS"  # computers, and a version number


# --- JSON Lines ----------------------------------------------------------------------------------------------


def test_jsonl_reads_objects_and_reports_bad_lines(tmp_path):
    product = {"title": "Mug", "category_path": "Home > Kitchen > Mugs", "variants": [{"sku": "M-1", "price": 9.99}]}
    lines = [
        json.dumps(product),
        "",
        "{not json",
        json.dumps([1, 2]),
        '{"title": "Cup',  # "Unterminated string starting at" with no second "at"
        json.dumps({"title": "Plate", "category_path": ["Home", "Plates"], "variants": [
            {"sku": "P-1", "price": 12, "compare_price": 15.5}, {"sku": "P-2", "price": "free"}]}),
    ]  # fmt: skip
    path = tmp_path / "catalog.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n\n\xff\xfe\n")
    records = list(read_jsonl(path))
    assert [type(r).__name__ for r in records] == ["ProductRecord", "SkippedRecord", "SkippedRecord", "SkippedRecord",
                                                   "ProductRecord", "SkippedRecord"]  # fmt: skip
    mug, bad_json, array, cut, plate, bad_bytes = records
    assert cut.reason == "not valid JSON: Unterminated string starting at column 11"
    assert (mug.line, mug.data["category_path"]) == (1, ["Home", "Kitchen", "Mugs"])
    assert mug.data["variants"][0]["price"] == Decimal("9.99")
    assert (bad_json.line, bad_json.reason) == (3, "not valid JSON: Expecting property name enclosed in double quotes "
                                                   "at column 2")  # fmt: skip
    assert (array.line, array.reason) == (4, "expected a JSON object, found an array")
    assert bad_json.failed and array.failed and bad_bytes.failed  # broken lines, not items a catalog may hold
    assert plate.line == 6 and plate.data["category_path"] == ["Home", "Plates"]
    assert [(v["price"], v.get("compare_price")) for v in plate.data["variants"]] == [
        (Decimal("12"), Decimal("15.5")),
        ("free", None),  # left for the import service to report, with the field's name
    ]
    assert (bad_bytes.line, bad_bytes.reason) == (8, "not valid JSON: the line is not UTF-8 text")


def test_jsonl_skips_a_product_that_repeats_an_earlier_lines_sku(tmp_path):
    lines = [
        {"title": "Mug", "variants": [{"sku": "M-1", "price": 9}, {"sku": "M-2", "price": 9}]},
        {"title": "Mug again", "variants": [{"sku": "M-3", "price": 9}, {"sku": "M-2", "price": 9}]},
        {"title": "Odd shape", "variants": "M-1"},  # left for validation to report
        {"title": "Plate", "variants": [{"sku": "P-1", "price": 12}]},
    ]
    path = tmp_path / "catalog.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    records = list(read_jsonl(path))
    assert [(r.line, r.reason, r.failed) for r in skipped(records)] == [
        (2, "duplicate of an earlier product with SKU M-2", False)
    ]
    assert [r.data["title"] for r in products(records)] == ["Mug", "Odd shape", "Plate"]


def test_jsonl_refuses_a_line_naming_a_key_twice_or_nesting_too_deep_as_the_bulk_api_does(tmp_path):
    path = tmp_path / "catalog.jsonl"
    twice = '{"title": "Mug", "variants": [{"sku": "M-1", "price": 9, "price": 9000}]}'
    deep = '{"title": "Cup", "attributes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    fine = '{"title": "Plate", "variants": [{"sku": "P-1", "price": 12}]}'
    path.write_text("\n".join([twice, deep, fine]))
    records = list(read_jsonl(path))
    assert [(r.line, r.reason, r.failed) for r in skipped(records)] == [
        (1, "not valid JSON: the key 'price' appears twice in one object", True),
        (2, "not valid JSON: it nests arrays or objects too deeply", True),
    ]
    assert [r.data["title"] for r in products(records)] == ["Plate"]


@pytest.mark.parametrize("chunk_chars", [1, 2, 5, 64, 65536])
def test_a_json_array_streams_in_chunks_of_any_size(chunk_chars):
    values = [1, 2.5, 12345678901234567890, -0.5e10, "a,]", {"k": [1, {"n": None}]}, True, [], {}]
    text = json.dumps(values, indent=2)
    assert list(iter_json_array(io.StringIO(text), chunk_chars)) == values
    assert list(iter_json_array(io.StringIO(" [ ] "), chunk_chars)) == []


def test_a_huge_array_element_is_read_in_growing_pieces_not_parsed_again_after_every_chunk():
    class CountedReads(io.StringIO):
        reads = 0

        def read(self, size=-1):
            self.reads += 1
            return super().read(size)

    description = "y" * 1_000_000
    stream = CountedReads(json.dumps([{"name": "a"}, {"description": description}, {"name": "b"}]))
    values = list(iter_json_array(stream, chunk_chars=1000))
    assert values == [{"name": "a"}, {"description": description}, {"name": "b"}]
    assert stream.reads < 20  # a thousand chunks, each followed by another attempt to parse the element, before


@pytest.mark.parametrize("text", ["", "{}", "[1 2]", "[1,", "[1,]", "[1x]", "[" * 100_000])
def test_a_broken_json_array_is_refused(text):
    with pytest.raises(ValueError):
        list(iter_json_array(io.StringIO(text), 2))


# --- Synthetic -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    return list(generate_catalog(20_000, seed=7))


def test_the_same_seed_gives_the_same_catalog():
    assert list(generate_catalog(100, seed=3)) == list(generate_catalog(100, seed=3))
    assert list(generate_catalog(100, seed=3)) != list(generate_catalog(100, seed=4))


def test_reviews_do_not_change_the_products():
    with_reviews = list(generate_catalog(200, seed=5))
    without = list(generate_catalog(200, seed=5, with_reviews=False))
    assert [r.data for r in with_reviews] == [r.data for r in without]
    assert all(r.reviews == [] for r in without) and any(r.reviews for r in with_reviews)


def test_skus_are_unique_and_valid(catalog):
    skus = [variant["sku"] for record in catalog for variant in record.data["variants"]]
    assert len(skus) == len(set(skus)) > 20_000
    assert all(SKU.match(sku) for sku in skus)


def test_apparel_has_size_and_color_variants_and_the_rest_mostly_one(catalog):
    counts = Counter()
    for record in catalog:
        variants = record.data["variants"]
        root = record.data["category_path"][0]
        assert 1 <= len(variants) <= 50
        if root in ("Clothing", "Shoes"):
            assert len(variants) <= 6 and set(variants[0]["attributes"]) == {"color", "size"}
        counts[root, len(variants) > 1] += 1
    assert counts["Clothing", True] > counts["Clothing", False] / 2
    assert counts["Electronics", True] == 0


def test_prices_are_positive_with_two_decimals(catalog):
    variants = [variant for record in catalog for variant in record.data["variants"]]
    prices = [variant["price"] for variant in variants]
    assert all(isinstance(p, Decimal) and p > 0 and p.as_tuple().exponent == -2 for p in prices)
    assert Decimal("0.99") <= min(prices) < Decimal("5") and Decimal("1000") < max(prices) < Decimal("100000")
    discounted = [v for v in variants if v["compare_price"] is not None]
    assert 0.1 < len(discounted) / len(variants) < 0.3
    assert all(v["compare_price"] > v["price"] and v["compare_price"].as_tuple().exponent == -2 for v in discounted)


def test_the_catalog_is_diverse_and_says_it_is_generated(catalog):
    leaves = Counter(tuple(record.data["category_path"]) for record in catalog)
    brands = Counter(record.data["brand"] for record in catalog)
    assert len(leaves) >= 30 and len({leaf[0] for leaf in leaves}) >= 8
    assert len(brands) >= 150
    assert brands.most_common(1)[0][1] > 20 * brands.most_common()[-1][1]  # Zipf-like, not uniform
    for record in catalog[:2000]:
        data = record.data
        assert data["attributes"]["generated"] is True
        assert data["images"] == []  # no URL that would 404: the demo attaches drawn pictures instead
        assert len(data["title"]) <= 500 and len(data["description"]) <= 20_000 and len(data["brand"]) <= 200
        attributes = data["attributes"].items()
        assert all(len(key) <= 200 and (not isinstance(v, str) or len(v) <= 200) for key, v in attributes)


def test_generated_titles_never_say_a_word_twice_in_a_row(catalog):
    titles = [record.data["title"] for record in catalog]
    assert not [t for t in titles if re.search(r"\b(\w+) \1\b", t, re.IGNORECASE)]  # "Insulated Insulated Tumbler"
    assert any("Fleece Jacket" in t for t in titles)  # the noun keeps its words; only the repeat goes


def test_generated_reviews_lean_positive_and_vary_by_product(catalog):
    reviews = [review for record in catalog for review in record.reviews]
    assert all(isinstance(r, GeneratedReview) and 1 <= r.rating <= 5 for r in reviews)
    assert all(r.title and r.body and r.author.endswith(".") for r in reviews)
    assert max(len(record.reviews) for record in catalog) == 12
    assert sum(r.rating >= 4 for r in reviews) / len(reviews) > 0.6
    averages = [sum(r.rating for r in rec.reviews) / len(rec.reviews) for rec in catalog if len(rec.reviews) >= 6]
    assert min(averages) < 3.5 and max(averages) >= 4.5


def test_reviews_for_a_real_product_are_deterministic():
    reviews = generate_reviews_for("Insignia - USB-C Cable", seed=42, count=5)
    assert len(reviews) == 5 and reviews == generate_reviews_for("Insignia - USB-C Cable", seed=42, count=5)
    assert reviews != generate_reviews_for("Another product", seed=42, count=5)
    assert generate_reviews_for("Anything", seed=1, count=0) == []


def test_brand_names_lose_trademark_signs_even_garbled_ones():
    from aisle.adapters.importers.brands import brand_name

    assert brand_name("Insignia\x99") == brand_name("Insignia™") == "Insignia"
    assert brand_name("Apple®  Inc") == "Apple Inc"


@pytest.mark.sample_data
def test_bestbuy_colour_is_the_last_part_of_a_three_part_title(bestbuy_records):
    by_title = {r.data["title"]: r.data["variants"][0]["attributes"] for r in products(bestbuy_records)}
    assert by_title["Samsung - Galaxy S7 32GB - Black Onyx (Verizon)"] == {"color": "Black Onyx"}  # carrier dropped
    assert by_title["Incipio - Screen Protector for ZTE Axon 7 - Transparent"] == {"color": "Transparent"}
    assert by_title["AT&T GoPhone - Samsung Galaxy Express 3 4G LTE with 8GB Memory Prepaid Cell Phone"] == {}
    assert by_title["Insignia™ - Insignia - Essentials Bundle for Apple® iPhone® 7"] == {}  # a product, no colour
    coloured = sum(1 for attributes in by_title.values() if attributes)
    assert coloured > len(by_title) / 2


def test_an_icecat_zip_that_cannot_be_opened_says_why_not_that_it_is_damaged(tmp_path: Path, monkeypatch):
    archive = tmp_path / "1.json.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("1.json", "[]")
    real_open = Path.open

    def refused(self: Path, *args, **kwargs):  # root reads any file, so the refusal is the file system's, staged
        if self == archive:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(readers.UnreadableCatalog, match="Permission denied") as refusal:
        list(readers.read("icecat", archive))
    assert "damaged" not in str(refusal.value)


def test_a_record_a_product_rule_refuses_is_rejected_with_its_line_not_left_to_undo_its_batch():
    from aisle.services.importing import Prepared, Rejected, prepare_record

    variant = {"sku": "DUP-1", "price": 10}
    good = ProductRecord(1, {"title": "Mug", "status": "ACTIVE", "variants": [variant]})
    twice = ProductRecord(2, {"title": "Cup", "status": "ACTIVE", "variants": [variant, {**variant, "price": 12}]})
    dearer = ProductRecord(3, {"title": "Jug", "status": "ACTIVE", "variants": [{**variant, "compare_price": 5}]})
    assert isinstance(prepare_record(good), Prepared)
    assert prepare_record(twice) == Rejected(2, "variants[1].sku: duplicate SKU 'DUP-1' in this product", True)
    refused = prepare_record(dearer)
    assert isinstance(refused, Rejected) and refused.reason.startswith("variants[0].compare_price")


def test_a_rejected_record_names_each_of_its_problems_so_one_run_shows_all_there_is_to_mend():
    from aisle.services.importing import prepare_record

    two = ProductRecord(1, {"title": "", "variants": [{"sku": "A-1", "price": -1}]})
    assert prepare_record(two).reason == "title: must not be empty; variants[0].price: must be greater than 0"
    many = ProductRecord(2, {"title": "", "variants": [{"sku": "", "price": -1}], "status": "SOLD", "brand": 5})
    assert prepare_record(many).reason.endswith("; and 2 more")


def test_a_bestbuy_item_without_an_image_keeps_its_sku_when_the_feed_gains_an_item_in_front(tmp_path):
    chair = {"name": "Posfeed Chair", "price": 50, "categories": ["Furniture"]}
    lamp = {"name": "Posfeed Lamp", "price": 20, "categories": ["Furniture"]}
    first = [r.data["variants"][0]["sku"] for r in read_bestbuy(write_json(tmp_path / "a.json", [chair, lamp]))]
    newer = write_json(tmp_path / "b.json", [{**chair, "name": "Posfeed Desk"}, chair, lamp])
    again = [r.data["variants"][0]["sku"] for r in products(read_bestbuy(newer))]
    assert again[1:] == first and again[0] not in first


def test_a_json_feed_saved_with_a_byte_order_mark_reads_as_without_one(tmp_path):
    item = {"name": "Phone", "price": 9.99, "image": "https://x/123_sb.jpg", "categories": ["Phones"]}
    marked = tmp_path / "products.json"
    marked.write_bytes(b"\xef\xbb\xbf" + json.dumps([item]).encode())
    assert [r.data["title"] for r in products(read_bestbuy(marked))] == ["Phone"]
    assert readers.count_hint("bestbuy", marked) == 1


def test_a_json_feed_nesting_too_deep_is_refused_with_a_sentence_not_a_traceback(tmp_path):
    deep = tmp_path / "products.json"
    deep.write_text('[{"name": "Phone", "price": 9.99, "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    with pytest.raises(readers.UnreadableCatalog, match="nests arrays or objects too deeply"):
        readers.count_hint("bestbuy", deep)
    with pytest.raises(readers.UnreadableCatalog, match="nests arrays or objects too deeply"):
        list(readers.read("bestbuy", deep))

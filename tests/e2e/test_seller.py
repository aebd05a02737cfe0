"""A seller: sign in with the API key, create a product, find it in the storefront; with an uploaded image once
the image API exists."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

import aisle.entrypoints.web as web
from aisle.services.product_input import ProductIn

GTIN = "4006381333931"
FRESHNESS_SECONDS = 2.0  # the promise: a new product is in storefront search within 2 s


def sign_in(watched, store) -> None:
    page = watched.page
    page.goto(store.url + "/seller")
    page.get_by_label("API key").fill(store.seller_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Your products"))).to_be_visible()


def create_product(page, title: str, sku: str) -> str:
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Brand").fill("Glacier")
    page.get_by_label("Status").select_option("ACTIVE")
    page.get_by_label("Variant 1 SKU").fill(sku)
    page.get_by_label("Variant 1 price").fill("149.00")
    page.get_by_label("Variant 1 options").fill("size=M; color=red")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    return re.search(r"/seller/products/(\d+)", page.url).group(1)


def find_in_storefront(page, store, words: str) -> None:
    """Searches until the product's card shows, for at most FRESHNESS_SECONDS."""
    deadline = time.monotonic() + FRESHNESS_SECONDS
    while True:
        page.goto(f"{store.url}/search?q={words}")
        if page.locator(".card", has_text=words).count():
            return
        assert time.monotonic() < deadline, f"{words!r} not in storefront search within {FRESHNESS_SECONDS} s"
        time.sleep(0.1)


def test_seller_signs_in_creates_a_product_and_shoppers_find_it(watched, store):
    page = watched.page
    sign_in(watched, store)
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["aisle_seller"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert store.seller_key not in session["value"] and store.seller_key not in page.content()
    watched.clean()

    product_id = create_product(page, "Glacier Down Parka", "GDP-M")
    watched.shot("seller-1-created")
    find_in_storefront(page, store, "Glacier Down Parka")
    page.locator(".card", has_text="Glacier Down Parka").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/p/{product_id}"))
    watched.clean()

    page.goto(f"{store.url}/seller/products/{product_id}")
    page.get_by_label("Variant 1 price").fill("20.00")
    watched.expected_statuses.add(422)  # the form comes back with the confirmation dialog
    page.get_by_role("button", name="Save changes").click()
    dialog = page.get_by_role("dialog", name="Confirm a big price change")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Yes, change the price").click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()

    page.get_by_role("link", name="Versions (v2)").click()
    page.get_by_role("link", name="Diff with v1").click()
    expect(page.locator(".diff")).to_contain_text("149.00")
    page.get_by_role("button", name="Roll back to v1").click()
    expect(page.get_by_text("Rolled back to the content of version 1; saved as version 3.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    page.goto(store.url + "/seller/products")
    expect(page.get_by_label("API key")).to_be_visible()
    watched.clean()


def test_saving_the_portal_form_untouched_keeps_everything_it_has_no_field_for(watched, store):
    """What only the API sets (an offer's canonical product, a variant's weight) and what the form's text cannot
    say exactly (typed attribute values, a "=" in a name, a ";" in a value, a description's first empty line)
    come back from a save with nothing changed as they were."""
    container = store.container
    maker = container.sellers.create("E2E Makers").seller.seller_id
    canonical = container.catalog.create_product(
        maker,
        ProductIn.model_validate(
            {"title": "Ridge Lantern", "status": "ACTIVE", "gtin": GTIN, "variants": [{"sku": "RL-1", "price": 30}]}
        ).to_content(),
    )
    offer = {
        "title": "Ridge Lantern",
        "gtin": GTIN,
        "description": "\nFirst line after an empty one",
        "status": "ACTIVE",
        "canonical_product_id": str(canonical.product_id),
        "attributes": {"waterproof": True, "lumens": 300, "a=b": "c", "size": "10 cm; 20 cm"},
        "variants": [{"sku": "RLO-1", "price": 28, "weight_grams": 1200, "attributes": {"k=1": "v"}}],
    }
    seller_id = container.sellers.authenticate(store.seller_key).seller_id
    before = container.catalog.create_product(seller_id, ProductIn.model_validate(offer).to_content())
    page = watched.page
    sign_in(watched, store)
    page.goto(f"{store.url}/seller/products/{before.product_id}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()  # nothing changed: no new version
    after = container.catalog.get_product(seller_id, before.product_id)
    assert (after.version, after.content) == (1, before.content)
    watched.clean()


def test_bulk_upload_shows_progress_and_refused_lines(watched, store):
    page = watched.page
    sign_in(watched, store)
    page.get_by_role("link", name="Bulk upload").click()
    lines = b'{"title": "Bulk Lantern", "variants": [{"sku": "BL-1", "price": 25}]}\n{"title": ""}\n'
    page.get_by_label("NDJSON file").set_input_files(
        {"name": "p.ndjson", "mimeType": "application/x-ndjson", "buffer": lines}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator('[data-job="status"]')).to_have_text(re.compile("DONE|COMPLETED|FINISHED|FAILED"))
    expect(page.locator('[data-job="succeeded"]')).to_have_text("1")
    expect(page.locator("#job-errors")).to_contain_text("title")
    watched.clean()


def test_seller_uploads_an_image_and_search_shows_its_thumbnail(watched, store):
    portal_upload = Path(web.__file__).parent / "templates" / "seller" / "_images.html"
    if not hasattr(store.container, "images") or not portal_upload.exists():
        pytest.skip("the portal's image upload form (seller/_images.html) is not built yet; the image API is")
    from PIL import Image

    page = watched.page
    sign_in(watched, store)
    product_id = create_product(page, "Aurora Camp Stove", "ACS-1")
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 60, 40)).save(picture, "PNG")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-status")).to_have_text("Choose a picture first.")
    page.get_by_label("Add pictures").set_input_files(
        {"name": "stove.png", "mimeType": "image/png", "buffer": picture.getvalue()}
    )
    page.wait_for_timeout(500)  # choosing a file sends nothing: the alt text is typed after it
    page.get_by_label("Alt text for these pictures").fill("A red camp stove")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".uploads li", has_text="READY")).to_be_visible(timeout=15_000)
    expect(page.locator(".uploads li")).to_have_count(1)
    expect(page.locator(".uploads li").get_by_label("Alt text")).to_have_value("A red camp stove")
    watched.shot("seller-2-pictures")
    find_in_storefront(page, store, "Aurora Camp Stove")
    watched.shot("seller-3-thumbnail-in-search")
    image = page.locator(".card", has_text="Aurora Camp Stove").locator("img")
    expect(image).to_have_attribute("src", re.compile(r"/media/"))
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) > 0
    assert product_id
    watched.clean()


def test_the_portal_fits_a_phone_its_tables_read_as_labelled_rows(watched, store):
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(watched, store)
    product_id = create_product(page, "Glacier Summit Expedition Parka With A Long Name", "GSE-M")
    paths = ("/seller/products", f"/seller/products/{product_id}/versions", f"/seller/products/{product_id}/stock")
    for width in (390, 320):  # 320: a 1280 px screen zoomed to 400% (WCAG 1.4.10)
        page.set_viewport_size({"width": width, "height": 844})
        for path in paths:
            page.goto(store.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)
            watched.clean()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(store.url + "/seller/products")
    status = page.locator("td[data-label=Status]").first
    expect(status).to_be_visible()  # on a phone every column is there, each cell named by its column
    assert page.evaluate("el => getComputedStyle(el, '::before').content", status.element_handle()) == '"Status"'
    watched.shot("seller-phone-products")

"""A shopper: search with a typo, narrow by a facet, open the product, pick a variant, write a review."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_shopper_searches_with_a_typo_filters_picks_a_variant_and_reviews(watched, store):
    page = watched.page
    page.goto(store.url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    box = page.get_by_role("combobox", name="Search products")
    box.press_sequentially("trailbl", delay=30)
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    # what a screen reader announces as the list opens
    expect(page.get_by_role("status").filter(has_text="suggestion")).to_have_text(re.compile(r"^\d+ suggestions?: up"))
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-opt-0")
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_value("trailbl")  # Escape closes the list and keeps the words
    watched.shot("shopper-1-home")
    watched.clean()

    box.fill("trailblazr")
    box.press("Enter")
    expect(page.get_by_text("corrected from")).to_be_visible()
    expect(page.locator(".card")).to_have_count(2)  # the shoe and the sock
    watched.shot("shopper-2-search")
    watched.clean()

    page.get_by_role("complementary", name="Refine results").get_by_role("link", name=re.compile("^Acme")).click()
    expect(page).to_have_url(re.compile(r"brand=Acme"))
    expect(page.locator(".card")).to_have_count(1)
    expect(page.get_by_role("link", name="Remove filter Brand: Acme")).to_be_visible()
    watched.clean()

    page.get_by_role("link", name="Trailblazer Running Shoe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trailblazer Running Shoe")
    price = page.locator("#price .now")
    expect(price).to_have_text("$89.99")
    expect(page.locator("#price .was")).to_contain_text("$119.99")
    expect(page.locator("#stock")).to_have_text("Only 3 left")
    page.locator("label.variant", has_text="44").click()
    expect(price).to_have_text("$94.99")
    expect(page.locator("#stock")).to_have_text("In stock")
    expect(page.locator("#price .was")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"variant=\d+"))
    watched.shot("shopper-3-product")
    watched.clean()

    form = page.locator("form.review-form")
    form.get_by_label("5 stars").check()
    form.get_by_label("Title").fill("Grippy on wet rock")
    form.get_by_label("Review").fill("Wore them up Snowdon in the rain.")
    form.get_by_role("button", name="Post review").click()
    expect(page.get_by_text("Thank you! Your review is published.")).to_be_visible()
    expect(page.locator(".review", has_text="Grippy on wet rock")).to_be_visible()
    watched.shot("shopper-4-reviewed")
    watched.clean()


def test_a_missing_product_gets_the_friendly_404_page(watched, store):
    watched.expected_statuses.add(404)
    response = watched.page.goto(store.url + "/p/123456789")
    assert response is not None and response.status == 404
    expect(watched.page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(watched.page.get_by_role("link", name="Back to the store")).to_be_visible()


def test_search_and_product_pages_work_without_javascript(browser, store):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(store.url + "/search?q=trailblazer")
    page.get_by_label("Sort by").select_option("price_desc")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"sort=price_desc"))
    assert page.locator(".card .now").all_text_contents() == ["from $89.99", "$12.00"]  # the shoe: $89.99, $94.99
    page.get_by_role("link", name="Trailblazer Running Shoe").click()
    page.locator("label.variant", has_text="44").click()
    page.get_by_role("button", name="Show this option").click()
    expect(page.locator("#price .now")).to_have_text("$94.99")
    context.close()


def test_the_sort_menu_changes_on_apply_and_matches_the_page_after_back(watched, store):
    page = watched.page
    page.goto(store.url + "/search?q=trailblazer")
    menu = page.get_by_label("Sort by")
    menu.focus()
    menu.press("ArrowDown")
    menu.press("ArrowDown")  # a keyboard user moves through the options without leaving the page (WCAG 3.2.2)
    expect(menu).to_be_focused()
    expect(page).not_to_have_url(re.compile("sort="))
    chosen = menu.input_value()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(f"sort={chosen}"))
    page.go_back()
    expect(page).not_to_have_url(re.compile("sort="))
    expect(menu).to_have_value("relevance")  # not the choice made before leaving the page
    watched.clean()


def test_a_keyboard_user_skips_the_filters_to_the_results(watched, store):
    page = watched.page
    page.goto(store.url + "/search?q=trailblazer")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to results")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Sort by")).to_be_focused()  # past every facet link
    watched.clean()


def test_a_review_of_one_endless_word_wraps_and_a_refused_one_names_the_field_by_its_label(watched, store):
    watched.expected_statuses.add(422)
    page = watched.page
    for width, product in ((1366, "Marathon Running Cap"), (390, "Trailblazer Hiking Sock")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{store.url}/p/{store.products[product]}")
        form = page.locator("form.review-form")
        form.get_by_label("4 stars").check()
        form.get_by_role("button", name="Post review").click()  # neither a title nor a review
        expect(form.get_by_role("alert")).to_have_text("Please fix: Review: a review needs a title or a body.")
        watched.clean()
        form.get_by_label("4 stars").check()
        form.get_by_label("Review").fill("x" * 3000)
        form.get_by_role("button", name="Post review").click()
        expect(page.get_by_text("Thank you! Your review is published.")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the word wraps; no sideways page
        watched.clean()
    # a second review from the same shopper is refused on the page, the words kept, not as a JSON document
    watched.expected_statuses.add(409)
    form = page.locator("form.review-form")
    form.get_by_label("2 stars").check()
    form.get_by_label("Review").fill("Changed my mind")
    form.get_by_role("button", name="Post review").click()
    expect(form.get_by_role("alert")).to_have_text(
        "Please fix: Your review: you have already reviewed this product (one review each)."
    )
    expect(form.get_by_label("Review")).to_have_value("Changed my mind")
    watched.clean()


def test_one_endless_word_in_a_brand_sku_or_option_does_not_widen_the_product_page(watched, store):
    body = {
        "title": "Long " + "x" * 300,
        "brand": "B" * 200,
        "status": "ACTIVE",
        "variants": [{"sku": "S" * 64, "price": 5, "attributes": {"fit": "o" * 100}}],
    }
    import httpx

    headers = {"Authorization": f"Bearer {store.seller_key}"}
    response = httpx.post(f"{store.url}/api/v1/seller/products", json=body, headers=headers, timeout=30).json()
    page = watched.page
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{store.url}/p/{response['product_id']}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    watched.clean()

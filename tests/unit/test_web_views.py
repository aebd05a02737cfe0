"""The page views' pure parts: links that change one filter, page numbers, pictures, the price chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from aisle.entrypoints.web.images import missing_svg, picture, source_of
from aisle.entrypoints.web.links import Query
from aisle.entrypoints.web.search_page import pages, price_label
from aisle.entrypoints.web.seller.stock import price_chart


def test_a_link_changes_one_thing_and_goes_back_to_page_one():
    query = Query("/search", [("q", "tent"), ("brand", "Acme"), ("page", "3")])
    assert query.url(sort="price_asc") == "/search?q=tent&brand=Acme&sort=price_asc"
    assert query.url(page="4") == "/search?q=tent&brand=Acme&page=4"
    assert query.toggled("brand", "Acme") == "/search?q=tent"
    assert query.toggled("brand", "Peak") == "/search?q=tent&brand=Acme&brand=Peak"
    assert Query("/search", [("q", "")]).link == "/search"


def test_page_numbers_keep_the_ends_and_mark_gaps():
    assert pages(1, 24) == [1]
    assert pages(10, 24 * 40) == [1, None, 8, 9, 10, 11, 12, None, 40]
    assert pages(2, 24 * 3) == [1, 2, 3]


def test_a_rendered_image_gets_every_size_in_its_srcset_and_a_placeholder_when_it_fails():
    ready = {
        "status": "READY",
        "alt_text": "Red stove",
        "urls": {s: f"/media/x-{s}.webp" for s in ("150", "300", "600", "1200", "original")},
    }
    found = source_of(ready, 600)
    assert found["src"] == "/media/x-600.webp" and found["alt"] == "Red stove"
    assert (
        found["srcset"] == "/media/x-150.webp 150w, /media/x-300.webp 300w, /media/x-600.webp 600w, "
        "/media/x-1200.webp 1200w"
    )
    # a 700 x 350 upload is never upscaled: its "1200" is the 600 file, and each is described by its real width
    small = {"urls": {"150": "/m/150", "300": "/m/300", "600": "/m/600", "1200": "/m/600"}, "width": 700, "height": 350}
    assert source_of(small)["srcset"] == "/m/150 150w, /m/300 300w, /m/600 600w"
    portrait = {**small, "width": 350, "height": 700}
    assert source_of(portrait)["srcset"] == "/m/150 75w, /m/300 150w, /m/600 300w"
    assert source_of({"status": "PENDING"}) is None
    assert source_of({"url": "https://img.example/a.jpg"})["src"] == "https://img.example/a.jpg"
    html = str(picture("https://img.example/a.jpg", 'A "quoted" title'))
    assert 'alt="A &#34;quoted&#34; title"' in html and "placeholder.svg" in html
    assert 'src="/static/img/placeholder.svg"' in str(picture(None, "nothing yet"))
    # a picture the text beside it names keeps an empty alt: without one, a screen reader reads out its file name
    assert ' alt="" ' in str(picture("https://img.example/a.jpg", ""))


def test_a_picture_that_is_missing_or_fails_shows_a_tile_naming_the_brand():
    html = str(picture("https://img.example/a.jpg", "", label="AT&T's"))
    assert "this.src=&#39;/img/missing.svg?label=AT%26T%27s&#39;" in html  # the quote cannot end the handler
    assert 'src="/img/missing.svg?label=Sony"' in str(picture(None, "nothing yet", label="Sony"))


def _tile_text(svg: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_the_tile_says_its_label_as_text_and_nothing_more():
    said = _tile_text(missing_svg('<script>alert("x")</script>'))
    assert "".join(said[:-1]).replace(" ", "") == '<script>alert("x")</script>'  # text, not an element
    assert said[-1] == "No photo"
    long = _tile_text(missing_svg("Bang & Olufsen " * 1000))
    assert len(long) <= 4 and long[-2].endswith("…")
    assert "\x00" not in "".join(_tile_text(missing_svg("Sony\x00\u202e")))
    assert missing_svg("Sony") == missing_svg("Sony") != missing_svg("Bose")


def test_the_price_chart_holds_each_price_until_the_next_and_until_now():
    history = [
        {"new": 20, "changed_at": "2026-12-01T11:00:00+00:00"},
        {"new": 10, "changed_at": "2026-12-01T10:00:00+00:00"},
    ]
    chart = price_chart(history, now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert chart["line"] == "8.0,82.0 160.0,82.0 160.0,8.0 312.0,8.0"
    assert [d["price"] for d in chart["dots"]] == [10, 20] and (chart["low"], chart["high"]) == (10, 20)
    assert price_chart([]) is None


def test_a_price_label_says_the_bound_asked_not_a_rounded_one():
    assert price_label(None, 0.5) == "under $0.50"  # not "under $0"
    assert price_label(None, "20.5") == "under $20.50"
    assert price_label(999.99, None) == "$999.99 and up"  # not "$1,000 and up"
    assert price_label(0.001, 0.002) == "$0.001 – $0.002"  # noqa: RUF001 - the label's en dash
    assert price_label(1000, 2000.0) == "$1,000 – $2,000"  # noqa: RUF001
    assert price_label(None, "9.99") == "under $10"  # a price bucket's bound, a cent below the dollar it stands for
    assert price_label(10, 24.99) == "$10 – $25"  # noqa: RUF001

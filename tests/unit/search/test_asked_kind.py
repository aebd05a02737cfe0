"""The head word's lift where no category names it: products whose own names end with it, filed together."""

from __future__ import annotations

from aisle.domain.categories import Category
from aisle.domain.search.query import ParsedQuery
from aisle.services.search.asked_kind import AskedKind
from aisle.services.search.engine import Hit

KITCHEN, KEYBOARDS, AUDIO, CAMERAS = 1, 2, 3, 4
CATEGORIES = {
    KITCHEN: Category(KITCHEN, "Kitchen Appliances", None, "Kitchen Appliances"),
    KEYBOARDS: Category(KEYBOARDS, "Keyboards", None, "Keyboards"),
    AUDIO: Category(AUDIO, "Headsets", None, "Headsets"),
    CAMERAS: Category(CAMERAS, "Cameras", None, "Cameras"),
}


def hits(*rows: tuple[str, int]) -> list[Hit]:
    return [Hit(n, 1.0, 0.0, category_id, title=title) for n, (title, category_id) in enumerate(rows, start=1)]


def test_products_named_by_the_head_word_are_lifted_when_they_are_filed_together():
    asked = AskedKind(lambda: CATEGORIES)
    found = hits(
        ("Braun 4210201253839 blender accessory", KITCHEN),
        ("Philips Daily Collection Hand blender HR1361/00", KITCHEN),
        ("Braun MR 4050 HC Immersion blender Blue 450 W", KITCHEN),
    )
    assert set(asked.named_by_head(found, ParsedQuery(raw="blender", keywords=("blender",)), "blender")) == {2, 3}


def test_a_word_that_ends_titles_across_departments_is_a_feature_not_a_kind():
    asked = AskedKind(lambda: CATEGORIES)
    found = hits(
        ("HP FA802AA keyboard Bluetooth Black", KEYBOARDS),
        ("Jabra Talk 5 headset Bluetooth", AUDIO),
        ("Canon BU-30 Bluetooth", CAMERAS),
        ("BlueParrott Bluetooth Headset", AUDIO),
    )
    assert asked.named_by_head(found, ParsedQuery(raw="bluetooth", keywords=("bluetooth",)), "bluetooth") == {}

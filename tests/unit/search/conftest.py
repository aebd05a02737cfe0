"""A small catalog to parse queries against: titles, brands and categories, as the search index holds them."""

from __future__ import annotations

import pytest

from aisle.domain.search.query import QueryParser
from aisle.domain.search.synonyms import DEFAULT_SYNONYMS_PATH, SynonymTable
from aisle.domain.search.vocabulary import Vocabulary

TITLES = [
    "Sony WH-1000XM4 Wireless Noise Cancelling Over-Ear Headphones",
    "Sony WF-1000XM3 True Wireless Earbuds",
    "Samsung Galaxy S7 32GB Unlocked Smartphone",
    "Samsung Galaxy S7 Edge 32GB Smartphone",
    "Samsung 65 inch 4K Smart TV",
    "OtterBox Defender Series Case for iPhone 6",
    "OtterBox Defender Series Case for Samsung Galaxy S7",
    "OtterBox Commuter Case for iPhone 7",
    "Apple iPhone 15 128GB",
    "Apple Watch Series 2 Sport Band",
    "Anker PowerCore Portable Charger 10000mAh",
    "Belkin Wall Charger 30W USB-C",
    "Insignia 2 Pack Charging Cable",
    "Bang & Olufsen Beoplay H9 Wireless Headphones",
    "Western Digital 4TB External Hard Drive",
    "Under Armour Running Shoes",
    "Case-Mate Tough Case for iPhone 6",
    "kate spade new york Hybrid Hardshell Case for iPhone 7",
    "Insignia 2-in-1 Laptop Stand",
    "Television Wall Mount for 32 to 65 inch TVs",
]
BRANDS = [
    "Sony",
    "Samsung",
    "OtterBox",
    "Otterbox",
    "Apple",
    "Anker",
    "Belkin",
    "Insignia™",
    "Bang & Olufsen",
    "Western Digital",
    "Under Armour",
    "Case-Mate",
    "kate spade new york",
    "AT&T",
    "AT&T GoPhone",
    "Incase",
]
CATEGORIES = ["Headphones", "Cell Phones", "Cell Phone Cases", "Chargers", "TVs", "Laptop Accessories", "Shoes"]


def small_vocabulary() -> Vocabulary:
    texts = [(title, 1.0) for title in TITLES * 2] + [(b, 2.0) for b in BRANDS] + [(c, 2.0) for c in CATEGORIES]
    return Vocabulary.from_texts(texts)


@pytest.fixture(scope="session")
def synonyms() -> SynonymTable:
    return SynonymTable.parse(DEFAULT_SYNONYMS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def parser(synonyms: SynonymTable) -> QueryParser:
    return QueryParser(small_vocabulary(), BRANDS, synonyms)

"""Browsing from the database while the search engine is down, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from aisle.adapters.sql.search_fallback import DatabaseSearch
from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.inventory import StockLevel, Warehouse
from aisle.domain.sellers import Seller, hash_api_key
from aisle.services.clock import utc_now
from aisle.services.search.engine import EngineQuery, Filters, KeywordGroup


def catalog(ids, uow) -> dict[str, int]:
    seller = Seller(ids.next_id(), "Shop", hash_api_key(str(ids.next_id())))
    items = [
        ("Sony Wireless Headphones", "Sony", "199.00", ProductStatus.ACTIVE),
        ("Sony Wired Headphones 100% cotton pad", "Sony", "19.99", ProductStatus.ACTIVE),
        ("Bose Headphones", "Bose", "279.00", ProductStatus.ACTIVE),
        ("JBL Speaker", "JBL", "129.00", ProductStatus.ACTIVE),
        ("Draft Headphones", "Sony", "5.00", ProductStatus.DRAFT),
    ]
    found = {}
    with uow() as tx:
        tx.sellers.add(seller)
        for n, (title, brand, price, status) in enumerate(items):
            content = ProductContent(title, (Variant(f"S{n}", Decimal(price)),), brand=brand, status=status)
            product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
            tx.products.add(product, actor="test")
            found[title] = product.product_id
        tx.commit()
    return found


def titles(result, ids: dict[str, int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.product_id] for h in result.hits]


def test_keywords_filters_sorts_and_brand_facet(engine, ids, uow):
    products = catalog(ids, uow)
    search = DatabaseSearch(engine, lambda: {})
    headphones = search.search(EngineQuery(keywords=(KeywordGroup("headphones"),), sort="price_asc"))
    assert titles(headphones, products) == [
        "Sony Wired Headphones 100% cotton pad",
        "Sony Wireless Headphones",
        "Bose Headphones",
    ]
    assert headphones.total == 3 and dict(headphones.facets.brands) == {"Sony": 2, "Bose": 1}
    sony_under_100 = search.search(
        EngineQuery(keywords=(KeywordGroup("headphones"),), filters=Filters(brands=("sony",), price_max=Decimal(100)))
    )
    assert titles(sony_under_100, products) == ["Sony Wired Headphones 100% cotton pad"]
    assert search.search(EngineQuery(keywords=(KeywordGroup("earphones", ("headphones",)),))).total == 3
    assert titles(search.search(EngineQuery(sort="price_desc", limit=1)), products) == ["Bose Headphones"]


def test_excluded_words_rule_out_titles_and_brands_while_the_engine_is_down(engine, ids, uow):
    products = catalog(ids, uow)
    search = DatabaseSearch(engine, lambda: {})
    no_sony = search.search(
        EngineQuery(keywords=(KeywordGroup("headphones"),), filters=Filters(excluded_words=("sony",)))
    )
    assert titles(no_sony, products) == ["Bose Headphones"]
    no_wired = search.search(EngineQuery(filters=Filters(excluded_words=("wired", "100%"))))
    assert set(titles(no_wired, products)) == {"Sony Wireless Headphones", "Bose Headphones", "JBL Speaker"}


def test_excluded_makers_rule_out_their_products_while_the_engine_is_down(engine, ids, uow):
    products = catalog(ids, uow)
    search = DatabaseSearch(engine, lambda: {})
    not_sony = search.search(EngineQuery(filters=Filters(excluded_makers=("SONY",))))
    assert set(titles(not_sony, products)) == {"Bose Headphones", "JBL Speaker"}


def test_title_words_keep_titles_holding_each_while_the_engine_is_down(engine, ids, uow):
    products = catalog(ids, uow)
    search = DatabaseSearch(engine, lambda: {})
    found = search.search(EngineQuery(filters=Filters(title_words=("sony", "100%"))))
    assert titles(found, products) == ["Sony Wired Headphones 100% cotton pad"]


def test_like_wildcards_typed_by_a_shopper_are_literal(engine, ids, uow):
    products = catalog(ids, uow)
    search = DatabaseSearch(engine, lambda: {})
    assert titles(search.search(EngineQuery(keywords=(KeywordGroup("100%"),))), products) == [
        "Sony Wired Headphones 100% cotton pad"
    ]
    assert search.search(EngineQuery(keywords=(KeywordGroup("%"),))).total == 1
    assert search.search(EngineQuery(keywords=(KeywordGroup("_"),))).total == 0


def test_attribute_filters_apply_while_the_engine_is_down(engine, ids, uow):
    """As the index reads them: any case, values of one attribute OR'ed, attributes AND'ed, over all variants."""
    seller = Seller(ids.next_id(), "Tees", hash_api_key(str(ids.next_id())))
    tees = {
        "Red M": [{"Color": "Red", "size": "M"}],
        "Blue M": [{"color": "blue", "size": "M"}],
        "Red or Blue L": [{"color": "Red", "size": "L"}, {"color": "Blue", "size": "L"}],
        "Plain": [{}],
        "Storage": [{"storage": 64}],
        "Two-tone": [{"colour": "Black, Silver"}, {"Color": "Rose gold/Navy"}],
        "Dark Red": [{"color": "Dark Red"}],
    }
    found = {}
    with uow() as tx:
        tx.sellers.add(seller)
        for name, variants in tees.items():
            content = ProductContent(
                f"Tee {name}",
                tuple(Variant(f"T{len(found)}-{i}", Decimal("10.00"), attributes=a) for i, a in enumerate(variants)),
                status=ProductStatus.ACTIVE,
            )
            product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
            tx.products.add(product, actor="test")
            found[name] = product.product_id
        tx.commit()
    search = DatabaseSearch(engine, lambda: {})

    def matching(*attributes: tuple[str, str]) -> set[str]:
        hits = search.search(EngineQuery(filters=Filters(attributes=attributes), limit=50)).hits
        return {name for name, pid in found.items() if pid in {h.product_id for h in hits}}

    assert matching(("color", "RED")) == {"Red M", "Red or Blue L"}
    assert matching(("color", "red"), ("COLOR", "Blue")) == {"Red M", "Blue M", "Red or Blue L"}
    assert matching(("color", "red"), ("size", "m")) == {"Red M"}
    assert matching(("storage", "64")) == {"Storage"}
    assert matching(("color", "green")) == set()
    assert search.search(EngineQuery(filters=Filters(attributes=(("color", "red"),)))).total == 2
    assert matching(("color", "red"), ("size", "l")) == {"Red or Blue L"}
    assert matching(("color", "blue"), ("size", "m"), ("size", "s")) == {"Blue M"}
    assert matching(("colour", "silver")) == {"Two-tone"}  # a colour that lists several is each of them
    assert matching(("color", "rose gold")) == matching(("color", "navy")) == {"Two-tone"}
    assert matching(("color", "gold")) == set()
    assert matching(("color", "navy, dark red")) == {"Two-tone", "Dark Red"}  # as the index reads a filter


def test_an_attribute_filter_holds_for_one_variant_at_its_price_while_the_engine_is_down(engine, ids, uow):
    """As the index reads it: red under $60 is no answer from a tee red at $80 and blue at $50, nor "red, in stock"
    from one whose red is sold out."""
    seller = Seller(ids.next_id(), "Tees", hash_api_key(str(ids.next_id())))
    tees = {
        "Duo": [({"color": "Red", "size": "S"}, "80.00"), ({"color": "Blue", "size": "M"}, "50.00")],
        "Red": [({"color": "Red", "size": "M"}, "40.00")],
    }
    found = {}
    with uow() as tx:
        tx.sellers.add(seller)
        tx.inventory.add_warehouse(Warehouse("east", "East", "us-east"), utc_now())
        for name, variants in tees.items():
            made = tuple(Variant(f"{name}-{i}", Decimal(p), attributes=a) for i, (a, p) in enumerate(variants))
            content = ProductContent(f"Tee {name}", made, status=ProductStatus.ACTIVE)
            product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
            tx.products.add(product, actor="test")
            found[name] = product.product_id
            for variant in product.content.variants:  # the duo's red (its first variant) is sold out
                units = 0 if variant.sku == "Duo-0" else 5
                tx.inventory.save_level(StockLevel(variant.variant_id, "east", units, 0, 1), expected_version=0)
        tx.commit()
    search = DatabaseSearch(engine, lambda: {})

    def matching(
        *attributes: tuple[str, str], low: str | None = None, high: str | None = None, in_stock: bool | None = None
    ) -> set[str]:
        bounds = {"price_min": low and Decimal(low), "price_max": high and Decimal(high), "in_stock": in_stock}
        hits = search.search(EngineQuery(filters=Filters(attributes=attributes, **bounds), limit=50)).hits
        return {name for name, pid in found.items() if pid in {h.product_id for h in hits}}

    assert matching(("color", "red"), high="60") == {"Red"}
    assert matching(("color", "red"), low="70") == {"Duo"}  # its lowest price is $50, its red $80
    assert matching(("color", "red"), ("size", "m")) == {"Red"}  # the duo has red and M, not in one variant
    assert matching(low="45", high="55") == {"Duo"}  # no attribute: the lowest price
    assert matching(("color", "red"), in_stock=True) == {"Red"}  # the duo is in stock in blue only
    assert matching(("color", "blue"), in_stock=True) == {"Duo"}
    assert matching(in_stock=True) == {"Duo", "Red"}


def test_a_product_is_priced_by_its_cheapest_variant_in_stock_while_the_engine_is_down(engine, ids, uow):
    """As the index prices it: a shoe black at $89.99 in stock and red at $79.50 sold out costs $89.99; one with
    nothing in stock costs its lowest price."""
    seller = Seller(ids.next_id(), "Shoes", hash_api_key(str(ids.next_id())))
    shoes = {"Shoe": [("89.99", 5), ("79.50", 0)], "Boot": [("85.00", 5)], "Clog": [("95.00", 0), ("70.00", 0)]}
    found = {}
    with uow() as tx:
        tx.sellers.add(seller)
        tx.inventory.add_warehouse(Warehouse("east", "East", "us-east"), utc_now())
        for name, variants in shoes.items():
            made = tuple(Variant(f"{name}-{i}", Decimal(price)) for i, (price, _units) in enumerate(variants))
            content = ProductContent(name, made, status=ProductStatus.ACTIVE)
            product = Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id)
            tx.products.add(product, actor="test")
            found[name] = product.product_id
            for variant, (_price, units) in zip(product.content.variants, variants, strict=True):
                tx.inventory.save_level(StockLevel(variant.variant_id, "east", units, 0, 1), expected_version=0)
        tx.commit()
    search = DatabaseSearch(engine, lambda: {})
    assert titles(search.search(EngineQuery(sort="price_asc")), found) == ["Clog", "Boot", "Shoe"]
    assert titles(search.search(EngineQuery(filters=Filters(price_max=Decimal(80)))), found) == ["Clog"]
    assert search.search(EngineQuery(filters=Filters(price_max=Decimal(80), in_stock=True))).total == 0


def test_the_brand_facet_counts_with_every_filter_but_its_own_and_one_entry_per_brand(engine, ids, uow):
    catalog(ids, uow)
    seller = Seller(ids.next_id(), "Other shop", hash_api_key(str(ids.next_id())))
    with uow() as tx:
        tx.sellers.add(seller)
        variants = (Variant("S9", Decimal("59.00")),)
        content = ProductContent("sony Studio Headphones", variants, brand="sony", status=ProductStatus.ACTIVE)
        tx.products.add(Product.create(ids.next_id(), seller.seller_id, content, utc_now(), ids.next_id), actor="t")
        tx.commit()
    search = DatabaseSearch(engine, lambda: {})
    under_100 = search.search(
        EngineQuery(keywords=(KeywordGroup("headphones"),), filters=Filters(price_max=Decimal(100)))
    )
    assert under_100.total == 2 and dict(under_100.facets.brands) == {"Sony": 2}  # not Bose at 279, one Sony
    chosen = search.search(EngineQuery(keywords=(KeywordGroup("headphones"),), filters=Filters(brands=("Sony",))))
    assert chosen.total == 3
    assert dict(chosen.facets.brands) == {"Sony": 3, "Bose": 1}  # the other brands stay offered

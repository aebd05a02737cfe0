"""The catalog store contract: what every SQL backend must do, shown on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.errors import Conflict
from aisle.domain.events import Event
from aisle.domain.reviews import Review
from aisle.domain.sellers import Seller, hash_api_key
from aisle.services.catalog import CatalogService
from aisle.services.clock import utc_now
from aisle.services.ports import VersionConflict


def a_seller(ids, uow, name: str = "Acme") -> Seller:
    seller = Seller(ids.next_id(), name, hash_api_key(f"key-{name}-{ids.next_id()}"), 4.5)
    with uow() as tx:
        tx.sellers.add(seller)
        tx.commit()
    return seller


def content(title: str = "Trail Shoe", skus: tuple[str, ...] = ("SHOE-1",), price: str = "59.99") -> ProductContent:
    return ProductContent(
        title=title,
        variants=tuple(Variant(sku, Decimal(price), attributes={"size": f"M{n or ''}"}) for n, sku in enumerate(skus)),
        status=ProductStatus.ACTIVE,
        attributes={"material": "mesh", "waterproof": True},
        images=("https://img.example/shoe.jpg",),
    )


def a_product(ids, uow, seller: Seller, **kwargs) -> Product:
    product = Product.create(ids.next_id(), seller.seller_id, content(**kwargs), utc_now(), ids.next_id)
    with uow() as tx:
        tx.products.add(product, actor="test")
        tx.commit()
    return product


def test_a_sellers_rating_keeps_its_count(ids, uow):
    rated = Seller(ids.next_id(), "Rated", hash_api_key(f"key-rated-{ids.next_id()}"), 4.8, 1250)
    with uow() as tx:
        tx.sellers.add(rated)
        tx.commit()
    unrated = a_seller(ids, uow, "Unrated")
    with uow(readonly=True) as tx:
        assert tx.sellers.get(rated.seller_id) == rated
        assert tx.sellers.get(unrated.seller_id).rating_count == 0


def test_a_product_round_trips_with_exact_money_and_attributes(ids, uow):
    seller = a_seller(ids, uow)
    product = a_product(ids, uow, seller, price="1234.56")
    with uow(readonly=True) as tx:
        loaded = tx.products.get(product.product_id)
    assert loaded is not None
    assert loaded.content == product.content
    assert loaded.content.variants[0].price == Decimal("1234.56")
    assert loaded.content.attributes == {"material": "mesh", "waterproof": True}
    assert loaded.version == 1


def test_save_is_compare_and_set_on_the_version(ids, uow):
    seller = a_seller(ids, uow)
    product = a_product(ids, uow, seller)
    product.update(content(title="New title"), utc_now(), ids.next_id)
    with uow() as tx:
        tx.products.save(product, expected_version=1, actor="test")
        tx.commit()
    stale = replace(product, version=product.version + 1, events=[])
    with uow() as tx, pytest.raises(VersionConflict):
        tx.products.save(stale, expected_version=1, actor="test")
    with uow(readonly=True) as tx:
        assert tx.products.get(product.product_id).content.title == "New title"  # type: ignore[union-attr]
        assert [v.version for v in tx.products.versions(product.product_id)] == [1, 2]


def test_two_writers_from_one_version_one_wins(ids, uow):
    seller = a_seller(ids, uow)
    product = a_product(ids, uow, seller)
    outcomes: list[str] = []

    def writer(title: str) -> None:
        with uow() as tx:
            mine = tx.products.get(product.product_id)
            assert mine is not None
            mine.update(content(title=title), utc_now(), ids.next_id)
            try:
                tx.products.save(mine, expected_version=1, actor=title)
                tx.commit()
                outcomes.append("won")
            except VersionConflict:
                outcomes.append("lost")

    threads = [threading.Thread(target=writer, args=(f"title {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "won"]
    with uow(readonly=True) as tx:
        assert tx.products.get(product.product_id).version == 2  # type: ignore[union-attr]


def test_a_sku_belongs_to_one_product_per_seller(ids, uow):
    seller = a_seller(ids, uow)
    other_seller = a_seller(ids, uow, "Other")
    a_product(ids, uow, seller, skus=("SKU-A",))
    with pytest.raises(Conflict, match="SKU-A"):
        a_product(ids, uow, seller, skus=("SKU-B", "SKU-A"))
    a_product(ids, uow, other_seller, skus=("SKU-A",))  # another seller may use the same SKU
    with uow(readonly=True) as tx:
        _items, total = tx.products.list_for_seller(seller.seller_id, None, 0, 10)
    assert total == 1


def test_a_sku_in_another_case_is_the_same_sku_and_is_kept_as_typed(ids, uow):
    seller = a_seller(ids, uow)
    other_seller = a_seller(ids, uow, "Other")
    held = a_product(ids, uow, seller, skus=("CASE-SKU-1",))
    with pytest.raises(Conflict, match=f"'case-sku-1' \\(as 'CASE-SKU-1'.*product {held.product_id}") as refused:
        a_product(ids, uow, seller, skus=("OTHER-1", "case-sku-1"))
    assert refused.value.field == "variants[1].sku"
    edited = a_product(ids, uow, seller, skus=("EDIT-1",))
    edited.update(content(skus=("Case-Sku-1",)), utc_now(), ids.next_id)
    with uow() as tx, pytest.raises(Conflict, match="'Case-Sku-1'"):
        tx.products.save(edited, expected_version=1, actor="test")
    unchecked = Product.create(ids.next_id(), seller.seller_id, content(skus=("case-SKU-1",)), utc_now(), ids.next_id)
    with uow() as tx, pytest.raises(Conflict):  # the database's unique index, when the check is skipped
        tx.products.add_many([unchecked], actor="test", skus_checked=True)
    a_product(ids, uow, other_seller, skus=("case-sku-1",))  # another seller may use it in any case
    with uow(readonly=True) as tx:
        assert [v.sku for v in tx.products.get(held.product_id).content.variants] == ["CASE-SKU-1"]  # type: ignore[union-attr]


def test_skus_in_use_and_a_batch_compare_skus_in_any_case(ids, uow):
    seller = a_seller(ids, uow)
    held = a_product(ids, uow, seller, skus=("MUG-1",))
    batch = [
        Product.create(ids.next_id(), seller.seller_id, content(skus=(sku,)), utc_now(), ids.next_id)
        for sku in ("mug-1", "PLATE-1", "plate-1")
    ]
    with uow(readonly=True) as tx:
        taken = tx.products.skus_in_use(batch)
    assert taken == {
        batch[0].product_id: ("mug-1", held.product_id),
        batch[2].product_id: ("plate-1", batch[1].product_id),
    }


def test_variants_keep_their_ids_while_their_sku_stays(ids, uow):
    seller = a_seller(ids, uow)
    product = a_product(ids, uow, seller, skus=("K-1", "K-2"))
    first_ids = {v.sku: v.variant_id for v in product.content.variants}
    product.update(content(skus=("K-2", "K-3")), utc_now(), ids.next_id)
    with uow() as tx:
        tx.products.save(product, expected_version=1, actor="test")
        tx.commit()
    with uow(readonly=True) as tx:
        loaded = tx.products.get(product.product_id)
    assert loaded is not None
    after = {v.sku: v.variant_id for v in loaded.content.variants}
    assert after["K-2"] == first_ids["K-2"]
    assert after["K-3"] not in first_ids.values()
    assert "K-1" not in after


def test_events_are_written_with_the_change_and_vanish_with_a_rollback(ids, uow):
    seller = a_seller(ids, uow)
    a_product(ids, uow, seller, skus=("E-1",))
    with uow() as tx:
        product = Product.create(ids.next_id(), seller.seller_id, content(skus=("E-2",)), utc_now(), ids.next_id)
        tx.products.add(product, actor="test")
        tx.rollback()
    with uow(readonly=True) as tx:
        pending = tx.outbox.claim_pending(100)
        assert tx.products.get(product.product_id) is None
    assert [e.name for e in pending] == ["product.created"]


def test_outbox_delivers_in_order_and_counts_attempts(ids, uow):
    events = [Event("product.updated", key=7, payload={"version": n}) for n in range(1, 4)]
    with uow() as tx:
        tx.outbox.add(events, utc_now())
        tx.commit()
    now = utc_now()
    with uow() as tx:
        claimed = tx.outbox.claim_pending(2, now)
        tx.outbox.mark_failed(claimed[0].event_id, "bus down", retry_at=now + timedelta(seconds=30))
        tx.commit()
    with uow(readonly=True) as tx:
        assert [e.payload["version"] for e in tx.outbox.claim_pending(10, now)] == [2, 3]  # backing off
    with uow() as tx:
        claimed = tx.outbox.claim_pending(10, now + timedelta(seconds=31))
        assert [e.payload["version"] for e in claimed] == [1, 2, 3]
        assert claimed[0].attempts == 1
        tx.outbox.mark_delivered([e.event_id for e in claimed], utc_now())
        tx.commit()
    with uow(readonly=True) as tx:
        assert tx.outbox.pending_count() == 0


def test_review_summary_counts_concurrent_reviews_exactly(ids, uow):
    seller = a_seller(ids, uow)
    product = a_product(ids, uow, seller)

    def review(rating: int) -> None:
        with uow() as tx:
            tx.reviews.add(Review(ids.next_id(), product.product_id, rating, "t", "b", "a", utc_now()))
            tx.commit()

    threads = [threading.Thread(target=review, args=(1 + n % 5,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with uow(readonly=True) as tx:
        summary = tx.reviews.summary(product.product_id)
        reviews, total = tx.reviews.list_for_product(product.product_id, 0, 5)
    assert summary.count == 40 == total
    assert summary.distribution == {1: 8, 2: 8, 3: 8, 4: 8, 5: 8}
    assert summary.average == 3.0
    assert len(reviews) == 5


def test_category_paths_are_created_once(ids, uow):
    with uow() as tx:
        leaf = tx.categories.get_or_create_path(["Electronics", "Audio", "Headphones"], ids.next_id)
        again = tx.categories.get_or_create_path(["Electronics", "Audio", "Headphones"], ids.next_id)
        sibling = tx.categories.get_or_create_path(["Electronics", "Audio", "Speakers"], ids.next_id)
        tx.commit()
    with uow(readonly=True) as tx:
        everything = tx.categories.all()
    assert leaf == again
    assert sibling.parent_id == leaf.parent_id
    assert sorted(c.path for c in everything) == [
        "Electronics",
        "Electronics > Audio",
        "Electronics > Audio > Headphones",
        "Electronics > Audio > Speakers",
    ]


def test_sellers_are_found_by_key_hash_only(ids, uow):
    seller = a_seller(ids, uow)
    with uow(readonly=True) as tx:
        assert tx.sellers.by_api_key_hash(seller.api_key_hash) == seller
        assert tx.sellers.by_api_key_hash(hash_api_key("wrong")) is None


def test_adding_no_products_is_a_no_op(uow, ids):
    """A re-import whose batch holds only known SKUs hands over an empty batch: nothing is written, nothing fails."""
    with uow() as tx:
        tx.products.add_many([], actor="import")
        tx.commit()
    with uow() as tx:
        assert not tx.products.any_exist()


def test_many_writers_without_a_version_all_land(ids, uow):
    """Writers that name no version never get "try again": each re-reads and re-applies until its edit lands."""
    catalog = CatalogService(uow, ids.next_id, utc_now)
    product = a_product(ids, uow, a_seller(ids, uow))
    failures: list[Exception] = []
    start = threading.Barrier(24)

    def writer(n: int) -> None:
        start.wait()
        try:
            catalog.edit_product(product.seller_id, product.product_id, lambda c: replace(c, title=f"{c.title} {n}"))
        except Exception as error:  # counted below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with uow() as tx:
        final = tx.products.get(product.product_id)
    assert final is not None and final.version == 25
    assert sorted(int(word) for word in final.content.title.split()[2:]) == list(range(24))  # every edit, none twice


def test_products_named_as_canonical_by_an_active_listing(ids, uow):
    seller, other = a_seller(ids, uow), a_seller(ids, uow, "Other")
    original = a_product(ids, uow, seller, title="Oak Board", skus=("OAK-1",))
    alone = a_product(ids, uow, seller, title="Pine Board", skus=("PINE-1",))
    copy = Product.create(
        ids.next_id(),
        other.seller_id,
        replace(content("Oak board", ("OAK-2",)), canonical_product_id=original.product_id),
        utc_now(),
        ids.next_id,
    )
    with uow() as tx:
        tx.products.add(copy, actor="test")
        tx.commit()
    with uow(readonly=True) as tx:
        assert tx.products.named_canonical([original.product_id, alone.product_id, copy.product_id]) == {
            original.product_id
        }
        assert tx.products.named_canonical([]) == set()


def test_a_category_counts_products_not_listings(ids, uow):
    seller, other = a_seller(ids, uow), a_seller(ids, uow, "Other")
    with uow() as tx:
        boards = tx.categories.get_or_create_path(["Tools", "Boards"], ids.next_id).category_id
        tx.commit()

    def listed(who: Seller, sku: str, **changes) -> Product:
        product = Product.create(
            ids.next_id(),
            who.seller_id,
            replace(content(sku, (sku,)), category_id=boards, **changes),
            utc_now(),
            ids.next_id,
        )
        with uow() as tx:
            tx.products.add(product, actor="test")
            tx.commit()
        return product

    oak = listed(seller, "OAK-1")
    listed(other, "OAK-2", canonical_product_id=oak.product_id)  # an offer of the oak board
    listed(seller, "ELM-1", gtin="0885909950805")
    listed(other, "ELM-2", gtin="0885909950805")  # the same elm board, by its GTIN
    listed(seller, "PINE-1")
    listed(seller, "ASH-1", status=ProductStatus.DRAFT)
    with uow(readonly=True) as tx:
        assert tx.products.count_active_by_category() == {boards: 3}  # oak, elm, pine


def test_a_seller_finds_any_of_its_products_by_words_of_the_title_or_a_whole_sku(ids, uow):
    seller = a_seller(ids, uow)
    other_seller = a_seller(ids, uow, "Other")
    shoe = a_product(ids, uow, seller, title="Trail Shoe 50% Off", skus=("SHOE-9",))
    for n in range(30):  # newer products: the search is not limited to the newest few
        a_product(ids, uow, seller, title=f"Camp Mug {n}", skus=(f"MUG-{n}",))
    a_product(ids, uow, other_seller, title="Trail Shoe", skus=("SHOE-8",))

    def found(text: str) -> tuple[list[int], int]:
        with uow(readonly=True) as tx:
            items, total = tx.products.list_for_seller(seller.seller_id, None, 0, 10, text)
        return [p.product_id for p in items], total

    assert found("trail shoe") == ([shoe.product_id], 1)  # any case, and only this seller's
    assert found("shoe-9") == ([shoe.product_id], 1)
    assert found("50%") == ([shoe.product_id], 1)  # a percent sign is text, not a LIKE pattern
    assert found("SHOE") == ([shoe.product_id], 1)  # in the title; part of a SKU finds nothing by the SKU
    assert found("camp mug")[1] == 30 and len(found("camp mug")[0]) == 10
    assert found("_")[1] == 0

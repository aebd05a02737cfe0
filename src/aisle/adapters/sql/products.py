"""Products on SQL: one row per product, one per variant, one per version; writes are compare-and-set on version."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.bulk import BulkInsert
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.catalog import (
    Product,
    ProductContent,
    ProductStatus,
    Variant,
    content_to_dict,
    sku_key,
    version_event,
)
from aisle.domain.categories import Category, descendants
from aisle.domain.errors import Conflict
from aisle.domain.money import from_cents, to_cents
from aisle.services.ports import CardFacts, CardVariant, VersionConflict, VersionInfo

CURRENCY = "USD"
# Built once: the card and search paths run these for every page of results (a statement built per call cost
# more CPU than running it).
_PRODUCTS = select(t.products).where(t.products.c.product_id.in_(bindparam("ids", expanding=True)))
_VARIANTS = (
    select(t.variants)
    .where(t.variants.c.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(t.variants.c.position)
)

_INSERT_PRODUCTS = BulkInsert(t.products, [c.name for c in t.products.c])
_INSERT_VARIANTS = BulkInsert(t.variants, [c.name for c in t.variants.c])
_INSERT_VERSIONS = BulkInsert(t.product_versions, [c.name for c in t.product_versions.c])

_P, _V = t.products.c, t.variants.c
_CARD_PRODUCTS = select(
    _P.product_id, _P.seller_id, _P.title, _P.brand, _P.category_id, _P.images, _P.created_at
).where(and_(_P.product_id.in_(bindparam("ids", expanding=True)), _P.status == ProductStatus.ACTIVE.value))
_CARD_VARIANTS = (
    select(_V.product_id, _V.variant_id, _V.price_cents, _V.compare_price_cents, _V.attributes)
    .where(_V.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(_V.position)
)


class SqlProductRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self.seen: list[Product] = []  # loaded or added: the unit of work writes their events at commit

    def add(self, product: Product, actor: str) -> None:
        self.add_many([product], actor)

    def add_many(self, products: Sequence[Product], actor: str, skus_checked: bool = False) -> None:
        """Inserts products with their variants and first versions: a few statements for the whole batch.
        Raises Conflict when a SKU is taken (``skus_checked``: the caller has just asked ``skus_in_use`` and left
        those products out; the unique index still refuses a SKU taken since)."""
        if not products:
            return
        if not skus_checked and (clash := next(iter(self.skus_in_use(products).items()), None)):
            claimant, (sku, holder_id) = clash
            skus = [v.sku for v in next(p for p in products if p.product_id == claimant).content.variants]
            raise self._sku_taken(sku, holder_id, f"variants[{skus.index(sku)}].sku")
        with _sku_conflicts_as_409():
            _INSERT_PRODUCTS.run(self._db, [{"product_id": p.product_id, **_product_columns(p)} for p in products])
            _INSERT_VARIANTS.run(self._db, [row for p in products for row in _variant_rows(p)])
        _INSERT_VERSIONS.run(self._db, [_version_row(p, actor) for p in products])
        self.seen.extend(products)

    def skus_in_use(self, products: Sequence[Product]) -> dict[int, tuple[str, int]]:
        """For each product whose SKU another product of its seller holds, in any case: (that SKU as the product
        spells it, the other product's id)."""
        claims = {(p.seller_id, sku_key(v.sku)): (p.product_id, v.sku) for p in products for v in p.content.variants}
        v = t.variants.c
        rows = self._db.execute(
            select(v.seller_id, v.sku_key, v.product_id).where(
                and_(v.seller_id.in_({s for s, _ in claims}), v.sku_key.in_({key for _, key in claims}))
            )
        )
        clashes = {}
        for row in rows:
            claim = claims.get((row.seller_id, row.sku_key))
            if claim is not None and claim[0] != row.product_id:
                claimant, sku = claim
                clashes[claimant] = (sku, row.product_id)
        return clashes | _clashes_within(products)

    def save(self, product: Product, expected_version: int, actor: str) -> None:
        self._refuse_skus_in_use(product)
        result = self._db.execute(
            update(t.products)
            .where(and_(t.products.c.product_id == product.product_id, t.products.c.version == expected_version))
            .values(**_product_columns(product))
        )
        if result.rowcount != 1:
            raise VersionConflict(product.product_id)
        with _sku_conflicts_as_409():
            self._db.execute(delete(t.variants).where(t.variants.c.product_id == product.product_id))
            self._insert_variants(product)
        self._db.execute(insert(t.product_versions).values(**_version_row(product, actor)))

    def get(self, product_id: int, for_update: bool = False) -> Product | None:
        if not for_update:
            found = self.get_many([product_id])
            return found[0] if found else None
        # The row stays locked until the transaction ends, so concurrent writers of one product queue instead of
        # losing compare-and-set rounds (SQLite renders no FOR UPDATE: its writers are serialized already).
        row = self._db.execute(
            select(t.products).where(t.products.c.product_id == product_id).with_for_update()
        ).one_or_none()
        if row is None:
            return None
        product = _to_product(row, self._variants_by_product([product_id]).get(product_id, []))
        self.seen.append(product)
        return product

    def get_many(self, product_ids: Sequence[int]) -> list[Product]:
        if not product_ids:
            return []
        rows = self._db.execute(_PRODUCTS, {"ids": list(product_ids)}).all()
        variants = self._variants_by_product([r.product_id for r in rows])
        by_id = {r.product_id: _to_product(r, variants.get(r.product_id, [])) for r in rows}
        found = [by_id[i] for i in product_ids if i in by_id]
        self.seen.extend(found)
        return found

    def card_facts(self, product_ids: Sequence[int]) -> list[CardFacts]:
        if not product_ids:
            return []
        rows = self._db.execute(_CARD_PRODUCTS, {"ids": list(product_ids)}).all()
        variants: dict[int, list[CardVariant]] = {}
        if rows:
            for v in self._db.execute(_CARD_VARIANTS, {"ids": [r.product_id for r in rows]}):
                compare = v.compare_price_cents
                variants.setdefault(v.product_id, []).append(
                    CardVariant(
                        v.variant_id,
                        from_cents(v.price_cents),
                        None if compare is None else from_cents(compare),
                        tuple((str(name), str(value)) for name, value in (v.attributes or {}).items()),
                    )
                )
        return [
            CardFacts(
                r.product_id,
                r.seller_id,
                r.title,
                r.brand,
                r.category_id,
                tuple(r.images),
                as_utc(r.created_at),
                tuple(variants.get(r.product_id, ())),
            )
            for r in rows
        ]

    def list_for_seller(
        self,
        seller_id: int,
        statuses: Collection[ProductStatus],
        offset: int,
        limit: int,
        text: str = "",
        after: int | None = None,
    ) -> tuple[list[Product], int]:
        condition = t.products.c.seller_id == seller_id
        if statuses:
            condition = and_(condition, t.products.c.status.in_(sorted(s.value for s in statuses)))
        if text:
            of_sku = select(t.variants.c.product_id).where(func.lower(t.variants.c.sku) == text.lower())
            titled = t.products.c.title.icontains(text, autoescape=True)  # "50%" is text, not a pattern
            condition = and_(condition, or_(titled, t.products.c.product_id.in_(of_sku)))
        total = self._db.execute(select(func.count()).select_from(t.products).where(condition)).scalar_one()
        if after is not None:
            condition = and_(condition, t.products.c.product_id < after)
        ids = self._db.execute(
            select(t.products.c.product_id)
            .where(condition)
            .order_by(t.products.c.product_id.desc())
            .offset(offset)
            .limit(limit)
        ).scalars()
        return self.get_many(list(ids)), total

    def versions(self, product_id: int) -> list[VersionInfo]:
        rows = self._db.execute(
            select(
                t.product_versions.c.version,
                t.product_versions.c.created_at,
                t.product_versions.c.actor,
                t.product_versions.c.event,
            )
            .where(t.product_versions.c.product_id == product_id)
            .order_by(t.product_versions.c.version)
        ).all()
        return [VersionInfo(r.version, as_utc(r.created_at), r.actor, r.event) for r in rows]

    def snapshot(self, product_id: int, version: int) -> dict[str, Any] | None:
        return self._db.execute(
            select(t.product_versions.c.snapshot).where(
                and_(t.product_versions.c.product_id == product_id, t.product_versions.c.version == version)
            )
        ).scalar_one_or_none()

    def count_active_by_category(self) -> dict[int, int]:
        """Products, not listings: the listings of one product (one GTIN, or an offer of another listing) count
        once, as search shows them once (its buy box's winner)."""
        p = t.products.c
        same_product = case(
            (func.coalesce(p.gtin, "") != "", "g" + p.gtin),
            else_="p" + cast(func.coalesce(p.canonical_product_id, p.product_id), String),
        )
        rows = self._db.execute(
            select(p.category_id, func.count(distinct(same_product)))
            .where(p.status == ProductStatus.ACTIVE.value)
            .group_by(p.category_id)
        ).all()
        return {category_id: count for category_id, count in rows if category_id is not None}

    def active_after(self, product_id: int, limit: int) -> list[Product]:
        ids = self._db.execute(
            select(t.products.c.product_id)
            .where(and_(t.products.c.product_id > product_id, t.products.c.status == ProductStatus.ACTIVE.value))
            .order_by(t.products.c.product_id)
            .limit(limit)
        ).scalars()
        return self.get_many(list(ids))

    def ids_for_seller(self, seller_id: int) -> list[int]:
        p = t.products.c
        query = select(p.product_id).where(and_(p.seller_id == seller_id, p.status == ProductStatus.ACTIVE.value))
        return list(self._db.execute(query).scalars())

    def ids_in_category_tree(
        self, category_id: int, categories: dict[int, Category], seller_id: int | None = None
    ) -> list[int]:
        p = t.products.c
        condition = and_(
            p.category_id.in_(descendants(categories, category_id)), p.status == ProductStatus.ACTIVE.value
        )
        if seller_id is not None:
            condition = and_(condition, p.seller_id == seller_id)
        return list(self._db.execute(select(p.product_id).where(condition)).scalars())

    def offers_for(self, products: Sequence[Product]) -> list[Product]:
        """ACTIVE listings of the same products (same GTIN, or the same canonical listing), the given ones included
        (as given, when they are ACTIVE in the database)."""
        gtins = {p.content.gtin for p in products if p.content.gtin}
        anchors = {p.content.canonical_product_id or p.product_id for p in products}
        c = t.products.c
        same = or_(c.gtin.in_(gtins), c.canonical_product_id.in_(anchors), c.product_id.in_(anchors))
        ids = self._db.execute(select(c.product_id).where(and_(same, c.status == ProductStatus.ACTIVE.value)))
        given = {p.product_id: p for p in products}
        ids_found = list(ids.scalars())
        # The given listings are loaded already (usually they are all there is): read only the others.
        others = {p.product_id: p for p in self.get_many([i for i in ids_found if i not in given])}
        return [given.get(i) or others[i] for i in ids_found if i in given or i in others]

    def named_canonical(self, product_ids: Sequence[int]) -> set[int]:
        if not product_ids:
            return set()
        c = t.products.c
        named = c.canonical_product_id.in_(set(product_ids))
        found = self._db.execute(
            select(c.canonical_product_id).where(and_(named, c.status == ProductStatus.ACTIVE.value))
        )
        return set(found.scalars())

    def count_active(self) -> int:
        active = t.products.c.status == ProductStatus.ACTIVE.value
        return self._db.execute(select(func.count()).select_from(t.products).where(active)).scalar_one()

    def any_exist(self) -> bool:
        return self._db.execute(select(t.products.c.product_id).limit(1)).first() is not None

    def _insert_variants(self, product: Product) -> None:
        _INSERT_VARIANTS.run(self._db, _variant_rows(product))

    def _refuse_skus_in_use(self, product: Product) -> None:
        keys = [sku_key(v.sku) for v in product.content.variants]
        v = t.variants.c
        clash = self._db.execute(
            select(v.sku_key, v.product_id).where(
                and_(v.seller_id == product.seller_id, v.sku_key.in_(keys), v.product_id != product.product_id)
            )
        ).first()
        if clash is not None:
            index = keys.index(clash.sku_key)
            raise self._sku_taken(product.content.variants[index].sku, clash.product_id, f"variants[{index}].sku")

    def _sku_taken(self, sku: str, holder_id: int, field: str) -> Conflict:
        """``sku`` as the refused product spells it; the holder's spelling is named when it differs."""
        status = self._db.execute(select(t.products.c.status).where(t.products.c.product_id == holder_id)).scalar()
        held = self._db.execute(
            select(t.variants.c.sku).where(
                and_(t.variants.c.product_id == holder_id, t.variants.c.sku_key == sku_key(sku))
            )
        ).scalar()
        named = f"SKU {sku!r}" if held in (None, sku) else f"SKU {sku!r} (as {held!r}: SKUs are read in any case)"
        if status == ProductStatus.DELETED.value:  # deleted products keep their SKUs, so that a rollback can restore
            return Conflict(
                f"{named} is still held by your deleted product {holder_id}: roll that product back to sell it "
                "again, or choose another SKU",
                field=field,
            )
        return Conflict(f"{named} is already used by your product {holder_id}", field=field)

    def _variants_by_product(self, product_ids: list[int]) -> dict[int, list[Row]]:
        grouped: dict[int, list[Row]] = {}
        if not product_ids:
            return grouped
        rows = self._db.execute(_VARIANTS, {"ids": product_ids}).all()
        for row in rows:
            grouped.setdefault(row.product_id, []).append(row)
        return grouped


class _sku_conflicts_as_409:
    """The unique (seller, sku_key) index is the last word when two writers race for one SKU."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, _tb: Any) -> None:
        if isinstance(exc, IntegrityError) and "sku" in str(exc.orig).lower():
            raise Conflict("one of these SKUs was just taken by another of your products", field="sku") from exc


def _variant_rows(product: Product) -> list[dict[str, Any]]:
    return [_variant_columns(product, position, v) for position, v in enumerate(product.content.variants)]


def _version_row(product: Product, actor: str) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "version": product.version,
        "snapshot": content_to_dict(product.content),
        "actor": actor,
        "event": version_event(product.events),
        "created_at": product.updated_at,
    }


def _clashes_within(products: Sequence[Product]) -> dict[int, tuple[str, int]]:
    """Two products of one batch claiming the same SKU, in any case: the later one clashes with the earlier."""
    first: dict[tuple[int, str], int] = {}
    clashes: dict[int, tuple[str, int]] = {}
    for product in products:
        for variant in product.content.variants:
            holder = first.setdefault((product.seller_id, sku_key(variant.sku)), product.product_id)
            if holder != product.product_id:
                clashes.setdefault(product.product_id, (variant.sku, holder))
    return clashes


def _product_columns(product: Product) -> dict[str, Any]:
    c = product.content
    return {
        "seller_id": product.seller_id,
        "status": c.status.value,
        "version": product.version,
        "title": c.title,
        "description": c.description,
        "brand": c.brand,
        "category_id": c.category_id,
        "images": list(c.images),
        "attributes": dict(c.attributes),
        "gtin": c.gtin,
        "canonical_product_id": c.canonical_product_id,
        "popularity": c.popularity,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _variant_columns(product: Product, position: int, variant: Variant) -> dict[str, Any]:
    return {
        "variant_id": variant.variant_id,
        "product_id": product.product_id,
        "seller_id": product.seller_id,
        "position": position,
        "sku": variant.sku,
        "sku_key": sku_key(variant.sku),
        "attributes": dict(variant.attributes),
        "price_cents": to_cents(variant.price),
        "compare_price_cents": None if variant.compare_price is None else to_cents(variant.compare_price),
        "currency": CURRENCY,
        "weight_grams": variant.weight_grams,
    }


def _to_product(row: Row, variant_rows: list[Row]) -> Product:
    content = ProductContent(
        title=row.title,
        description=row.description,
        brand=row.brand,
        category_id=row.category_id,
        images=tuple(row.images),
        status=ProductStatus(row.status),
        attributes=row.attributes,
        gtin=row.gtin,
        canonical_product_id=row.canonical_product_id,
        popularity=row.popularity,
        variants=tuple(_to_variant(v) for v in variant_rows),
    )
    return Product(row.product_id, row.seller_id, content, row.version, as_utc(row.created_at), as_utc(row.updated_at))


def _to_variant(row: Row) -> Variant:
    compare = row.compare_price_cents
    return Variant(
        sku=row.sku,
        price=from_cents(row.price_cents),
        compare_price=None if compare is None else from_cents(compare),
        attributes=row.attributes,
        weight_grams=row.weight_grams,
        variant_id=row.variant_id,
    )

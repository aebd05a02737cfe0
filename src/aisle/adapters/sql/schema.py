"""Tables, shared by SQLite (embedded) and PostgreSQL (distributed). Money is stored in integer cents."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
Json = JSON().with_variant(JSONB(), "postgresql")
Timestamp = DateTime(timezone=True)

sellers = Table(
    "sellers",
    metadata,
    Column("seller_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("api_key_hash", String(64), nullable=False, unique=True),
    Column("rating", Float),
    Column("rating_count", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
)

seller_api_keys = Table(  # a seller may hold several keys over time; only active ones authenticate
    "seller_api_keys",
    metadata,
    Column("key_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seller_id", BigInteger, ForeignKey("sellers.seller_id"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp),
)

categories = Table(
    "categories",
    metadata,
    Column("category_id", BigInteger, primary_key=True, autoincrement=False),
    Column("parent_id", BigInteger, ForeignKey("categories.category_id")),
    Column("name", String(200), nullable=False),
    Column("path", String(1000), nullable=False, unique=True),
)

products = Table(
    "products",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seller_id", BigInteger, ForeignKey("sellers.seller_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("description", Text, nullable=False),
    Column("brand", String(200)),
    Column("category_id", BigInteger, ForeignKey("categories.category_id")),
    Column("images", Json, nullable=False),
    Column("attributes", Json, nullable=False),
    Column("gtin", String(32), index=True),
    Column("canonical_product_id", BigInteger, index=True),
    Column("popularity", Float),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_products_seller_status", "seller_id", "status", "product_id"),
    Index("ix_products_category_status", "category_id", "status"),
)

variants = Table(
    "variants",
    metadata,
    Column("variant_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, ForeignKey("products.product_id"), nullable=False, index=True),
    Column("seller_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    # sku_key(sku), unique per seller: SKUs differ in more than case. NULL only on a variant that already shared its
    # SKU in another case with an older one before the key existed (migration 0009)
    Column("sku_key", String(64)),
    Column("attributes", Json, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("compare_price_cents", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("weight_grams", Integer),
    UniqueConstraint("seller_id", "sku", name="uq_variants_seller_sku"),
    Index("uq_variants_seller_sku_key", "seller_id", "sku_key", unique=True),
)

product_versions = Table(
    "product_versions",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("snapshot", Json, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("event", String(40), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("review_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, ForeignKey("products.product_id"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("generated", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("reviewer", String(200)),  # order:<id> or client:<address>; one review each per product
    Column("order_id", String(100)),
    Column("verified", Boolean, nullable=False, server_default=false()),
    Index("ix_reviews_product", "product_id", "review_id"),
    Index("uq_reviews_product_reviewer", "product_id", "reviewer", unique=True),
)

confirmed_orders = Table(  # checkout says: this order bought this product (internal token)
    "confirmed_orders",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("confirmed_at", Timestamp, nullable=False),
)

review_stats = Table(
    "review_stats",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    *(Column(f"stars_{n}", Integer, nullable=False, default=0) for n in range(1, 6)),
    Column("verified", Integer, nullable=False, server_default="0"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(64), nullable=False),
    Column("key", BigInteger, nullable=False),
    Column("payload", Json, nullable=False),
    Column("status", String(16), nullable=False),  # PENDING, DELIVERED or PARKED (failed too often)
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", Timestamp, nullable=False),
    Column("next_attempt_at", Timestamp),  # set after a failure: retried with backoff, not in a tight loop
    Column("delivered_at", Timestamp),
    Column("traceparent", String(55)),  # the recording request's W3C trace context, when traces are on
    Index("ix_outbox_status", "status", "event_id"),
)

bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    Column("job_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seller_id", BigInteger, ForeignKey("sellers.seller_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False),
    Column("succeeded", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("failure_reason", Text),  # why a FAILED job stopped (or, while it runs, why its last step failed)
    Column("failed_attempts", Integer, nullable=False, server_default="0"),  # consecutive failed steps
)

bulk_job_lines = Table(
    "bulk_job_lines",
    metadata,
    Column("job_id", BigInteger, ForeignKey("bulk_jobs.job_id"), primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # PENDING, DONE, FAILED
    Column("product_id", BigInteger),
    Column("errors", Json),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("warehouse_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region", String(100), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

stock = Table(
    "stock",
    metadata,
    Column("variant_id", BigInteger, primary_key=True, autoincrement=False),
    Column("warehouse_id", String(64), ForeignKey("warehouses.warehouse_id"), primary_key=True),
    Column("available", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("available >= 0 AND reserved >= 0", name="ck_stock_never_negative"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("reservation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Index("ix_reservations_status_expiry", "status", "expires_at"),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column("reservation_id", BigInteger, ForeignKey("reservations.reservation_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("variant_id", BigInteger, nullable=False),
    Column("warehouse_id", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(300), primary_key=True),  # <caller>:<operation>:<target>:<the client's key>
    Column("request_hash", String(64)),  # sha256 of the request: the same key with another body is refused
    Column("response", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

sales = Table(
    "sales",
    metadata,
    Column("sale_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, nullable=False),
    Column("variant_id", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("sold_at", Timestamp, nullable=False),
    Index("ix_sales_product_time", "product_id", "sold_at"),
)

deals = Table(
    "deals",
    metadata,
    Column("deal_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value_cents", BigInteger, nullable=False),  # cents for AMOUNT, hundredths of a percent for PERCENT
    Column("starts_at", Timestamp, nullable=False),
    Column("ends_at", Timestamp, nullable=False),
    Column("seller_id", BigInteger),
    Index("ix_deals_window", "ends_at", "starts_at"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("code", String(64), primary_key=True),  # CODE (platform) or <seller id>:CODE (a seller's namespace)
    Column("kind", String(16), nullable=False),
    Column("value_cents", BigInteger, nullable=False),
    Column("min_spend_cents", BigInteger, nullable=False),
    Column("starts_at", Timestamp, nullable=False),
    Column("ends_at", Timestamp, nullable=False),
    Column("usage_limit", Integer),
    Column("used", Integer, nullable=False),
    Column("seller_id", BigInteger),
    Column("plain_code", String(64)),  # the code without its owner: one owner per code across the platform
    CheckConstraint("usage_limit IS NULL OR used <= usage_limit", name="ck_coupon_within_limit"),
    Index("uq_coupons_plain_code", "plain_code", unique=True),
)

# How far the deal clock has announced deals' starts and ends (one row): an edge passed while no process ran is
# announced at the next start, however long the outage.
deal_edges_announced = Table(
    "deal_edges_announced",
    metadata,
    Column("clock", String(16), primary_key=True),
    Column("seen_until", Timestamp, nullable=False),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("code", String(64), ForeignKey("coupons.code"), primary_key=True),
    Column("order_id", String(100), primary_key=True),
    Column("redeemed_at", Timestamp, nullable=False),
)

price_history = Table(
    "price_history",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("variant_id", BigInteger, nullable=False),
    Column("product_id", BigInteger, nullable=False),
    Column("old_cents", BigInteger),
    Column("new_cents", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("changed_at", Timestamp, nullable=False),
    Index("ix_price_history_variant", "variant_id", "changed_at"),
)

product_images = Table(
    "product_images",
    metadata,
    Column("image_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, ForeignKey("products.product_id"), nullable=False),
    Column("seller_id", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("reason", Text),
    Column("alt_text", String(500), nullable=False),
    Column("position", Integer, nullable=False),
    Column("variant_id", BigInteger),
    Column("width", Integer),
    Column("height", Integer),
    Column("original_ext", String(8)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_product_images_product", "product_id", "position", "image_id"),
    Index("ix_product_images_status", "status", "image_id"),
)

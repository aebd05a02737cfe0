"""The FastAPI application, built around a container from the composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from aisle.bootstrap import Container
from aisle.entrypoints import metrics
from aisle.entrypoints.api import images, inventory, media, ops, pricing, search, seller_keys, seller_products, shop
from aisle.entrypoints.api.dependencies import internal_caller
from aisle.entrypoints.api.methods import DocumentedMethods
from aisle.entrypoints.api.middleware import (
    AcceptEncodingMiddleware,
    BodyLimitMiddleware,
    EncodedSlashMiddleware,
    HeadAsGetMiddleware,
    MetricsMiddleware,
    RequestIdMiddleware,
    SafeHeadersMiddleware,
    UndocumentedMethodMiddleware,
)
from aisle.entrypoints.api.problems import install_problem_handlers
from aisle.entrypoints.web.app import install_web
from aisle.services.images import MAX_FILES_PER_REQUEST

GZIP_FROM_BYTES = 1024  # answers smaller than this go as they are: compressing them saves less than it costs

DESCRIPTION = """
aisle's HTTP API. Errors are `application/problem+json` with an `errors` list naming each bad field.
Any request body may be refused whole: 413 over its size limit, 415 compressed, 408 when its next part does not
arrive within `AISLE_BODY_READ_TIMEOUT_SECONDS` (30 s).

* **Seller** endpoints take `Authorization: Bearer <seller API key>` (create one with `aisle sellers create`).
* **Shop** endpoints are public and show ACTIVE products only.
* Ids are 64-bit numbers rendered as strings.
"""


def create_app(container: Container, manage_background: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_background:
            container.start_background()
        yield
        if manage_background:
            container.stop()

    app = FastAPI(
        title="aisle",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by the web pages from local assets, so the docs work offline
        redoc_url=None,
        telemetry={"tracing": container.tracing.enabled},  # FastAPI's own spans, when traces are configured
    )
    app.state.container = container
    install_problem_handlers(app, internal_only=internal_caller)
    routers = (
        search.router,
        inventory.router,
        shop.router,
        pricing.router,
        ops.router,
        seller_keys.router,
        seller_products.router,
        images.router,
        media.router,
    )
    # Search before shop: /products/search must not be read as /products/{id}. The busiest routes come first:
    # a request is matched against the routes in order (a reservation was tried against 40 routes before its own).
    for router in routers:
        app.include_router(router)
    install_web(app)
    settings = container.settings

    def body_limit(path: str) -> int:
        if path.endswith("/images"):  # each file part is also held to image_max_bytes as it streams
            return settings.image_max_bytes * MAX_FILES_PER_REQUEST + settings.max_body_bytes
        bulk = path.endswith("/products/bulk") or path == "/seller/bulk"
        return settings.bulk_max_bytes if bulk else settings.max_body_bytes

    app.state.documented_methods = DocumentedMethods(app)
    app.add_middleware(UndocumentedMethodMiddleware, methods=app.state.documented_methods)
    # inside HEAD-as-GET, so a HEAD says what its GET would send; level 5: under 0.1 ms for a 20-card search answer,
    # 6-7x smaller, where level 9 takes 1.5-3x as long for 2-5% less (bench/reports/compression.md)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_FROM_BYTES, compresslevel=5)
    app.add_middleware(AcceptEncodingMiddleware)
    app.add_middleware(HeadAsGetMiddleware)  # outside the method check: HEAD is checked as the GET it becomes
    app.add_middleware(BodyLimitMiddleware, limit_for_path=body_limit, read_timeout=settings.body_read_timeout_seconds)
    app.add_middleware(EncodedSlashMiddleware)
    app.add_middleware(SafeHeadersMiddleware)
    if settings.cors_origin_list:  # outside the method check: a preflight OPTIONS is answered here
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "X-Request-Id",
            ],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-Id"],
            max_age=600,
        )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, observe=_observe_request)
    metrics.instrument(container)
    return app


def _observe_request(route: str, method: str, status: int, seconds: float) -> None:
    metrics.HTTP_LATENCY.labels(route, method, str(status)).observe(seconds)

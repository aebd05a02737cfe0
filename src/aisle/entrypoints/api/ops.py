"""Health, readiness and the internal seller registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aisle.entrypoints.api.dependencies import ContainerDep, SellersDep, internal_caller
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.problems import problem
from aisle.entrypoints.api.responses import Health, Indexing, NewSellerOut, Readiness, ok
from aisle.entrypoints.api.schemas import NewSellerIn

router = APIRouter(route_class=UniqueKeysRoute)


@router.get("/healthz", tags=["ops"], response_model=Health)
async def healthz() -> dict[str, str]:
    """The process is alive (it answers); says nothing about its dependencies. Answered on the event loop, not in
    the thread pool that requests waiting on a hung database or store can fill: a liveness probe must not restart
    a process for its dependency's fault."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["ops"],
    response_model=None,
    responses={
        200: ok(Readiness),
        503: ok(Indexing, "Storage unreachable (problem+json), or the search index is behind the catalog"),
    },
)
def readyz(app: ContainerDep, request: Request) -> Any:
    """Ready to serve: the database answers and the search index holds the catalog (not fewer documents than ACTIVE
    products while an event older than AISLE_READY_MAX_INDEX_LAG_SECONDS waits to be indexed, and not empty beside
    a catalog that is not: an index found empty is being rebuilt). Changes waiting longer to be indexed while every
    product is (a stopped relay, a broker down) leave the process ready, saying so in ``index_behind``: searches
    still answer, and a balancer taking every process out would stop them all."""
    try:
        progress = app.readiness()
    except Exception as error:
        detail = "The database or the search index cannot be reached; this process takes no traffic until it can."
        return problem(request, 503, detail, headers={"Retry-After": "5"}, cause=type(error).__name__)
    if not progress.caught_up:
        body = {
            "status": "indexing",
            "indexed": progress.indexed,
            "total": progress.total,
            "events_waiting": progress.events_waiting,
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    ready: dict[str, Any] = {"status": "ready", "profile": app.settings.profile}
    if progress.events_waiting:
        behind = {"events_waiting": progress.events_waiting, "seconds": round(progress.behind_seconds, 1)}
        ready["index_behind"] = behind
    return JSONResponse(ready)


@router.get(
    "/metrics",
    tags=["ops"],
    response_class=Response,
    dependencies=[Depends(internal_caller)],
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        },
        401: {"description": "Needs the internal token (Prometheus: bearer_token in the scrape config)"},
    },
)
def prometheus_metrics() -> Response:
    """Prometheus exposition: latency histograms, zero-result and relaxation counts, cache and outbox gauges."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.post(
    "/api/v1/sellers",
    tags=["internal"],
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(internal_caller)],
    response_model=NewSellerOut,
    responses={401: {"description": "Missing or wrong internal token"}},
)
def create_seller(body: NewSellerIn, sellers: SellersDep) -> dict[str, str]:
    """Registers a seller and returns its API key, shown this once (internal token required)."""
    created = sellers.create(body.name)
    return {
        "seller_id": str(created.seller.seller_id),
        "name": created.seller.name,
        "api_key": created.api_key,
    }

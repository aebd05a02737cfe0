"""Response shapes of the seller-version and ops endpoints, as OpenAPI
shows them (search, autocomplete, the product page, categories, inventory and pricing: ``shapes/``).

The endpoints whose answers are replayed for idempotency keys are serialized from the services' dicts with orjson;
these models are their documented contract, and ``tests/api/test_openapi_client.py`` reads real answers through a
client generated from the document, so the two cannot drift apart. ``extra="allow"``: a field added to an answer
before its model is documented, not dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Responses = dict[int | str, dict[str, Any]]  # a route's ``responses=``


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- seller versions and ops ---------------------------------------------------------------------------------------


class VersionSnapshot(Shape):
    version: int
    product: dict[str, Any] = Field(description="The product's content at that version")


class VersionDiff(Shape):
    from_: int = Field(alias="from")
    to: int
    fields: list[dict[str, Any]] = Field(description="{field, from, to} for each field that changed")
    variants: dict[str, Any] = Field(description="added, removed and changed variants, matched by SKU")


class NewSellerOut(Shape):
    seller_id: str
    name: str
    api_key: str = Field(description="Shown this once")


class Health(Shape):
    status: str


class IndexBehind(Shape):
    events_waiting: int = Field(description="changes not yet indexed")
    seconds: float = Field(description="how long the oldest of them has waited")


class Readiness(Shape):
    status: str
    profile: str
    index_behind: IndexBehind | None = Field(
        None,
        description="Present when every product is indexed but changes wait to be (a stopped relay, a broker "
        "down): searches answer with them a little out of date",
    )


class Indexing(Shape):
    """503 from /readyz while the search index is behind the catalog (storage unreachable is a problem+json)."""

    status: str = Field(description='"indexing"')
    indexed: int = Field(description="documents in the search index")
    total: int = Field(description="ACTIVE products in the catalog")
    events_waiting: int = Field(description="changes not yet indexed (updates too, which leave the counts equal)")


def ok(model: type[BaseModel], description: str = "OK") -> dict[str, Any]:
    """A ``responses`` entry for an answer serialized by hand (the route sets ``response_model=None``)."""
    return {"model": model, "description": description}

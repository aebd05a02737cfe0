"""The internal API for sellers' API keys: list them, rotate (a new key; the old ones stop working), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from aisle.domain.sellers import ApiKeyInfo
from aisle.entrypoints.api.dependencies import SellersDep, id_in_path, internal_caller, parse_id
from aisle.entrypoints.api.json_body import UniqueKeysRoute
from aisle.entrypoints.api.responses import Responses

router = APIRouter(
    route_class=UniqueKeysRoute, prefix="/api/v1/sellers", tags=["internal"], dependencies=[Depends(internal_caller)]
)
PROBLEMS: Responses = {
    401: {"description": "Needs the internal token"},
    404: {"description": "No such seller, or no such key of the seller"},
    422: {"description": "Malformed id"},
}
SellerIdText = Annotated[str, id_in_path("The seller's id")]
KeyIdText = Annotated[str, id_in_path("The key's id, from the key list")]


class KeyOut(BaseModel):
    key_id: str
    fingerprint: str = Field(description="The first characters of the key's SHA-256 digest")
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class KeyList(BaseModel):
    seller_id: str
    keys: list[KeyOut] = Field(description="Newest first")


class NewKeyOut(KeyOut):
    api_key: str = Field(description="The new key, shown this once")


def key_out(key: ApiKeyInfo) -> KeyOut:
    return KeyOut(
        key_id=str(key.key_id),
        fingerprint=key.fingerprint,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        active=key.active,
    )


@router.get("/{seller_id}/keys", response_model=KeyList, responses=PROBLEMS)
def list_keys(seller_id: SellerIdText, sellers: SellersDep) -> KeyList:
    """The seller's keys (never the keys themselves: only their fingerprints)."""
    seller = parse_id(seller_id, "seller_id")
    return KeyList(seller_id=str(seller), keys=[key_out(k) for k in sellers.keys(seller)])


@router.post("/{seller_id}/keys", status_code=status.HTTP_201_CREATED, response_model=NewKeyOut, responses=PROBLEMS)
def rotate_key(seller_id: SellerIdText, sellers: SellersDep) -> NewKeyOut:
    """Issues a new key and revokes every older one at once (rotate after a leak, or on schedule)."""
    info, api_key = sellers.rotate_key(parse_id(seller_id, "seller_id"))
    return NewKeyOut(**key_out(info).model_dump(), api_key=api_key)


@router.delete("/{seller_id}/keys/{key_id}", response_model=KeyList, responses=PROBLEMS)
def revoke_key(seller_id: SellerIdText, key_id: KeyIdText, sellers: SellersDep) -> KeyList:
    """Revokes one key; the seller's other active keys keep working. Revoking a revoked key again changes
    nothing and answers the same list (a retry is safe); a key the seller never had is a 404."""
    seller = parse_id(seller_id, "seller_id")
    sellers.revoke_key(seller, parse_id(key_id, "key_id"))
    return KeyList(seller_id=str(seller), keys=[key_out(k) for k in sellers.keys(seller)])

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aisle.domain.errors import InvalidInput, NotFound
from aisle.domain.sellers import ApiKeyInfo, Seller, fingerprint, hash_api_key, new_api_key
from aisle.domain.visible_text import shows_anything
from aisle.services.clock import utc_now
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class NewSeller:
    seller: Seller
    api_key: str  # shown once, never stored


class SellerService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, new_id: Callable[[], int], now: Callable[[], datetime] | None = None
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now or utc_now

    def create(self, name: str, rating: float | None = None, rating_count: int = 0) -> NewSeller:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 200:
            raise InvalidInput.single("name", "must be 1 to 200 characters")
        if not shows_anything(name):  # "\u200b": pages and the buy box would show a seller without a name
            raise InvalidInput.single("name", "must not be blank")
        api_key = new_api_key()
        seller = Seller(self._new_id(), name, hash_api_key(api_key), rating, rating_count)
        with self._uow() as uow:
            uow.sellers.add(seller)
            uow.commit()
        return NewSeller(seller, api_key)

    def get_or_create(self, name: str) -> Seller:
        with self._uow(readonly=True) as uow:
            existing = uow.sellers.by_name(name)
        return existing or self.create(name).seller

    def keys(self, seller_id: int) -> list[ApiKeyInfo]:
        with self._uow(readonly=True) as uow:
            _require_seller(uow, seller_id)
            return uow.sellers.keys(seller_id)

    def rotate_key(self, seller_id: int) -> tuple[ApiKeyInfo, str]:
        """A new key for the seller; every older key stops working at once. The key is returned this once."""
        api_key, key_id, now = new_api_key(), self._new_id(), self._now()
        with self._uow() as uow:
            _require_seller(uow, seller_id)
            uow.sellers.add_key(seller_id, key_id, hash_api_key(api_key), now)
            uow.sellers.revoke_keys(seller_id, now, keep=key_id)
            uow.commit()
        return ApiKeyInfo(key_id, seller_id, fingerprint(hash_api_key(api_key)), now), api_key

    def revoke_key(self, seller_id: int, key_id: int) -> bool:
        """False when the key was already revoked: a retried revoke is not an error."""
        with self._uow() as uow:
            _require_seller(uow, seller_id)
            key = next((k for k in uow.sellers.keys(seller_id) if k.key_id == key_id), None)
            if key is None:
                raise NotFound("key", key_id)
            if not key.active:
                return False
            uow.sellers.revoke_keys(seller_id, self._now(), key_id=key_id)
            uow.commit()
            return True

    def authenticate(self, api_key: str) -> Seller | None:
        with self._uow(readonly=True) as uow:
            return uow.sellers.by_api_key_hash(hash_api_key(api_key))

    def sign_in(self, api_key: str) -> tuple[Seller, str] | None:
        """The seller whose active key this is, with the key's fingerprint, which a portal session keeps."""
        seller = self.authenticate(api_key)
        return None if seller is None else (seller, fingerprint(hash_api_key(api_key)))

    def with_active_key(self, seller_id: int, key_fingerprint: str) -> Seller | None:
        """The seller, while its key with this fingerprint is active: rotating or revoking a key ends the portal
        sessions signed in with it, as it ends its API access."""
        with self._uow(readonly=True) as uow:
            seller = uow.sellers.get(seller_id)
            keys = uow.sellers.keys(seller_id) if seller else []
        return seller if any(k.active and k.fingerprint == key_fingerprint for k in keys) else None

    def named(self, name: str) -> list[Seller]:
        """Every seller of that name, the oldest first: names need not be unique."""
        with self._uow(readonly=True) as uow:
            return uow.sellers.all_by_name(name)

    def listed(self, limit: int) -> list[Seller]:
        with self._uow(readonly=True) as uow:
            return uow.sellers.listed(limit)

    def get(self, seller_id: int) -> Seller | None:
        with self._uow(readonly=True) as uow:
            return uow.sellers.get(seller_id)


def _require_seller(uow: UnitOfWork, seller_id: int) -> None:
    if uow.sellers.get(seller_id) is None:
        raise NotFound("seller", seller_id)

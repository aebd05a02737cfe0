from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aisle.domain.errors import InvalidInput
from aisle.domain.sellers import Seller, hash_api_key, new_api_key
from aisle.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class NewSeller:
    seller: Seller
    api_key: str  # shown once, never stored


class SellerService:
    def __init__(self, uow_factory: UnitOfWorkFactory, new_id: Callable[[], int]) -> None:
        self._uow = uow_factory
        self._new_id = new_id

    def create(self, name: str, rating: float | None = None) -> NewSeller:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 200:
            raise InvalidInput.single("name", "must be 1 to 200 characters")
        api_key = new_api_key()
        seller = Seller(self._new_id(), name, hash_api_key(api_key), rating)
        with self._uow() as uow:
            uow.sellers.add(seller)
            uow.commit()
        return NewSeller(seller, api_key)

    def get_or_create(self, name: str) -> Seller:
        with self._uow(readonly=True) as uow:
            existing = uow.sellers.by_name(name)
        return existing or self.create(name).seller

    def authenticate(self, api_key: str) -> Seller | None:
        with self._uow(readonly=True) as uow:
            return uow.sellers.by_api_key_hash(hash_api_key(api_key))

    def get(self, seller_id: int) -> Seller | None:
        with self._uow(readonly=True) as uow:
            return uow.sellers.get(seller_id)

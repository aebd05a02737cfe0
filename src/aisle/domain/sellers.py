"""Sellers and their API keys. A key is shown once; only its SHA-256 digest is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

API_KEY_PREFIX = "aisle_sk_"


@dataclass(frozen=True)
class Seller:
    seller_id: int
    name: str
    api_key_hash: str
    rating: float | None = None  # seller quality, 0-5; None until the seller has a track record
    rating_count: int = 0  # how many ratings the average is of: ranking trusts a rating with its count


@dataclass(frozen=True)
class ApiKeyInfo:
    """What can be shown about a key: never the key itself, which only its holder has."""

    key_id: int
    seller_id: int
    fingerprint: str  # the first characters of the key's digest, to tell keys apart
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


FINGERPRINT_CHARS = 12


def fingerprint(key_hash: str) -> str:
    """The first characters of a key's digest: enough to tell a seller's keys apart, nothing to sign in with."""
    return key_hash[:FINGERPRINT_CHARS]


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    # The keys are 256-bit random, so a fast digest is enough: there is nothing to brute-force.
    return hashlib.sha256(api_key.encode()).hexdigest()

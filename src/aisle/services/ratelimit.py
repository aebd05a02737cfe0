"""The rate limiter port: a token bucket per key (an API key, a client address), refilled continuously."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after_seconds: float  # 0.0 when allowed; else how long until one token is back


class RateLimiter(Protocol):
    def hit(self, key: str, rate_per_minute: float, burst: int) -> RateDecision:
        """Takes one token from ``key``'s bucket, which holds at most ``burst`` tokens and refills at
        ``rate_per_minute``. Raises ValueError on a rate that is not positive or a burst below 1."""


def check_limits(rate_per_minute: float, burst: int) -> None:
    if not rate_per_minute > 0:
        raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute!r}")
    if burst < 1:
        raise ValueError(f"burst must be at least 1, got {burst!r}")

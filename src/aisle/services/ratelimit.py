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


def take_one(tokens: float, per_second: float) -> RateDecision:
    """The decision for a bucket holding ``tokens`` (refilled up to now) that refills ``per_second``."""
    if tokens >= 1:
        return RateDecision(allowed=True, remaining=int(tokens - 1), retry_after_seconds=0.0)
    return RateDecision(allowed=False, remaining=0, retry_after_seconds=(1 - tokens) / per_second)

"""Steady shopper and seller traffic against a running API, counted: seller writes (creates and price changes),
searches and reservations, each from its own thread at a fixed pace."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

WRITES_PER_SECOND = 8.0
SEARCHES_PER_SECOND = 10.0
RESERVATIONS_PER_SECOND = 5.0


@dataclass
class Tally:
    started: float = 0.0
    stopped: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # 5xx and transport failures, with what was asked
    unexpected: list[str] = field(default_factory=list)  # 4xx: this traffic sends nothing a server should refuse
    last_price: dict[str, float] = field(default_factory=dict)  # product id -> the last price the API acknowledged
    reservations: int = 0
    search_answers: list[tuple[float, bool]] = field(default_factory=list)  # (when, degraded)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, response: httpx.Response | Exception) -> bool:
        """Counts one answer; True when it succeeded."""
        with self.lock:
            if isinstance(response, Exception):
                self.statuses[f"{kind} {type(response).__name__}"] += 1
                self.server_errors.append(f"{kind}: {response!r}")
                return False
            self.statuses[f"{kind} {response.status_code}"] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{kind}: {response.status_code} {response.text[:300]}")
            elif response.status_code >= 400:
                self.unexpected.append(f"{kind}: {response.status_code} {response.text[:300]}")
            return response.status_code < 300

    def longest_search_gap(self, degraded_counts: bool = True) -> float:
        """The longest time without a search answer (a degraded answer counts unless told otherwise)."""
        times = [when for when, degraded in self.search_answers if degraded_counts or not degraded]
        marks = [self.started, *sorted(times), self.stopped]
        return max(later - earlier for earlier, later in itertools.pairwise(marks))

    def degraded_answers(self) -> int:
        return sum(1 for _, degraded in self.search_answers if degraded)


class Traffic:
    def __init__(
        self, base_url: str, seller: dict[str, str], internal: dict[str, str], token: str, stock_variant: str
    ) -> None:
        self.tally = Tally()
        self._base = base_url
        self._seller, self._internal = seller, internal
        self._token = token  # a word in every title this traffic writes
        self._variant = stock_variant
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._paced, args=(WRITES_PER_SECOND, self._write), daemon=True),
            threading.Thread(target=self._paced, args=(SEARCHES_PER_SECOND, self._search), daemon=True),
            threading.Thread(target=self._paced, args=(RESERVATIONS_PER_SECOND, self._reserve), daemon=True),
        ]

    def start(self) -> None:
        self.tally.started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> Tally:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        self.tally.stopped = time.monotonic()
        return self.tally

    def _paced(self, per_second: float, step: Callable[[httpx.Client, int], None]) -> None:
        interval = 1.0 / per_second
        with httpx.Client(base_url=self._base, timeout=30.0) as client:
            n, next_at = 0, time.monotonic()
            while not self._stop.is_set():
                step(client, n)
                n += 1
                next_at += interval
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _write(self, client: httpx.Client, n: int) -> None:
        known = list(self.tally.last_price)
        if n % 2 == 1 and known:
            self._change_price(client, known[(n // 2) % len(known)], n)
            return
        price = 20.0 + n % 50
        body = {
            "title": f"Failover {self._token} lamp {n}",
            "status": "ACTIVE",
            "brand": "Clusterco",
            "variants": [{"sku": f"{self._token}-{n}", "price": price}],
        }
        response = _call(client.post, "/api/v1/seller/products", json=body, headers=self._seller)
        if self.tally.record("create", response) and isinstance(response, httpx.Response):
            product = response.json()
            with self.tally.lock:
                self.tally.last_price[product["product_id"]] = price

    def _change_price(self, client: httpx.Client, product_id: str, n: int) -> None:
        detail = _call(client.get, f"/api/v1/seller/products/{product_id}", headers=self._seller)
        if not self.tally.record("read", detail) or not isinstance(detail, httpx.Response):
            return
        sku = detail.json()["variants"][0]["sku"]
        price = 20.0 + (n * 7) % 50
        body = {"variants": [{"sku": sku, "price": price}], "confirm_price_change": True}
        response = _call(client.patch, f"/api/v1/seller/products/{product_id}", json=body, headers=self._seller)
        if self.tally.record("update", response):
            with self.tally.lock:
                self.tally.last_price[product_id] = price

    def _search(self, client: httpx.Client, n: int) -> None:
        params = {"q": f"failover {self._token}", "page_size": 5, "page": 1 + n % 3}
        response = _call(client.get, "/api/v1/products/search", params=params)
        if self.tally.record("search", response) and isinstance(response, httpx.Response):
            with self.tally.lock:
                self.tally.search_answers.append((time.monotonic(), "degraded" in response.json()))

    def _reserve(self, client: httpx.Client, n: int) -> None:
        body = {"owner": f"cart-{n}", "lines": [{"variant_id": self._variant, "quantity": 1}], "ttl_seconds": 3600}
        response = _call(client.post, "/api/v1/inventory/reservations", json=body, headers=self._internal)
        if self.tally.record("reserve", response):
            with self.tally.lock:
                self.tally.reservations += 1


def _call(method: Callable[..., httpx.Response], url: str, **kwargs: object) -> httpx.Response | Exception:
    try:
        return method(url, **kwargs)
    except httpx.HTTPError as error:
        return error

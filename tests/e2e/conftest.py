"""Browser tests: the app served by uvicorn in a thread (temp data dir), driven by Playwright with the Debian
chromium package. Every page a test opens is watched for console errors and failed same-origin requests."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aisle.bootstrap import Container, bootstrap
from aisle.domain.inventory import Warehouse
from aisle.entrypoints.api.app import create_app
from aisle.services.product_input import ProductIn
from aisle.settings import Settings
from tests.support.served import served_in_thread

CHROMIUM = os.environ.get("AISLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _chromium() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"no chromium at {CHROMIUM}: CI installs the Debian package (apt-get install chromium)")
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set AISLE_CHROMIUM)")


@dataclass
class LiveStore:
    url: str
    container: Container
    seller_key: str
    products: dict[str, str] = field(default_factory=dict)  # title -> product id


SHOES = {
    "title": "Trailblazer Running Shoe",
    "description": "Light, grippy and waterproof.",
    "brand": "Acme",
    "status": "ACTIVE",
    "variants": [
        {"sku": "TB-42", "price": 89.99, "compare_price": 119.99, "attributes": {"size": "42"}},
        {"sku": "TB-44", "price": 94.99, "attributes": {"size": "44"}},
    ],
}
OTHERS = [
    {
        "title": "Trailblazer Hiking Sock",
        "brand": "Peak",
        "status": "ACTIVE",
        "variants": [{"sku": "PS-1", "price": 12}],
    },
    {"title": "Marathon Running Cap", "brand": "Peak", "status": "ACTIVE", "variants": [{"sku": "PC-1", "price": 19}]},
]


def _seed(container: Container) -> tuple[str, dict[str, str]]:
    created = container.sellers.create("E2E Outfitters", rating=4.6)
    ids = {}
    for body in (SHOES, *OTHERS):
        content = ProductIn.model_validate(body).to_content()
        product = container.catalog.create_product(created.seller.seller_id, content)
        ids[body["title"]] = str(product.product_id)
    stock = {"TB-42": 3, "TB-44": 40, "PS-1": 10, "PC-1": 0}
    skus = {}
    with container.uow(readonly=True) as uow:
        for pid in ids.values():
            for variant in uow.products.get(int(pid)).content.variants:
                skus[variant.variant_id] = variant.sku
    container.inventory.stock_catalog(Warehouse("e2e", "E2E warehouse", "local"), lambda vid: stock[skus[vid]])
    return created.api_key, ids


def _wait_until_searchable(url: str, query: str, timeout: float = 60.0) -> None:
    """Waits for the seeded catalog to be indexed and its words known to the spelling corrector. A request that
    takes long (a busy 2-core CI machine) is waited for up to the same deadline, not failed at httpx's 5 s."""
    import httpx

    deadline = time.monotonic() + timeout
    last = "no answer"
    while (left := deadline - time.monotonic()) > 0:
        try:
            body = httpx.get(f"{url}/api/v1/products/search", params={"q": query}, timeout=left).json()
        except httpx.TimeoutException as error:
            last = f"timed out: {error}"
            continue
        if body["total"] and body["query"]["corrected"]:
            return
        last = f"total {body['total']}, corrected {body['query']['corrected']!r}"
        time.sleep(0.1)
    raise AssertionError(f"{query!r} was not corrected and found within {timeout} s (last: {last})")


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    _chromium()
    data_dir = tmp_path_factory.mktemp("e2e-store")
    settings = Settings(data_dir=data_dir, internal_token="e2e-internal-token", vocabulary_refresh_seconds=0.2)
    container = bootstrap(settings)
    key, ids = _seed(container)
    with served_in_thread(create_app(container)) as url:
        _wait_until_searchable(url, "trailblazr")
        yield LiveStore(url, container, key, ids)


@pytest.fixture(scope="session")
def browser(store: LiveStore):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a shared 2-core machine under load: waits are bounded, not tight
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageWatch:
    """Console errors and failed same-origin requests seen by a page; tests assert on them at each step."""

    def __init__(self, page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.problems: list[str] = []
        self.expected_statuses: set[int] = set()
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        # a request cut short by the page navigating away (net::ERR_ABORTED) is the browser's choice, not a failure
        if self._same_origin(request.url) and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"failed {request.url}: {request.failure}")

    def _same_origin(self, url: str) -> bool:
        return url.startswith(self.origin)

    def _console(self, message) -> None:
        if message.type == "error" and not self._expected(message.text):
            self.problems.append(f"console: {message.text}")

    def _expected(self, text: str) -> bool:
        return any(f"status of {status}" in text for status in self.expected_statuses)

    def _response(self, response) -> None:
        if self._same_origin(response.url) and response.status >= 400 and response.status not in self.expected_statuses:
            self.problems.append(f"{response.status} {response.url}")

    def clean(self) -> None:
        assert self.problems == [], self.problems

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def watched(browser, store: LiveStore) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = PageWatch(page, store.url)
    yield watch
    context.close()
    watch.clean()

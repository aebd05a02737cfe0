"""The API docs render from local assets: Swagger UI shows the operations with no request leaving the machine."""

from __future__ import annotations

from playwright.sync_api import expect


def test_swagger_ui_renders_offline(watched, store):
    outside: list[str] = []
    watched.page.route(
        "**/*",
        lambda route: (
            (outside.append(route.request.url), route.abort())
            if not route.request.url.startswith(store.url)
            else route.continue_()
        ),
    )
    watched.page.goto(store.url + "/docs", timeout=30_000)
    expect(watched.page.get_by_text("/api/v1/products/search").first).to_be_visible(timeout=30_000)
    assert outside == [], outside
    watched.clean()

"""A test client that holds every answer to its route's documented ``response_model``.

The hot paths serialize their presenters' dicts with orjson and skip validation at run time; this is where the
document and the answers are compared instead, on every request of every API test."""

from __future__ import annotations

import gzip
import json
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import TypeAdapter, ValidationError

CHECKED_STATUSES = {200, 201}
# One validator per response model for the whole test session: building one costs milliseconds, and every test
# starts a new app.
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


class DocumentedClient(TestClient):
    """Fails the test when a JSON answer does not fit the model its route declares."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self.checked = 0
        self._wrong: list[str] = []
        self.documented_app = app
        super().__init__(self._checking, **kwargs)

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        if self._wrong:
            wrong, self._wrong = self._wrong, []
            raise AssertionError("\n".join(wrong))
        return response

    async def _checking(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.documented_app(scope, receive, send)
            return
        status, body, compressed = 0, bytearray(), False

        async def recording(message: dict[str, Any]) -> None:
            nonlocal status, compressed
            if message["type"] == "http.response.start":
                status = message["status"]
                compressed = (b"content-encoding", b"gzip") in message.get("headers", [])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.documented_app(scope, receive, recording)
        route = scope.get("route")
        if status in CHECKED_STATUSES and isinstance(route, APIRoute) and route.response_model is not None:
            self._check(route, gzip.decompress(body) if compressed else bytes(body))

    def _check(self, route: APIRoute, body: bytes) -> None:
        try:
            answer = json.loads(body)
        except ValueError:
            return  # not JSON (a redirect, a file): nothing to compare
        adapter = _ADAPTERS.get(route.response_model)
        if adapter is None:
            adapter = _ADAPTERS[route.response_model] = TypeAdapter(route.response_model)
        try:
            adapter.validate_python(answer)
        except ValidationError as wrong:
            self._wrong.append(f"{route.path} answered outside its documented model:\n{wrong}")
        else:
            self.checked += 1

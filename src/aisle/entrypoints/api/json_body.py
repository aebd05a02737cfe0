"""JSON bodies whose objects name each key once (``json_of_unique_keys``): ``{"price": 1, "price": 1000}`` is
refused as not valid JSON (422 naming the key) instead of being guessed at."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from aisle.services.input_model import RepeatedKey, json_of_unique_keys


class _UniqueKeysRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json_of_unique_keys(body)
            except RepeatedKey as repeated:  # FastAPI answers a JSONDecodeError as an invalid body
                raise json.JSONDecodeError(str(repeated), body.decode("utf-8", "replace"), 0) from repeated
        return self._json


class UniqueKeysRoute(APIRoute):
    """The route class of every router whose operations read a JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unique_keys_handler(request: Request) -> Response:
            return await handler(_UniqueKeysRequest(request.scope, request.receive))

        return unique_keys_handler

"""JSON bodies whose objects name each key once.

Python's parser keeps the last of two equal keys and says nothing, so ``{"price": 1, "price": 1000}`` would be read
one way here and another way by a proxy, a log reader or an auditor that keeps the first. A body like that is
refused as not valid JSON (422 naming the key) instead of being guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class _RepeatedKey(ValueError):
    pass


def _object_of_unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(f"the key {key[:100]!r} appears twice in one object")
        result[key] = value
    return result


class _UniqueKeysRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, object_pairs_hook=_object_of_unique_keys)
            except _RepeatedKey as repeated:  # FastAPI answers a JSONDecodeError as an invalid body
                raise json.JSONDecodeError(str(repeated), body.decode("utf-8", "replace"), 0) from repeated
        return self._json


class UniqueKeysRoute(APIRoute):
    """The route class of every router whose operations read a JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unique_keys_handler(request: Request) -> Response:
            return await handler(_UniqueKeysRequest(request.scope, request.receive))

        return unique_keys_handler

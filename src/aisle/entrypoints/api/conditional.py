"""Conditional GET for public JSON that changes now and then (a product page, the category tree): an ETag drawn
from the answer's bytes, and 304 when the client already holds them. Stock and prices change, so a client may keep
the answer but asks again each time (``no-cache``); the 304 spares it the body, not the request."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import Request, Response

from aisle.entrypoints.api.responses import Responses

REVALIDATE = "no-cache"
NOT_MODIFIED: Responses = {304: {"description": "Not modified: the If-None-Match ETag is current"}}


def revalidated_json(request: Request, body: dict[str, Any]) -> Response:
    data = orjson.dumps(body)
    etag = 'W/"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'  # weak: gzipped or not, the same tag
    headers = {"ETag": etag, "Cache-Control": REVALIDATE}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): "W/" aside, any listed tag equal to ours, or "*"."""
    if not if_none_match:
        return False
    sent = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in sent or etag.removeprefix("W/") in sent

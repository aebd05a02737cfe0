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
    if "*" in sent_tags(request) or etag_listed(request, etag):
        # the Vary a 200 would carry (the gzip middleware adds it there), as RFC 9110 15.4.5 asks of a 304
        return Response(status_code=304, headers={**headers, "Vary": "Accept-Encoding"})
    return Response(data, media_type="application/json", headers=headers)


def sent_tags(request: Request) -> set[str]:
    """The entity tags If-None-Match lists, over every line of it, "W/" aside (weak comparison, RFC 9110 13.1.2)."""
    lines = request.headers.getlist("if-none-match")
    return {tag.strip().removeprefix("W/") for line in lines for tag in line.split(",") if tag.strip()}


def etag_listed(request: Request, etag: str) -> bool:
    return etag.removeprefix("W/") in sent_tags(request)

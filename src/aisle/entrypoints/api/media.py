"""GET /media/{key}: the image renditions, from whichever blob store is configured, cacheable forever.

Keys carry the SHA-256 of the uploaded bytes, so a URL's content never changes: immutable cache headers, and the
key itself as the ETag. Only rendered images are served; raw uploads (which may still hold EXIF/GPS) are not."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from aisle.adapters.blobs.keys import checked_key
from aisle.entrypoints.api.conditional import etag_listed, sent_tags
from aisle.entrypoints.api.dependencies import BlobsDep
from aisle.entrypoints.api.problems import problem
from aisle.services.media import MEDIA_PATH

router = APIRouter(tags=["media"])
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


@router.head(MEDIA_PATH + "/{key:path}", include_in_schema=False)
@router.get(
    MEDIA_PATH + "/{key:path}",
    responses={
        200: {"content": {"image/webp": {}, "image/jpeg": {}, "image/png": {}}},
        304: {"description": "Not modified: the If-None-Match ETag is current"},
        404: {"description": "No image rendition at this key"},
    },
)
async def media(key: str, request: Request, blobs: BlobsDep) -> Response:
    """An image rendition (thumbnail or cleaned original) by its content-addressed key."""
    extension = key.rsplit(".", 1)[-1]
    if not key.startswith("images/") or extension not in CONTENT_TYPES or not _valid(key):
        return _missing(request)
    etag = '"' + key.replace("/", "-") + '"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    if etag_listed(request, etag):
        return Response(status_code=304, headers=headers)
    data = await run_in_threadpool(blobs.get, key)
    if data is None:
        return _missing(request)
    if "*" in sent_tags(request):  # any current representation will do (RFC 9110 13.1.2)
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(data))
        return Response(status_code=200, headers=headers, media_type=CONTENT_TYPES[extension])
    return Response(data, headers=headers, media_type=CONTENT_TYPES[extension])


def _valid(key: str) -> bool:
    try:
        checked_key(key)
    except ValueError:
        return False
    return True


def _missing(request: Request) -> Response:
    return problem(request, 404, "No image at this key.", headers={"Cache-Control": "no-store"})

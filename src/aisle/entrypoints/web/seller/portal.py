"""What every portal page shares: who is signed in, rendering with the CSRF token, checking it on each POST."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote, urlencode, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from aisle.domain.sellers import Seller
from aisle.entrypoints.api.dependencies import container, seller_write_allowed
from aisle.entrypoints.web.rendering import render
from aisle.entrypoints.web.seller import session

SIGN_INS_PER_MINUTE = 20


def signed_in(request: Request) -> Seller | None:
    """The seller the session cookie names, when it is genuine and unexpired, and the key it was signed in with
    is still active."""
    app = container(request)
    secret = app.settings.internal_token
    if secret is None:  # no secret to sign sessions with: nobody is signed in
        return None
    named = session.seller_of(secret, request.cookies.get(session.SESSION_COOKIE))
    seller = None if named is None else app.sellers.with_active_key(*named)
    if seller is not None and request.method == "POST":
        seller_write_allowed(request, seller)  # the API's limit: the portal is no way around it
    return seller


PortalSeller = Annotated[Seller | None, Depends(signed_in)]


def sign_in_allowed(request: Request) -> bool:
    """Sign-in attempts are limited per client address, so keys cannot be guessed at speed."""
    client = request.client.host if request.client else "unknown"
    limiter = container(request).limiter
    return limiter.hit(f"seller-sign-in:{client}", SIGN_INS_PER_MINUTE, burst=SIGN_INS_PER_MINUTE).allowed


def session_secret(request: Request) -> str:
    secret = container(request).settings.internal_token
    if secret is None:
        raise HTTPException(503, "The seller portal signs sessions with AISLE_INTERNAL_TOKEN, which is not set.")
    return secret


def to_sign_in(request: Request) -> RedirectResponse:
    """To the sign-in page, which then goes on to the page asked for and says why, when a session the browser held
    has ended. A form sent without a session is not sent again: the page says it was not saved, and signing in
    leads back to the portal page the form was on."""
    query: dict[str, str] = {}
    reading = request.method in ("GET", "HEAD")
    if reading:
        query["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    elif came_from := _portal_page_before(request):
        query["next"] = came_from
    if not reading:
        query["unsaved"] = "1"  # an expired cookie is mostly gone from the browser: the form is what tells
    elif request.cookies.get(session.SESSION_COOKIE):
        query["ended"] = "1"
    return RedirectResponse("/seller" + (f"?{urlencode(query)}" if query else ""), status_code=303)


def _portal_page_before(request: Request) -> str | None:
    """The portal page of this site that sent the request (its Referer), as a path and query, if it is one."""
    referer = urlsplit(request.headers.get("referer", ""))
    if (referer.scheme, referer.netloc) != (request.url.scheme, request.url.netloc):
        return None
    target = referer.path + (f"?{referer.query}" if referer.query else "")
    return target if safe_next(target) == target else None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a portal page of this site, never another site ("//evil.example") nor a page
    outside the portal by dot segments ("/seller/../", "/seller/%2e%2e/", which browsers read as ".." too)."""
    path = unquote((target or "").split("?", 1)[0])
    inside = (
        bool(target)
        and path.startswith("/seller/")
        and not {".", ".."} & set(path.split("/"))
        and "//" not in (target or "")
        and "\\" not in path
        and all(ch.isprintable() for ch in target or "")
    )
    return target if inside and target else "/seller/products"


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    context = {**context, "csrf": session.csrf_token(request)}
    response = render(request, name, context, status_code)
    session.remember_csrf(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this browser's CSRF token."""
    form = await request.form()
    submitted = form.get(session.CSRF_FIELD) or request.headers.get("x-csrf-token")
    if not session.csrf_ok(request, str(submitted) if submitted else None):
        raise HTTPException(403, "This form has expired or did not come from this site; reload the page and retry.")
    return form


def errors_by_field(errors: list[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.reason)
    return found

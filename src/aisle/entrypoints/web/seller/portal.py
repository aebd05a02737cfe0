"""What every portal page shares: who is signed in, rendering with the CSRF token, checking it on each POST."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from aisle.bootstrap import Container
from aisle.domain.sellers import Seller
from aisle.entrypoints.web.rendering import render
from aisle.entrypoints.web.seller import session


def signed_in(request: Request, app: Container) -> Seller | None:
    seller_id = session.seller_of(app.settings.internal_token, request.cookies.get(session.SESSION_COOKIE))
    if seller_id is None:
        return None
    with app.uow(readonly=True) as uow:
        return uow.sellers.get(seller_id)


def to_sign_in() -> RedirectResponse:
    return RedirectResponse("/seller", status_code=303)


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

"""The portal's session: a signed cookie naming the seller (never the API key), and a CSRF token for every form.

The session cookie is ``<seller_id>.<key fingerprint>.<expires>.<signature>``, HMAC-SHA256 with a key derived from
the internal token, so every API process can check it without shared state; the key it was signed in with must
still be active (rotating or revoking that key ends the session). It is HttpOnly and SameSite=Strict; each form also
carries a token that must match the HttpOnly ``aisle_csrf`` cookie (double submit)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import Request, Response

from aisle.entrypoints.numbers import whole_number

SESSION_COOKIE = "aisle_seller"
CSRF_COOKIE = "aisle_csrf"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600


def _key(internal_token: str) -> bytes:
    return hmac.new(internal_token.encode(), b"aisle seller portal sessions", hashlib.sha256).digest()


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def session_value(internal_token: str, seller_id: int, key_fingerprint: str, now: float | None = None) -> str:
    payload = f"{seller_id}.{key_fingerprint}.{int((now or time.time()) + SESSION_SECONDS)}"
    return f"{payload}.{_sign(_key(internal_token), payload)}"


def seller_of(internal_token: str, value: str | None, now: float | None = None) -> tuple[int, str] | None:
    """The seller a cookie names and the fingerprint of the key it signed in with, or None when the cookie is
    missing, forged or expired."""
    parts = (value or "").split(".")
    if len(parts) != 4 or whole_number(parts[0]) is None or whole_number(parts[2]) is None:
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(_key(internal_token), payload), parts[3]):
        return None
    if int(parts[2]) < (now or time.time()):
        return None
    return int(parts[0]), parts[1]


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/seller",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_token(request: Request) -> str:
    """The browser's CSRF token; a new one is made (and set by ``remember_csrf``) on its first portal page."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_cookie(request, response, CSRF_COOKIE, new, SESSION_SECONDS)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted and hmac.compare_digest(expected.encode(), submitted.encode()))

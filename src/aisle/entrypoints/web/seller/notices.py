"""What a portal page says after a redirect ("Restock saved.", why an upload was refused): carried in the URL the
form redirects to, with a signature over the seller, the page and a time, so that a link from elsewhere cannot
make the portal show words it never said ("Your account was suspended: re-enter your API key at ..."), nor one
seller's refusal, which may repeat what that seller typed, be shown on another seller's page."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from aisle.entrypoints.numbers import whole_number
from aisle.entrypoints.web.seller.portal import session_secret

SIGNATURE = "said"
NOTICE_SECONDS = 600  # a notice shows on the redirect's page, and on a reload for this long


def redirect_saying(
    request: Request, seller_id: int, path: str, fragment: str = "", **notices: str
) -> RedirectResponse:
    """A 303 to ``path`` whose page shows ``notices`` (name -> text) to this seller."""
    until = int(time.time()) + NOTICE_SECONDS
    signed = f"{until}.{_signature(session_secret(request), seller_id, path, until, notices)}"
    query = urlencode({**notices, SIGNATURE: signed})
    return RedirectResponse(f"{path}?{query}{'#' + fragment if fragment else ''}", status_code=303)


def notices_said(request: Request, seller_id: int, *names: str) -> dict[str, str | None]:
    """The notices of these names the URL carries, when the portal signed them for this seller and page, lately;
    else none of them."""
    given = {name: request.query_params[name] for name in names if name in request.query_params}
    until_text, _, signature = request.query_params.get(SIGNATURE, "").partition(".")
    until = whole_number(until_text)
    genuine = bool(given) and until is not None and until >= time.time()
    if genuine and until is not None:
        expected = _signature(session_secret(request), seller_id, request.url.path, until, given)
        genuine = hmac.compare_digest(expected, signature)
    return {name: given.get(name) if genuine else None for name in names}


def _signature(secret: str, seller_id: int, path: str, until: int, notices: dict[str, str]) -> str:
    said = "\n".join([str(seller_id), path, str(until), *(f"{name}={notices[name]}" for name in sorted(notices))])
    key = hmac.new(secret.encode(), b"aisle seller portal notices", hashlib.sha256).digest()
    return hmac.new(key, said.encode(), hashlib.sha256).hexdigest()[:32]

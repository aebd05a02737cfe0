"""What a portal page says after a redirect ("Restock saved.", why an upload was refused): carried in the URL the
form redirects to, with a signature, so that a link from elsewhere cannot make the portal show words it never said
("Your account was suspended: re-enter your API key at ...")."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from aisle.entrypoints.web.seller.portal import session_secret

SIGNATURE = "said"


def redirect_saying(request: Request, path: str, fragment: str = "", **notices: str) -> RedirectResponse:
    """A 303 to ``path`` whose page shows ``notices`` (name -> text)."""
    query = urlencode({**notices, SIGNATURE: _signature(session_secret(request), notices)})
    return RedirectResponse(f"{path}?{query}{'#' + fragment if fragment else ''}", status_code=303)


def notices_said(request: Request, *names: str) -> dict[str, str | None]:
    """The notices of these names the URL carries, when the portal signed them; else none of them."""
    given = {name: request.query_params[name] for name in names if name in request.query_params}
    signature = request.query_params.get(SIGNATURE, "")
    genuine = bool(given) and hmac.compare_digest(_signature(session_secret(request), given), signature)
    return {name: given.get(name) if genuine else None for name in names}


def _signature(secret: str, notices: dict[str, str]) -> str:
    said = "\n".join(f"{name}={notices[name]}" for name in sorted(notices))
    key = hmac.new(secret.encode(), b"aisle seller portal notices", hashlib.sha256).digest()
    return hmac.new(key, said.encode(), hashlib.sha256).hexdigest()[:32]

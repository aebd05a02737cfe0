"""Adds the pages to the API's FastAPI app: storefront, seller portal, static assets and the offline API docs."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aisle.domain.errors import InvalidInput, NotFound, StaleVersion
from aisle.entrypoints.web import seller, storefront
from aisle.entrypoints.web.rendering import STATIC_DIR, render

SWAGGER = "/static/vendor/swagger-ui"
MESSAGES = {
    400: ("This request could not be read", "A value in the address or the form is not one this page takes."),
    403: (
        "This form was not accepted",
        "It has expired, or it was sent from another website. Open the page here again and send it from there.",
    ),
    409: ("This was already done", "It changed meanwhile, perhaps in another tab. Go back and reload to see it now."),
    412: ("This changed meanwhile", "It was changed since you opened the page. Reload to see it as it is now."),
    404: ("Page not found", "We looked everywhere, but this page is not on our shelves."),
    405: ("This page does not take that", "Go back and use the page's own links and buttons."),
    429: ("Slow down a little", "You have made many requests in a short time. Try again in a few seconds."),
    500: ("Something went wrong", "It is our fault, not yours. Try again in a moment."),
    503: ("We will be right back", "The store cannot reach its shelves just now. Try again in a minute."),
}


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(storefront.router)
    app.include_router(seller.router)
    _install_docs(app)
    _install_error_pages(app)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from assets served here (swagger-ui-dist, vendored): the docs work offline."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="aisle API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url="/static/img/favicon.svg",
        )


def wants_page(request: Request) -> bool:
    """Browsers asking for anything but the API get an HTML error page; API clients keep problem+json."""
    path = request.url.path
    return not path.startswith("/api/") and "text/html" in request.headers.get("accept", "").lower()


def _install_error_pages(app: FastAPI) -> None:
    as_problem = app.exception_handlers[StarletteHTTPException]

    as_not_found = app.exception_handlers[NotFound]
    as_unexpected = app.exception_handlers.get(Exception)

    if as_unexpected is not None:

        @app.exception_handler(Exception)
        async def _unexpected(request: Request, error: Exception) -> Response:
            response = await _answer(as_unexpected, request, error)  # logs it, with the request id
            return error_page(request, 500) if wants_page(request) else response

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: NotFound) -> Response:
        return error_page(request, 404) if wants_page(request) else await _answer(as_not_found, request, error)

    as_stale = app.exception_handlers[StaleVersion]

    @app.exception_handler(StaleVersion)
    async def _stale(request: Request, error: StaleVersion) -> Response:
        return error_page(request, 412) if wants_page(request) else await _answer(as_stale, request, error)

    as_invalid = app.exception_handlers[InvalidInput]

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, error: InvalidInput) -> Response:
        # Forms answer their own errors on their page; what reaches here from a page is an id no product can have
        # (/seller/products/abc) or a form changed by hand.
        if not wants_page(request):
            return await _answer(as_invalid, request, error)
        return error_page(request, 404 if all(e.field.endswith("_id") for e in error.errors) else 400)

    @app.exception_handler(storefront.PageNotFound)
    async def _missing_page(request: Request, error: storefront.PageNotFound) -> Response:
        if error.gone is None:
            return error_page(request, 404)
        title = "This product is no longer sold here"
        context = {"title": title, "message": f"“{error.gone.title}” was taken off sale.", "status": 404}
        return render(request, "error.html", {**context, "gone": error.gone}, 404)

    for kind, handler in list(app.exception_handlers.items()):  # the rest: the database or disk unavailable...
        if kind not in (Exception, NotFound, StaleVersion, InvalidInput, StarletteHTTPException):
            app.add_exception_handler(kind, _with_page_for_browsers(handler))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405 and request.method == "GET" and wants_page(request):
            return RedirectResponse(_form_page(request.url.path), status_code=303)
        if error.status_code in MESSAGES and wants_page(request):
            response = error_page(request, error.status_code)
            response.headers.update(getattr(error, "headers", None) or {})
            return response
        return await _answer(as_problem, request, error)


def _with_page_for_browsers(handler: Callable[..., Any]) -> Callable[[Request, Exception], Awaitable[Response]]:
    """A browser gets the 409 or 503 page (with the API answer's Retry-After), where an API client gets
    problem+json: a form sent twice (a product deleted in another tab), the database unavailable."""

    async def answer(request: Request, error: Exception) -> Response:
        response = await _answer(handler, request, error)
        if response.status_code not in (409, 503) or not wants_page(request):
            return response
        page = error_page(request, response.status_code)
        if "retry-after" in response.headers:
            page.headers["Retry-After"] = response.headers["retry-after"]
        return page

    return answer


def _form_page(path: str) -> str:
    """The page a form's address belongs to, for a browser that opened it (reloaded after a refused sign-in,
    bookmarked): /seller/sign-in is the sign-in page's form, /p/1/reviews the product page's."""
    return path.rstrip("/").rsplit("/", 1)[0] or "/"


async def _answer(handler: Callable[..., Any], request: Request, error: Exception) -> Response:
    """What the API's own handler answers (handlers may be plain or async functions)."""
    answer = handler(request, error)
    return await answer if inspect.isawaitable(answer) else answer


def error_page(request: Request, status: int) -> HTMLResponse:
    title, message = MESSAGES[status]
    return render(request, "error.html", {"title": title, "message": message, "status": status}, status)

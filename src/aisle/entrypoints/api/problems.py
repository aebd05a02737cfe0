"""Every error leaves as application/problem+json (RFC 9457) naming the field and the reason."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aisle.domain.coupons import CouponRefused
from aisle.domain.errors import Conflict, FieldError, InvalidInput, NotFound, StaleVersion
from aisle.domain.images import ImageRefused
from aisle.entrypoints.api.methods import routed_methods
from aisle.services.bulk import TooManyLines
from aisle.services.commits import request_commits
from aisle.services.input_model import down_to_value, plain_reason
from aisle.services.ports import (
    BlobStoreUnavailable,
    CommitInDoubt,
    ConnectionLost,
    DatabaseUnavailable,
    StorageFull,
)
from aisle.services.product_input import field_path

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
FASTAPI_UNPARSABLE_BODY = "There was an error parsing the body"  # FastAPI's 400 for bytes that are not text
NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "list_type"}  # pydantic: the body came as text
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    431: "Request header fields too large",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemField(BaseModel):
    field: str = Field(description="The field, as a dotted path into the body or the parameter's name")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    model_config = ConfigDict(extra="allow")  # e.g. current_version on a 412

    type: str = Field(examples=["https://aisle.dev/problems/422"])
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to do about it")
    instance: str | None = Field(None, description="The request's path")
    request_id: str | None = None
    errors: list[ProblemField] | None = Field(None, description="Each bad field and why")


def problem_body(status: int, detail: str) -> dict[str, Any]:
    """The fields every problem has (RFC 9457)."""
    return {
        "type": f"https://aisle.dev/problems/{status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }


def problem(
    request: Request | None,
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(status, detail)
    if request is not None:
        body["instance"] = request.url.path
        body["request_id"] = getattr(request.state, "request_id", None)
    if errors:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def document_problems(app: FastAPI, internal_only: Callable[..., Any] | None = None) -> None:
    """Every error response in the OpenAPI document is a Problem (not FastAPI's HTTPValidationError), and every
    operation documents the 500 any of them may answer; those guarded by ``internal_only`` the 403 a seller's key
    gets there."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _problems_everywhere(document, _guarded_by(app, internal_only))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _guarded_by(app: FastAPI, guard: Callable[..., Any] | None) -> set[tuple[str, str]]:
    """(path, method) of each operation that depends on ``guard``."""
    return {
        (route.path_format or "", method.lower())
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and any(d.call is guard for d in route.dependant.dependencies)
        for method in route.methods or ()
    }


def _problems_everywhere(document: dict[str, Any], internal_only: set[tuple[str, str]]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if (path, method) in internal_only:
                responses.setdefault(
                    "403", {"description": "A seller's API key: only the internal token may call this"}
                )
            for status, description in _answers_of_the_gateway(operation):
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    if response.get("description") == "Validation Error":
                        response["description"] = "Invalid input: errors[] names each field and the reason"
                    response["content"] = {**_own_answers(response), **content}


def _own_answers(response: dict[str, Any]) -> dict[str, Any]:
    """An error answer a route documents with a model of its own beside problem+json (readyz's "indexing" body),
    not FastAPI's default validation error."""
    found = response.get("content", {})
    return {kind: c for kind, c in found.items() if "ValidationError" not in c.get("schema", {}).get("$ref", "")}


def _answers_of_the_gateway(operation: dict[str, Any]) -> list[tuple[str, str]]:
    """The errors any operation of its kind may answer before its own code runs (HTTP itself, auth, input checks,
    the body's limit and media type) or whatever it does (an outage of what it stands on)."""
    answers = [
        ("500", TITLES[500] + ": the body's request_id finds the log line"),
        (
            "503",
            "A service it needs (the database, the image storage) cannot be used just now; nothing was done. "
            "Retry-After says when to try again",
        ),
        ("400", "Not readable as HTTP/1.1: a malformed request"),
        ("414", "The URL is over 64 KB (send long input in a body)"),
        ("408", "The headers, or the body, stopped arriving before the request was whole"),
        ("431", "The request line and headers are over 80 KB together"),
    ]
    if operation.get("security"):
        answers.append(("401", "Missing or wrong API key or token"))
    if operation.get("parameters") or operation.get("requestBody"):
        answers.append(("422", "Invalid input: errors[] names each field and the reason"))
    if body := operation.get("requestBody"):
        answers.append(("413", "The body is larger than the limit for this endpoint"))
        if "application/json" in body.get("content", {}):
            answers.append(("415", "The body is not sent with Content-Type: application/json, or is compressed"))
        else:
            answers.append(("415", "The body is compressed (Content-Encoding): send it uncompressed"))
    return answers


def named_by_line(missing: NotFound, lines: Sequence[Mapping[str, object]]) -> NotFound:
    """``missing`` naming the field of the first line that asked for it (``lines[1].variant_id``), for a request
    of several lines: an unknown variant is then said as a bad field is."""
    for n, line in enumerate(lines):
        for name, value in line.items():
            if name == f"{missing.what}_id" and value == missing.identifier:
                return NotFound(missing.what, missing.identifier, f"lines[{n}].{name}")
    return missing


def install_problem_handlers(app: FastAPI, internal_only: Callable[..., Any] | None = None) -> None:
    document_problems(app, internal_only)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        if (sent := _not_json(request, error)) is not None:
            detail = f"The body must be JSON, sent with Content-Type: application/json (this request said {sent})."
            return problem(request, 415, detail, [FieldError("content-type", f"is {sent}, not application/json")])
        errors = [FieldError(_named(e), _reason(e)) for e in error.errors()]
        return problem(request, 422, "The request has invalid fields: see errors.", errors)

    @app.exception_handler(InvalidInput)
    async def _invalid_input(request: Request, error: InvalidInput) -> JSONResponse:
        return problem(request, 422, "The request has invalid fields: see errors.", error.errors)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: NotFound) -> JSONResponse:
        detail = f"No {error.what} with id {error.identifier}."
        return problem(request, 404, detail, [FieldError(error.field, detail)] if error.field else None)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, error: Conflict) -> JSONResponse:
        errors = [FieldError(error.field, error.detail)] if error.field else None
        return problem(request, 409, error.detail, errors)

    @app.exception_handler(StaleVersion)
    async def _stale(request: Request, error: StaleVersion) -> JSONResponse:
        return problem(
            request,
            412,
            f"If-Match version {error.expected} is stale; the product is at version {error.actual}. "
            "Re-read it and apply your change again.",
            [FieldError("If-Match", f"version {error.expected} is stale: the product is at version {error.actual}")],
            current_version=error.actual,
        )

    @app.exception_handler(CouponRefused)
    async def _coupon(request: Request, error: CouponRefused) -> JSONResponse:
        return problem(request, 422, f"Coupon {error.code} {error.reason}.", [FieldError("coupon", error.reason)])

    @app.exception_handler(ImageRefused)
    async def _image_refused(request: Request, error: ImageRefused) -> JSONResponse:
        detail = f"The upload was refused, nothing was stored: {error.reason}."
        return problem(request, error.status, detail, [FieldError(error.field, error.reason)])

    @app.exception_handler(TooManyLines)
    async def _too_many(request: Request, error: TooManyLines) -> JSONResponse:
        return problem(request, 413, str(error) + "; split the file into several requests.")

    @app.exception_handler(ConnectionLost)
    async def _connection_lost(request: Request, error: ConnectionLost) -> JSONResponse:
        # The database connection broke under this request (its transaction was rolled back, nothing half-done):
        # the pool has replaced it, so the same request sent again goes through. Unless the change was saved
        # before the loss (it broke reading the answer back): then sending it again would make it twice.
        log.warning("database connection lost on %s %s: %s", request.method, request.url.path, error)
        if (commits := request_commits.get()) is not None and commits.saved:
            detail = (
                "Your change was saved, but the database connection was lost while its answer was read back. "
                "Read it again rather than sending the change again."
            )
        else:
            detail = "The database connection was lost under this request; nothing was changed. Send it again."
        return problem(request, 503, detail, headers={"Retry-After": "1"})

    @app.exception_handler(CommitInDoubt)
    async def _commit_in_doubt(request: Request, error: CommitInDoubt) -> JSONResponse:
        log.error("database connection lost during a commit on %s %s: %s", request.method, request.url.path, error)
        detail = (
            "The database connection was lost while your change was being saved: it may or may not have been. "
            "Read it back before sending it again, or send it again with the same Idempotency-Key."
        )
        return problem(request, 503, detail, headers={"Retry-After": "1"})

    @app.exception_handler(DatabaseUnavailable)
    async def _database_unavailable(request: Request, error: DatabaseUnavailable) -> JSONResponse:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, error)
        detail = "The store's database cannot be used just now, so nothing was done; try again in a moment."
        return problem(request, 503, detail, headers={"Retry-After": "5"})

    @app.exception_handler(BlobStoreUnavailable)
    async def _blobs_unavailable(request: Request, error: BlobStoreUnavailable) -> JSONResponse:
        log.error("image storage unavailable on %s %s: %s", request.method, request.url.path, error)
        detail = "The image storage cannot be reached just now; try again in a moment."
        return problem(request, 503, detail, headers={"Retry-After": "5"})

    @app.exception_handler(StorageFull)
    async def _storage_full(request: Request, error: StorageFull) -> JSONResponse:
        log.error("database out of disk space on %s %s: %s", request.method, request.url.path, error)
        detail = (
            "The store's database is out of disk space, so nothing was saved. Reading still works; try again later."
        )
        return problem(request, 503, detail, headers={"Retry-After": "60"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == FASTAPI_UNPARSABLE_BODY:
            reason = (
                "could not be read as JSON: it is not UTF-8 text, or it nests deeper or holds a longer number "
                "than a JSON reader takes"
            )
            return problem(request, 422, "The request body could not be read.", [FieldError("body", reason)])
        headers = getattr(error, "headers", None)
        documented = request.app.state.documented_methods.allowed(request.url.path) if error.status_code == 405 else []
        if documented:  # Starlette's own Allow names the first route that matched the path, not every one
            headers = {**(headers or {}), "Allow": ", ".join(documented)}
        elif error.status_code == 405 and (allowed := routed_methods(request.app, request.url.path)):
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
        return problem(request, error.status_code, str(error.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None)  # this handler runs outside the request's context
        log.exception("unhandled error on %s %s", request.method, request.url.path, extra={"request_id": request_id})
        # Starlette raises the error again once this answer is sent, and the server then drops the connection:
        # saying so keeps a keep-alive client from sending its next request into the closed socket.
        detail = "Something went wrong on our side; the request id helps us find it."
        # the middleware that names every answer's request id is unwound by now: this answer names its own
        headers = {"Connection": "close", **({"X-Request-Id": request_id} if request_id else {})}
        return problem(request, 500, detail, headers=headers)


def _not_json(request: Request, error: RequestValidationError) -> str | None:
    """The content type of a body FastAPI did not read as JSON because it was not said to be JSON (the body then
    reaches the model as text: "Input should be a valid dictionary"); None for any other invalid request."""
    sent = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if sent == "application/json" or sent.endswith("+json"):
        return None
    as_text = any(tuple(e["loc"]) == ("body",) and e["type"] in NOT_AN_OBJECT for e in error.errors())
    return (sent or "no content type") if as_text else None


def _named(error: Any) -> str:
    return "body" if error["type"] == "json_invalid" else down_to_value(_field(error["loc"]), error)


def _field(location: tuple[Any, ...]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        source = parts.pop(0)
        if not parts:
            return source
        if source == "header":  # as the docs and the client spell it: "Idempotency-Key", not "idempotency-key"
            return "-".join(word.capitalize() for word in str(parts[0]).split("-"))
    return field_path(tuple(parts))


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        return f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'parse error')})"
    return plain_reason(error)

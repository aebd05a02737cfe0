"""Logging, configured once at start-up: one line per record on stderr, each carrying the id of the request it
belongs to (the id a 500's body quotes) and, when traces are on, the trace and span ids; plus an access line per
request. JSON for log shippers, readable lines on a terminal."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from opentelemetry import trace

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("aisle_request_id", default=None)
ACCESS = logging.getLogger("aisle.access")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "trace_id",
    "span_id",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:  # a handler outside the request's context may pass it
            record.request_id = request_id_var.get()
        span = trace.get_current_span().get_span_context()  # invalid unless traces are configured
        record.trace_id = f"{span.trace_id:032x}" if span.is_valid else None
        record.span_id = f"{span.span_id:016x}" if span.is_valid else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,  # which of `aisle serve --workers N`'s processes
        }
        if trace_id := getattr(record, "trace_id", None):  # beside the request id, when traces are on
            line["trace_id"], line["span_id"] = trace_id, getattr(record, "span_id", None)
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id, trace_id = getattr(record, "request_id", None), getattr(record, "trace_id", None)
        tags = " ".join(f"{what} {value}" for what, value in (("request", request_id), ("trace", trace_id)) if value)
        return f"{line}  [{tags}]" if tags else line


def configure_logging(level: str = "INFO", stream: IO[str] | None = None, log_format: str = "json") -> logging.Handler:
    """Replaces the root logger's handlers with one handler; uvicorn's loggers go through it too.
    log_format "auto" means readable lines when the stream is a terminal, JSON otherwise."""
    stream = stream or sys.stderr
    if log_format == "auto":
        log_format = "console" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ConsoleFormatter() if log_format == "console" else JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # each request is logged once, by aisle.access (log_access); uvicorn's own line would repeat it, as it did in
    # the processes of `serve --workers N`, which set up logging after uvicorn's access_log=False did
    logging.getLogger("uvicorn.access").propagate = False
    # Libraries that log every call at INFO ("Context impl SQLiteImpl.", one line per OpenSearch request) would
    # bury aisle's own lines; their warnings and errors still come through.
    for chatty in ("alembic", "opensearch"):
        logging.getLogger(chatty).setLevel(max(root.level, logging.WARNING))
    return handler


def log_access(method: str, path: str, status: int, seconds: float, client: str | None = None) -> None:
    """``client``: the address rate limits count by, so an operator can tell who is being limited."""
    fields = {"method": method, "path": path, "status": status, "ms": seconds * 1e3, "client": client}
    ACCESS.info("%s %s %d", method, path, status, extra=fields)

"""Logging configured for one test onto a stream of its own, and the process's own handlers put back after."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from aisle.entrypoints.logs import configure_logging


@contextmanager
def logging_to(stream: io.StringIO, log_format: str = "json") -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("INFO", stream, log_format=log_format)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)

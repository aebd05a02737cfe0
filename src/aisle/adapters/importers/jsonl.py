"""JSON sources: the JSON Lines catalog reader, and a streaming reader of one big JSON array.

A JSONL line carries a product in the record ``data`` shape. The reader only parses: the import service validates
each product exactly as the API does and reports per-field errors, so a line is skipped here only when it is not
a JSON object at all.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from aisle.adapters.importers.records import ImportRecord, ProductRecord, SkippedRecord, without_repeated_skus
from aisle.services.input_model import RepeatedKey, json_of_unique_keys

_CHUNK_CHARS = 1 << 16
_MONEY_FIELDS = ("price", "compare_price")


def read_jsonl(path: Path) -> Iterator[ImportRecord]:
    """One record per non-blank line, numbered by its line in the file."""
    yield from without_repeated_skus(_read_lines(path))


def _read_lines(path: Path) -> Iterator[ImportRecord]:
    with path.open("rb") as lines:
        for line_number, raw_line in enumerate(lines, start=1):
            if line_number == 1:
                raw_line = raw_line.removeprefix(codecs.BOM_UTF8)
            if raw_line := raw_line.strip():
                yield _record_from_line(line_number, raw_line)


def _record_from_line(line_number: int, raw_line: bytes) -> ImportRecord:
    try:
        # as UTF-8: json.loads would guess other encodings from bytes; a key named twice is refused, as the bulk API
        # refuses it, rather than read as its last value
        item = json_of_unique_keys(raw_line.decode())
    except RepeatedKey as repeated:
        return SkippedRecord(line_number, f"not valid JSON: {repeated}", failed=True)
    except RecursionError:
        return SkippedRecord(line_number, "not valid JSON: it nests arrays or objects too deeply", failed=True)
    except json.JSONDecodeError as error:  # each line is its own document: its "line 1" would mislead
        where = f"{error.msg.removesuffix(' at')} at column {error.colno}"  # "Unterminated string starting at"
        return SkippedRecord(line_number, f"not valid JSON: {where}", failed=True)
    except UnicodeDecodeError:
        return SkippedRecord(line_number, "not valid JSON: the line is not UTF-8 text", failed=True)
    if not isinstance(item, dict):
        return SkippedRecord(line_number, f"expected a JSON object, found {_json_type_name(item)}", failed=True)
    return ProductRecord(line_number, _with_parsed_fields(item))


def _with_parsed_fields(item: dict[str, Any]) -> dict[str, Any]:
    data = _with_decimal_money(item)
    category_path = data.get("category_path")
    if isinstance(category_path, str):
        data["category_path"] = [name.strip() for name in category_path.split(">") if name.strip()]
    variants = data.get("variants")
    if isinstance(variants, list):
        data["variants"] = [_with_decimal_money(v) if isinstance(v, dict) else v for v in variants]
    return data


def _with_decimal_money(fields: dict[str, Any]) -> dict[str, Any]:
    converted = dict(fields)
    for name in _MONEY_FIELDS:
        value = converted.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # str() first: Decimal(19.99) would carry the float's binary error (19.989999...).
            converted[name] = Decimal(str(value))
    return converted


def _json_type_name(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null")


def iter_json_array(stream: TextIO, chunk_chars: int = _CHUNK_CHARS) -> Iterator[Any]:
    """The elements of the JSON array that ``stream`` holds, one at a time.

    Holds one chunk of text and one element in memory, never the whole array. Raises ``ValueError`` when the text
    is not a JSON array.
    """
    text = _ChunkedText(stream, chunk_chars)
    if text.next_token() != "[":
        raise ValueError("expected a JSON array")
    if text.peek_token() == "]":
        return
    while True:
        yield text.decode_value()
        separator = text.next_token()
        if separator == "]":
            return
        if separator != ",":
            raise ValueError(f"expected ',' or ']' after an array element, found {separator or 'the end'!r}")


class _ChunkedText:
    """A text stream read a chunk at a time, with a cursor that JSON values are decoded from."""

    def __init__(self, stream: TextIO, chunk_chars: int) -> None:
        self._stream = stream
        self._chunk_chars = chunk_chars
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._position = 0
        self._at_end = False

    def peek_token(self) -> str:
        """The next non-whitespace character ("" at the end of the stream), without consuming it."""
        while True:
            while self._position < len(self._buffer) and self._buffer[self._position].isspace():
                self._position += 1
            if self._position < len(self._buffer) or not self._read_more():
                return self._buffer[self._position : self._position + 1]

    def next_token(self) -> str:
        token = self.peek_token()
        self._position += len(token)
        return token

    def decode_value(self) -> Any:
        self.peek_token()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError:
                if not self._read_more(self._pending()):
                    raise
                continue
            except RecursionError:
                raise ValueError("an element nests arrays or objects too deeply to be read") from None
            # A number that the chunk cuts short ("12" of "12.5") decodes too, so a value must end at a delimiter.
            if not self._ends_at_delimiter(end) and self._read_more(self._pending()):
                continue
            self._position = end
            return value

    def _ends_at_delimiter(self, end: int) -> bool:
        return end < len(self._buffer) and (self._buffer[end] in ",]}" or self._buffer[end].isspace())

    def _pending(self) -> int:
        """As many characters as a value cut short already holds: reading that much more each time it is tried
        again parses a huge element a few times over, not once per chunk (which took minutes for 10 MB)."""
        return len(self._buffer) - self._position

    def _read_more(self, at_least: int = 0) -> bool:
        if self._at_end:
            return False
        chunk = self._stream.read(max(self._chunk_chars, at_least))
        self._at_end = not chunk
        self._buffer = self._buffer[self._position :] + chunk
        self._position = 0
        return bool(chunk)

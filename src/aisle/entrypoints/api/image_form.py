"""Reads a multipart/form-data image upload as it streams in: each ``file`` part is hashed and spooled (to disk past
1 MiB), and a part over the size limit stops the read at once with 413, so nothing unbounded is ever buffered."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, cast

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from aisle.domain.errors import InvalidInput
from aisle.domain.images import ImageRefused
from aisle.services.images import UploadedFile

FIELDS = ("variant_id", "alt_text", "position")
MAX_FIELD_BYTES = 2_000
SPOOL_IN_MEMORY = 1_048_576


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    unnamed: bool = False  # a browser form with no file chosen sends one empty part with filename=""
    size: int = 0
    text: bytearray = field(default_factory=bytearray)
    spool: IO[bytes] | None = None
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)


class ImageForm:
    def __init__(self, max_file_bytes: int, max_files: int, extra_fields: tuple[str, ...] = ()) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.known_fields = FIELDS + extra_fields
        self.files: list[UploadedFile] = []
        self.fields: dict[str, str] = {}
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}

    async def read(self, content_type: str, chunks: AsyncIterator[bytes]) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise ImageRefused("send multipart/form-data with one or more 'file' parts", 415, "body")
        try:
            parser = MultipartParser(boundary, cast(Any, self._callbacks()))  # refuses a boundary over 256 bytes
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
        except FormParserError as error:
            self.close()
            raise ImageRefused(f"the multipart body is malformed ({error})", 400, "body") from error
        except BaseException:  # a refused part, the body limit (413), a client that went away: nothing is kept
            self.close()
            raise
        if not self.files:
            raise ImageRefused("no 'file' part in the form: choose a picture first", 422, "file")

    def close(self) -> None:
        for upload in self.files:
            upload.stream.close()

    def _callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._part = _Part()
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        part = self._part
        part.name = name
        part.is_file = name == "file"
        part.unnamed = options.get(b"filename") == b""
        if part.is_file:
            if len(self.files) >= self.max_files:
                raise ImageRefused(f"at most {self.max_files} files in one request", 413, "file")
            part.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by close())
        elif name not in self.known_fields:
            expected = ", ".join(FIELDS)
            raise InvalidInput.single(name or "body", f"is not a known form field (expected file, {expected})")

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        part.size += end - start
        if part.is_file:
            if part.size > self.max_file_bytes:
                raise ImageRefused(
                    f"the file is larger than {readable_size(self.max_file_bytes)}, the most a picture may be",
                    413,
                    self._field(),
                )
            assert part.spool is not None
            part.spool.write(data[start:end])
            part.digest.update(data[start:end])
        else:
            if part.size > MAX_FIELD_BYTES:
                raise InvalidInput.single(part.name, f"must be at most {MAX_FIELD_BYTES} bytes")
            part.text += data[start:end]

    def _end(self) -> None:
        part = self._part
        if part.is_file and part.spool is not None:
            if part.size == 0:
                part.spool.close()
                if part.unnamed:
                    return
                raise ImageRefused("the file is empty", 422, self._field())
            part.spool.seek(0)
            self.files.append(UploadedFile(cast(BinaryIO, part.spool), part.size, part.digest.hexdigest()))
        elif not part.is_file:
            self.fields[part.name] = part.text.decode("utf-8", "replace")

    def _field(self) -> str:
        return f"file[{len(self.files)}]" if self.files else "file"


def readable_size(size: int) -> str:
    """10485760 as "10 MB", 20000 as "20,000 bytes": what a seller reads, not a setting's raw value."""
    if size >= 1_048_576 and size % 1_048_576 == 0:
        return f"{size // 1_048_576} MB"
    return f"{size:,} bytes"

"""Blob keys are relative paths of safe characters: no way to climb out of the store's root or bucket prefix."""

from __future__ import annotations

import re

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
MAX_KEY = 512


def checked_key(key: str) -> str:
    if len(key) > MAX_KEY or not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a valid blob key: {key!r}")
    return key

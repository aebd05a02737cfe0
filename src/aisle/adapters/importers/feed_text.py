"""Text from third-party catalog feeds, repaired the way their mistakes are known to go, so that a product is not
refused for a character its source garbled (the API refuses control characters)."""

from __future__ import annotations

import re

from aisle.services.input_model import CONTROL_CHARACTERS

_C1_CONTROLS = re.compile("[\x80-\x9f]")


def repaired(text: str) -> str:
    """``text`` with the C1 control characters a feed got by reading Windows-1252 bytes as Latin-1 put back as the
    characters meant ("Insignia\\x99" is "Insignia™", "\\x84" a low quotation mark), and other control characters
    dropped: those the API refuses (tabs and line breaks stay)."""
    return CONTROL_CHARACTERS.sub("", _C1_CONTROLS.sub(_as_windows_1252, text))


def _as_windows_1252(control: re.Match[str]) -> str:
    try:
        return control.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:  # five bytes Windows-1252 leaves undefined
        return ""

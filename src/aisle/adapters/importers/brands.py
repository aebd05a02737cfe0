"""Brand names as shoppers know them: without trademark signs, which the sources also garble ("Insignia\\x99")."""

from __future__ import annotations

import re

_MARKS = re.compile("[\u2122\u00ae\u00a9\x99]")  # ™ ® © and the cp1252 byte for ™ read as Latin-1


def brand_name(raw: str) -> str:
    return " ".join(_MARKS.sub("", raw).split())

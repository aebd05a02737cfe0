"""A search candidate as the re-ranking reads it (the fields of an engine hit it uses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cand:
    product_id: int
    text_score: float
    static_score: float = 0.5
    category_id: int | None = None
    popularity: float = 0.0

"""The autocomplete answer (GET /api/v1/products/autocomplete)."""

from __future__ import annotations

from pydantic import Field

from aisle.entrypoints.api.shapes.common import Wire, Wired
from aisle.services.search.autocomplete import Completions, Suggestion

UNAVAILABLE = "search engine unavailable"


class SuggestionShown(Wire):
    type: str = Field(description="query, brand, category, product or word")
    text: str
    id: str | None = Field(None, description="category suggestions: the category's id")
    path: str | None = Field(None, description="category suggestions: the category's path")
    product_id: str | None = Field(None, description="product suggestions: the product's id")


class AutocompleteDegraded(Wire):
    reason: str


class AutocompleteResponse(Wire):
    q: str
    completed: str | None = Field(None, description="What was typed, its last word completed or corrected")
    suggestions: list[SuggestionShown]
    degraded: AutocompleteDegraded | None = Field(None, description="Present only while the search engine is away")


def completions_shown(completions: Completions) -> Wired:
    suggestions = [_suggestion(s) for s in completions.suggestions]
    if not completions.read:  # nothing to complete: the answer has always said so without `completed`
        return {"q": completions.typed, "suggestions": suggestions}
    return {"q": completions.typed, "completed": completions.completed, "suggestions": suggestions}


def unavailable(typed: str) -> Wired:
    """Typing must never error: no suggestions until the engine is back."""
    return {"q": typed, "suggestions": [], "degraded": {"reason": UNAVAILABLE}}


def _suggestion(suggestion: Suggestion) -> Wired:
    shown: Wired = {"type": suggestion.kind, "text": suggestion.text}
    if suggestion.category is not None:
        shown.update(id=str(suggestion.category.category_id), path=suggestion.category.path)
    if suggestion.product_id is not None:
        shown["product_id"] = str(suggestion.product_id)
    return shown

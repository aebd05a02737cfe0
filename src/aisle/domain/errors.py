"""Errors the domain raises; the API maps each kind to one HTTP status."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class DomainError(Exception):
    """Base class: a rule of the business refused the request."""


class InvalidInput(DomainError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))

    @classmethod
    def single(cls, field: str, reason: str) -> InvalidInput:
        return cls([FieldError(field, reason)])


class NotFound(DomainError):
    def __init__(self, what: str, identifier: object, field: str | None = None) -> None:
        self.what = what
        self.identifier = identifier
        self.field = field  # the request's field that named it, when the request named several things
        super().__init__(f"{what} {identifier} not found")


class Conflict(DomainError):
    """The request clashes with the current state (duplicate SKU, deleted product, ...)."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        self.detail = detail
        self.field = field
        super().__init__(detail)


class StaleVersion(DomainError):
    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"version {expected} is stale: the product is at version {actual}")

"""Which methods a path takes, as the OpenAPI document lists them: the contract clients are given.

Starlette's routing answers a method a path lacks with 405 and the methods of the first route whose path matched,
and a path spelled out by one route can be read as a parameter of another: "PATCH /inventory/reservations" was
"PATCH /inventory/{variant_id}" with a variant id of "reservations" (422). Both come out right from the routes the
document is made of. They are read from those routes, not from the document: building the document costs a
second of CPU, which every process spent on its first request.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path


class DocumentedMethods:
    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._literal: dict[str, frozenset[str]] | None = None
        self._templated: list[tuple[re.Pattern[str], frozenset[str]]] = []

    def of_literal_path(self, path: str) -> frozenset[str] | None:
        """The methods of a path the document spells out as it is ("/api/v1/inventory/reservations"), else None."""
        return self._paths().get(path)

    def allowed(self, path: str) -> list[str]:
        """Every method the document lists for a path, literal or through a template; empty when it lists none."""
        literal = self.of_literal_path(path)
        if literal is not None:
            return sorted(literal)
        return sorted({m for pattern, methods in self._templated if pattern.match(path) for m in methods})

    def _paths(self) -> dict[str, frozenset[str]]:
        if self._literal is None:  # built on first use: every route is in place by then, and never changes after
            literal, templated = {}, []
            for path, operations in _documented_operations(self._app).items():
                methods = _methods(operations)
                if "{" in path:
                    templated.append(
                        (re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"), methods)
                    )
                else:
                    literal[path] = methods
            self._templated, self._literal = templated, literal
        return self._literal


def routed_methods(app: FastAPI, path: str) -> frozenset[str]:
    """Every method any route at this path takes, documented or not (a page's GET and its form's POST), for a
    405 on a path the document does not list: Starlette's own Allow names only the first route's."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.path_format and route.methods and compile_path(route.path_format)[0].match(path):
            methods |= set(route.methods)
    return _methods(methods)


def _documented_operations(app: FastAPI) -> dict[str, set[str]]:
    """The methods of each path as the OpenAPI document lists them: get_openapi reads the same route contexts
    (an included router's routes with its prefix)."""
    operations: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if isinstance(route.original_route, APIRoute) and route.include_in_schema and path:
            operations.setdefault(path, set()).update(route.methods or ())
    return operations


def _methods(methods: set[str]) -> frozenset[str]:
    """HEAD wherever GET is: HeadAsGetMiddleware answers it."""
    return frozenset(methods | {"HEAD"} if "GET" in methods else methods)

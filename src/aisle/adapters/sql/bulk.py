"""Many rows into one table in one executemany, without SQLAlchemy's work per row.

An executemany through SQLAlchemy builds a parameter dict per row from the compiled statement and runs it through
the statement's parameter machinery: for an import's ~10 rows per product that cost more CPU than SQLite's own
work (bench/reports/import.md). Here the statement text is built once per table, columns and dialect, each row
becomes a tuple in column order, and only the columns whose type converts values (JSON, SQLite's DATETIME) go
through that type's own bind processor, so what reaches the driver is what SQLAlchemy would have sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, Table
from sqlalchemy.engine import Dialect

Converter = Callable[[Any], Any]
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # SQLite's sqlite3 and PostgreSQL's psycopg


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows given as dicts holding at least those columns.
    With ``add_on_conflict`` (key columns, counted columns), a row whose key is taken adds its counts to that row's
    instead (an atomic upsert-increment, as SQLite and PostgreSQL both spell it)."""

    def __init__(
        self, table: Table, columns: Sequence[str], add_on_conflict: tuple[Sequence[str], Sequence[str]] | None = None
    ) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._add_on_conflict = add_on_conflict
        self._pick = itemgetter(*self._columns)
        self._prepared: dict[str, tuple[str, list[tuple[int, Converter, bool]]]] = {}  # per dialect name

    def run(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement, converters = self._prepare(connection.dialect)
        pick = self._pick
        if len(self._columns) == 1:  # itemgetter of one name returns the value itself, not a tuple
            values: list[Any] = [[pick(row)] for row in rows]
        else:
            values = [list(pick(row)) for row in rows]
        for position, convert, memoized in converters:
            if memoized:  # the rows of one batch mostly share a moment: each distinct one is formatted once
                seen: dict[Any, Any] = {}
                for row in values:
                    value = row[position]
                    row[position] = seen[value] if value in seen else seen.setdefault(value, convert(value))
            else:
                for row in values:
                    row[position] = convert(row[position])
        connection.exec_driver_sql(statement, [tuple(row) for row in values])

    def _prepare(self, dialect: Dialect) -> tuple[str, list[tuple[int, Converter, bool]]]:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            quote = dialect.identifier_preparer
            names = ", ".join(quote.format_column(self._table.c[name]) for name in self._columns)
            markers = ", ".join([_MARKERS[dialect.paramstyle]] * len(self._columns))
            table = quote.format_table(self._table)
            statement = f"INSERT INTO {table} ({names}) VALUES ({markers})"
            if self._add_on_conflict:
                keys, counted = (
                    [quote.format_column(self._table.c[n]) for n in group] for group in self._add_on_conflict
                )
                sums = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in counted)
                statement += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sums}"
            prepared = self._prepared[dialect.name] = (statement, self._converters(dialect))
        return prepared

    def _converters(self, dialect: Dialect) -> list[tuple[int, Converter, bool]]:
        """(position, converter, whether to convert each distinct value once: timestamps, which hash cheaply)."""
        found: list[tuple[int, Converter, bool]] = []
        for position, name in enumerate(self._columns):
            column = self._table.c[name]
            if (convert := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None:
                found.append((position, convert, isinstance(column.type, DateTime)))
        return found

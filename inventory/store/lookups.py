"""A SELECT compiled once for a DBAPI cursor, keeping SQLAlchemy's conversions of parameters and columns.

SQLAlchemy's execution machinery (execution context, result metadata, row objects) costs the hot
lookup more than SQLite itself does. Compiling once and converting with the dialect's own bind and
result processors keeps the SQL and the stored formats (e.g. UTC datetimes as text) SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Select

Processor = Callable[[Any], Any] | None


class PreparedLookup:
    """`sql` with positional parameters, built from one Select for one dialect (qmark, e.g. pysqlite)."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not use positional parameters")
        self.sql = compiled.string
        # (name, value given in the statement itself, processor) per parameter, in SQL order.
        self._parameters: list[tuple[str, Any, Processor]] = [
            (name, bind.effective_value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name, bind in ((name, compiled.binds[name]) for name in compiled.positiontup)
        ]
        self._columns: list[tuple[str, Processor]] = [
            (str(column.key), column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in statement.selected_columns
        ]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The statement's parameters from `values` (by bindparam name), converted for the driver."""
        converted = []
        for name, default, process in self._parameters:
            value = values.get(name, default)
            converted.append(value if process is None else process(value))
        return tuple(converted)

    def row(self, raw: Sequence[Any]) -> dict[str, Any]:
        """A fetched row as {column key: value}, converted back as SQLAlchemy would."""
        return {
            key: value if process is None else process(value)
            for (key, process), value in zip(self._columns, raw, strict=True)
        }

"""Statements of the hot paths, compiled once and run on SQLite's own cursor inside the engine's transaction.

A Core statement run through `AsyncConnection.execute` costs ~35 µs of CPU on a service's SQLite
file, of which SQLite itself takes ~3: the rest is SQLAlchemy's machinery around it (a greenlet per
call, the execution context, parameter and result processing, result and row objects). A saga step
runs 9-13 statements per order in each service, so on `make bench-orders` that machinery was the
largest single cost after the network.

`PreparedStatement` keeps SQLAlchemy as the source of the SQL and of the stored formats: it compiles
the statement with the engine's dialect (once per set of parameter names) and converts parameters
and RETURNING/SELECT columns with the dialect's own bind and result processors, so a row written
here reads back the same through SQLAlchemy, and the other way round. What it skips is the per-call
machinery.

It takes the shortcut only where it is equivalent:
- SQLite files (`chassis.sqlite_on_loop` connections), inside a transaction the engine has begun
  (beginning one first if needed, as SQLAlchemy's autobegin does), so the statement joins it;
- statements whose Python-side defaults need no execution context; an expanding parameter
  (`IN :names`) gets one plan per list length.
Everything else, PostgreSQL included, runs through `AsyncConnection.execute` as before and gives the
same `Rows`. When SQLite refuses a statement (a constraint, a lock held elsewhere, a closed
connection), the statement has had no effect, so it is run again through SQLAlchemy, which waits for
the lock, translates the error and invalidates a dead connection exactly as for any other statement.
A batch of rows (executemany) cannot be re-run after a partial failure: its error is translated the
way SQLAlchemy translates it, and the caller's transaction is rolled back as usual.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Column, Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

from chassis.sqlite_on_loop import loop_driver

Processor = Callable[[Any], Any] | None
_UNSET: Any = object()
# Plans kept per statement: one per set of parameter names and lengths of list parameters.
_MOST_PLANS = 256
Parameters = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rows:
    """What a statement returned, read in full: column keys, rows as tuples, and the row count."""

    keys: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    rowcount: int

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def first_mapping(self) -> dict[str, Any] | None:
        """The first row as {column key: value}, or None."""
        return dict(zip(self.keys, self.rows[0], strict=True)) if self.rows else None

    def one_mapping(self) -> dict[str, Any]:
        if len(self.rows) != 1:
            raise LookupError(f"expected exactly one row, got {len(self.rows)}")
        return dict(zip(self.keys, self.rows[0], strict=True))

    def mappings(self) -> list[dict[str, Any]]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        return self.rows[0][0] if self.rows else None


class _NotPreparable(Exception):
    """The statement needs SQLAlchemy's execution context (a default only SQLAlchemy can compute)."""


class _Plan:
    """One compilation of a statement for one dialect, one set of parameter names and list lengths."""

    __slots__ = ("_columns", "_keys", "_parameters", "sql")

    def __init__(self, statement: Executable, dialect: Dialect, compiled: Any, values: Parameters) -> None:
        defaults = {
            **{column.key: _python_default(column, column.default) for column in compiled.insert_prefetch},
            **{column.key: _python_default(column, column.onupdate) for column in compiled.update_prefetch},
        }
        # An expanding parameter (`IN :names`) becomes one placeholder per element of its list:
        # remember which element of which list each placeholder takes.
        expanding = {name: values[name] for name, bind in compiled.binds.items() if bind.expanding}
        origin: dict[str, tuple[str, int | None]] = {}
        if expanding:
            expanded = compiled.construct_expanded_state(dict(values))
            self.sql: str = expanded.statement
            positions = expanded.positiontup
            for name, names in expanded.parameter_expansion.items():
                origin.update((each, (name, index)) for index, each in enumerate(names))
        else:
            self.sql = compiled.string
            positions = compiled.positiontup
        # (name, element, value the statement carries, Python default, processor) per placeholder, in
        # SQL order; a required parameter left out fails as in SQLAlchemy instead of writing NULL.
        self._parameters: list[tuple[str, int | None, Any, Callable[[], Any] | None, Processor]] = []
        for position in positions:
            name, element = origin.get(position, (position, None))
            bind = compiled.binds[name]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            default = defaults.get(name)
            if default is None and bind.required:
                default = functools.partial(_missing, name)
            self._parameters.append((name, element, bind.effective_value, default, process))
        columns = list(getattr(statement, "exported_columns", ()))
        self._keys = tuple(str(column.key) for column in columns)
        self._columns: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def parameters(self, values: Parameters) -> tuple[Any, ...]:
        converted = []
        for name, element, carried, default, process in self._parameters:
            if name in values:
                value = values[name] if element is None else values[name][element]
            elif default is not None:
                value = default()
            else:
                value = carried
            converted.append(value if process is None else process(value))
        return tuple(converted)

    def rows(self, cursor: sqlite3.Cursor) -> Rows:
        if cursor.description is None:
            return Rows((), [], cursor.rowcount)
        fetched = cursor.fetchall()
        processors = self._columns
        if len(cursor.description) != len(processors):
            raise RuntimeError(
                f"expected {len(processors)} columns, SQLite returned {len(cursor.description)}"
            )
        if any(processors):
            fetched = [
                tuple(
                    value if process is None else process(value)
                    for process, value in zip(processors, row, strict=True)
                )
                for row in fetched
            ]
        # sqlite3 reports -1 for a SELECT; DML with RETURNING counts the rows once they are read.
        return Rows(self._keys, fetched, cursor.rowcount)


def _python_default(column: Column[Any], default: Any) -> Callable[[], Any]:
    if default is None or not (default.is_scalar or default.is_callable):
        raise _NotPreparable(f"{column.key} has a default only SQLAlchemy can compute")
    if default.is_scalar:
        value = default.arg
        return lambda: value
    # SQLAlchemy keeps a callable default as `arg(context)`, wrapping one that takes no argument; the
    # services' defaults (the time of the write) never read the context.
    function = default.arg
    return lambda: function(None)


def _missing(name: str) -> Any:
    raise InvalidRequestError(f"A value is required for bind parameter {name!r}")


class PreparedStatement:
    """A Core statement built once (a module constant), compiled once per dialect and parameter names."""

    __slots__ = ("_compiled", "_plans", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled | None] = {}
        self._plans: dict[tuple[str, frozenset[str], tuple[int, ...]], _Plan] = {}

    async def execute(self, connection: AsyncConnection, parameters: Parameters | None = None) -> Rows:
        """Run it once in `connection`'s transaction (begun if none is)."""
        values = parameters or {}
        driver = await _in_transaction(connection)
        plan = self._plan(connection.dialect, values) if driver is not None else None
        if driver is not None and plan is not None:
            try:
                return plan.rows(driver.execute(plan.sql, plan.parameters(values)))
            except sqlite3.Error:
                pass  # no effect: SQLAlchemy runs it again and handles the error its own way
        return _rows(await connection.execute(self.statement, parameters))

    async def execute_many(self, connection: AsyncConnection, rows: Sequence[Parameters]) -> Rows:
        """Run it once per row of parameters (executemany), in `connection`'s transaction."""
        driver = await _in_transaction(connection)
        plan = self._plan(connection.dialect, rows[0]) if driver is not None and rows else None
        if driver is None or plan is None:
            return _rows(await connection.execute(self.statement, list(rows)))
        converted = [plan.parameters(values) for values in rows]
        try:
            cursor = driver.executemany(plan.sql, converted)
        except sqlite3.Error as error:
            # Earlier rows may already be written: not safe to run again, so fail as SQLAlchemy would.
            raise DBAPIError.instance(plan.sql, converted, error, sqlite3.Error) from error
        return Rows((), [], cursor.rowcount)

    def execute_on(self, driver: sqlite3.Connection, dialect: Dialect, parameters: Parameters) -> Rows | None:
        """Run it on a bare sqlite3 connection (e.g. a reader's own, outside any engine).

        None when the statement cannot be prepared; sqlite3's errors reach the caller unchanged.
        """
        plan = self._plan(dialect, parameters)
        if plan is None:
            return None
        return plan.rows(driver.execute(plan.sql, plan.parameters(parameters)))

    def _plan(self, dialect: Dialect, values: Parameters) -> _Plan | None:
        names = frozenset(values)
        compiled = self._compiled.get((dialect.name, names), _UNSET)
        if compiled is _UNSET:
            compiled = self._compiled[(dialect.name, names)] = _compile(self.statement, dialect, names)
        if compiled is None:
            return None
        expanding = compiled.expanding
        key = (dialect.name, names, tuple(len(values[name]) for name in expanding))
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _MOST_PLANS:
                return None  # an unusual spread of list lengths: leave the rest to SQLAlchemy
            plan = self._plans[key] = _Plan(self.statement, dialect, compiled.compiled, values)
        return plan


@dataclass(frozen=True, slots=True)
class _Compiled:
    compiled: Any
    expanding: tuple[str, ...]  # parameters that take a list, each list length its own plan


def _compile(statement: Executable, dialect: Dialect, names: frozenset[str]) -> _Compiled | None:
    compiled: Any = cast(Any, statement).compile(dialect=dialect, column_keys=sorted(names))
    if compiled.positiontup is None:
        return None  # the dialect names its parameters; SQLAlchemy runs the statement
    if any(bind.literal_execute for bind in compiled.binds.values()):
        return None  # a value rendered into the SQL text cannot be reused by the next call
    expanding = tuple(name for name, bind in compiled.binds.items() if bind.expanding)
    if any(name not in names for name in expanding):
        return None
    try:
        _Plan(statement, dialect, compiled, dict.fromkeys(names) | {name: [None] for name in expanding})
    except _NotPreparable:
        return None
    return _Compiled(compiled, expanding)


def _rows(result: Any) -> Rows:
    if not result.returns_rows:
        return Rows((), [], result.rowcount)
    return Rows(tuple(result.keys()), [tuple(row) for row in result.all()], result.rowcount)


async def _in_transaction(connection: AsyncConnection) -> sqlite3.Connection | None:
    """The loop connection's sqlite3 connection with a transaction begun, as SQLAlchemy's autobegin
    would; None when `connection` is not a `chassis.sqlite_on_loop` connection."""
    driver = _loop_sqlite(connection)
    if driver is not None and not connection.in_transaction():
        await connection.begin()
    return driver


def _loop_sqlite(connection: AsyncConnection) -> sqlite3.Connection | None:
    """The sqlite3 connection under `connection`, when it is a `chassis.sqlite_on_loop` connection."""
    if connection.dialect.name != "sqlite":
        return None
    sync = connection.sync_connection
    return loop_driver(sync.connection.dbapi_connection) if sync is not None else None

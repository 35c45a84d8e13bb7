"""`INSERT … ON CONFLICT DO NOTHING` for the two databases the services run on.

A duplicate key then answers "no row inserted" instead of raising: on PostgreSQL an integrity error
would abort the whole transaction. A concurrent insert of the same key waits for the first
transaction and then does nothing, so exactly one transaction creates the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_unless_present(table: Table, dialect: str, *, conflict_on: Sequence[Column[Any]] = ()) -> Any:
    """An insert into `table` that skips rows whose key (or `conflict_on` columns) already exists.

    Build it once per dialect (e.g. under functools.cache): building costs about as much CPU as
    executing. Add `.returning(...)` to learn whether this statement inserted the row.
    """
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise NotImplementedError(f"INSERT … ON CONFLICT DO NOTHING is not implemented for {dialect}")
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_on) or None)

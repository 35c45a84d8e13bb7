"""Which failures mean "the database cannot serve right now": the caller may retry, health says why."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from chassis.errors import database_unavailable


class DriverError(Exception):
    """What a driver raises, carrying the server's SQLSTATE like asyncpg's errors do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(sqlstate), connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(104, "Connection reset by peer"),
        wrapped("57P01"),  # terminating connection due to administrator command
        wrapped("57P03"),  # the database system is shutting down / starting up
        wrapped("08006"),  # connection failure
        wrapped("53300"),  # too many connections
        wrapped("", invalidated=True),  # the connection dropped in the middle of a statement
    ],
)
def test_a_database_that_cannot_serve_is_unavailable(error: BaseException) -> None:
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", None, DriverError("23505")),  # a unique violation is the request's fault
        wrapped("42P01"),  # undefined table: a bug or a missing migration, not an outage
        ValueError("bad input"),
        FileNotFoundError(2, "No such file"),
    ],
)
def test_other_failures_are_not_an_outage(error: BaseException) -> None:
    assert not database_unavailable(error)

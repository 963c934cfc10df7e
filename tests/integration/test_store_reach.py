"""A PostgreSQL server that takes the connection and then says nothing (a hung host, a network
that drops the packets) costs a request the connect timeout, not as long as TCP cares to wait;
and which database errors count as the database being gone (a 503), and which do not."""

from __future__ import annotations

import socket
import sqlite3
import time

import pytest
from eventsourcing import persistence as library
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from infrastructure.persistence import database_url
from infrastructure.settings import Settings
from infrastructure.view_store import unreachable


def test_a_server_that_never_answers_fails_the_connection_within_the_connect_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        url = f"postgresql+psycopg2://youthcare@127.0.0.1:{silent.getsockname()[1]}/youthcare"
        settings = Settings(database_url=SecretStr(url), database_connect_timeout_seconds=2)
        engine = create_engine(database_url(settings), poolclass=NullPool)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
        took = time.monotonic() - started
        engine.dispose()
    assert 1.5 < took < 4, took


class Refusal(Exception):
    """Stands for the driver's error: what `unreachable` reads of it is its SQLSTATE."""

    def __init__(self, pgcode: str | None) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


@pytest.mark.parametrize(
    ("pgcode", "outage"),
    [
        (None, True),  # refused, timed out, or dropped: libpq gives no code
        ("57P01", True),  # terminating connection due to administrator command (a fast shutdown)
        ("08006", True),  # connection failure
        ("40P01", False),  # a deadlock: the statement was refused, the database is there
        ("40001", False),  # a serialization failure
        ("57014", True),  # a statement cancelled by the operator is operator intervention too
    ],
)
def test_only_a_database_that_is_gone_counts_as_an_outage(pgcode: str | None, outage: bool) -> None:
    error = OperationalError("SELECT 1", {}, Refusal(pgcode))
    wrapped = library.OperationalError(error)
    wrapped.__cause__ = error  # as the event store's datastore raises it
    assert unreachable(error) is outage
    assert unreachable(wrapped) is outage


def test_sqlite_errors_are_not_an_outage() -> None:
    assert not unreachable(OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")))

"""A PostgreSQL server that takes the connection and then says nothing (a hung host, a network
that drops the packets) costs a request the connect timeout, not as long as TCP cares to wait."""

from __future__ import annotations

import socket
import time

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from infrastructure.persistence import database_url
from infrastructure.settings import Settings


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

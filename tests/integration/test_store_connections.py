"""Closing the application gives its database connections back to the server at once: a process
that makes and closes applications (the test suite, a command-line run) must not pile up idle
connections until the server refuses new clients."""

from __future__ import annotations

import uuid

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from tests.conftest import postgres_url


def connections_named(url: str, name: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": name}
            ).scalar_one()
    finally:
        engine.dispose()
    return int(found)


@pytest.mark.postgres
def test_a_closed_application_holds_no_connection_to_postgresql(pg_schema: tuple[str, str]) -> None:
    url, schema = pg_schema
    name = f"yc-close-{uuid.uuid4().hex[:8]}"  # tells this test's connections from everyone else's
    settings = Settings(database_url=SecretStr(f"{url}?application_name={name}"), database_schema=schema)
    applications = [create_application(settings) for _ in range(3)]
    for application in applications:
        application.recorder.select_notifications(0, limit=10)  # the pool keeps the connection it used
    assert connections_named(postgres_url(), name) >= 3

    for application in applications:
        application.close()

    assert connections_named(postgres_url(), name) == 0  # `applications` still refers to all three

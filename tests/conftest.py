"""Fixtures shared by every suite: the three stores and the application on each.

PostgreSQL tests read YOUTHCARE_TEST_DATABASE_URL and are skipped when it is unset.
With YOUTHCARE_REQUIRE_POSTGRES=1 (as .ci/run sets) a skipped PostgreSQL test fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from application.app import YouthCare
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.settings import Settings

PG_URL_VARIABLE = "YOUTHCARE_TEST_DATABASE_URL"
STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL tests skipped: {PG_URL_VARIABLE} is not set")
    return url


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema for one test, dropped afterwards: (url, schema)."""
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield url, schema
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def settings_for(store: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: object) -> Settings:
    """Settings for `store`: in-memory, a SQLite file under tmp_path, or a fresh PG schema."""
    if store == "memory":
        return Settings(database_url=SecretStr(MEMORY_URL), **overrides)  # type: ignore[arg-type]
    if store == "sqlite":
        return Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'youthcare.db'}"), **overrides)  # type: ignore[arg-type]
    url, schema = request.getfixturevalue("pg_schema")
    return Settings(database_url=SecretStr(url), database_schema=schema, **overrides)  # type: ignore[arg-type]


@pytest.fixture(params=STORES)
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for each store in turn: the same test runs on all three."""
    return settings_for(request.param, tmp_path, request, snapshot_interval=3)


@pytest.fixture
def app(store_settings: Settings) -> Iterator[YouthCare]:
    application = create_application(store_settings)
    yield application
    application.close()


# --- A skipped PostgreSQL test must not pass silently in CI -------------------------

_skipped_postgres: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords and not hasattr(report, "wasxfail"):
        _skipped_postgres.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_postgres and os.environ.get("YOUTHCARE_REQUIRE_POSTGRES") == "1":
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _skipped_postgres:
        return
    required = os.environ.get("YOUTHCARE_REQUIRE_POSTGRES") == "1"
    verdict = "FAILED: PostgreSQL is required" if required else "note"
    terminalreporter.write_line(
        f"{verdict}: {len(_skipped_postgres)} PostgreSQL tests were skipped (set {PG_URL_VARIABLE} to run them)",
        red=required,
        yellow=not required,
    )

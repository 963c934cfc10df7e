"""Configuration comes from YOUTHCARE_* variables; production must name its database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.persistence import database_url, library_env
from infrastructure.settings import DEFAULT_DATABASE_URL, Settings

TEST_MASTER_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="  # 32 bytes, for tests only


def test_development_defaults_to_the_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("YOUTHCARE_DATABASE_URL", "YOUTHCARE_ENVIRONMENT", "YOUTHCARE_SNAPSHOT_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url.get_secret_value() == DEFAULT_DATABASE_URL
    assert settings.snapshot_interval == 50
    assert library_env(settings)["SQLALCHEMY_URL"] == DEFAULT_DATABASE_URL


def test_settings_are_read_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUTHCARE_DATABASE_URL", "postgresql+psycopg2://u:secret@db:5432/yc")
    monkeypatch.setenv("YOUTHCARE_DATABASE_SCHEMA", "care")
    monkeypatch.setenv("YOUTHCARE_SNAPSHOT_INTERVAL", "0")
    settings = Settings()
    env = library_env(settings)
    assert env["SQLALCHEMY_SCHEMA"] == "care" and env["SQLALCHEMY_URL"].endswith("@db:5432/yc?connect_timeout=2")
    assert settings.snapshot_interval == 0
    assert "secret" not in repr(settings)


def test_production_refuses_to_start_without_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YOUTHCARE_DATABASE_URL", raising=False)
    monkeypatch.setenv("YOUTHCARE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="YOUTHCARE_DATABASE_URL must be set"):
        Settings()
    monkeypatch.setenv("YOUTHCARE_DATABASE_URL", "postgresql+psycopg2://u:p@db/yc")
    with pytest.raises(ValidationError, match="YOUTHCARE_MASTER_KEY must be set"):
        Settings()
    monkeypatch.setenv("YOUTHCARE_MASTER_KEY", TEST_MASTER_KEY)
    assert Settings().environment == "production"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YOUTHCARE_SNAPSHOT_INTERVAL", "-1"),
        ("YOUTHCARE_DATABASE_SCHEMA", "x; drop"),
        ("YOUTHCARE_DATABASE_CONNECT_TIMEOUT_SECONDS", "0"),
        ("YOUTHCARE_PROJECTOR_STOP_SECONDS", "0"),
    ],
)
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_postgresql_connections_give_up_after_the_connect_timeout_unless_the_url_says_otherwise() -> None:
    def url(given: str, **settings: object) -> str:
        return database_url(Settings(database_url=given, **settings))  # type: ignore[arg-type]

    assert url("postgresql+psycopg2://u:secret@db/yc") == "postgresql+psycopg2://u:secret@db/yc?connect_timeout=2"
    assert url("postgresql+psycopg2://u@db/yc", database_connect_timeout_seconds=7).endswith("?connect_timeout=7")
    assert url("postgresql+psycopg2://u@db/yc?connect_timeout=9") == "postgresql+psycopg2://u@db/yc?connect_timeout=9"
    assert url("sqlite:///var/youthcare.db") == "sqlite:///var/youthcare.db"
    assert url("memory://") == "memory://"

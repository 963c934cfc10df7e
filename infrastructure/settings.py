"""All configuration, read from YOUTHCARE_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/youthcare.db"


class Settings(BaseSettings):
    """The service's settings. Every field is `YOUTHCARE_<FIELD>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="YOUTHCARE_", extra="ignore")

    database_url: SecretStr = Field(
        default=SecretStr(DEFAULT_DATABASE_URL),
        description=(
            "Where events are stored: sqlite:///PATH (default, folder made on first run), "
            "postgresql+psycopg2://USER:PASSWORD@HOST:PORT/DB, or memory:// (nothing kept)."
        ),
    )
    database_schema: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema for the tables (made if missing); default: the search path.",
    )
    snapshot_interval: int = Field(default=50, ge=0, description="Snapshot cases and pairs every N events (0: never).")
    environment: Literal["development", "production"] = "development"

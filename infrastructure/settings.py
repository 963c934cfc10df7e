"""All configuration, read from YOUTHCARE_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production the database URL must be given explicitly, never defaulted.",
    )

    @model_validator(mode="after")
    def _production_names_its_database(self) -> Settings:
        if self.environment == "production" and "database_url" not in self.model_fields_set:
            raise ValueError("YOUTHCARE_DATABASE_URL must be set when YOUTHCARE_ENVIRONMENT=production")
        return self

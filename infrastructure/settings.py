"""All configuration, read from YOUTHCARE_* environment variables."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/youthcare.db"
# The largest form or JSON body is a plan of 50 goals in percent-encoded Chinese: far below this.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


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
    database_connect_timeout_seconds: int = Field(
        default=2,
        ge=1,
        le=60,
        description=(
            "PostgreSQL: how many seconds making a connection may take before the request is answered 503 "
            "(libpq's connect_timeout; one given in the URL wins)."
        ),
    )
    snapshot_interval: int = Field(default=50, ge=0, description="Snapshot cases and pairs every N events (0: never).")
    aggregate_cache_size: int = Field(
        default=500,
        ge=0,
        le=1_000_000,
        description=(
            "How many records each process keeps in memory between requests (0: none). A kept record is "
            "brought up to date with the events stored after it on every load, so writes by other processes "
            "are seen; loading a long case then costs its newest events instead of its snapshot."
        ),
    )
    projector: Literal["embedded", "off"] = Field(
        default="embedded",
        description=(
            "embedded: the service keeps the read-side views up to date itself: `make run` (python -m api.serve) "
            "runs the projector in a process of its own beside the API workers on PostgreSQL, and in a thread of "
            "the one API process on SQLite (as does uvicorn started by hand). off: another process does "
            "(`youthcare projector`), e.g. a container of its own."
        ),
    )
    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description=(
            "API worker processes `make run` (python -m api.serve) starts on PostgreSQL; 0: one a core. "
            "SQLite and memory:// are served by one (SQLite takes one write at a time)."
        ),
    )
    projector_batch_size: int = Field(default=500, ge=1, le=10_000, description="Events applied per view transaction.")
    projector_idle_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description=(
            "How often an idle projector looks for events it was not told about "
            "(SQLite: writes by other processes; PostgreSQL: a safety net under LISTEN/NOTIFY)."
        ),
    )
    projector_stop_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description=(
            "On SIGTERM, how long the projector may take to finish the batch it is applying; past it the "
            "process exits anyway and the database rolls that batch back (it is applied again on the next start)."
        ),
    )
    consistency_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a view request with ?consistent_with= waits for the view before answering 503.",
    )
    referral_overdue_days: int = Field(
        default=30, ge=1, le=3650, description="An accepted referral not completed within this many days is overdue."
    )
    mentor_contact_days: int = Field(
        default=30, ge=1, le=3650, description="An active pair with no session for this many days is flagged."
    )
    session_due_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="A mentor's work list shows a session due once this many days passed since the last one.",
    )
    backfill_days: int = Field(
        default=90,
        ge=0,
        le=3650,
        description=(
            "Interventions and mentoring sessions may be dated up to this many days before their case "
            "or pair was registered (and are shown as backfilled)."
        ),
    )
    master_key: SecretStr | None = Field(
        default=None,
        description=(
            "Base64 of 32 random bytes (`openssl rand -base64 32`): wraps the per-case keys that encrypt "
            "personal data. Required in production; in development one is made once and kept in "
            "master.key beside the SQLite database (or in var/)."
        ),
    )
    anchor_interval_minutes: float = Field(
        default=60,
        ge=0,
        le=7 * 24 * 60,
        description="Where the projector runs, write a signed anchor this often (0: never).",
    )
    anchor_dir: str = Field(
        default="var/anchors",
        max_length=500,
        description="The folder signed anchors are written to: ship it off the machine.",
    )
    bootstrap_admin_password: SecretStr | None = Field(
        default=None,
        description=(
            "When there is no user at all, create `admin` with this password on start. "
            "In production the service refuses to start with no users and no such password."
        ),
    )
    session_idle_minutes: float = Field(
        default=30, gt=0, le=24 * 60, description="A sign-in token unused this long expires."
    )
    session_absolute_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="A sign-in token expires this long after sign-in, used or not."
    )
    sign_in_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed sign-ins for one username that close sign-in for it."
    )
    sign_in_failure_window_minutes: float = Field(
        default=15,
        gt=0,
        le=24 * 60,
        description="The window failed sign-ins are counted in, and how long sign-in stays closed.",
    )
    password_hash_time_cost: int = Field(default=2, ge=1, le=20, description="argon2id passes (OWASP: at least 2).")
    password_hash_memory_kib: int = Field(
        default=19456, ge=8, le=4 * 1024 * 1024, description="argon2id memory in KiB (OWASP: at least 19456)."
    )
    allow_own_approval: bool = Field(
        default=False,
        description="Let a station lead approve a plan or closure they submitted themselves (one-person "
        "stations); each such approval records that it was their own.",
    )
    append_attempts: int = Field(
        default=10,
        ge=1,
        le=100,
        description="How often a command that only adds to a record (an intervention, a session, a note, a consent, "
        "a training) is tried when other writes to the record keep getting in first; then 409 concurrent_write. "
        "One sent with If-Match is tried once.",
    )
    idempotency_keep_hours: float = Field(
        default=24,
        gt=0,
        le=24 * 365,
        description="How long an Idempotency-Key is kept: a retry within it with the same key and body gets the "
        "first answer again and records nothing new.",
    )
    idempotency_lease_seconds: float = Field(
        default=30,
        ge=1,
        le=3600,
        description="How long a request holds its Idempotency-Key before a retry may take it over (when the "
        "first request's process stopped before answering); meanwhile a retry gets 409 with Retry-After.",
    )
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES,
        ge=1024,
        le=1024 * 1024 * 1024,
        description=(
            "The largest request body (JSON or a page's form) read, in bytes; a larger one is refused "
            "with 413 before it is read whole."
        ),
    )
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="The district's time zone (an IANA name): the pages show every time in it.",
    )
    ready_max_lag: int = Field(
        default=1000,
        ge=0,
        le=10_000_000,
        description=(
            "GET /readyz answers 503 while any view has more than this many events of the log still to "
            "apply (or is being built)."
        ),
    )
    metrics_allow_from: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description=(
            "Addresses or networks (comma-separated, e.g. 10.0.0.5,192.168.1.0/24) that may read GET /metrics "
            "without a token; anyone else needs an admin's bearer token."
        ),
    )
    log_format: Literal["json", "plain"] = Field(
        default="json",
        description="json: one JSON object per log line (for collectors); plain: readable lines, for development.",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production the database URL must be given explicitly, never defaulted.",
    )

    @field_validator("bootstrap_admin_password", "master_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("metrics_allow_from", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone this machine knows (e.g. Asia/Shanghai)") from None
        return value

    @model_validator(mode="after")
    def _production_names_its_database(self) -> Settings:
        if self.environment == "production" and "database_url" not in self.model_fields_set:
            raise ValueError("YOUTHCARE_DATABASE_URL must be set when YOUTHCARE_ENVIRONMENT=production")
        if self.environment == "production" and self.master_key is None:
            raise ValueError(
                "YOUTHCARE_MASTER_KEY must be set when YOUTHCARE_ENVIRONMENT=production: it opens the personal data"
            )
        if self.environment == "production" and (
            self.password_hash_memory_kib < 19456 or self.password_hash_time_cost < 2
        ):
            raise ValueError("in production the password hash needs at least 19456 KiB and 2 passes (OWASP's minimum)")
        return self

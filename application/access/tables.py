"""Tables kept outside the event log: password hashes, sign-in sessions, failed sign-ins, the read log.

The event log keeps everything forever, so secrets stay out of it; these tables live in
the same database as the events and views.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
)

from application.views.base import ViewText

metadata = MetaData()


class Database(Protocol):
    """Where these tables are: the event store's database (see infrastructure.view_store)."""

    def transaction(self) -> AbstractContextManager[Connection]: ...

    def reading(self) -> AbstractContextManager[Connection]: ...


credentials = Table(
    "auth_credentials",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("password_hash", String(300), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the token: the token itself is never kept
    Column("user_id", Uuid, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

failures = Table(
    "auth_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username_key", ViewText(200), nullable=False),  # as compared: trimmed, lower case
    Column("username", ViewText(200), nullable=False),  # as typed
    Column("address", ViewText(100)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("auth_failures_username_at", "username_key", "at"),
)

access_log = Table(
    "access_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),  # gapless: the chain's order
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("username", ViewText(200), nullable=False, index=True),
    Column("role", ViewText(40), nullable=False),
    Column("endpoint", ViewText(300), nullable=False),
    Column("address", ViewText(100)),
    Column("purpose", ViewText(500)),
    Column("sealed", Boolean, nullable=False, default=False),
    Column("link", String(64), nullable=False),
)

# Each record (and each station whose records) an answer showed: what `record_id=` and a
# station lead's narrowing search.
access_log_refs = Table(
    "access_log_refs",
    metadata,
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),  # "record" or "station"
    Column("ref_id", Uuid, nullable=False),
    PrimaryKeyConstraint("seq", "kind", "ref_id"),
    Index("access_log_refs_ref", "ref_id", "kind", "seq"),
)


def create_tables(conn: Connection) -> None:
    metadata.create_all(conn)

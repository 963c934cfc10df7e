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
    text,
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


# On PostgreSQL a read log entry is appended by one call (application.access.read_log): the turn
# taken, the end of the chain read, the link made and the entry written in the database, so the
# turn is held for no round trip and no wait of the Python process that asked.
READ_LOG_APPEND = """
CREATE OR REPLACE FUNCTION {schema}youthcare_read_log_append(
    turn bigint, rest text, at_ timestamptz, username_ text, role_ text, endpoint_ text, address_ text,
    purpose_ text, sealed_ boolean, records uuid[], stations uuid[]
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_link text;
    new_seq bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(turn);
    SELECT seq, link INTO last_seq, last_link FROM {schema}access_log ORDER BY seq DESC LIMIT 1;
    new_seq := COALESCE(last_seq, 0) + 1;
    INSERT INTO {schema}access_log (seq, at, username, role, endpoint, address, purpose, sealed, link)
    VALUES (
        new_seq, at_, username_, role_, endpoint_, address_, purpose_, sealed_,
        encode(sha256(convert_to(
            COALESCE(last_link, repeat('0', 64)) || '|[' || new_seq::text || ',' || rest, 'UTF8'
        )), 'hex')
    );
    INSERT INTO {schema}access_log_refs (seq, kind, ref_id)
    SELECT new_seq, 'record', r FROM unnest(records) AS r
    UNION ALL SELECT new_seq, 'station', s FROM unnest(stations) AS s;
    RETURN new_seq;
END $$
"""


def schema_prefix(conn: Connection) -> str:
    """`"schema".` for the schema these tables are mapped to on this connection, or nothing."""
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    return f'"{schema}".' if schema else ""


def create_tables(conn: Connection) -> None:
    """The tables, and on PostgreSQL the append function, each made only when missing: a role that
    owns nothing (see the README) finds them made by the owner's first start."""
    metadata.create_all(conn)
    if conn.dialect.name != "postgresql":
        return
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    found = conn.execute(
        text(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'youthcare_read_log_append' AND n.nspname = COALESCE(:schema, current_schema())"
        ),
        {"schema": schema},
    ).first()
    if found is None:
        conn.execute(text(READ_LOG_APPEND.format(schema=schema_prefix(conn))))

"""Build the eventsourcing application on the store the settings name."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from application.app import YouthCare
from infrastructure.settings import Settings

logger = logging.getLogger(__name__)

MEMORY_URL = "memory://"


def database_url(settings: Settings) -> str:
    """The URL every connection of the service is made with. On PostgreSQL it bounds how long
    making a connection may take (libpq's `connect_timeout`, unless the URL sets its own), so an
    unreachable server fails a request in seconds (503) rather than holding it until TCP gives up."""
    url = settings.database_url.get_secret_value()
    if url == MEMORY_URL:
        return url
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    timeout = str(settings.database_connect_timeout_seconds)
    return parsed.update_query_dict({"connect_timeout": timeout}).render_as_string(hide_password=False)


def library_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's own settings, derived from ours."""
    url = database_url(settings)
    common = {"MAPPER_TOPIC": "infrastructure.personal:PersonalMapper"}  # personal data encrypted per case
    if settings.aggregate_cache_size > 0:  # the library takes 0 for "no limit": leave it unset for none
        common |= {"AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size), "AGGREGATE_CACHE_FASTFORWARD": "y"}
    if url == MEMORY_URL:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo", **common}
    # The extension's factory, with a recorder that appends in one round trip (infrastructure/event_store.py).
    env = {
        "PERSISTENCE_MODULE": "infrastructure.event_store:Factory",
        "SQLALCHEMY_URL": url,
        "CREATE_TABLE": "y",
        **common,
    }
    if settings.database_schema:
        env["SQLALCHEMY_SCHEMA"] = settings.database_schema
    return env


def prepare_database(settings: Settings) -> None:
    """Make what the tables need before the library creates them: a folder, a schema."""
    url_text = database_url(settings)
    if url_text == MEMORY_URL:
        return
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return
    if settings.database_schema:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                found = connection.execute(
                    text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": settings.database_schema}
                ).first()
                if found is None:  # asked only when missing: a role without CREATE rights finds it made
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"'))
        finally:
            engine.dispose()


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def setup_lock(url_text: str, schema: str | None) -> Iterator[None]:
    """Let one process at a time create schemas and tables in a PostgreSQL database.

    Processes started together (the API and the projector from one compose file) would
    otherwise race on CREATE ... and one would die with a duplicate-key error.
    """
    if url_text == MEMORY_URL or make_url(url_text).get_backend_name() != "postgresql":
        yield
        return
    key = advisory_key(f"youthcare-setup:{schema or ''}")
    engine = create_engine(url_text, poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {prefix}youthcare_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'youthcare events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER youthcare_append_only BEFORE UPDATE OR DELETE ON {prefix}youthcare_events
    FOR EACH ROW EXECUTE FUNCTION {prefix}youthcare_refuse_change();
CREATE OR REPLACE TRIGGER youthcare_no_truncate BEFORE TRUNCATE ON {prefix}youthcare_events
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}youthcare_refuse_change();
"""


def make_events_append_only(settings: Settings) -> None:
    """On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the events table, whoever asks.

    The table's owner (or a superuser) can still disable the trigger: run the service
    under a role that owns nothing (see the README).
    """
    url = database_url(settings)
    if url == MEMORY_URL or make_url(url).get_backend_name() != "postgresql":
        return
    prefix = f'"{settings.database_schema}".' if settings.database_schema else ""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_trigger WHERE tgname = 'youthcare_append_only' AND tgrelid = to_regclass(:t)"),
                {"t": f"{prefix}youthcare_events"},
            ).first()
            if exists is None:  # installing takes the table's owner: a restricted role finds it done
                connection.execute(text(APPEND_ONLY.format(prefix=prefix)))
    finally:
        engine.dispose()


def install_append_function(settings: Settings, app: YouthCare) -> None:
    """On PostgreSQL, make the function that appends events in one round trip, and have the recorder
    call it. A role that may not create it, where no one made it, appends as the extension does."""
    from infrastructure.event_store import APPEND_FUNCTION, Recorder, install_append

    url = database_url(settings)
    recorder = app.recorder
    if url == MEMORY_URL or make_url(url).get_backend_name() != "postgresql" or not isinstance(recorder, Recorder):
        return
    schema = settings.database_schema
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            found = connection.execute(
                text(
                    "SELECT 1 FROM pg_proc WHERE proname = :name "
                    "AND pronamespace = COALESCE(to_regnamespace(:schema), current_schema()::regnamespace)"
                ),
                {"name": APPEND_FUNCTION, "schema": schema},
            ).first()
            if found is None:
                install_append(connection, schema, recorder.events_table_name)
        recorder.append_in_one_call = True
    except DBAPIError:
        logger.warning("events are appended in several round trips: the append function could not be made")
    finally:
        engine.dispose()


def create_application(settings: Settings) -> YouthCare:
    """The application, its tables created and its case keys at hand. Call once per process and keep it.

    A master key that does not open the stored case keys stops it here, not at the first read.
    """
    from infrastructure.idempotency import IdempotencyKeys
    from infrastructure.keys import KeyRing, master_key
    from infrastructure.links import KeyedLinks
    from infrastructure.view_store import ViewStore
    from infrastructure.youth_ids import YouthIds

    master = master_key(settings)
    with setup_lock(database_url(settings), settings.database_schema):
        prepare_database(settings)
        app = YouthCare(
            library_env(settings),
            snapshot_interval=settings.snapshot_interval,
            backfill_days=settings.backfill_days,
            append_attempts=settings.append_attempts,
        )
        make_events_append_only(settings)
        install_append_function(settings, app)
        secure_sqlite_deletes(app)
        ring = KeyRing(ViewStore(app, settings), master)
        ring.create_tables()
        keyed = KeyedLinks(ViewStore(app, settings), master)
        keyed.create_tables()
        youth_ids = YouthIds(ViewStore(app, settings), master)
        youth_ids.create_tables()
        idempotency_keys = IdempotencyKeys(
            ViewStore(app, settings),
            master,
            ring,
            keep_hours=settings.idempotency_keep_hours,
            lease_seconds=settings.idempotency_lease_seconds,
        )
        idempotency_keys.create_tables()
    try:
        ring.check_master()
    except Exception:
        app.close()
        raise
    app.mapper.keys = ring  # type: ignore[attr-defined]
    app.repository.on_erased = ring.forget  # type: ignore[attr-defined]
    app.links = keyed
    app.idempotency_keys = idempotency_keys
    app.youth_ids = youth_ids
    return app


def secure_sqlite_deletes(app: YouthCare) -> None:
    """On SQLite, overwrite deleted and replaced content with zeros, so erased data does not
    linger in free pages of the file."""
    datastore = getattr(app.recorder, "datastore", None)
    if datastore is None or datastore.engine.dialect.name != "sqlite":
        return

    def on_connect(connection: Any, _: Any) -> None:
        connection.execute("PRAGMA secure_delete = ON")

    sqlalchemy_event.listen(datastore.engine, "connect", on_connect)
    datastore.engine.dispose()  # connections made before now reconnect with the pragma

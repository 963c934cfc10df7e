"""The SQLAlchemy extension's store, with fewer round trips to PostgreSQL.

The extension appends in four statements while it holds the events table's exclusive lock:
LOCK TABLE, INSERT, NOTIFY, then the commit. A thread holding that lock may wait for the
interpreter between them while every other writer waits for the lock. Here one PL/pgSQL function
(made at start-up, `install_append`) locks, inserts and notifies in one statement. Everything
else stays the extension's: the same transaction (so keyed links and idempotency rows still
commit with the events), the same lock until the commit (notification ids commit in order), the
same unique index (a version already taken is an IntegrityError, answered 409).

Reading a record's events outside a transaction (loading it, or bringing a kept one up to date)
runs in autocommit: one round trip instead of BEGIN, SELECT and ROLLBACK.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.datastore import transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

APPEND_FUNCTION = "youthcare_append"

APPEND = """
CREATE OR REPLACE FUNCTION {prefix}{function}(ids uuid[], versions bigint[], topics text[], states bytea[])
RETURNS TABLE (notification_id bigint, record_id uuid, record_version bigint) LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE {prefix}{table} IN EXCLUSIVE MODE;  -- held to the commit: ids commit in order
    RETURN QUERY
        INSERT INTO {prefix}{table} AS e (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING e.id, e.originator_id, e.originator_version;
    PERFORM pg_notify('{channel}', '');
END $$;
"""


def install_append(connection: Connection, schema: str | None, table: str) -> None:
    """Make (or remake) the append function; call under the setup lock."""
    prefix = f'"{schema}".' if schema else ""
    channel = table.replace(".", "_")  # the extension's channel name
    connection.execute(text(APPEND.format(prefix=prefix, function=APPEND_FUNCTION, table=table, channel=channel)))


class Recorder(SQLAlchemyApplicationRecorder):
    """The extension's application recorder: on PostgreSQL, appends with one call and reads in autocommit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.append_in_one_call = False  # set once the function is known to exist (infrastructure/persistence.py)
        self._reader_engine: Engine | None = None
        self._reader_lock = threading.Lock()
        prefix = f'"{self.schema_name}".' if self.schema_name else ""
        self._select_sql = (
            f"SELECT originator_id, originator_version, topic, state FROM {prefix}{self.events_table_name} "
            "WHERE originator_id = %(id)s::uuid"
        )
        self._append = text(
            f"SELECT * FROM {prefix}{APPEND_FUNCTION}("
            "CAST(:ids AS uuid[]), CAST(:versions AS bigint[]), CAST(:topics AS text[]), CAST(:states AS bytea[]))"
        )

    def _reader(self) -> Engine:
        """Connections in autocommit from the start: switching a pooled one costs a round trip each way."""
        with self._reader_lock:
            if self._reader_engine is None:
                engine = self.datastore.engine
                assert isinstance(engine, Engine)
                self._reader_engine = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
            return self._reader_engine

    def close(self) -> None:
        with self._reader_lock:
            if self._reader_engine is not None:
                self._reader_engine.dispose()
                self._reader_engine = None

    def _read(self, sql: str, parameters: dict[str, Any]) -> Any:
        with self._reader().connect() as connection:
            return connection.exec_driver_sql(sql, parameters).all()

    @property
    def _on_postgres(self) -> bool:
        return self.datastore.engine is not None and self.datastore.engine.dialect.name == "postgresql"

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not self.append_in_one_call or not stored_events:
            return super()._insert_stored_events(session, stored_events, **kwargs)
        found = session.execute(
            self._append,
            {
                "ids": [str(e.originator_id) for e in stored_events],
                "versions": [e.originator_version for e in stored_events],
                "topics": [e.topic for e in stored_events],
                "states": [e.state for e in stored_events],
            },
        ).all()
        positions = {(UUID(str(row.record_id)), row.record_version): row.notification_id for row in found}
        return [positions[UUID(str(e.originator_id)), e.originator_version] for e in stored_events]

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        if not self._on_postgres or transactions.get(None) is not None:
            return super().select_events(originator_id, gt, lte, desc, limit)
        return self._select_in_autocommit(originator_id, gt, lte, desc, limit)

    def _select_in_autocommit(
        self, originator_id: UUID | str, gt: int | None, lte: int | None, desc: bool, limit: int | None
    ) -> list[StoredEvent]:
        from eventsourcing_sqlalchemy.datastore import exception_classes

        # Plain SQL: building and compiling the same query with SQLAlchemy costs more than the round trip.
        sql = [self._select_sql]
        parameters: dict[str, Any] = {"id": str(originator_id)}
        if gt is not None:
            sql.append("AND originator_version > %(gt)s")
            parameters["gt"] = gt
        if lte is not None:
            sql.append("AND originator_version <= %(lte)s")
            parameters["lte"] = lte
        sql.append("ORDER BY originator_version DESC" if desc else "ORDER BY originator_version")
        if limit is not None:
            sql.append("LIMIT %(limit)s")
            parameters["limit"] = limit
        try:
            try:
                rows = self._read(" ".join(sql), parameters)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # A connection pooled before an outage: the pool is renewed by now, and a read may be repeated.
                rows = self._read(" ".join(sql), parameters)
        except Exception as error:  # the extension's own translation into the library's errors
            translated = exception_classes.get(type(error).__name__)
            if translated is None:
                raise
            raise translated(str(error)) from error
        return [
            StoredEvent(
                originator_id=UUID(str(row[0])),
                originator_version=row[1],
                topic=row[2],
                state=bytes(row[3]),
            )
            for row in rows
        ]


class Factory(SQLAlchemyFactory):
    """The extension's factory, making the recorder above (PERSISTENCE_MODULE names this class)."""

    application_recorder_class = Recorder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._recorders: list[Recorder] = []

    def application_recorder(self) -> Any:
        made = super().application_recorder()
        if isinstance(made, Recorder):
            self._recorders.append(made)
        return made

    def close(self) -> None:
        for recorder in self._recorders:
            recorder.close()
        super().close()

"""Where the read-side views live, how one runner per view is ensured, and how it wakes.

Views are tables in the event store's own database, written through the event
store's own SQLAlchemy datastore: on SQLite that shares the library's in-process
write lock, so a projector batch and a command never fight over the file. With
the in-memory event store (tests, demos) the views live in a private in-memory
SQLite database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from eventsourcing import persistence as library
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy import exc as sql
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, StaticPool

from application.app import YouthCare
from application.errors import StoreUnavailable
from infrastructure.persistence import MEMORY_URL, advisory_key, database_url
from infrastructure.settings import Settings

logger = logging.getLogger(__name__)


# PostgreSQL's SQLSTATE classes for a connection that failed or was ended by the server (08:
# connection exception; 57: operator intervention, e.g. a shutdown); a client-side failure to
# connect or a dropped connection has no code at all.
GONE_CLASSES = ("08", "57")


def unreachable(error: BaseException) -> bool:
    """Whether `error` says PostgreSQL could not be reached or dropped the connection, as opposed to
    refusing a statement (a deadlock, a constraint): only the first is an outage."""
    found = error if isinstance(error, sql.DBAPIError) else error.__cause__  # the library wraps SQLAlchemy's
    if not isinstance(found, sql.OperationalError | sql.InterfaceError):
        return False
    if found.connection_invalidated:
        return True
    if not hasattr(found.orig, "pgcode"):
        return False  # not PostgreSQL: SQLite's errors are about the file, not a connection
    code: str | None = getattr(found.orig, "pgcode", None)
    return code is None or code.startswith(GONE_CLASSES)


@contextmanager
def reachable() -> Iterator[None]:
    """Say an unreachable database as the application's StoreUnavailable (a 503), not a fault of ours."""
    try:
        yield
    except (sql.DBAPIError, library.PersistenceError) as error:
        if not unreachable(error):
            raise
        logger.warning("the database did not answer (%s)", type(error).__name__)
        raise StoreUnavailable("the database is unavailable; try again shortly") from error


def close_quietly(connection: Any, what: str) -> None:
    """Close a connection that may already be broken: that is why it is being closed."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001
        logger.debug("closing a broken %s connection", what, exc_info=True)


class ViewLock(Protocol):
    """At most one holder per view across every process using the same database."""

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...

    def close(self) -> None: ...


class ViewStore:
    """The database the views are written to and read from.

    `private=True` keeps the views in this process's memory whatever the event store:
    a scratch build, e.g. to compare a live view with a clean rebuild.
    """

    def __init__(self, app: YouthCare, settings: Settings, *, private: bool = False) -> None:
        self.app = app
        self.url = database_url(settings)
        self.schema = None if private else settings.database_schema
        self._memory_lock: threading.RLock | None = None
        datastore = getattr(app.recorder, "datastore", None)
        if private or self.url == MEMORY_URL or datastore is None:
            self.engine: Engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            self._memory_lock = threading.RLock()  # one shared connection: take turns
            self._datastore = None
        else:
            self.engine = datastore.engine
            self._datastore = datastore
        self.dialect = self.engine.dialect.name

    @property
    def in_memory(self) -> bool:
        """Whether the views live in this process's memory (one shared connection, taken in turns)."""
        return self._memory_lock is not None

    def _mapped(self, conn: Connection) -> Connection:
        if self.schema:
            conn.execution_options(schema_translate_map={None: self.schema})
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: commits on success, rolls back on any exception."""
        if self._datastore is None:
            assert self._memory_lock is not None
            with self._memory_lock, self.engine.begin() as conn:
                yield conn
            return
        with reachable(), self._datastore.transaction(commit=True) as session:
            yield self._mapped(session.connection())

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries: no lock, no writes."""
        if self._memory_lock is not None:
            with self._memory_lock, self.engine.connect() as conn:
                yield conn
            return
        with reachable(), self.engine.connect() as conn:
            yield self._mapped(conn)

    def head(self) -> int:
        """The newest notification id in the event log (0 when empty)."""
        with reachable():
            return self.app.recorder.max_notification_id() or 0

    # -- one runner per view

    def lock(self, view_name: str) -> ViewLock:
        if self._memory_lock is not None:
            return ThreadLock(f"{id(self)}:{view_name}")
        if self.dialect == "postgresql":
            return AdvisoryLock(self.url, f"youthcare:{self.schema or ''}:{view_name}")
        database = make_url(self.url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return FileLock(Path(f"{database}.{view_name}.lock"))
        return ThreadLock(f"{id(self.app.recorder)}:{view_name}")

    # -- waking up on new events

    def wakeup(self) -> Wakeup:
        if self._memory_lock is None and self.dialect == "postgresql":
            return PostgresWakeup(self.url, self.app.recorder.channel_name)  # type: ignore[attr-defined]
        return LocalWakeup(self.app)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on a connection of its own."""

    def __init__(self, url: str, name: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._key = advisory_key(name)
        self._conn: Connection | None = None
        # Advisory locks nest within one session, so threads sharing this object take turns here first.
        self._held = threading.Lock()

    def try_acquire(self) -> bool:
        if not self._held.acquire(blocking=False):
            return False
        try:
            if self._conn is None:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar():
                return True
        except Exception:  # noqa: BLE001  a lost connection means a lost lock: start over
            logger.warning("advisory lock connection failed", exc_info=True)
            self._disconnect()
        self._held.release()
        return False

    def release(self) -> None:
        if not self._held.locked():
            return
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
        except Exception:  # noqa: BLE001  closing the session frees the lock too
            self._disconnect()
        finally:
            self._held.release()

    def _disconnect(self) -> None:
        if self._conn is not None:
            close_quietly(self._conn, "lock")
            self._conn = None

    def close(self) -> None:
        self._disconnect()
        self._engine.dispose()


class FileLock:
    """An flock on a file beside the SQLite database; the OS frees it if the process dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        self.release()


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class ThreadLock:
    """For a store only this process can see (in memory)."""

    def __init__(self, name: str) -> None:
        with _thread_locks_guard:
            self._lock = _thread_locks.setdefault(name, threading.Lock())
        self._held = False

    def try_acquire(self) -> bool:
        self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()

    def close(self) -> None:
        self.release()


class Wakeup(Protocol):
    def arm(self) -> None:
        """Forget earlier signals: call before looking for new events."""

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Return when events may have arrived since `arm`, when `stop` is set, or after `timeout` s."""

    def close(self) -> None: ...


class LocalWakeup:
    """Signalled by this process's own saves. Other processes' writes are seen by the timeout."""

    def __init__(self, app: YouthCare) -> None:
        self._event = threading.Event()
        self._app = app
        app.on_saved.append(self._event.set)

    def arm(self) -> None:
        self._event.clear()

    def wait(self, timeout: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if self._event.wait(min(remaining, 0.25)):  # short slices: a stop is noticed promptly
                return

    def close(self) -> None:
        if self._event.set in self._app.on_saved:
            self._app.on_saved.remove(self._event.set)


class PostgresWakeup:
    """LISTEN on the channel the event store NOTIFYs after each write, from any process."""

    def __init__(self, url: str, channel: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._channel = channel
        self._raw: Any = None

    def _connect(self) -> Any:
        if self._raw is None:
            raw = self._engine.raw_connection()
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor = raw.cursor()
            cursor.execute(f"LISTEN {self._channel}")
            cursor.close()
            self._raw = raw
        return self._raw

    def arm(self) -> None:
        try:
            raw = self._connect().driver_connection
            raw.poll()
            raw.notifies.clear()
        except Exception:  # noqa: BLE001  the timeout in wait() still bounds the delay
            logger.warning("LISTEN connection failed", exc_info=True)
            self.close()

    def wait(self, timeout: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        try:
            # In short slices, so that a stop is noticed promptly.
            while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                if self._raw is None:
                    stop.wait(remaining)
                    return
                raw = self._raw.driver_connection
                if raw.notifies or select.select([raw], [], [], min(remaining, 0.25))[0]:
                    return
        except Exception:  # noqa: BLE001
            logger.warning("LISTEN connection failed", exc_info=True)
            self.close()

    def close(self) -> None:
        if self._raw is not None:
            close_quietly(self._raw, "LISTEN")
            self._raw = None
        self._engine.dispose()

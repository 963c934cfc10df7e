"""The projector: applies the event log to each view, exactly once, in batches.

Exactly once: a batch's view rows and the view's new tracking position commit in
one transaction, and the position moves only from the value the batch started
from (a conditional update), so a second runner that slipped past the lock rolls
back instead of counting twice. Batches read notifications with ids greater than
the last applied one, so gaps in the ids (rolled-back writes on PostgreSQL)
neither stall nor skip anything: on PostgreSQL the event store commits ids in
order under a table lock.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import cast

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, Mapper, Notification
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError as SQLAlchemyIntegrityError

from application.app import YouthCare
from application.base import each_notification
from application.views import VIEWS
from application.views.base import View
from infrastructure.persistence import setup_lock
from infrastructure.view_store import ViewLock, ViewStore

logger = logging.getLogger(__name__)

tracking_metadata = MetaData()
tracking = Table(
    "youthcare_projections",
    tracking_metadata,
    Column("view", String(64), primary_key=True),
    Column("version", Integer, nullable=False),  # 0 while the view is being reset
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

Progress = Callable[[int, int], None]  # (position reached, head)


class PositionMoved(Exception):
    """Another runner applied this batch first; ours was rolled back."""


@dataclass(frozen=True)
class ViewStatus:
    view: str
    code_version: int
    stored_version: int | None
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    updated_at: datetime | None


def now() -> datetime:
    return datetime.now(timezone.utc)


class Projector:
    """Runs views over one application's log. Thread-safe per view only under its lock."""

    def __init__(
        self, app: YouthCare, store: ViewStore, views: Sequence[View] | None = None, *, batch_size: int = 500
    ) -> None:
        self.app = app
        self.store = store
        self.views = list(views) if views is not None else [view_class() for view_class in VIEWS]
        self.batch_size = batch_size
        self._tables_seen: set[str] = set()
        self._locks: dict[str, ViewLock] = {}
        self._locks_guard = threading.Lock()
        with setup_lock(store.url, store.schema), store.transaction() as conn:
            tracking_metadata.create_all(conn)

    def view(self, name: str) -> View:
        for view in self.views:
            if view.name == name:
                return view
        raise KeyError(name)

    # -- reading the tracking table

    def position(self, name: str) -> int:
        with self.store.reading() as conn:
            found = conn.execute(select(tracking.c.position).where(tracking.c.view == name)).scalar_one_or_none()
        return int(found or 0)

    def _tracked(self, name: str) -> tuple[int | None, int, datetime | None]:
        """The view's stored version, position and when it last moved (None, 0, None if never)."""
        with self.store.reading() as conn:
            row = conn.execute(
                select(tracking.c.version, tracking.c.position, tracking.c.updated_at).where(tracking.c.view == name)
            ).first()
        return (None, 0, None) if row is None else (row.version, row.position, row.updated_at)

    # -- setting a view up, and starting it over

    def is_current(self, view: View) -> bool:
        """The view's tables exist and were built by this code's version of it."""
        version, _, _ = self._tracked(view.name)
        if version != view.version:
            return False
        if view.name not in self._tables_seen:
            with self.store.reading() as conn:
                existing = set(inspect(conn).get_table_names(schema=self.store.schema))
            if not all(table.name in existing for table in view.tables()):
                return False
            self._tables_seen.add(view.name)
        return True

    def reset(self, view: View) -> None:
        """Empty the view and start it from the beginning of the log. Hold the view's lock."""
        self._tables_seen.discard(view.name)
        view.forget()
        self._set_tracking(view.name, version=0, position=0)  # a crash from here on resets again
        with self.store.transaction() as conn:
            view.metadata.drop_all(conn)
            view.metadata.create_all(conn)
        self._set_tracking(view.name, version=view.version, position=0)
        logger.info("view %s reset to version %s", view.name, view.version)

    def _set_tracking(self, name: str, *, version: int, position: int) -> None:
        values = {"version": version, "position": position, "updated_at": now()}
        with self.store.transaction() as conn:
            changed = conn.execute(update(tracking).where(tracking.c.view == name).values(**values)).rowcount
            if not changed:
                conn.execute(insert(tracking).values(view=name, **values))

    # -- applying events

    def step(self, view: View) -> int:
        """Apply the next batch of events to `view`; return how many were applied."""
        start = self.position(view.name)
        notifications = self._after(start)
        if not notifications:
            return 0
        events = [(n, self._decoded(view, n)) for n in notifications]
        last = notifications[-1].id
        try:
            with self.store.transaction() as conn:
                view.prepare(conn, events)
                for stored, event in events:
                    view.process_stored(conn, stored, event)
                view.flush(conn)
                moved = conn.execute(
                    update(tracking)
                    .where(tracking.c.view == view.name, tracking.c.position == start)
                    .values(position=last, updated_at=now())
                ).rowcount
                if moved != 1:
                    raise PositionMoved(view.name)
        except (IntegrityError, SQLAlchemyIntegrityError):
            view.forget()
            # Another runner got past the lock (say its lock connection dropped) and wrote
            # these rows first: our batch is rolled back, and that is all.
            if self.position(view.name) != start:
                raise PositionMoved(view.name) from None
            raise
        except BaseException:
            view.forget()
            raise
        return len(events)

    def _after(self, start: int) -> Sequence[Notification]:
        """The next batch of the log after position `start`. Where the views share the event store's
        database, one plain SELECT of its table: the library's own reader builds an ORM object per row
        first, which costs a batch more than decoding its events without their personal fields."""
        record_class = getattr(self.app.recorder, "events_record_cls", None)
        if record_class is None or self.store.in_memory:
            return self.app.recorder.select_notifications(start, limit=self.batch_size, inclusive_of_start=False)
        events = record_class.__table__
        query = (
            select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.id > start)
            .order_by(events.c.id)
            .limit(self.batch_size)
        )
        with self.store.reading() as conn:
            return [
                Notification(
                    id=row.id,
                    originator_id=row.originator_id,
                    originator_version=row.originator_version,
                    topic=row.topic,
                    state=bytes(row.state),
                )
                for row in conn.execute(query)
            ]

    def _event(self, notification: Notification) -> DomainEvent:
        return cast(DomainEvent, self.app.mapper.to_domain_event(notification))

    def _decoded(self, view: View, notification: Notification) -> DomainEvent | None:
        """The event as `view` reads it: not decoded at all, or with its personal fields left sealed
        (the library's own mapping, which the personal-data mapper extends) unless the view reads them."""
        if not view.decodes:
            return None
        if view.reads_personal(notification.topic):
            return self._event(notification)
        return cast(DomainEvent, Mapper.to_domain_event(self.app.mapper, notification))

    def catch_up(self, view: View, progress: Progress | None = None, stop: threading.Event | None = None) -> int:
        """Apply batches until the view reaches the head of the log. Hold the view's lock."""
        applied = 0
        view.forget()  # whoever held the view before us may have moved it
        while stop is None or not stop.is_set():
            try:
                count = self.step(view)
            except PositionMoved:
                logger.warning("view %s was moved by another runner; batch rolled back", view.name)
                continue
            applied += count
            if progress is not None:
                progress(self.position(view.name), self.store.head())
            if count < self.batch_size:
                break
        return applied

    def run_view_once(self, view: View, stop: threading.Event | None = None, progress: Progress | None = None) -> bool:
        """If no other runner holds `view`, bring it up to date. False if another runner has it."""
        lock = self._lock(view.name)
        if not lock.try_acquire():
            return False
        try:
            if not self.is_current(view):
                self.reset(view)
            self.catch_up(view, progress, stop=stop)
        finally:
            lock.release()
        return True

    def rebuild(self, view: View, progress: Progress | None = None, patience: float | None = None) -> int:
        """Start `view` over and replay the whole log into it; waits for a running runner's turn."""
        lock = self._lock(view.name)
        deadline = None if patience is None else time.monotonic() + patience
        waited = False
        while not lock.try_acquire():
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"another projector holds view {view.name}")
            if not waited:
                logger.info("view %s: waiting for the projector that holds it to let go", view.name)
                waited = True
            time.sleep(0.2)
        try:
            self.reset(view)
            return self.catch_up(view, progress)
        finally:
            lock.release()

    def _lock(self, name: str) -> ViewLock:
        """The view's lock, made once: on PostgreSQL it keeps a connection of its own."""
        with self._locks_guard:
            if name not in self._locks:
                self._locks[name] = self.store.lock(name)
            return self._locks[name]

    def close(self) -> None:
        """Let go of the locks' connections (the application is closed by its owner)."""
        with self._locks_guard:
            for lock in self._locks.values():
                lock.close()
            self._locks.clear()

    def run(self, stop: threading.Event, idle_timeout: float) -> None:
        """Keep every view up to date until `stop` is set. Sleeps until new events arrive."""
        wakeup = self.store.wakeup()
        try:
            while not stop.is_set():
                wakeup.arm()
                for view in self.views:
                    if stop.is_set():
                        break
                    try:
                        self.run_view_once(view, stop)
                    except Exception:  # noqa: BLE001  a store outage must not kill the projector
                        logger.exception("projector failed on view %s; retrying", view.name)
                        stop.wait(1.0)
                wakeup.wait(idle_timeout, stop)
        finally:
            wakeup.close()

    # -- what the views and their readers ask (the read side's ViewSource)

    def reading(self) -> AbstractContextManager[Connection]:
        return self.store.reading()

    def head(self) -> int:
        return self.store.head()

    def is_ready(self, name: str) -> bool:
        """The view exists at this code's version (not missing, not being reset)."""
        return self.is_current(self.view(name))

    def status(self, *, count_at_most: int | None = None) -> list[ViewStatus]:
        """Each view's version, position and lag. `count_at_most` stops counting the events a view
        has yet to apply there (readiness and metrics only need to know "more than that")."""
        head = self.store.head()
        statuses = []
        for view in self.views:
            version, position, updated_at = self._tracked(view.name)
            waiting = self._count_after(position, count_at_most)
            lag_seconds = 0.0
            if waiting:
                first = self.app.recorder.select_notifications(position, limit=1, inclusive_of_start=False)[0]
                oldest = self._event(first).timestamp
                lag_seconds = max(0.0, (now() - oldest).total_seconds())
            statuses.append(
                ViewStatus(view.name, view.version, version, position, head, waiting, lag_seconds, updated_at)
            )
        return statuses

    def _count_after(self, position: int, at_most: int | None = None) -> int:
        page = 10_000 if at_most is None else max(1, min(at_most, 10_000))
        waiting = each_notification(self.app.recorder, after=position, page=page)
        return sum(1 for _ in itertools.islice(waiting, at_most))

    def wait_for(self, name: str, position: int, timeout: float) -> bool:
        """Wait until view `name` has applied `position`; False if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        delay = 0.002  # a primary-key read per poll: cheap enough to ask often
        while self.position(name) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 1.5, 0.02)
        return True


class ProjectorThread:
    """The projector in a daemon thread: inside the API process, or under `youthcare projector`.

    It stops at a batch boundary: a batch under way commits whole (rows and position in one
    transaction) before the thread looks at the stop. One still running after `stop_timeout`
    seconds (a database that stopped answering) is left behind; its open transaction commits
    nothing, and the database rolls it back when the process's connections close.
    """

    def __init__(self, projector: Projector, idle_timeout: float, stop_timeout: float = 5.0) -> None:
        self._projector = projector
        self._stop = threading.Event()
        self._stop_timeout = stop_timeout
        self._thread = threading.Thread(
            target=projector.run, args=(self._stop, idle_timeout), name="youthcare-projector", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> bool:
        """Ask it to stop and wait at most the stop timeout; whether it stopped."""
        self._stop.set()
        self._thread.join(self._stop_timeout)
        if self._thread.is_alive():
            logger.warning(
                "the projector did not stop within %.1f s; its unfinished batch will be rolled back",
                self._stop_timeout,
            )
            return False
        logger.info("projector stopped between batches")
        return True

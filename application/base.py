"""The event-sourced application's plumbing: loading, version checks, saving, errors."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import (
    ApplicationRecorder,
    DataError,
    IntegrityError,
    JSONTranscoder,
    Notification,
    PersistenceError,
    Recording,
)
from eventsourcing.utils import get_topic

from application import idempotency
from application.cache import CopyingRepository
from application.errors import (
    ConcurrentWrite,
    InvalidValue,
    NotFound,
    OutOfRange,
    ReferenceNotFound,
    StaleVersion,
    StoreUnavailable,
)
from application.observer import UNWATCHED, Observer
from application.presenters import present
from application.transcodings import register_domain_types
from domain.common import BACKFILL_DAYS
from domain.mentoring_pair import MentoringPair
from domain.youth_case import YouthCase

logger = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)

MAX_VERSION = 2**31 - 1  # the stores keep versions as 32-bit integers


class RecordLinks(Protocol):
    """Keyed links over each stored event, written in the same transaction as the events
    (infrastructure/links.py): what nobody with only database access can forge."""

    def transaction(self) -> AbstractContextManager[Any]: ...

    def link(self, recordings: Sequence[Recording[UUID]]) -> None: ...

    def committed(self) -> None: ...

    def verify(self, recorder: Any) -> Any: ...


class _Presented:
    """`Written.record`: given as the record's plain data, or as a function that presents it, called
    the first time the record is asked for (an answer with `Prefer: return=minimal` never asks, so a
    10,000-event case is not presented for it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, written: Written | None, owner: type | None = None) -> dict[str, Any]:
        if written is None:
            raise AttributeError(self.slot)  # a dataclass field without a default
        found = written.__dict__[self.slot]
        if callable(found):
            found = found()
            written.__dict__[self.slot] = found
        return cast(dict[str, Any], found)

    def __set__(self, written: Written, value: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        written.__dict__[self.slot] = value


@dataclass(frozen=True)
class Written:
    """What a command answers: the record's new state, version and log position."""

    id: UUID
    version: int
    position: int
    record: _Presented = _Presented()

    def presented(self) -> dict[str, Any] | None:
        """The record if it was presented already (given whole, or asked for), else None."""
        found = self.__dict__["_record"]
        return None if callable(found) else cast(dict[str, Any], found)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def each_notification(
    recorder: ApplicationRecorder, *, after: int | None = 0, topics: Sequence[str] = (), page: int = 1000
) -> Iterator[Notification]:
    """Every notification with an id greater than `after` (None: no lower bound at all), in
    log order, read a page at a time."""
    found = recorder.select_notifications(after, limit=page, topics=topics, inclusive_of_start=after is None)
    while found:
        yield from found
        if len(found) < page:
            return
        found = recorder.select_notifications(found[-1].id, limit=page, topics=topics, inclusive_of_start=False)


APPEND_ATTEMPTS = 10  # an append that keeps losing races is tried this often before 409 concurrent_write
RETRY_WAIT_BASE = 0.002  # seconds; doubled each attempt, a random wait up to it (jitter)
RETRY_WAIT_CAP = 0.25
APPEND_STRIPES = 64  # locks that appends to records take turns on, a record's chosen by its id


class BaseApp(Application[UUID]):
    name = "YouthCare"  # table names derive from it: youthcare_events, youthcare_snapshots

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        snapshot_interval: int = 50,
        backfill_days: int = BACKFILL_DAYS,
        append_attempts: int = APPEND_ATTEMPTS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        env = dict(env or {})
        if snapshot_interval > 0:
            env["IS_SNAPSHOTTING_ENABLED"] = "y"
        super().__init__(env)
        # The interval comes from settings, so it is set per instance, not on the class.
        self.snapshotting_intervals = (  # type: ignore[misc]
            {YouthCase: snapshot_interval, MentoringPair: snapshot_interval} if snapshot_interval > 0 else {}
        )
        self.clock = clock
        self.backfill_days = backfill_days  # how far before a record's registration its work may be dated
        self.append_attempts = append_attempts  # how often an append that lost a race is tried in all
        # Appends to one record from this process's threads take turns, so they do not race one
        # another at all; races with other processes are what the retries are for.
        self._append_turns = [threading.RLock() for _ in range(APPEND_STRIPES)]
        # Called after every save, in the saving thread: how an in-process projector wakes.
        self.on_saved: list[Callable[[], None]] = []
        self.links: RecordLinks | None = None  # set by whoever builds the application with its store
        self.idempotency_keys: idempotency.Keys | None = None  # idempotency keys, kept in the same transactions
        self.observer: Observer = UNWATCHED  # counts what happens (infrastructure/metrics.py)
        self._woken_after_commit = threading.local()

    def construct_repository(self) -> Repository[UUID]:
        # The library's repository and its settings (AGGREGATE_CACHE_MAXSIZE, ...), with cheap copies.
        made = super().construct_repository()
        return CopyingRepository(
            event_store=made.event_store,
            snapshot_store=made.snapshot_store,
            cache_maxsize=None if made.cache is None else getattr(made.cache, "maxsize", 0),
            fastforward=made.fastforward,
            fastforward_skipping=made.fastforward_skipping,
            deepcopy_from_cache=made.deepcopy_from_cache,
        )

    def one_command(self) -> AbstractContextManager[None]:
        """One command's loads: a record brought up to date by its access check is not looked up
        again when the command loads it (application/cache.py)."""
        return cast(CopyingRepository, self.repository).one_command()

    def forget(self, record_ids: Sequence[UUID]) -> None:
        """Drop these records from the aggregate cache (after an erasure): the next load reads the store."""
        cast(CopyingRepository, self.repository).evict(record_ids)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_types(transcoder)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # A snapshot only speeds up loading. The events are committed by now, so a
        # failure here must not turn an acknowledged write into an error.
        try:
            self._snapshot_saved(processing_event)
        except Exception:  # noqa: BLE001
            logger.warning("snapshot not taken", exc_info=True)

    def _snapshot_saved(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each saved record whose newest event falls on its interval from the record as
        saved: its state is what its events make (every change is an event), so reading the record
        back, as the library does, would only decode its previous snapshot again. A save whose
        events cross an interval before their last one snapshots that version as the library does."""
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        for event in processing_event.events:
            record = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(record)) if record is not None else None
            if record is None or not interval or event.originator_version % interval:
                continue
            if record.version == event.originator_version:
                snapshot_class = getattr(type(record), "Snapshot", type(self).snapshot_class)
                assert snapshot_class is not None
                self.snapshots.put([snapshot_class.take(record)])
            else:
                self.take_snapshot(event.originator_id, version=event.originator_version)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        if getattr(self._woken_after_commit, "holding", False):
            self._woken_after_commit.pending = True  # the transaction has not committed yet
            return
        for listener in list(self.on_saved):
            listener()

    @contextmanager
    def _store(self) -> Iterator[None]:
        """Translate the library's storage errors into the application's own."""
        try:
            yield
        except IntegrityError as error:
            raise ConcurrentWrite("another change to this record was saved first; reload and try again") from error
        except DataError as error:
            raise OutOfRange() from error
        except PersistenceError as error:
            logger.exception("event store failure")
            raise StoreUnavailable("the event store is unavailable; try again shortly") from error

    @contextmanager
    def _deferring_wakeups(self) -> Iterator[None]:
        """Listeners hear of saves made inside only once the outermost such block is done, so
        after the transaction that holds them has committed."""
        if getattr(self._woken_after_commit, "holding", False):
            yield  # an outer block tells them
            return
        self._woken_after_commit.holding, self._woken_after_commit.pending = True, False
        try:
            yield
        finally:
            self._woken_after_commit.holding = False
        if self._woken_after_commit.pending:
            self._notify([])

    def _save_linked(self, *records: Aggregate) -> list[Recording[UUID]]:
        assert self.links is not None
        asked = idempotency.current()
        with self._deferring_wakeups(), self.links.transaction():
            if asked is not None and asked.claim is not None and self.idempotency_keys is not None:
                # The request's key is done with the events it produced, or not at all.
                recordings = self.idempotency_keys.complete(asked.claim, records[0], lambda: self.save(*records))
            else:
                recordings = self.save(*records)
            self.links.link(recordings)
        self.links.committed()
        return recordings

    def _load(self, kind: type[A], record_id: UUID, *, version: int | None = None) -> A:
        """The record of type `kind`, at `version` if given; NotFound otherwise."""
        label = kind.__name__
        if version is not None and not 1 <= version <= MAX_VERSION:
            raise NotFound(f"{label} {record_id} has no version {version}")
        with self._store():
            try:
                record: Aggregate = self.repository.get(record_id, version=version)
            except AggregateNotFoundError:
                raise NotFound(f"no {label} with id {record_id}") from None
        if not isinstance(record, kind):
            raise NotFound(f"no {label} with id {record_id}")
        if version is not None and record.version != version:
            raise NotFound(f"{label} {record_id} has no version {version}")
        return record

    def record(self, kind: type[A], record_id: UUID) -> A:
        """The record of type `kind` as it is now, for the front door's access checks (NotFound otherwise)."""
        return self._load(kind, record_id)

    def read_record(
        self, kind: type[Aggregate], record_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """Any record as plain data: now, at `version`, or as it stood at `as_of`."""
        return self._read(kind, record_id, version, as_of)

    def _load_for_write(self, kind: type[A], record_id: UUID, expected_version: int | None) -> A:
        record = self._load(kind, record_id)
        if expected_version is not None and expected_version != record.version:
            raise StaleVersion(expected_version, record.version)
        return record

    def _referenced(self, kind: type[A], record_id: UUID, field: str) -> A:
        """Another record a command names in its input: missing is bad input (422)."""
        try:
            return self._load(kind, record_id)
        except NotFound:
            raise ReferenceNotFound(f"no {kind.__name__} with id {record_id}", field=field) from None

    def _save(self, record: Aggregate, *others: Aggregate) -> Written:
        """Save `record` (and index records changed with it) in one transaction, with their keyed links."""
        with self._store():
            recordings = self._save_linked(record, *others) if self.links is not None else self.save(record, *others)
        self.observer.appended(len(recordings))
        positions = [r.notification.id for r in recordings if r.domain_event.originator_id == record.id]
        return Written(id=record.id, version=record.version, position=max(positions), record=lambda: present(record))

    def _read(
        self, kind: type[A], record_id: UUID, version: int | None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """The record now, at `version`, or as it stood at the moment `as_of` (not both)."""
        if as_of is None:
            return present(self._load(kind, record_id, version=version))
        if version is not None:
            raise InvalidValue("ask for a version or a moment, not both", rule="version_and_as_of", field="as_of")
        record = present(self._load(kind, record_id, version=self.version_at(kind, record_id, as_of)))
        return record | {"as_of": as_of.isoformat()}

    def _stored_event(self, record_id: UUID, version: int) -> DomainEvent:
        found = self.recorder.select_events(record_id, gt=version - 1, lte=version, limit=1)
        return cast(DomainEvent, self.mapper.to_domain_event(found[0]))

    def version_at(self, kind: type[Aggregate], record_id: UUID, as_of: datetime) -> int:
        """The record's version in force at `as_of` (an event at exactly `as_of` counts).

        Binary search over the record's own events: about log2(versions) reads.
        """
        with self._store():
            latest = self.recorder.select_events(record_id, desc=True, limit=1)
        if not latest:
            raise NotFound(f"no {kind.__name__} with id {record_id}")
        low, high = 0, latest[0].originator_version  # invariant: version `low` is in force (0: none yet)
        with self._store():
            while low < high:
                middle = (low + high + 1) // 2
                if self._stored_event(record_id, middle).timestamp <= as_of:
                    low = middle
                else:
                    high = middle - 1
        if low == 0:
            raise NotFound(f"{kind.__name__} {record_id} did not exist yet at {as_of.isoformat()}")
        return low

    def _all_created(self, kind: type[Aggregate], created_event: str) -> list[UUID]:
        """Ids of every record of `kind` created by its event `created_event`, oldest first.

        A scan of the log filtered by topic: fine for the few dozen stations and
        departments a district has; the read-side projections replace it for big sets.
        """
        topic = get_topic(getattr(kind, created_event))  # the @event decorator made the class
        with self._store():
            return [n.originator_id for n in each_notification(self.recorder, after=None, topics=[topic])]  # type: ignore[misc]

    def _change(
        self, kind: type[A], record_id: UUID, expected_version: int | None, command: Callable[[A], None]
    ) -> Written:
        """The shape of most commands: load, check the version, call the record, save once."""
        record = self._load_for_write(kind, record_id, expected_version)
        command(record)
        return self._save(record)

    def _append(
        self, kind: type[A], record_id: UUID, expected_version: int | None, command: Callable[[A], None]
    ) -> Written:
        """A command that only adds to a record (an intervention, a session, a note) and does not
        depend on what else is in it. This process's appends to one record take turns; when a write
        from elsewhere got in first, it is loaded and tried again, up to `append_attempts` times in
        all, after a short random wait that grows. One sent with an expected version asked for
        exactly that version, so it is never retried."""
        attempt = 1
        turn = self._append_turns[hash(record_id) % APPEND_STRIPES]
        while True:
            try:
                with turn:
                    return self._change(kind, record_id, expected_version, command)
            except ConcurrentWrite:
                if expected_version is not None or attempt >= self.append_attempts:
                    raise
            self.observer.retried(kind.__name__)
            time.sleep(random.uniform(0, min(RETRY_WAIT_CAP, RETRY_WAIT_BASE * 2**attempt)))
            attempt += 1

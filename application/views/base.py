"""What every read-side view shares: its tables, its version, and how it takes an event.

A view is a projection of the event log into SQL tables. The runner (infrastructure)
hands it events in log order inside a transaction that also moves the view's
tracking position, so each event is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Dialect, MetaData, String, Table, select
from sqlalchemy.types import TypeDecorator


class ViewText(TypeDecorator[str]):
    """A view's text column. PostgreSQL text cannot hold NUL: one such event already in the
    log must not stop a view for good, so NULs are dropped on the way in."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "") if value is not None else None


def event_class(aggregate: type[Aggregate], name: str) -> type[DomainEvent]:
    """The event class the @event decorator made on `aggregate` (e.g. YouthCase, "Opened")."""
    found = getattr(aggregate, name)
    assert isinstance(found, type) and issubclass(found, DomainEvent), (aggregate, name)
    return found


def value(item: Any) -> Any:
    """A domain value as a column value: enums by value, everything else as is."""
    return item.value if isinstance(item, Enum) else item


def utc(moment: datetime) -> datetime:
    """`moment` in UTC. Views store UTC; SQLite hands it back without a zone, so naive means UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


class View:
    """A read-side view. Subclasses set `name`, `version`, `metadata` and `process`.

    Bump `version` whenever the tables or the way events fill them change: a view
    whose stored version differs from its code's is rebuilt from the start.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    metadata: ClassVar[MetaData]

    # Decoding an event costs more than most views spend on it, and opening its personal
    # fields (a case key, AES-GCM per field) costs as much again: a view says what it reads.
    decodes: ClassVar[bool] = True  # False: `process_stored` is handed the stored event only
    personal: ClassVar[frozenset[str] | None] = None  # topics whose personal fields it reads; None: all

    def reads_personal(self, topic: str) -> bool:
        """Whether this view reads the personal fields of events with `topic` (else they stay sealed)."""
        return self.personal is None or topic in self.personal

    def prepare(self, conn: Connection, batch: Batch) -> None:
        """Look up at once, before a batch is applied, what its events will ask for one by one."""

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        raise NotImplementedError

    def process_stored(self, conn: Connection, stored: Notification, event: DomainEvent | None) -> None:
        """Take one event as stored (bytes and all) and as decoded. Most views need only the latter."""
        assert event is not None, "a view that decodes is handed the decoded event"
        self.process(conn, event, stored.id)

    def flush(self, conn: Connection) -> None:
        """Write whatever `process` kept back to write in bulk. Called once per batch, before
        the view's position moves, in the same transaction."""

    def forget(self) -> None:
        """Drop whatever was remembered between events: called when a runner takes the view
        (another may have moved it meanwhile), after a batch is rolled back, and on reset."""

    @classmethod
    def tables(cls) -> list[Table]:
        return list(cls.metadata.sorted_tables)

    @classmethod
    def dump(cls, conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, normalised and sorted: for comparing two builds."""
        return {
            table.name: sorted((_normalised(row) for row in conn.execute(select(table))), key=repr)
            for table in cls.tables()
        }


Batch = Sequence[tuple[Notification, DomainEvent | None]]


def named_in(batch: Batch, attributes: tuple[str, ...] = (), inside: tuple[str, ...] = ()) -> set[UUID]:
    """The records a batch's events belong to or name (by `attributes`, on the event or on its values
    `inside`), less those the batch itself makes: they have no rows to read yet."""
    named: set[UUID] = set()
    made: set[UUID] = set()
    for _, event in batch:
        assert event is not None, "a view that reads events decodes them"
        (made if event.originator_version == 1 else named).add(event.originator_id)
        for holder in (event, *(getattr(event, name, None) for name in inside)):
            for attribute in attributes:
                if isinstance(found := getattr(holder, attribute, None), UUID):
                    named.add(found)
    return named - made


def _normalised(row: Iterable[Any]) -> tuple[Any, ...]:
    # The same view on SQLite and PostgreSQL differs only in how drivers hand values back.
    out: list[Any] = []
    for item in row:
        if isinstance(item, datetime):
            item = utc(item).isoformat()
        elif isinstance(item, date):
            item = item.isoformat()
        elif isinstance(item, UUID):
            item = str(item)
        elif isinstance(item, Decimal):
            item = format(item.normalize(), "f")
        out.append(item)
    return tuple(out)

"""What every read-side view shares: its tables, its version, and how it takes an event.

A view is a projection of the event log into SQL tables. The runner (infrastructure)
hands it events in log order inside a transaction that also moves the view's
tracking position, so each event is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
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

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        raise NotImplementedError

    def process_stored(self, conn: Connection, stored: Notification, event: DomainEvent) -> None:
        """Take one event as stored (bytes and all) and as decoded. Most views need only the latter."""
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

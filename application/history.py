"""Replaying a record: its events with field-level changes, and the version in force at a moment.

Auditors ask what was known and done, when and by whom. The event store answers exactly:
a record's state after each event is the library's own replay of the stored events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from application.base import MAX_VERSION, BaseApp, each_notification
from application.errors import NotFound
from application.presenters import plain, present
from domain.common import is_backfilled
from domain.mentoring_pair import MentoringPair
from domain.organisation import Department, Station
from domain.referral import Referral
from domain.user import User
from domain.volunteer import Volunteer
from domain.youth_case import YouthCase

RECORD_TYPES: dict[type[Aggregate], str] = {
    Station: "station",
    Department: "department",
    Volunteer: "volunteer",
    YouthCase: "case",
    MentoringPair: "pair",
    Referral: "referral",
    User: "user",
}
# Fields of every event that the entry shows on its own, not in `data`.
EVENT_HEADER = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
# Fields of every presented record that change with every event: not worth a diff line.
RECORD_HEADER = {"version", "modified_at"}


# Lists the presenters show item for item under the attribute's own name, which no property
# reads: an event's changes need only present their items after those it left as they were.
ITEMWISE = ("interventions", "consents", "sessions", "goal_notes", "trainings")


def changes(before: Any, after: Any, *, offsets: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Field-level differences between two presented states, as `{field, before, after}`.

    Dicts compare key by key, lists item by item (`interventions[2]`), so an appended
    item shows as one new entry and a changed nested value by its full path. `offsets`
    says, for top-level lists given from their nth item on, that n (their paths count from it).
    """
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[dict[str, Any]] = []
        for key in [*after, *(k for k in before if k not in after)]:
            if key not in RECORD_HEADER:
                first = offsets.get(key, 0) if offsets else 0
                found += _differences(before.get(key), after.get(key), str(key), first)
        return found
    return _differences(before, after, "", 0)


def _differences(before: Any, after: Any, path: str, first: int = 0) -> list[dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[dict[str, Any]] = []
        for key in [*after, *(k for k in before if k not in after)]:
            found += _differences(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(before, list) and isinstance(after, list):
        found = []
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else None
            new = after[index] if index < len(after) else None
            found += _differences(old, new, f"{path}[{first + index}]")
        return found
    return [] if before == after else [{"field": path, "before": before, "after": after}]


def attributes(record: Aggregate) -> dict[str, Any]:
    """The record's attributes, copied so that applying its next event (which may append to a
    list in place) leaves them as they were."""
    return {name: value.copy() if isinstance(value, (list, dict)) else value for name, value in record.__dict__.items()}


def _presented(kind: type[Aggregate], state: dict[str, Any]) -> dict[str, Any]:
    record = object.__new__(kind)
    record.__dict__.update(state)
    return present(record)


def _shared_prefix(old: list[Any], new: list[Any]) -> int:
    """How many leading items two lists have in common."""
    size = min(len(old), len(new))
    if old[:size] == new[:size]:  # items appended, or none changed: compared in C, mostly by identity
        return size
    return next(index for index in range(size) if old[index] != new[index])


def event_changes(kind: type[Aggregate], before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """What an event changed, from the record's attributes before it (None: it made the record) and
    after. What a page of a long record costs does not grow with it: the long lists are presented
    only from their first changed item on."""
    if before is None:
        return changes({}, _presented(kind, after))
    before, after, offsets = dict(before), dict(after), {}
    for name in ITEMWISE:
        old, new = before.get(name), after.get(name)
        if isinstance(old, list) and isinstance(new, list):
            offsets[name] = shared = _shared_prefix(old, new)
            before[name], after[name] = old[shared:], new[shared:]
    return changes(_presented(kind, before), _presented(kind, after), offsets=offsets)


def backfill_mark(event: DomainEvent, record: Aggregate) -> dict[str, Any]:
    """For work dated before its record was registered: `backfilled` and the date it carries (the
    entry's own `occurred_at` is when it was recorded)."""
    item = getattr(event, "intervention", None) or getattr(event, "session", None)
    dated = getattr(item, "occurred_at", None) or getattr(item, "held_on", None)
    if dated is None or not is_backfilled(dated, record.created_on):
        return {}
    return {"backfilled": True, "dated": plain(dated)}


def stored_events(
    recorder: Any, record_id: UUID, *, after_version: int = 0, up_to: int = MAX_VERSION
) -> list[tuple[StoredEvent, int]]:
    """The record's stored events after `after_version` up to `up_to`, in order, each with its
    position (notification id) in the log: one query, read as rows rather than objects."""
    record_class = getattr(recorder, "events_record_cls", None)
    if record_class is None:  # the in-memory store: a scan is fine for what it holds
        positions = {n.originator_version: n.id for n in each_notification(recorder) if n.originator_id == record_id}
        found = recorder.select_events(record_id, gt=after_version, lte=up_to)
        return [(stored, positions[stored.originator_version]) for stored in found]
    version = record_class.originator_version
    with recorder.datastore.transaction(commit=False) as session:
        rows = (
            session.query(version, record_class.topic, record_class.state, record_class.id)
            .filter(record_class.originator_id == record_id, version > after_version, version <= up_to)
            .order_by(version)
            .all()
        )
    return [
        (StoredEvent(record_id, int(at), topic, bytes(state)), int(position)) for at, topic, state, position in rows
    ]


class HistoryService(BaseApp):
    """History and point-in-time reads, for every record type."""

    def history(
        self, kind: type[Aggregate], record_id: UUID, *, after_version: int = 0, limit: int = 100
    ) -> dict[str, Any]:
        """The record's events after `after_version` (at most `limit`), each with who, when,
        what, its log position and the fields it changed.

        Reads only the page's events and the state they start from (the nearest snapshot and
        what follows it), so a page costs about the same however long the record is."""
        version = self._version(kind, record_id)
        last = min(version, after_version + limit)
        if after_version >= last:
            self._kind_checked(kind, record_id)
            return self._history_page(kind, record_id, version, [], None, last)
        with self._store():
            stored = stored_events(self.recorder, record_id, after_version=after_version, up_to=last)
        start = self._load(kind, record_id, version=after_version) if after_version > 0 else None
        return self._history_page(kind, record_id, version, stored, start, last)

    def _history_page(
        self,
        kind: type[Aggregate],
        record_id: UUID,
        version: int,
        stored: Sequence[tuple[StoredEvent, int]],
        state: Aggregate | None,
        last: int,
    ) -> dict[str, Any]:
        """The page's entries: each event applied to the state before it, one at a time."""
        record_type = RECORD_TYPES[kind]
        entries = []
        for item, position in stored:
            event = cast(DomainEvent, self.mapper.to_domain_event(item))
            before = attributes(state) if state is not None else None
            state = cast(Aggregate, cast(Any, event).mutate(state))
            if not isinstance(state, kind):
                raise NotFound(f"no {kind.__name__} with id {record_id}")
            entries.append(
                {
                    "version": event.originator_version,
                    "position": position,
                    "occurred_at": plain(event.timestamp),
                    "actor": plain(event.actor),  # type: ignore[attr-defined]
                    "event_type": f"{record_type}.{type(event).__name__}",
                    "data": plain({k: v for k, v in event.__dict__.items() if k not in EVENT_HEADER}),
                    "changes": event_changes(type(state), before, state.__dict__),
                }
                | backfill_mark(event, state)
            )
        return {
            "record_type": record_type,
            "record_id": str(record_id),
            "version": version,
            "events": entries,
            "next_after_version": last if last < version else None,
        }

    def _version(self, kind: type[Aggregate], record_id: UUID) -> int:
        """The record's current version, from its newest stored event (NotFound when it has none)."""
        with self._store():
            newest = self.recorder.select_events(record_id, desc=True, limit=1)
        if not newest:
            raise NotFound(f"no {kind.__name__} with id {record_id}")
        return int(newest[0].originator_version)

    def _kind_checked(self, kind: type[Aggregate], record_id: UUID) -> None:
        """NotFound unless the record is a `kind`: its first event names what it made."""
        with self._store():
            first = self.recorder.select_events(record_id, limit=1)
        made = getattr(self.mapper.to_domain_event(first[0]), "originator_topic", None) if first else None
        if made is None or not issubclass(resolve_topic(made), kind):
            raise NotFound(f"no {kind.__name__} with id {record_id}")

    def timeline(
        self,
        case_id: UUID,
        related: Sequence[tuple[type[Aggregate], UUID]],
        *,
        after_position: int = 0,
        limit: int = 500,
    ) -> dict[str, Any]:
        """The case's events merged in log order with those of `related` records (its pairs
        and referrals), each with its record and the fields it changed.

        A record's positions grow with its versions, so the page is among the first `limit + 1`
        events after `after_position` of each record: only those are read and diffed."""
        self._kind_checked(YouthCase, case_id)
        later: list[dict[str, Any]] = []
        records: list[tuple[type[Aggregate], UUID]] = [(YouthCase, case_id), *related]
        for kind, record_id in records:
            first = self._first_version_after(record_id, after_position)
            if first is None:
                continue
            history = self.history(kind, record_id, after_version=first - 1, limit=min(limit + 1, MAX_VERSION))
            later += [
                {"record_type": history["record_type"], "record_id": history["record_id"], **entry}
                for entry in history["events"]
            ]
        later.sort(key=lambda entry: entry["position"])
        page = later[:limit]
        return {
            "case_id": str(case_id),
            "events": page,
            "next_after_position": page[-1]["position"] if len(later) > limit else None,
        }

    def history_state(self, kind: type[Aggregate], record_id: UUID, at: datetime | None) -> dict[str, Any]:
        """The record now, or as it stood at `at` (NotFound if it did not exist yet)."""
        return self._read(kind, record_id, None, at)

    def _first_version_after(self, record_id: UUID, position: int) -> int | None:
        """The record's first version stored after log position `position` (None: none is)."""
        recorder: Any = self.recorder
        record_class = getattr(recorder, "events_record_cls", None)
        if record_class is not None:  # the SQLAlchemy stores
            with self._store(), recorder.datastore.transaction(commit=False) as session:
                found = (
                    session.query(record_class.originator_version)
                    .filter(record_class.originator_id == record_id, record_class.id > position)
                    .order_by(record_class.originator_version)
                    .limit(1)
                    .scalar()
                )
            return None if found is None else int(found)
        return next(
            (stored.originator_version for stored, at in stored_events(recorder, record_id) if at > position), None
        )

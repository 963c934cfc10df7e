"""Replaying a record: its events with field-level changes, and the version in force at a moment.

Auditors ask what was known and done, when and by whom. The event store answers exactly:
a record's state after each event is the library's own replay of the stored events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent

from application.base import MAX_VERSION, BaseApp, each_notification
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


def changes(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Field-level differences between two presented states, as `{field, before, after}`.

    Dicts compare key by key, lists item by item (`interventions[2]`), so an appended
    item shows as one new entry and a changed nested value by its full path.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[dict[str, Any]] = []
        for key in [*after, *(k for k in before if k not in after)]:
            if not path and key in RECORD_HEADER:
                continue
            found += changes(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(before, list) and isinstance(after, list):
        found = []
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else None
            new = after[index] if index < len(after) else None
            found += changes(old, new, f"{path}[{index}]")
        return found
    return [] if before == after else [{"field": path, "before": before, "after": after}]


def backfill_mark(event: DomainEvent, record: Aggregate) -> dict[str, Any]:
    """For work dated before its record was registered: `backfilled` and the date it carries (the
    entry's own `occurred_at` is when it was recorded)."""
    item = getattr(event, "intervention", None) or getattr(event, "session", None)
    dated = getattr(item, "occurred_at", None) or getattr(item, "held_on", None)
    if dated is None or not is_backfilled(dated, record.created_on):
        return {}
    return {"backfilled": True, "dated": plain(dated)}


class HistoryService(BaseApp):
    """History and point-in-time reads, for every record type."""

    def history(
        self, kind: type[Aggregate], record_id: UUID, *, after_version: int = 0, limit: int = 100
    ) -> dict[str, Any]:
        """The record's events after `after_version` (at most `limit`), each with who, when,
        what, its log position and the fields it changed."""
        current = self._load(kind, record_id)
        record_type = RECORD_TYPES[kind]
        last = min(current.version, after_version + limit)
        with self._store():
            stored = self.recorder.select_events(record_id, gt=after_version, lte=last) if after_version < last else []
            positions = self.positions(record_id)
        state: Aggregate | None = None
        if 0 < after_version < last:  # the state the first listed event starts from
            state = self._load(kind, record_id, version=after_version)
        before: dict[str, Any] = present(state) if state is not None else {}
        entries = []
        for item in stored:
            event = cast(DomainEvent, self.mapper.to_domain_event(item))
            state = cast(Aggregate, cast(Any, event).mutate(state))
            after = present(state)
            entries.append(
                {
                    "version": event.originator_version,
                    "position": positions.get(event.originator_version),
                    "occurred_at": plain(event.timestamp),
                    "actor": plain(event.actor),  # type: ignore[attr-defined]
                    "event_type": f"{record_type}.{type(event).__name__}",
                    "data": plain({k: v for k, v in event.__dict__.items() if k not in EVENT_HEADER}),
                    "changes": changes(before, after),
                }
                | backfill_mark(event, state)
            )
            before = after
        return {
            "record_type": record_type,
            "record_id": str(record_id),
            "version": current.version,
            "events": entries,
            "next_after_version": last if last < current.version else None,
        }

    def timeline(
        self,
        case_id: UUID,
        related: Sequence[tuple[type[Aggregate], UUID]],
        *,
        after_position: int = 0,
        limit: int = 500,
    ) -> dict[str, Any]:
        """The case's events merged in log order with those of `related` records (its pairs
        and referrals), each with its record and the fields it changed."""
        self._load(YouthCase, case_id)
        merged: list[dict[str, Any]] = []
        records: list[tuple[type[Aggregate], UUID]] = [(YouthCase, case_id), *related]
        for kind, record_id in records:
            history = self.history(kind, record_id, limit=MAX_VERSION)
            merged += [
                {"record_type": history["record_type"], "record_id": history["record_id"], **entry}
                for entry in history["events"]
            ]
        merged.sort(key=lambda entry: entry["position"])
        later = [entry for entry in merged if entry["position"] > after_position]
        page = later[:limit]
        return {
            "case_id": str(case_id),
            "events": page,
            "next_after_position": page[-1]["position"] if len(later) > limit else None,
        }

    def history_state(self, kind: type[Aggregate], record_id: UUID, at: datetime | None) -> dict[str, Any]:
        """The record now, or as it stood at `at` (NotFound if it did not exist yet)."""
        return self._read(kind, record_id, None, at)

    def positions(self, record_id: UUID) -> dict[int, int]:
        """Each version's position (notification id) in the log."""
        recorder: Any = self.recorder
        record_class = getattr(recorder, "events_record_cls", None)
        if record_class is not None:  # the SQLAlchemy stores
            with recorder.datastore.transaction(commit=False) as session:
                rows = (
                    session.query(record_class.originator_version, record_class.id)
                    .filter(record_class.originator_id == record_id)
                    .all()
                )
            return {int(version): int(position) for version, position in rows}
        # The in-memory store: a scan is fine for what it holds.
        return {n.originator_version: n.id for n in each_notification(recorder) if n.originator_id == record_id}

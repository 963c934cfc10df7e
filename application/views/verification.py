"""Recompute every hash chain from the events as stored and compare with the links kept.

Reports, for each broken chain (a record's, or the whole log's), the first bad link:
record id, version and position. Events newer than the chain's head are only counted
(the projector has not linked them yet). An anchor, a log link held outside, proves
the log up to its position unchanged even if someone recomputed the kept links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification
from sqlalchemy import Connection, func, select

from application.base import each_notification
from application.presenters import plain
from application.views.hash_chain import GENESIS, chain, log_link, record_link

PAGE = 5_000
Progress = Callable[[int, int], None]  # (position reached, head)


@dataclass(frozen=True)
class Anchor:
    position: int
    log_link: str
    at: str | None = None

    @classmethod
    def parse(cls, data: Any) -> Anchor:
        try:
            return cls(int(data["position"]), str(data["log_link"]), data.get("at"))
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError("an anchor is a JSON object with `position` and `log_link`") from error


@dataclass
class BrokenLink:
    chain: str  # "log" or "record"
    record_id: UUID
    version: int
    position: int
    problem: str


@dataclass
class Verification:
    events: int = 0
    linked_to: int = 0
    head_link: str | None = None
    unlinked_events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    anchor: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.broken and (self.anchor is None or bool(self.anchor["matches"]))

    def as_dict(self) -> dict[str, Any]:
        return plain(
            {
                "ok": self.ok,
                "events_checked": self.events,
                "linked_to_position": self.linked_to,
                "head_link": self.head_link,
                "unlinked_events": self.unlinked_events,
                "broken": [link.__dict__ for link in self.broken],
                "anchor": self.anchor,
            }
        )


def _links(conn: Connection) -> Iterator[Any]:
    start = 0
    while page := conn.execute(
        select(chain).where(chain.c.position > start).order_by(chain.c.position).limit(PAGE)
    ).all():
        yield from page
        start = page[-1].position


def anchor_now(conn: Connection, at: datetime) -> Anchor | None:
    """The newest log link, to be handed to someone outside."""
    last = conn.execute(select(chain.c.position, chain.c.log_link).order_by(chain.c.position.desc()).limit(1)).first()
    return Anchor(last.position, last.log_link, at.isoformat()) if last else None


def _reporting(events: Iterator[Notification], progress: Progress, head: int) -> Iterator[Notification]:
    for count, event in enumerate(events, 1):
        if count % PAGE == 0:
            progress(event.id, head)
        yield event
    progress(head, head)


def verify(
    conn: Connection, log: ApplicationRecorder, anchor: Anchor | None = None, progress: Progress | None = None
) -> Verification:
    """Recompute every chain over the stored events and compare with the kept links;
    `progress(position, head)` is told every few thousand events."""
    report = Verification()
    linked_to = conn.execute(select(func.max(chain.c.position))).scalar() or 0
    report.linked_to = linked_to
    record_heads: dict[UUID, bytes] = {}
    log_head = GENESIS
    broken_records: set[UUID] = set()
    log_broken = False

    def broken(kind: str, record_id: UUID, version: int, position: int, problem: str) -> None:
        nonlocal log_broken
        if kind == "log":
            if log_broken:
                return
            log_broken = True
        elif record_id in broken_records:
            return
        else:
            broken_records.add(record_id)
        report.broken.append(BrokenLink(kind, record_id, version, position, problem))

    def both(record_id: UUID, version: int, position: int, problem: str) -> None:
        broken("record", record_id, version, position, problem)
        broken("log", record_id, version, position, problem)

    # The anchor is checked against links recomputed from the events alone, never taken
    # from the kept ones: whoever changed the log may have recomputed those too.
    pure_records: dict[UUID, bytes] = {}
    pure_log = GENESIS

    def recompute(event: Notification) -> None:
        nonlocal pure_log
        record_id = UUID(str(event.originator_id))
        pure_records[record_id] = record_link(pure_records.get(record_id, GENESIS), event)
        pure_log = log_link(pure_log, event.id, pure_records[record_id])
        if anchor is not None and event.id == anchor.position:
            report.anchor = {**anchor.__dict__, "matches": pure_log.hex() == anchor.log_link}

    # No lower bound: a row forged with an id of 0 or less must be seen too.
    events, links = each_notification(log, after=None, page=PAGE), _links(conn)
    if progress is not None:
        events = _reporting(events, progress, log.max_notification_id() or 0)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        if event is not None and (link is None or event.id <= link.position):
            recompute(event)
        if event is not None and (link is None or event.id < link.position):
            record_id = UUID(str(event.originator_id))
            report.events += 1
            if event.id > linked_to:
                report.unlinked_events += 1
            else:
                both(record_id, event.originator_version, event.id, "event not in the chain: inserted afterwards")
            record_heads[record_id] = record_link(record_heads.get(record_id, GENESIS), event)
            log_head = log_link(log_head, event.id, record_heads[record_id])
            event = next(events, None)
            continue
        assert link is not None
        if event is None or link.position < event.id:
            both(link.record_id, link.record_version, link.position, "event missing: deleted or moved")
            record_heads[link.record_id] = bytes.fromhex(link.record_link)
            log_head = bytes.fromhex(link.log_link)
            link = next(links, None)
            continue
        record_id = UUID(str(event.originator_id))
        report.events += 1
        ours = record_link(record_heads.get(record_id, GENESIS), event)
        if (record_id, event.originator_version) != (link.record_id, link.record_version):
            both(record_id, event.originator_version, event.id, "another record's event is at this position")
        elif ours.hex() != link.record_link:
            both(record_id, event.originator_version, event.id, "event bytes differ from when they were linked")
        record_heads[record_id] = ours
        log_head = log_link(log_head, event.id, ours)
        if log_head.hex() != link.log_link:
            broken("log", record_id, event.originator_version, event.id, "log link differs from the one kept")
        event, link = next(events, None), next(links, None)
    report.head_link = log_head.hex() if report.events else None
    if anchor is not None and report.anchor is None:
        report.anchor = {**anchor.__dict__, "matches": False, "problem": "no linked event at the anchor's position"}
    return report

"""Reading the audit trail: filtered, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, or_, select

from application.presenters import plain
from application.views.audit_trail import sealed, trail
from application.views.base import utc
from application.views.filtering import where_between, where_equal
from application.views.paging import Key, page_rows
from application.views.reach import EVERYTHING, Reach, narrowed


@dataclass(frozen=True)
class AuditFilter:
    """Every field narrows the trail; None means any."""

    record_id: UUID | None = None
    case_id: UUID | None = None
    actor_id: str | None = None
    station_id: UUID | None = None
    department_id: UUID | None = None
    event_type: str | None = None
    occurred_from: datetime | None = None  # inclusive
    occurred_to: datetime | None = None  # exclusive


def audit_trail_page(
    conn: Connection, where: AuditFilter, *, limit: int, cursor: str | None, reach: Reach = EVERYTHING
) -> dict[str, Any]:
    """One page of the trail, newest first, and the cursor of the next page (None at the end)."""
    query = narrowed(select(trail), trail.c.station_id, reach.station_ids(conn))
    query = query.where(or_(trail.c.case_id.is_(None), trail.c.case_id.not_in(select(sealed.c.case_id))))
    query = where_equal(
        query,
        (
            (trail.c.record_id, where.record_id),
            (trail.c.case_id, where.case_id),
            (trail.c.actor_id, where.actor_id),
            (trail.c.station_id, where.station_id),
            (trail.c.department_id, where.department_id),
            (trail.c.event_type, where.event_type),
        ),
    )
    query = where_between(query, trail.c.occurred_at, where.occurred_from, where.occurred_to, "to")
    page, next_cursor = page_rows(
        conn, query, (Key(trail.c.position, int),), limit=limit, cursor=cursor, descending=True
    )
    return {"items": [_entry(row) for row in page], "next_cursor": next_cursor}


def _entry(row: Any) -> dict[str, Any]:
    return plain(
        {
            "position": row.position,
            "occurred_at": utc(row.occurred_at),
            "actor": {"user_id": row.actor_id, "role": row.actor_role},
            "record_type": row.record_type,
            "record_id": row.record_id,
            "record_version": row.record_version,
            "event_type": row.event_type,
            "summary": row.summary,
            "case_id": row.case_id,
            "station_id": row.station_id,
            "department_id": row.department_id,
        }
    )

"""Work lists: the casework view's pairs, referrals, volunteers, stations and departments,
filtered, narrowed to the caller's reach, a page at a time.

Each list is in a stable order ending in the record's id, and pages by keyset. Pairs and
referrals of sealed cases are left out, as in every list; only the mentor of a pair keeps it
in their own list, as they keep reading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Select, select

from application.presenters import plain
from application.views.base import utc
from application.views.casework_tables import departments, pairs, referrals, stations, volunteers
from application.views.coordination import overdue_reason, sealed_cases
from application.views.filtering import where_equal
from application.views.paging import Key, page_rows
from application.views.reach import EVERYTHING, Reach, within


@dataclass(frozen=True)
class PairFilter:
    """Every field narrows the list; None means any."""

    case_id: UUID | None = None
    volunteer_id: UUID | None = None
    station_id: UUID | None = None
    status: str | None = None


@dataclass(frozen=True)
class ReferralFilter:
    """Every field narrows the list; None means any. `overdue`: only overdue ones, or only the rest."""

    case_id: UUID | None = None
    station_id: UUID | None = None
    department_id: UUID | None = None
    status: str | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class VolunteerFilter:
    kind: str | None = None
    active: bool | None = None
    screened: bool | None = None


PAIR_ORDER = (Key(pairs.c.started_on, date), Key(pairs.c.pair_id, UUID))
REFERRAL_ORDER = (Key(referrals.c.made_at, datetime), Key(referrals.c.referral_id, UUID))
VOLUNTEER_ORDER = (Key(volunteers.c.display_name, str), Key(volunteers.c.volunteer_id, UUID))
STATION_ORDER = (Key(stations.c.created_at, datetime), Key(stations.c.station_id, UUID))
DEPARTMENT_ORDER = (Key(departments.c.created_at, datetime), Key(departments.c.department_id, UUID))


def _unsealed(query: Select[Any], case_id: Any, reach: Reach) -> Select[Any]:
    if reach.volunteer is not None:  # a mentor keeps their own pairs, sealed or not
        return query
    return query.where(case_id.not_in(sealed_cases()))


def list_pairs(
    conn: Connection, where: PairFilter, *, limit: int, cursor: str | None, reach: Reach = EVERYTHING
) -> dict[str, Any]:
    """Pairs, newest first, with their station's and volunteer's names."""
    query = (
        select(pairs, stations.c.name.label("station_name"), volunteers.c.display_name.label("volunteer_name"))
        .join(stations, stations.c.station_id == pairs.c.station_id, isouter=True)
        .join(volunteers, volunteers.c.volunteer_id == pairs.c.volunteer_id, isouter=True)
    )
    query = within(query, conn, reach, station=pairs.c.station_id, volunteer=pairs.c.volunteer_id)
    query = where_equal(
        _unsealed(query, pairs.c.case_id, reach),
        (
            (pairs.c.case_id, where.case_id),
            (pairs.c.volunteer_id, where.volunteer_id),
            (pairs.c.station_id, where.station_id),
            (pairs.c.status, where.status),
        ),
    )
    page, next_cursor = page_rows(conn, query, PAIR_ORDER, limit=limit, cursor=cursor, descending=True)
    items = [
        {
            "id": row.pair_id,
            "case_id": row.case_id,
            "station": {"id": row.station_id, "name": row.station_name},
            "volunteer": {"id": row.volunteer_id, "display_name": row.volunteer_name},
            "status": row.status,
            "started_on": row.started_on,
            "closed_at": utc(row.closed_at) if row.closed_at else None,
            "sessions": row.sessions,
            "last_session_on": row.last_session_on,
        }
        for row in page
    ]
    return {"items": plain(items), "next_cursor": next_cursor}


def list_referrals(
    conn: Connection,
    where: ReferralFilter,
    *,
    now: datetime,
    overdue_after_days: int,
    limit: int,
    cursor: str | None,
    reach: Reach = EVERYTHING,
) -> dict[str, Any]:
    """Referrals, newest first, with their station's and department's names and why each is overdue."""
    overdue = overdue_reason(now, overdue_after_days)
    query = (
        select(
            referrals,
            overdue.label("overdue"),
            stations.c.name.label("station_name"),
            departments.c.name.label("department_name"),
        )
        .join(stations, stations.c.station_id == referrals.c.station_id, isouter=True)
        .join(departments, departments.c.department_id == referrals.c.department_id, isouter=True)
    )
    query = within(query, conn, reach, station=referrals.c.station_id, department=referrals.c.department_id)
    query = where_equal(
        _unsealed(query, referrals.c.case_id, reach),
        (
            (referrals.c.case_id, where.case_id),
            (referrals.c.station_id, where.station_id),
            (referrals.c.department_id, where.department_id),
            (referrals.c.status, where.status),
        ),
    )
    if where.overdue is not None:
        query = query.where(overdue.is_not(None) if where.overdue else overdue.is_(None))
    page, next_cursor = page_rows(conn, query, REFERRAL_ORDER, limit=limit, cursor=cursor, descending=True)
    items = [
        {
            "id": row.referral_id,
            "case_id": row.case_id,
            "station": {"id": row.station_id, "name": row.station_name},
            "department": {"id": row.department_id, "name": row.department_name},
            "service": row.service,
            "status": row.status,
            "made_at": utc(row.made_at),
            "respond_by": row.respond_by,
            "answered_at": utc(row.answered_at) if row.answered_at else None,
            "finished_at": utc(row.finished_at) if row.finished_at else None,
            "overdue": row.overdue,
        }
        for row in page
    ]
    return {"overdue_after_days": overdue_after_days, "items": plain(items), "next_cursor": next_cursor}


def list_volunteers(
    conn: Connection, where: VolunteerFilter, *, limit: int, cursor: str | None, reach: Reach = EVERYTHING
) -> dict[str, Any]:
    """Volunteers by name, with their screening, activity and training hours."""
    query = within(select(volunteers), conn, reach, volunteer=volunteers.c.volunteer_id)
    query = where_equal(
        query,
        (
            (volunteers.c.kind, where.kind),
            (volunteers.c.active, where.active),
            (volunteers.c.screened, where.screened),
        ),
    )
    page, next_cursor = page_rows(conn, query, VOLUNTEER_ORDER, limit=limit, cursor=cursor)
    items = [
        {
            "id": row.volunteer_id,
            "display_name": row.display_name,
            "kind": row.kind,
            "active": row.active,
            "screened": row.screened,
            "registered_at": utc(row.registered_at),
            "training_hours": row.training_hours,
        }
        for row in page
    ]
    return {"items": plain(items), "next_cursor": next_cursor}


def list_stations(conn: Connection, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """Every station, oldest first, as its record reads."""
    page, next_cursor = page_rows(conn, select(stations), STATION_ORDER, limit=limit, cursor=cursor)
    items = [
        _registry_item(row, row.station_id) | {"level": row.level, "parent_id": row.parent_id, "active": row.active}
        for row in page
    ]
    return {"items": plain(items), "next_cursor": next_cursor}


def list_departments(conn: Connection, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """Every department, oldest first, as its record reads."""
    page, next_cursor = page_rows(conn, select(departments), DEPARTMENT_ORDER, limit=limit, cursor=cursor)
    items = [_registry_item(row, row.department_id) | {"active": row.active} for row in page]
    return {"items": plain(items), "next_cursor": next_cursor}


def _registry_item(row: Any, record_id: UUID) -> dict[str, Any]:
    return {
        "id": record_id,
        "version": row.version,
        "created_at": utc(row.created_at),
        "modified_at": utc(row.modified_at),
        "name": row.name,
        "kind": row.kind,
    }

"""Case search: the casework view's cases, filtered, sorted, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, select

from application.presenters import plain
from application.views.base import utc
from application.views.casework_tables import cases, stations
from application.views.filtering import where_between, where_equal
from application.views.paging import Key, page_rows
from application.views.reach import EVERYTHING, Reach, narrowed


class CaseSort(Enum):
    OPENED_AT = "opened_at"
    LAST_ACTIVITY_AT = "last_activity_at"
    INTERVENTIONS = "interventions"
    ACTIVE_PAIRS = "active_pairs"
    OPEN_REFERRALS = "open_referrals"


DATE_SORTS = {CaseSort.OPENED_AT, CaseSort.LAST_ACTIVITY_AT}


@dataclass(frozen=True)
class CaseFilter:
    """Every field narrows the search; None means any. Ranges: `_from` inclusive, `_to` exclusive."""

    station_id: UUID | None = None
    status: str | None = None
    category: str | None = None
    risk_level: str | None = None
    case_worker_id: str | None = None
    name: str | None = None  # part of the youth's display name, any case
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    id_number: str | None = None  # the front door turns it into `case_ids` (through its keyed hash)
    case_ids: frozenset[UUID] | None = None  # only these cases


def search_cases(
    conn: Connection,
    where: CaseFilter,
    *,
    sort: CaseSort,
    descending: bool,
    limit: int,
    cursor: str | None,
    reach: Reach = EVERYTHING,
) -> dict[str, Any]:
    """One page of cases in the order asked (ties broken by id), and the next page's cursor."""
    key = cases.c[sort.value]
    query = select(cases, stations.c.name.label("station_name")).join(
        stations, stations.c.station_id == cases.c.station_id, isouter=True
    )
    query = narrowed(query, cases.c.station_id, reach.station_ids(conn)).where(cases.c.sealed.is_(False))
    query = where_equal(
        query,
        (
            (cases.c.station_id, where.station_id),
            (cases.c.status, where.status),
            (cases.c.category, where.category),
            (cases.c.risk_level, where.risk_level),
            (cases.c.case_worker_id, where.case_worker_id),
        ),
    )
    assert where.id_number is None, "an ID number is searched through its keyed hash, never in the view"
    if where.case_ids is not None:
        query = query.where(cases.c.case_id.in_(where.case_ids))
    if where.name:
        query = query.where(func.lower(cases.c.youth_display_name).contains(where.name.lower(), autoescape=True))
    query = where_between(query, cases.c.opened_at, where.opened_from, where.opened_to, "opened_to")
    query = where_between(query, cases.c.closed_at, where.closed_from, where.closed_to, "closed_to")
    query = where_between(query, cases.c.last_activity_at, where.active_from, where.active_to, "active_to")
    keys = (Key(key, datetime if sort in DATE_SORTS else int), Key(cases.c.case_id, UUID))
    page, next_cursor = page_rows(conn, query, keys, limit=limit, cursor=cursor, descending=descending)
    return {"items": [_case(row) for row in page], "next_cursor": next_cursor}


def _case(row: Any) -> dict[str, Any]:
    return plain(
        {
            "id": row.case_id,
            "station": {"id": row.station_id, "name": row.station_name},
            "status": row.status,
            "category": row.category,
            "source": row.source,
            "risk_level": row.risk_level,
            "case_worker_id": row.case_worker_id,
            "youth_display_name": row.youth_display_name,
            "opened_at": utc(row.opened_at),
            "closed_at": utc(row.closed_at) if row.closed_at else None,
            "last_activity_at": utc(row.last_activity_at),
            "interventions": row.interventions,
            "active_pairs": row.active_pairs,
            "open_referrals": row.open_referrals,
        }
    )

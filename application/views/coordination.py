"""Coordination views: what waits on which department, each station's load, each mentor's load.

All read the casework view. "Now" comes from the caller (the application's clock),
so overdue and "days since" are computed at read time and never go stale.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Row, and_, case, func, null, select

from application.presenters import plain
from application.views.base import utc
from application.views.casework_tables import (
    cases,
    departments,
    interventions,
    pairs,
    referrals,
    sessions,
    stations,
    volunteers,
)
from application.views.filtering import where_equal
from application.views.paging import Key, page_rows
from application.views.reach import EVERYTHING, Reach, narrowed
from domain.mentoring_pair import PairStatus
from domain.referral import ReferralStatus
from domain.youth_case import CaseStatus, RiskLevel

PENDING, ACCEPTED = ReferralStatus.PENDING.value, ReferralStatus.ACCEPTED.value
UNASSESSED = "unassessed"
# The order the views list departments, stations and volunteers in: by name, ties by id.
BY_NAME: dict[Any, tuple[Key, ...]] = {
    departments: (Key(departments.c.name, str), Key(departments.c.department_id, UUID)),
    stations: (Key(stations.c.name, str), Key(stations.c.station_id, UUID)),
    volunteers: (Key(volunteers.c.display_name, str), Key(volunteers.c.volunteer_id, UUID)),
}


def _names(conn: Connection, table: Any, key: str) -> dict[UUID, str]:
    return {row[0]: row[1] for row in conn.execute(select(table.c[key], table.c.name))}


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def median_hours(durations: list[timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 3600, 1)


def overdue_reason(now: datetime, overdue_after_days: int) -> ColumnElement[Any]:
    """Why a referral is overdue, or NULL if it is not: pending past its respond-by date, or
    accepted and not completed within `overdue_after_days`. The one definition every list uses."""
    now = utc(now)
    return case(
        (
            and_(referrals.c.status == PENDING, referrals.c.respond_by < now.date()),
            "no answer by the respond-by date",
        ),
        (
            and_(referrals.c.status == ACCEPTED, referrals.c.accepted_at < now - timedelta(days=overdue_after_days)),
            f"accepted and not completed within {overdue_after_days} days",
        ),
        else_=null(),
    )


def sealed_cases() -> Any:
    """The ids of sealed cases: named rows of their records are left out of every view."""
    return select(cases.c.case_id).where(cases.c.sealed.is_(True))


def _departments_page(
    conn: Connection, *, department_id: UUID | None, reach: Reach, limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    """A page of the departments the caller reaches (one, if asked for), by name."""
    listed = where_equal(
        select(departments),
        ((departments.c.department_id, department_id), (departments.c.department_id, reach.department)),
    )
    return page_rows(conn, listed, BY_NAME[departments], limit=limit, cursor=cursor)


def referral_board(
    conn: Connection,
    *,
    now: datetime,
    overdue_after_days: int,
    department_id: UUID | None = None,
    reach: Reach = EVERYTHING,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of departments, each with its referrals awaiting an answer, accepted and in
    progress, and overdue; and the next page's cursor."""
    page, next_cursor = _departments_page(conn, department_id=department_id, reach=reach, limit=limit, cursor=cursor)
    station_names = _names(conn, stations, "station_id")
    query = (
        select(referrals, overdue_reason(now, overdue_after_days).label("overdue"))
        .where(referrals.c.status.in_((PENDING, ACCEPTED)))
        .where(referrals.c.department_id.in_([row.department_id for row in page]))
        .where(referrals.c.case_id.not_in(sealed_cases()))
        .order_by(referrals.c.made_at, referrals.c.referral_id)
    )
    board: dict[UUID, dict[str, list[dict[str, Any]]]] = defaultdict(_empty_board)
    for row in conn.execute(narrowed(query, referrals.c.station_id, reach.station_ids(conn))):
        item = plain(
            {
                "referral_id": row.referral_id,
                "case_id": row.case_id,
                "station": {"id": row.station_id, "name": station_names.get(row.station_id)},
                "service": row.service,
                "status": row.status,
                "made_at": utc(row.made_at),
                "age_days": _days(now - utc(row.made_at)),
                "respond_by": row.respond_by,
                "accepted_at": utc(row.accepted_at) if row.accepted_at else None,
                "overdue": row.overdue,
            }
        )
        lists = board[row.department_id]
        lists["awaiting_answer" if row.status == PENDING else "in_progress"].append(item)
        if row.overdue:
            lists["overdue"].append(item)
    answer = [
        {"department": {"id": str(row.department_id), "name": row.name}, **board.get(row.department_id, _empty_board())}
        for row in page
    ]
    return answer, next_cursor


def _empty_board() -> dict[str, list[dict[str, Any]]]:
    return {"awaiting_answer": [], "in_progress": [], "overdue": []}


def department_summary(
    conn: Connection,
    *,
    now: datetime,
    overdue_after_days: int,
    reach: Reach = EVERYTHING,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of departments: referrals by status, how many are overdue, and the median time to answer."""
    page, next_cursor = _departments_page(conn, department_id=None, reach=reach, limit=limit, cursor=cursor)
    counts: dict[UUID, dict[str, int]] = defaultdict(lambda: {status.value: 0 for status in ReferralStatus})
    overdue: dict[UUID, int] = defaultdict(int)
    waits: dict[UUID, list[timedelta]] = defaultdict(list)
    query = select(referrals, overdue_reason(now, overdue_after_days).label("overdue")).where(
        referrals.c.department_id.in_([row.department_id for row in page])
    )
    for row in conn.execute(narrowed(query, referrals.c.station_id, reach.station_ids(conn))):
        counts[row.department_id][row.status] += 1
        if row.overdue:
            overdue[row.department_id] += 1
        if row.answered_at is not None:
            waits[row.department_id].append(utc(row.answered_at) - utc(row.made_at))
    answer = [
        plain(
            {
                "department": {"id": row.department_id, "name": row.name, "kind": row.kind, "active": row.active},
                "referrals": counts[row.department_id],
                "overdue": overdue[row.department_id],
                "answered": len(waits[row.department_id]),
                "median_hours_to_answer": median_hours(waits[row.department_id]),
            }
        )
        for row in page
    ]
    return answer, next_cursor


def station_dashboard(
    conn: Connection, *, since_month: str, reach: Reach = EVERYTHING, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of stations: open cases by risk level, interventions by kind per month, referrals out by status."""
    listed = narrowed(select(stations), stations.c.station_id, reach.station_ids(conn))
    page, next_cursor = page_rows(conn, listed, BY_NAME[stations], limit=limit, cursor=cursor)
    shown = [row.station_id for row in page]
    by_risk: dict[UUID, dict[str, int]] = defaultdict(lambda: {**{r.value: 0 for r in RiskLevel}, UNASSESSED: 0})
    open_cases = (
        select(cases.c.station_id, cases.c.risk_level, func.count())
        .where(cases.c.status == CaseStatus.OPEN.value)
        .group_by(cases.c.station_id, cases.c.risk_level)
    )
    for station_id, risk, count in conn.execute(narrowed(open_cases, cases.c.station_id, shown)):
        by_risk[station_id][risk or UNASSESSED] = count
    by_month: dict[UUID, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    monthly = (
        select(interventions.c.station_id, interventions.c.month, interventions.c.kind, func.count())
        .where(interventions.c.month >= since_month)
        .group_by(interventions.c.station_id, interventions.c.month, interventions.c.kind)
    )
    for station_id, month, kind, count in conn.execute(narrowed(monthly, interventions.c.station_id, shown)):
        by_month[station_id][month][kind] = count
    out: dict[UUID, dict[str, int]] = defaultdict(lambda: {status.value: 0 for status in ReferralStatus})
    referrals_out = select(referrals.c.station_id, referrals.c.status, func.count()).group_by(
        referrals.c.station_id, referrals.c.status
    )
    for station_id, status, count in conn.execute(narrowed(referrals_out, referrals.c.station_id, shown)):
        out[station_id][status] = count
    answer = [
        plain(
            {
                "station": {"id": row.station_id, "name": row.name, "kind": row.kind, "active": row.active},
                "open_cases_by_risk": by_risk[row.station_id],
                "open_cases": sum(by_risk[row.station_id].values()),
                "interventions_by_month": dict(sorted(by_month[row.station_id].items())),
                "referrals_out_by_status": out[row.station_id],
            }
        )
        for row in page
    ]
    return answer, next_cursor


def mentor_load(
    conn: Connection, *, today: date, contact_days: int, reach: Reach = EVERYTHING, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of volunteers: active pairs, recent sessions, last session, and pairs gone quiet.

    A caller reaching only some stations sees only the volunteers mentoring there, and
    only that part of their load."""
    recent_since = today - timedelta(days=30)
    reached = reach.station_ids(conn)
    listed = select(volunteers)
    if reached is not None:
        listed = listed.where(
            volunteers.c.volunteer_id.in_(select(pairs.c.volunteer_id).where(pairs.c.station_id.in_(reached)))
        )
    page, next_cursor = page_rows(conn, listed, BY_NAME[volunteers], limit=limit, cursor=cursor)
    shown = [row.volunteer_id for row in page]
    counted = narrowed(
        select(sessions.c.volunteer_id, func.count())
        .where(sessions.c.held_on >= recent_since, sessions.c.volunteer_id.in_(shown))
        .group_by(sessions.c.volunteer_id),
        sessions.c.station_id,
        reached,
    )
    recent: dict[UUID, int] = {volunteer_id: count for volunteer_id, count in conn.execute(counted)}
    active: dict[UUID, int] = defaultdict(int)
    quiet: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    hidden = set(conn.execute(sealed_cases()).scalars())
    current = select(pairs).where(pairs.c.status == PairStatus.ACTIVE.value, pairs.c.volunteer_id.in_(shown))
    for pair in conn.execute(narrowed(current, pairs.c.station_id, reached)):
        active[pair.volunteer_id] += 1
        last_contact = pair.last_session_on or pair.started_on
        if (today - last_contact).days > contact_days and pair.case_id not in hidden:
            quiet[pair.volunteer_id].append(
                plain(
                    {
                        "pair_id": pair.pair_id,
                        "case_id": pair.case_id,
                        "station_id": pair.station_id,
                        "last_contact_on": last_contact,
                        "days_without_session": (today - last_contact).days,
                    }
                )
            )
    latest = narrowed(
        select(pairs.c.volunteer_id, func.max(pairs.c.last_session_on))
        .where(pairs.c.volunteer_id.in_(shown))
        .group_by(pairs.c.volunteer_id),
        pairs.c.station_id,
        reached,
    )
    last_session = {volunteer_id: held_on for volunteer_id, held_on in conn.execute(latest) if held_on is not None}
    answer = [
        plain(
            {
                "volunteer": {
                    "id": row.volunteer_id,
                    "display_name": row.display_name,
                    "kind": row.kind,
                    "active": row.active,
                    "screened": row.screened,
                },
                "active_pairs": active[row.volunteer_id],
                "sessions_last_30_days": recent.get(row.volunteer_id, 0),
                "last_session_on": last_session.get(row.volunteer_id),
                "pairs_without_recent_session": quiet[row.volunteer_id],
            }
        )
        for row in page
    ]
    return answer, next_cursor


def case_records(conn: Connection, case_id: UUID) -> dict[str, list[UUID]]:
    """The pairs and referrals of one case, oldest first."""
    pair_ids = conn.execute(select(pairs.c.pair_id).where(pairs.c.case_id == case_id).order_by(pairs.c.started_on))
    referral_ids = conn.execute(
        select(referrals.c.referral_id).where(referrals.c.case_id == case_id).order_by(referrals.c.made_at)
    )
    return {"pairs": list(pair_ids.scalars()), "referrals": list(referral_ids.scalars())}

"""Each person's work list: what waits on them, oldest first, read from the casework view.

The front door decides which kinds of task a caller has, and how far each reaches (their
station, their area, their department, their own pairs); this module only finds them.
Titles name no youth: the task points at the record, and opening it is a logged read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, select

from application.presenters import plain
from application.views.base import utc
from application.views.casework_tables import cases, pairs, plan_goals, referrals, stations
from application.views.coordination import PENDING, overdue_reason, sealed_cases
from application.views.reach import Reach, narrowed
from domain.mentoring_pair import PairStatus
from domain.youth_case import CaseStatus, PlanGoalStatus


@dataclass(frozen=True)
class WorkScope:
    """Which kinds of task the caller has, and how far each reaches (None: not theirs)."""

    username: str
    approvals: Reach | None = None  # plans and closures to approve (a station's lead)
    own_submissions: bool = False  # whether their own submissions count (one-person stations)
    incoming_to: UUID | None = None  # transfers to answer for this station
    answers_for: UUID | None = None  # referrals a department must answer
    follow_up: Reach | None = None  # overdue referrals and pairs gone quiet (stations, coordinators)
    goal_reviews: Reach | None = None  # plan goals past their review date
    sessions_of: UUID | None = None  # a mentor's pairs with a session due


@dataclass(frozen=True)
class Timing:
    now: datetime
    overdue_after_days: int
    contact_days: int
    session_days: int


def _task(kind: str, since: Any, title: str, href: str, **ids: Any) -> dict[str, Any]:
    return plain({"kind": kind, "since": since, "title": title, "href": href, **ids})


def work_list(conn: Connection, scope: WorkScope, timing: Timing) -> list[dict[str, Any]]:
    """The caller's tasks, oldest first."""
    hidden = sealed_cases()
    names = {row[0]: row[1] for row in conn.execute(select(stations.c.station_id, stations.c.name))}
    found: list[dict[str, Any]] = []
    if scope.approvals is not None:
        found += _approvals(conn, scope, hidden)
    if scope.incoming_to is not None:
        query = select(cases).where(cases.c.transfer_to == scope.incoming_to, cases.c.sealed.is_(False))
        for row in conn.execute(query):
            found.append(
                _task(
                    "transfer_to_answer",
                    _start_of(row.transfer_requested_at),
                    f"Transfer from {names.get(row.station_id, '?')} waits for your answer",
                    f"/cases/{row.case_id}",
                    case_id=row.case_id,
                    request_id=row.transfer_request_id,
                    from_station=names.get(row.station_id, "?"),
                )
            )
    if scope.answers_for is not None:
        query = select(referrals).where(
            referrals.c.department_id == scope.answers_for,
            referrals.c.status == PENDING,
            referrals.c.case_id.not_in(hidden),
        )
        for row in conn.execute(query):
            found.append(
                _task(
                    "referral_to_answer",
                    _start_of(row.made_at),
                    f"Referral from {names.get(row.station_id, '?')} waits for an answer: {row.service}",
                    f"/referrals/{row.referral_id}",
                    referral_id=row.referral_id,
                    respond_by=row.respond_by,
                    from_station=names.get(row.station_id, "?"),
                    service=row.service,
                )
            )
    if scope.follow_up is not None:
        found += _follow_up(conn, scope.follow_up, timing, hidden)
    if scope.goal_reviews is not None:
        found += _goal_reviews(conn, scope.goal_reviews, timing.now.date(), hidden)
    if scope.sessions_of is not None:
        found += _sessions_due(conn, scope.sessions_of, timing, hidden)
    return sorted(found, key=lambda task: (task["since"], task["href"]))


def _approvals(conn: Connection, scope: WorkScope, hidden: Any) -> list[dict[str, Any]]:
    assert scope.approvals is not None
    found = []
    for kind, at, by in (
        ("plan_to_approve", cases.c.plan_submitted_at, cases.c.plan_submitted_by),
        ("closure_to_approve", cases.c.closure_submitted_at, cases.c.closure_submitted_by),
    ):
        query = select(cases.c.case_id, at, by).where(at.is_not(None), cases.c.sealed.is_(False))
        if not scope.own_submissions:
            query = query.where(by != scope.username)
        query = narrowed(query, cases.c.station_id, scope.approvals.station_ids(conn))
        what = "Plan" if kind == "plan_to_approve" else "Closure"
        for case_id, since, submitted_by in conn.execute(query):
            found.append(
                _task(
                    kind,
                    _start_of(since),
                    f"{what} submitted by {submitted_by} waits for your approval",
                    f"/cases/{case_id}",
                    case_id=case_id,
                    submitted_by=submitted_by,
                )
            )
    return found


def _follow_up(conn: Connection, reach: Reach, timing: Timing, hidden: Any) -> list[dict[str, Any]]:
    reached = reach.station_ids(conn)
    found = []
    reason = overdue_reason(timing.now, timing.overdue_after_days)
    overdue = narrowed(
        select(referrals, reason.label("reason")).where(reason.is_not(None), referrals.c.case_id.not_in(hidden)),
        referrals.c.station_id,
        reached,
    )
    for row in conn.execute(overdue):
        # Since when it has been overdue.
        if row.status == PENDING:
            since = _start_of(row.respond_by + timedelta(days=1))
        else:
            since = _start_of(row.accepted_at) + timedelta(days=timing.overdue_after_days)
        found.append(
            _task(
                "referral_overdue",
                since,
                f"Referral overdue: {row.reason}",
                f"/referrals/{row.referral_id}",
                referral_id=row.referral_id,
                case_id=row.case_id,
                reason=row.reason,
            )
        )
    today = timing.now.date()
    for row in _quiet_pairs(conn, reached, today - timedelta(days=timing.contact_days), hidden):
        last = row.last_session_on or row.started_on
        found.append(
            _task(
                "pair_quiet",
                _start_of(last + timedelta(days=timing.contact_days)),
                f"No mentoring session for {(today - last).days} days",
                f"/pairs/{row.pair_id}",
                pair_id=row.pair_id,
                case_id=row.case_id,
                days=(today - last).days,
            )
        )
    return found


def _quiet_pairs(conn: Connection, reached: list[UUID] | None, before: date, hidden: Any, **where: Any) -> Any:
    """Active pairs whose last session (or their start, if none) is before `before`."""
    last = func.coalesce(pairs.c.last_session_on, pairs.c.started_on)
    query = select(pairs).where(
        pairs.c.status == PairStatus.ACTIVE.value, last < before, pairs.c.case_id.not_in(hidden)
    )
    for column, value in where.items():
        query = query.where(pairs.c[column] == value)
    return conn.execute(narrowed(query, pairs.c.station_id, reached))


def _goal_reviews(conn: Connection, reach: Reach, today: date, hidden: Any) -> list[dict[str, Any]]:
    query = (
        select(plan_goals.c.case_id, plan_goals.c.goal_no, plan_goals.c.review_on)
        .join(cases, cases.c.case_id == plan_goals.c.case_id)
        .where(
            plan_goals.c.status == PlanGoalStatus.OPEN.value,
            plan_goals.c.review_on <= today,
            cases.c.status == CaseStatus.OPEN.value,
            cases.c.sealed.is_(False),
        )
    )
    query = narrowed(query, cases.c.station_id, reach.station_ids(conn))
    return [
        _task(
            "goal_review_due",
            _start_of(review_on),
            f"Plan goal {goal_no + 1} is due for review",
            f"/cases/{case_id}",
            case_id=case_id,
            goal=goal_no + 1,
        )
        for case_id, goal_no, review_on in conn.execute(query)
    ]


def _sessions_due(conn: Connection, volunteer_id: UUID, timing: Timing, hidden: Any) -> list[dict[str, Any]]:
    today = timing.now.date()
    before = today - timedelta(days=timing.session_days - 1)
    found = []
    for row in _quiet_pairs(conn, None, before, hidden, volunteer_id=volunteer_id):
        last = row.last_session_on or row.started_on
        found.append(
            _task(
                "session_due",
                _start_of(last + timedelta(days=timing.session_days)),
                f"A session is due: the last was {(today - last).days} days ago",
                f"/pairs/{row.pair_id}",
                pair_id=row.pair_id,
                days=(today - last).days,
            )
        )
    return found


def _start_of(moment: date | datetime | None) -> datetime:
    """Dates and times sort together as moments in UTC (a date: its start)."""
    if isinstance(moment, datetime):
        return utc(moment)
    assert moment is not None
    return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)

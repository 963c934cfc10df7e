"""The casework projection: keeps the casework tables in step with the log.

One handler per event type. Counters on a case (interventions, active pairs, open
referrals) move with the events of its pairs and referrals, and every such event
also marks the case's last activity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from sqlalchemy import Connection, Table, bindparam, case, delete, insert, or_, select, update

from application.views.base import View, event_class, utc, value
from application.views.casework_tables import (
    cases,
    closures,
    departments,
    interventions,
    metadata,
    pairs,
    plan_goals,
    referrals,
    screenings,
    stations,
    trainings,
    volunteers,
)
from application.views.casework_tables import sessions as session_rows  # noqa: I001  (name clash with sessions)
from domain.common import ERASED
from domain.mentoring_pair import MentoringPair, PairStatus
from domain.organisation import Department, Organisation, Station
from domain.referral import Referral, ReferralStatus
from domain.volunteer import Volunteer
from domain.youth_case import CaseStatus, YouthCase

OPEN_REFERRAL = (ReferralStatus.PENDING.value, ReferralStatus.ACCEPTED.value)
COUNTERS = ("interventions", "active_pairs", "open_referrals")

# A batch's changes to each case, written in one executemany at flush.
CASE_CHANGES = (
    update(cases)
    .where(cases.c.case_id == bindparam("key"))
    .values(
        last_activity_at=bindparam("last_activity_at"),
        **{column: cases.c[column] + bindparam(column) for column in COUNTERS},
    )
)

NO_TRANSFER = {"transfer_request_id": None, "transfer_to": None, "transfer_requested_at": None}
NOTHING_WAITS = {
    "plan_submitted_at": None,
    "plan_submitted_by": None,
    "closure_submitted_at": None,
    "closure_submitted_by": None,
    **NO_TRANSFER,
}


def _changed(event: Any) -> dict[str, Any]:
    """A station's or department's version and time of change, as its record has them."""
    return {"version": event.originator_version, "modified_at": utc(event.timestamp)}


def _registered(event: Any) -> dict[str, Any]:
    return _changed(event) | {"created_at": utc(event.timestamp)}


@dataclass
class PairFacts:
    case_id: UUID
    volunteer_id: UUID
    station_id: UUID
    status: str


@dataclass
class ReferralFacts:
    case_id: UUID
    status: str


class Casework(View):
    name = "casework"
    version = 4
    metadata = metadata

    KEPT = 100_000  # records remembered between events, per kind

    def __init__(self) -> None:
        # What is known of records while a runner holds the view: cases' stations, pairs'
        # and referrals' case, station and status. Dropped by forget().
        self._case_station: dict[UUID, UUID] = {}
        self._pairs: dict[UUID, PairFacts] = {}
        self._referrals: dict[UUID, ReferralFacts] = {}
        # Written at flush: rows never changed later, and each case's counters and activity.
        self._facts: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        self._case_changes: dict[UUID, dict[str, Any]] = {}

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        self.apply(event, conn, position)

    def flush(self, conn: Connection) -> None:
        for table, rows in self._facts.items():
            if rows:
                conn.execute(insert(table), rows)
        self._facts.clear()
        if self._case_changes:
            conn.execute(CASE_CHANGES, [{"key": case_id, **changes} for case_id, changes in self._case_changes.items()])
            self._case_changes.clear()
        for remembered in (self._case_station, self._pairs, self._referrals):
            if len(remembered) > self.KEPT:
                remembered.clear()

    def forget(self) -> None:
        self._case_station.clear()
        self._pairs.clear()
        self._referrals.clear()
        self._facts.clear()
        self._case_changes.clear()

    # -- helpers

    def _touch_case(self, conn: Connection, case_id: UUID, event: DomainEvent, **counts: int) -> None:
        """Mark the case's last activity and move its counters by `counts` (written at flush)."""
        changes = self._case_changes.setdefault(case_id, {column: 0 for column in COUNTERS})
        changes["last_activity_at"] = utc(event.timestamp)
        for column, delta in counts.items():
            changes[column] += delta

    def _station_of(self, conn: Connection, case_id: UUID) -> UUID:
        if case_id not in self._case_station:
            found = conn.execute(select(cases.c.station_id).where(cases.c.case_id == case_id)).scalar_one()
            self._case_station[case_id] = found
        return self._case_station[case_id]

    def _pair(self, conn: Connection, pair_id: UUID) -> PairFacts:
        if pair_id not in self._pairs:
            row = conn.execute(select(pairs).where(pairs.c.pair_id == pair_id)).one()
            self._pairs[pair_id] = PairFacts(row.case_id, row.volunteer_id, row.station_id, row.status)
        return self._pairs[pair_id]

    def _referral(self, conn: Connection, referral_id: UUID) -> ReferralFacts:
        if referral_id not in self._referrals:
            row = conn.execute(select(referrals).where(referrals.c.referral_id == referral_id)).one()
            self._referrals[referral_id] = ReferralFacts(row.case_id, row.status)
        return self._referrals[referral_id]

    def _organisation_table(self, conn: Connection, record_id: UUID) -> Any:
        found = conn.execute(select(stations.c.station_id).where(stations.c.station_id == record_id)).first()
        return (stations, "station_id") if found else (departments, "department_id")

    # -- handlers

    @singledispatchmethod
    def apply(self, event: DomainEvent, conn: Connection, position: int) -> None:
        """Events this view has no use for (e.g. the pair-slot index) change nothing."""

    @apply.register(event_class(Station, "Registered"))
    def _station_registered(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            insert(stations).values(
                station_id=event.originator_id,
                name=event.name,
                kind=value(event.kind),
                level=value(event.level),
                parent_id=event.parent_id,
                active=True,
                **_registered(event),
            )
        )

    @apply.register(event_class(Department, "Registered"))
    def _department_registered(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            insert(departments).values(
                department_id=event.originator_id,
                name=event.name,
                kind=value(event.kind),
                active=True,
                **_registered(event),
            )
        )

    @apply.register(event_class(Organisation, "Renamed"))
    def _organisation_renamed(self, event: Any, conn: Connection, position: int) -> None:
        table, key = self._organisation_table(conn, event.originator_id)
        conn.execute(
            update(table).where(table.c[key] == event.originator_id).values(name=event.name, **_changed(event))
        )

    @apply.register(event_class(Organisation, "Deactivated"))
    def _organisation_deactivated(self, event: Any, conn: Connection, position: int) -> None:
        table, key = self._organisation_table(conn, event.originator_id)
        conn.execute(update(table).where(table.c[key] == event.originator_id).values(active=False, **_changed(event)))

    @apply.register(event_class(Volunteer, "Registered"))
    def _volunteer_registered(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            insert(volunteers).values(
                volunteer_id=event.originator_id,
                display_name=event.full_name,
                kind=value(event.kind),
                active=True,
                screened=False,
                registered_at=utc(event.timestamp),
                training_hours=0,
            )
        )

    @apply.register(event_class(Volunteer, "Screened"))
    def _volunteer_screened(self, event: Any, conn: Connection, position: int) -> None:
        self._facts[screenings].append(
            {
                "position": position,
                "volunteer_id": event.originator_id,
                "passed": event.passed,
                "screened_at": utc(event.timestamp),
            }
        )
        conn.execute(
            update(volunteers).where(volunteers.c.volunteer_id == event.originator_id).values(screened=event.passed)
        )

    @apply.register(event_class(Volunteer, "TrainingRecorded"))
    def _training_recorded(self, event: Any, conn: Connection, position: int) -> None:
        training = event.training
        self._facts[trainings].append(
            {
                "position": position,
                "volunteer_id": event.originator_id,
                "completed_on": training.completed_on,
                "hours": training.hours,
            }
        )
        conn.execute(
            update(volunteers)
            .where(volunteers.c.volunteer_id == event.originator_id)
            .values(training_hours=volunteers.c.training_hours + training.hours)
        )

    @apply.register(event_class(Volunteer, "Deactivated"))
    def _volunteer_deactivated(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(update(volunteers).where(volunteers.c.volunteer_id == event.originator_id).values(active=False))

    @apply.register(event_class(Volunteer, "Reactivated"))
    def _volunteer_reactivated(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(update(volunteers).where(volunteers.c.volunteer_id == event.originator_id).values(active=True))

    @apply.register(event_class(YouthCase, "Opened"))
    def _case_opened(self, event: Any, conn: Connection, position: int) -> None:
        at = utc(event.timestamp)
        conn.execute(
            insert(cases).values(
                case_id=event.originator_id,
                station_id=event.station_id,
                status=CaseStatus.OPEN.value,
                category=value(event.category),
                source=value(event.source),
                youth_display_name=event.youth.full_name,
                opened_at=at,
                last_activity_at=at,
                interventions=0,
                active_pairs=0,
                open_referrals=0,
                sealed=False,
            )
        )
        self._case_station[event.originator_id] = event.station_id

    @apply.register(event_class(YouthCase, "Erased"))
    def _case_erased(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            update(cases)
            .where(cases.c.case_id == event.originator_id)
            .values(youth_display_name=ERASED, **NOTHING_WAITS)
        )

    @apply.register(event_class(YouthCase, "Sealed"))
    def _case_sealed(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(update(cases).where(cases.c.case_id == event.originator_id).values(sealed=True))

    @apply.register(event_class(YouthCase, "Unsealed"))
    def _case_unsealed(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(update(cases).where(cases.c.case_id == event.originator_id).values(sealed=False))

    @apply.register(event_class(YouthCase, "RiskAssessed"))
    def _risk_assessed(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            update(cases).where(cases.c.case_id == event.originator_id).values(risk_level=value(event.assessment.level))
        )
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "Assigned"))
    def _assigned(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            update(cases).where(cases.c.case_id == event.originator_id).values(case_worker_id=event.case_worker_id)
        )
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "ConsentRecorded"))
    def _case_worked(self, event: Any, conn: Connection, position: int) -> None:
        self._touch_case(conn, event.originator_id, event)

    def _set_case(self, conn: Connection, event: Any, **values: Any) -> None:
        conn.execute(update(cases).where(cases.c.case_id == event.originator_id).values(**values))
        self._touch_case(conn, event.originator_id, event)

    def _adopt_plan(self, conn: Connection, case_id: UUID, goals: list[dict[str, Any]]) -> None:
        conn.execute(delete(plan_goals).where(plan_goals.c.case_id == case_id))
        if goals:
            conn.execute(insert(plan_goals), [{"case_id": case_id, "goal_no": n, **g} for n, g in enumerate(goals)])

    @apply.register(event_class(YouthCase, "PlanSet"))
    def _plan_set(self, event: Any, conn: Connection, position: int) -> None:
        goals = [{"status": "open", "review_on": None} for _ in event.goals]
        self._adopt_plan(conn, event.originator_id, goals)
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "PlanAdopted"))
    def _plan_adopted(self, event: Any, conn: Connection, position: int) -> None:
        goals = [{"status": value(g.status), "review_on": g.review_on} for g in event.goals]
        self._adopt_plan(conn, event.originator_id, goals)
        self._set_case(conn, event, plan_submitted_at=None, plan_submitted_by=None)

    @apply.register(event_class(YouthCase, "GoalReviewed"))
    def _goal_reviewed(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            update(plan_goals)
            .where(plan_goals.c.case_id == event.originator_id, plan_goals.c.goal_no == event.goal_no)
            .values(status=value(event.status), review_on=event.review_on)
        )
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "PlanSubmitted"))
    def _plan_submitted(self, event: Any, conn: Connection, position: int) -> None:
        submission = event.submission
        self._set_case(conn, event, plan_submitted_at=utc(event.timestamp), plan_submitted_by=submission.submitted_by)

    @apply.register(event_class(YouthCase, "PlanReturned"))
    @apply.register(event_class(YouthCase, "PlanApproved"))
    def _plan_decided(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, plan_submitted_at=None, plan_submitted_by=None)

    @apply.register(event_class(YouthCase, "ClosureSubmitted"))
    def _closure_submitted(self, event: Any, conn: Connection, position: int) -> None:
        submission = event.submission
        self._set_case(
            conn, event, closure_submitted_at=utc(event.timestamp), closure_submitted_by=submission.submitted_by
        )

    @apply.register(event_class(YouthCase, "ClosureReturned"))
    @apply.register(event_class(YouthCase, "ClosureApproved"))
    def _closure_decided(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, closure_submitted_at=None, closure_submitted_by=None)

    @apply.register(event_class(YouthCase, "TransferRequested"))
    def _transfer_requested(self, event: Any, conn: Connection, position: int) -> None:
        request = event.request
        self._set_case(
            conn,
            event,
            transfer_request_id=request.request_id,
            transfer_to=request.to_station_id,
            transfer_requested_at=utc(event.timestamp),
        )

    @apply.register(event_class(YouthCase, "TransferDeclined"))
    @apply.register(event_class(YouthCase, "TransferWithdrawn"))
    def _transfer_ended(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, **NO_TRANSFER)

    @apply.register(event_class(YouthCase, "TransferAccepted"))
    def _transfer_accepted(self, event: Any, conn: Connection, position: int) -> None:
        """The case, its pairs and its referrals now belong to the new station; the dated facts
        (interventions, sessions, closures) stay with the station that did the work."""
        case_id, station_id = event.originator_id, event.to_station_id
        self._set_case(conn, event, station_id=station_id, case_worker_id=None, **NO_TRANSFER)
        conn.execute(update(pairs).where(pairs.c.case_id == case_id).values(station_id=station_id))
        conn.execute(update(referrals).where(referrals.c.case_id == case_id).values(station_id=station_id))
        self._case_station[case_id] = station_id
        for pair in self._pairs.values():
            if pair.case_id == case_id:
                pair.station_id = station_id

    @apply.register(event_class(YouthCase, "InterventionLogged"))
    def _intervention_logged(self, event: Any, conn: Connection, position: int) -> None:
        occurred_at = utc(event.intervention.occurred_at)
        self._facts[interventions].append(
            {
                "position": position,
                "case_id": event.originator_id,
                "station_id": self._station_of(conn, event.originator_id),
                "kind": value(event.intervention.kind),
                "occurred_at": occurred_at,
                "month": occurred_at.strftime("%Y-%m"),
            }
        )
        self._touch_case(conn, event.originator_id, event, interventions=1)

    @apply.register(event_class(YouthCase, "Closed"))
    def _case_closed(self, event: Any, conn: Connection, position: int) -> None:
        case_id = event.originator_id
        at = utc(event.timestamp)
        self._facts[closures].append(
            {"position": position, "case_id": case_id, "station_id": self._station_of(conn, case_id), "closed_at": at}
        )
        conn.execute(
            update(cases)
            .where(cases.c.case_id == case_id)
            .values(status=CaseStatus.CLOSED.value, closed_at=at, plan_submitted_at=None, plan_submitted_by=None)
        )
        self._touch_case(conn, case_id, event)

    @apply.register(event_class(YouthCase, "Reopened"))
    def _case_reopened(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            update(cases)
            .where(cases.c.case_id == event.originator_id)
            .values(status=CaseStatus.OPEN.value, closed_at=None)
        )
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(MentoringPair, "Matched"))
    def _pair_matched(self, event: Any, conn: Connection, position: int) -> None:
        station_id = self._station_of(conn, event.case_id)
        self._pairs[event.originator_id] = PairFacts(
            event.case_id, event.volunteer_id, station_id, PairStatus.ACTIVE.value
        )
        conn.execute(
            insert(pairs).values(
                pair_id=event.originator_id,
                case_id=event.case_id,
                station_id=station_id,
                volunteer_id=event.volunteer_id,
                status=PairStatus.ACTIVE.value,
                started_on=event.started_on,
                sessions=0,
            )
        )
        self._touch_case(conn, event.case_id, event, active_pairs=1)

    def _pair_status(self, conn: Connection, event: Any, status: PairStatus, **extra: Any) -> None:
        """Move a pair to `status`, keeping its case's count of active pairs right."""
        pair = self._pair(conn, event.originator_id)
        was_active = pair.status == PairStatus.ACTIVE.value
        is_active = status is PairStatus.ACTIVE
        conn.execute(update(pairs).where(pairs.c.pair_id == event.originator_id).values(status=status.value, **extra))
        pair.status = status.value
        self._touch_case(conn, pair.case_id, event, active_pairs=int(is_active) - int(was_active))

    @apply.register(event_class(MentoringPair, "Paused"))
    def _pair_paused(self, event: Any, conn: Connection, position: int) -> None:
        self._pair_status(conn, event, PairStatus.PAUSED)

    @apply.register(event_class(MentoringPair, "Resumed"))
    def _pair_resumed(self, event: Any, conn: Connection, position: int) -> None:
        self._pair_status(conn, event, PairStatus.ACTIVE)

    @apply.register(event_class(MentoringPair, "Closed"))
    def _pair_closed(self, event: Any, conn: Connection, position: int) -> None:
        self._pair_status(conn, event, PairStatus.CLOSED, closed_at=utc(event.timestamp))

    @apply.register(event_class(MentoringPair, "SessionLogged"))
    def _session_logged(self, event: Any, conn: Connection, position: int) -> None:
        pair = self._pair(conn, event.originator_id)
        held_on = event.session.held_on
        self._facts[session_rows].append(
            {
                "position": position,
                "pair_id": event.originator_id,
                "volunteer_id": pair.volunteer_id,
                "station_id": pair.station_id,
                "held_on": held_on,
            }
        )
        later = or_(pairs.c.last_session_on.is_(None), pairs.c.last_session_on < held_on)
        conn.execute(
            update(pairs)
            .where(pairs.c.pair_id == event.originator_id)
            .values(
                sessions=pairs.c.sessions + 1,
                last_session_on=case((later, held_on), else_=pairs.c.last_session_on),
            )
        )
        self._touch_case(conn, pair.case_id, event)

    @apply.register(event_class(MentoringPair, "GoalProgressUpdated"))
    def _goal_progress(self, event: Any, conn: Connection, position: int) -> None:
        self._touch_case(conn, self._pair(conn, event.originator_id).case_id, event)

    @apply.register(event_class(Referral, "Made"))
    def _referral_made(self, event: Any, conn: Connection, position: int) -> None:
        conn.execute(
            insert(referrals).values(
                referral_id=event.originator_id,
                case_id=event.case_id,
                station_id=event.from_station_id,
                department_id=event.to_department_id,
                service=event.service,
                status=ReferralStatus.PENDING.value,
                made_at=utc(event.timestamp),
                respond_by=event.respond_by,
            )
        )
        self._referrals[event.originator_id] = ReferralFacts(event.case_id, ReferralStatus.PENDING.value)
        self._touch_case(conn, event.case_id, event, open_referrals=1)

    def _referral_status(self, conn: Connection, event: Any, status: ReferralStatus, **extra: Any) -> None:
        """Move a referral to `status`, keeping its case's count of open referrals right."""
        referral = self._referral(conn, event.originator_id)
        was_open = referral.status in OPEN_REFERRAL
        is_open = status.value in OPEN_REFERRAL
        if not is_open:
            extra["finished_at"] = utc(event.timestamp)
        conn.execute(
            update(referrals).where(referrals.c.referral_id == event.originator_id).values(status=status.value, **extra)
        )
        referral.status = status.value
        self._touch_case(conn, referral.case_id, event, open_referrals=int(is_open) - int(was_open))

    @apply.register(event_class(Referral, "Accepted"))
    def _referral_accepted(self, event: Any, conn: Connection, position: int) -> None:
        at = utc(event.timestamp)
        self._referral_status(conn, event, ReferralStatus.ACCEPTED, answered_at=at, accepted_at=at)

    @apply.register(event_class(Referral, "Declined"))
    def _referral_declined(self, event: Any, conn: Connection, position: int) -> None:
        self._referral_status(conn, event, ReferralStatus.DECLINED, answered_at=utc(event.timestamp))

    @apply.register(event_class(Referral, "Completed"))
    def _referral_completed(self, event: Any, conn: Connection, position: int) -> None:
        self._referral_status(conn, event, ReferralStatus.COMPLETED)

    @apply.register(event_class(Referral, "Withdrawn"))
    def _referral_withdrawn(self, event: Any, conn: Connection, position: int) -> None:
        self._referral_status(conn, event, ReferralStatus.WITHDRAWN)

    @apply.register(event_class(Referral, "ProgressNoted"))
    def _referral_progress(self, event: Any, conn: Connection, position: int) -> None:
        self._touch_case(conn, self._referral(conn, event.originator_id).case_id, event)

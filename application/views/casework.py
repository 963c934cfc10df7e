"""The casework projection: keeps the casework tables in step with the log.

One handler per event type. Counters on a case (interventions, active pairs, open
referrals) move with the events of its pairs and referrals, and every such event
also marks the case's last activity.
"""

from __future__ import annotations

from collections import defaultdict
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic
from sqlalchemy import Connection, Table, insert, select, update

from application.views.base import Batch, View, event_class, named_in, utc, value
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
from application.views.rows import RowLists, Rows
from domain.common import ERASED
from domain.mentoring_pair import MentoringPair, PairStatus
from domain.organisation import Department, Organisation, Station
from domain.referral import Referral, ReferralStatus
from domain.volunteer import Volunteer
from domain.youth_case import CaseStatus, YouthCase

OPEN_REFERRAL = (ReferralStatus.PENDING.value, ReferralStatus.ACCEPTED.value)

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


class Casework(View):
    name = "casework"
    version = 4
    metadata = metadata
    # Of the personal fields, only the youth's name on opening is shown (a case's display name).
    personal = frozenset({get_topic(event_class(YouthCase, "Opened"))})

    KEPT = 20_000  # rows of each table remembered between batches

    def __init__(self) -> None:
        # The rows a batch changes, changed in memory and written at flush (see rows.py).
        self._cases = Rows(cases, self.KEPT)
        self._pairs = Rows(pairs, self.KEPT)
        self._referrals = Rows(referrals, self.KEPT)
        self._volunteers = Rows(volunteers, self.KEPT)
        self._goals = RowLists(plan_goals, "case_id", "goal_no", self.KEPT)
        # Rows never changed later (dated facts), written at flush.
        self._facts: dict[Table, list[dict[str, Any]]] = defaultdict(list)

    def _images(self) -> tuple[Rows | RowLists, ...]:
        return (self._cases, self._pairs, self._referrals, self._volunteers, self._goals)

    def prepare(self, conn: Connection, batch: Batch) -> None:
        """Read the rows the batch's events will change, a query per table rather than one per event."""
        named = named_in(batch, ("case_id",))
        for rows in (self._pairs, self._referrals, self._volunteers):
            rows.load(conn, named)
        of_records = {row["case_id"] for rows in (self._pairs, self._referrals) for row in rows.known(named)}
        self._cases.load(conn, named | of_records)

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        self.apply(event, conn, position)

    def flush(self, conn: Connection) -> None:
        for table, rows in self._facts.items():
            if rows:
                conn.execute(insert(table), rows)
        self._facts.clear()
        for image in self._images():
            image.flush(conn)
            image.trim()

    def forget(self) -> None:
        self._facts.clear()
        for image in self._images():
            image.forget()

    # -- helpers

    def _touch_case(self, conn: Connection, case_id: UUID, event: DomainEvent, **counts: int) -> None:
        """Mark the case's last activity and move its counters by `counts`."""
        row = self._cases.change(conn, case_id, last_activity_at=utc(event.timestamp))
        if row is not None:
            for column, delta in counts.items():
                row[column] += delta

    def _station_of(self, conn: Connection, case_id: UUID) -> UUID:
        station_id: UUID = self._cases.get(conn, case_id)["station_id"]
        return station_id

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
        self._volunteers.add(
            {
                "volunteer_id": event.originator_id,
                "display_name": event.full_name,
                "kind": value(event.kind),
                "active": True,
                "screened": False,
                "registered_at": utc(event.timestamp),
                "training_hours": 0,
            }
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
        self._volunteers.change(conn, event.originator_id, screened=event.passed)

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
        volunteer = self._volunteers.find(conn, event.originator_id)
        if volunteer is not None:
            hours = volunteer["training_hours"] + training.hours
            self._volunteers.change(conn, event.originator_id, training_hours=hours)

    @apply.register(event_class(Volunteer, "Deactivated"))
    def _volunteer_deactivated(self, event: Any, conn: Connection, position: int) -> None:
        self._volunteers.change(conn, event.originator_id, active=False)

    @apply.register(event_class(Volunteer, "Reactivated"))
    def _volunteer_reactivated(self, event: Any, conn: Connection, position: int) -> None:
        self._volunteers.change(conn, event.originator_id, active=True)

    @apply.register(event_class(YouthCase, "Opened"))
    def _case_opened(self, event: Any, conn: Connection, position: int) -> None:
        at = utc(event.timestamp)
        self._cases.add(
            {
                "case_id": event.originator_id,
                "station_id": event.station_id,
                "status": CaseStatus.OPEN.value,
                "category": value(event.category),
                "source": value(event.source),
                "youth_display_name": event.youth.full_name,
                "opened_at": at,
                "last_activity_at": at,
                "interventions": 0,
                "active_pairs": 0,
                "open_referrals": 0,
                "sealed": False,
            }
        )

    @apply.register(event_class(YouthCase, "Erased"))
    def _case_erased(self, event: Any, conn: Connection, position: int) -> None:
        self._cases.change(conn, event.originator_id, youth_display_name=ERASED, **NOTHING_WAITS)

    @apply.register(event_class(YouthCase, "Sealed"))
    def _case_sealed(self, event: Any, conn: Connection, position: int) -> None:
        self._cases.change(conn, event.originator_id, sealed=True)

    @apply.register(event_class(YouthCase, "Unsealed"))
    def _case_unsealed(self, event: Any, conn: Connection, position: int) -> None:
        self._cases.change(conn, event.originator_id, sealed=False)

    @apply.register(event_class(YouthCase, "RiskAssessed"))
    def _risk_assessed(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, risk_level=value(event.assessment.level))

    @apply.register(event_class(YouthCase, "Assigned"))
    def _assigned(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, case_worker_id=event.case_worker_id)

    @apply.register(event_class(YouthCase, "ConsentRecorded"))
    def _case_worked(self, event: Any, conn: Connection, position: int) -> None:
        self._touch_case(conn, event.originator_id, event)

    def _set_case(self, conn: Connection, event: Any, **values: Any) -> None:
        self._cases.change(conn, event.originator_id, **values)
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "PlanSet"))
    def _plan_set(self, event: Any, conn: Connection, position: int) -> None:
        self._goals.replace(event.originator_id, [{"status": "open", "review_on": None} for _ in event.goals])
        self._touch_case(conn, event.originator_id, event)

    @apply.register(event_class(YouthCase, "PlanAdopted"))
    def _plan_adopted(self, event: Any, conn: Connection, position: int) -> None:
        goals = [{"status": value(g.status), "review_on": g.review_on} for g in event.goals]
        self._goals.replace(event.originator_id, goals)
        self._set_case(conn, event, plan_submitted_at=None, plan_submitted_by=None)

    @apply.register(event_class(YouthCase, "GoalReviewed"))
    def _goal_reviewed(self, event: Any, conn: Connection, position: int) -> None:
        self._goals.change(
            conn, event.originator_id, event.goal_no, status=value(event.status), review_on=event.review_on
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
        self._pairs.update_where(conn, "case_id", case_id, station_id=station_id)
        self._referrals.update_where(conn, "case_id", case_id, station_id=station_id)

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
        self._set_case(
            conn, event, status=CaseStatus.CLOSED.value, closed_at=at, plan_submitted_at=None, plan_submitted_by=None
        )

    @apply.register(event_class(YouthCase, "Reopened"))
    def _case_reopened(self, event: Any, conn: Connection, position: int) -> None:
        self._set_case(conn, event, status=CaseStatus.OPEN.value, closed_at=None)

    @apply.register(event_class(MentoringPair, "Matched"))
    def _pair_matched(self, event: Any, conn: Connection, position: int) -> None:
        self._pairs.add(
            {
                "pair_id": event.originator_id,
                "case_id": event.case_id,
                "station_id": self._station_of(conn, event.case_id),
                "volunteer_id": event.volunteer_id,
                "status": PairStatus.ACTIVE.value,
                "started_on": event.started_on,
                "sessions": 0,
            }
        )
        self._touch_case(conn, event.case_id, event, active_pairs=1)

    def _pair_status(self, conn: Connection, event: Any, status: PairStatus, **extra: Any) -> None:
        """Move a pair to `status`, keeping its case's count of active pairs right."""
        pair = self._pairs.get(conn, event.originator_id)
        was_active = pair["status"] == PairStatus.ACTIVE.value
        is_active = status is PairStatus.ACTIVE
        self._pairs.change(conn, event.originator_id, status=status.value, **extra)
        self._touch_case(conn, pair["case_id"], event, active_pairs=int(is_active) - int(was_active))

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
        pair = self._pairs.get(conn, event.originator_id)
        held_on = event.session.held_on
        self._facts[session_rows].append(
            {
                "position": position,
                "pair_id": event.originator_id,
                "volunteer_id": pair["volunteer_id"],
                "station_id": pair["station_id"],
                "held_on": held_on,
            }
        )
        last = pair["last_session_on"]
        latest = held_on if last is None or last < held_on else last
        self._pairs.change(conn, event.originator_id, sessions=pair["sessions"] + 1, last_session_on=latest)
        self._touch_case(conn, pair["case_id"], event)

    @apply.register(event_class(MentoringPair, "GoalProgressUpdated"))
    def _goal_progress(self, event: Any, conn: Connection, position: int) -> None:
        self._touch_case(conn, self._pairs.get(conn, event.originator_id)["case_id"], event)

    @apply.register(event_class(Referral, "Made"))
    def _referral_made(self, event: Any, conn: Connection, position: int) -> None:
        self._referrals.add(
            {
                "referral_id": event.originator_id,
                "case_id": event.case_id,
                "station_id": event.from_station_id,
                "department_id": event.to_department_id,
                "service": event.service,
                "status": ReferralStatus.PENDING.value,
                "made_at": utc(event.timestamp),
                "respond_by": event.respond_by,
            }
        )
        self._touch_case(conn, event.case_id, event, open_referrals=1)

    def _referral_status(self, conn: Connection, event: Any, status: ReferralStatus, **extra: Any) -> None:
        """Move a referral to `status`, keeping its case's count of open referrals right."""
        referral = self._referrals.get(conn, event.originator_id)
        was_open = referral["status"] in OPEN_REFERRAL
        is_open = status.value in OPEN_REFERRAL
        if not is_open:
            extra["finished_at"] = utc(event.timestamp)
        self._referrals.change(conn, event.originator_id, status=status.value, **extra)
        self._touch_case(conn, referral["case_id"], event, open_referrals=int(is_open) - int(was_open))

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
        self._touch_case(conn, self._referrals.get(conn, event.originator_id)["case_id"], event)

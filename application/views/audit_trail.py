"""The audit trail: one row per event of every record, with who, what, and which case.

Summaries name kinds, dates, statuses and organisations, never the youth's or a
volunteer's personal details: the trail is read far more widely than the records.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Uuid,
    delete,
    insert,
    select,
    update,
)

from application.views.base import Batch, View, ViewText, event_class, named_in, utc, value
from domain.mentoring_pair import ActivePairSlot, MentoringPair
from domain.organisation import Department, Organisation, Station
from domain.referral import Referral
from domain.user import User
from domain.volunteer import Volunteer
from domain.youth_case import YouthCase

metadata = MetaData()

trail = Table(
    "audit_trail",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor_id", ViewText(200), nullable=False),
    Column("actor_role", ViewText(40), nullable=False),
    Column("record_type", ViewText(20), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("event_type", ViewText(80), nullable=False),
    Column("summary", ViewText(500), nullable=False),
    Column("case_id", Uuid),
    Column("station_id", Uuid),
    Column("department_id", Uuid),
    # Each filter walks its own index newest first.
    Index("audit_trail_record", "record_id", "position"),
    Index("audit_trail_case", "case_id", "position"),
    Index("audit_trail_actor", "actor_id", "position"),
    Index("audit_trail_station", "station_id", "position"),
    Index("audit_trail_department", "department_id", "position"),
    Index("audit_trail_event_type", "event_type", "position"),
    Index("audit_trail_occurred_at", "occurred_at"),
)

# What the trail must know about each record to file later events under the right
# case, station and department: filled from creation events.
records = Table(
    "audit_trail_records",
    metadata,
    Column("record_id", Uuid, primary_key=True),
    Column("record_type", ViewText(20), nullable=False),
    Column("case_id", Uuid),
    Column("station_id", Uuid),
    Column("department_id", Uuid),
    Column("name", ViewText(200)),
)


# Cases sealed now: the trail leaves their records' rows out until they are unsealed.
sealed = Table("audit_trail_sealed", metadata, Column("case_id", Uuid, primary_key=True))


@dataclass
class Filing:
    record_type: str
    case_id: UUID | None = None
    station_id: UUID | None = None
    department_id: UUID | None = None
    name: str | None = None


def _words(item: Any) -> str:
    return str(value(item)).replace("_", " ")


class AuditTrail(View):
    name = "audit_trail"
    version = 5
    metadata = metadata
    personal = frozenset[str]()  # summaries never name a youth or a volunteer: no event is opened

    # What an event may name besides its own record: their filings are looked up with its own.
    NAMED = ("case_id", "station_id", "to_station_id", "to_department_id")

    FILINGS_KEPT = 100_000  # records whose filing is remembered between events

    def __init__(self) -> None:
        self._filings: dict[UUID, Filing] = {}
        self._new_records: list[dict[str, Any]] = []
        self._new_rows: list[dict[str, Any]] = []

    def prepare(self, conn: Connection, batch: Batch) -> None:
        """The filings of every record this batch names, in one query rather than one per record."""
        unknown = named_in(batch, self.NAMED, inside=("request",)) - self._filings.keys()
        if unknown:
            for row in conn.execute(select(records).where(records.c.record_id.in_(unknown))):
                self._remember(
                    row.record_id, Filing(row.record_type, row.case_id, row.station_id, row.department_id, row.name)
                )

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        summary = self.summarise(event, conn)
        filing = self._filing(conn, event.originator_id)
        self._new_rows.append(
            {
                "position": position,
                "occurred_at": utc(event.timestamp),
                "actor_id": event.actor.user_id,  # type: ignore[attr-defined]
                "actor_role": value(event.actor.role),  # type: ignore[attr-defined]
                "record_type": filing.record_type,
                "record_id": event.originator_id,
                "record_version": event.originator_version,
                "event_type": f"{filing.record_type}.{type(event).__name__}",
                "summary": summary[:500],
                "case_id": filing.case_id,
                "station_id": filing.station_id,
                "department_id": filing.department_id,
            }
        )

    def flush(self, conn: Connection) -> None:
        self._flush_records(conn)
        if self._new_rows:
            conn.execute(insert(trail), self._new_rows)
            self._new_rows = []
        if len(self._filings) > self.FILINGS_KEPT:
            self._filings.clear()

    def forget(self) -> None:
        self._filings.clear()
        self._new_records = []
        self._new_rows = []

    # -- filing: which record type, case, station and department an event belongs to

    def _filing(self, conn: Connection, record_id: UUID) -> Filing:
        if record_id in self._filings:
            return self._filings[record_id]
        row = conn.execute(select(records).where(records.c.record_id == record_id)).one_or_none()
        if row is None:  # an event of a kind this view does not know yet
            return Filing("unknown")
        return self._remember(
            record_id, Filing(row.record_type, row.case_id, row.station_id, row.department_id, row.name)
        )

    def _remember(self, record_id: UUID, filing: Filing) -> Filing:
        self._filings[record_id] = filing  # bounded at flush, once this batch's filings are written
        return filing

    def _file(self, conn: Connection, record_id: UUID, filing: Filing) -> None:
        self._remember(record_id, filing)
        self._new_records.append({"record_id": record_id, **filing.__dict__})

    def _flush_records(self, conn: Connection) -> None:
        if self._new_records:
            conn.execute(insert(records), self._new_records)
            self._new_records = []

    def _name(self, conn: Connection, record_id: UUID | None) -> str:
        if record_id is None:
            return "?"
        found = self._filing(conn, record_id).name
        return f"“{found}”" if found else str(record_id)

    # -- one summary per event type; creation events also file the record

    @singledispatchmethod
    def summarise(self, event: DomainEvent, conn: Connection) -> str:
        return type(event).__name__

    @summarise.register(event_class(Station, "Registered"))
    def _station_registered(self, event: Any, conn: Connection) -> str:
        self._file(conn, event.originator_id, Filing("station", station_id=event.originator_id, name=event.name))
        return f"Station “{event.name}” registered ({_words(event.kind)}, {_words(event.level)} level)"

    @summarise.register(event_class(Department, "Registered"))
    def _department_registered(self, event: Any, conn: Connection) -> str:
        self._file(conn, event.originator_id, Filing("department", department_id=event.originator_id, name=event.name))
        return f"Department “{event.name}” registered ({_words(event.kind)})"

    @summarise.register(event_class(Organisation, "Renamed"))
    def _organisation_renamed(self, event: Any, conn: Connection) -> str:
        old = self._name(conn, event.originator_id)
        self._flush_records(conn)  # the record may have been filed in this very batch
        conn.execute(update(records).where(records.c.record_id == event.originator_id).values(name=event.name))
        self._filing(conn, event.originator_id).name = event.name
        return f"Renamed from {old} to “{event.name}”"

    @summarise.register(event_class(Organisation, "Deactivated"))
    def _organisation_deactivated(self, event: Any, conn: Connection) -> str:
        return f"{self._name(conn, event.originator_id)} deactivated"

    @summarise.register(event_class(Volunteer, "Registered"))
    def _volunteer_registered(self, event: Any, conn: Connection) -> str:
        self._file(conn, event.originator_id, Filing("volunteer"))
        return f"Volunteer registered ({_words(event.kind)})"

    @summarise.register(event_class(Volunteer, "Screened"))
    def _volunteer_screened(self, event: Any, conn: Connection) -> str:
        return "Screening passed" if event.passed else "Screening not passed"

    @summarise.register(event_class(Volunteer, "TrainingRecorded"))
    def _training_recorded(self, event: Any, conn: Connection) -> str:
        training = event.training
        return f"Training “{training.course}” on {training.completed_on.isoformat()} ({training.hours} h)"

    @summarise.register(event_class(Volunteer, "Deactivated"))
    def _volunteer_deactivated(self, event: Any, conn: Connection) -> str:
        return "Volunteer deactivated"

    @summarise.register(event_class(Volunteer, "Reactivated"))
    def _volunteer_reactivated(self, event: Any, conn: Connection) -> str:
        return "Volunteer reactivated"

    @summarise.register(event_class(YouthCase, "Opened"))
    def _case_opened(self, event: Any, conn: Connection) -> str:
        case_id = event.originator_id
        self._file(conn, case_id, Filing("case", case_id=case_id, station_id=event.station_id))
        return (
            f"Case opened at {self._name(conn, event.station_id)} "
            f"({_words(event.category)}, from {_words(event.source)})"
        )

    @summarise.register(event_class(YouthCase, "RiskAssessed"))
    def _risk_assessed(self, event: Any, conn: Connection) -> str:
        assessment = event.assessment
        return f"Risk assessed {_words(assessment.level)} ({assessment.instrument}, score {assessment.score})"

    @summarise.register(event_class(YouthCase, "PlanSet"))
    def _plan_set(self, event: Any, conn: Connection) -> str:
        return f"Case plan set with {len(event.goals)} goal(s)"

    @summarise.register(event_class(YouthCase, "Assigned"))
    def _assigned(self, event: Any, conn: Connection) -> str:
        return f"Assigned to case worker {event.case_worker_id}"

    @summarise.register(event_class(YouthCase, "InterventionLogged"))
    def _intervention_logged(self, event: Any, conn: Connection) -> str:
        done = event.intervention
        return f"Intervention: {_words(done.kind)}, {done.duration_minutes} min, by {done.performed_by}"

    @summarise.register(event_class(YouthCase, "ConsentRecorded"))
    def _consent_recorded(self, event: Any, conn: Connection) -> str:
        consent = event.consent
        return f"Consent {'granted' if consent.granted else 'refused'} for “{consent.scope}”"

    @summarise.register(event_class(YouthCase, "Closed"))
    def _case_closed(self, event: Any, conn: Connection) -> str:
        return "Case closed"

    @summarise.register(event_class(YouthCase, "Reopened"))
    def _case_reopened(self, event: Any, conn: Connection) -> str:
        return "Case reopened"

    @summarise.register(event_class(YouthCase, "PlanSubmitted"))
    def _plan_submitted(self, event: Any, conn: Connection) -> str:
        return f"Case plan with {len(event.submission.goals)} goal(s) submitted for approval"

    @summarise.register(event_class(YouthCase, "PlanApproved"))
    @summarise.register(event_class(YouthCase, "ClosureApproved"))
    def _approved(self, event: Any, conn: Connection) -> str:
        what = "Case plan" if type(event).__name__ == "PlanApproved" else "Closure"
        own = ", the approver's own submission" if event.own_submission else ""
        return f"{what} approved as submitted at version {event.approved_version}{own}"

    @summarise.register(event_class(YouthCase, "PlanAdopted"))
    def _plan_adopted(self, event: Any, conn: Connection) -> str:
        return f"Case plan in force with {len(event.goals)} goal(s)"

    @summarise.register(event_class(YouthCase, "PlanReturned"))
    def _plan_returned(self, event: Any, conn: Connection) -> str:
        return "Case plan returned to its submitter"

    @summarise.register(event_class(YouthCase, "GoalReviewed"))
    def _goal_reviewed(self, event: Any, conn: Connection) -> str:
        review = f", next review {event.review_on.isoformat()}" if event.review_on else ""
        return f"Plan goal {event.goal_no + 1} reviewed: {_words(event.status)}{review}"

    @summarise.register(event_class(YouthCase, "ClosureSubmitted"))
    def _closure_submitted(self, event: Any, conn: Connection) -> str:
        return "Closure submitted for approval"

    @summarise.register(event_class(YouthCase, "ClosureReturned"))
    def _closure_returned(self, event: Any, conn: Connection) -> str:
        return "Closure returned to its submitter"

    @summarise.register(event_class(YouthCase, "TransferRequested"))
    def _transfer_requested(self, event: Any, conn: Connection) -> str:
        return f"Transfer to {self._name(conn, event.request.to_station_id)} requested"

    @summarise.register(event_class(YouthCase, "TransferDeclined"))
    def _transfer_declined(self, event: Any, conn: Connection) -> str:
        return "Transfer declined"

    @summarise.register(event_class(YouthCase, "TransferWithdrawn"))
    def _transfer_withdrawn(self, event: Any, conn: Connection) -> str:
        return "Transfer withdrawn"

    @summarise.register(event_class(YouthCase, "TransferAccepted"))
    def _transfer_accepted(self, event: Any, conn: Connection) -> str:
        """The case's records, and the trail of them, are filed under the new station from now on:
        the old station's lead no longer finds them here (their read log keeps what they read)."""
        case_id, station_id = event.originator_id, event.to_station_id
        self.flush(conn)
        conn.execute(update(records).where(records.c.case_id == case_id).values(station_id=station_id))
        conn.execute(update(trail).where(trail.c.case_id == case_id).values(station_id=station_id))
        for record_id, filing in list(self._filings.items()):
            if filing.case_id == case_id:
                self._filings[record_id] = dataclasses.replace(filing, station_id=station_id)
        return f"Transfer accepted: case now at {self._name(conn, station_id)}"

    @summarise.register(event_class(MentoringPair, "Matched"))
    def _pair_matched(self, event: Any, conn: Connection) -> str:
        case = self._filing(conn, event.case_id)
        self._file(conn, event.originator_id, Filing("pair", case_id=event.case_id, station_id=case.station_id))
        return f"Mentoring pair matched with volunteer {event.volunteer_id}, {len(event.goals)} goal(s)"

    @summarise.register(event_class(MentoringPair, "SessionLogged"))
    def _session_logged(self, event: Any, conn: Connection) -> str:
        session = event.session
        return (
            f"Session on {session.held_on.isoformat()}: {_words(session.mode)}, "
            f"{session.duration_minutes} min, progress {session.progress}/5"
        )

    @summarise.register(event_class(MentoringPair, "GoalProgressUpdated"))
    def _goal_progress(self, event: Any, conn: Connection) -> str:
        return f"A goal now {_words(event.progress.status)}"  # the goal's words are the youth's: not here

    @summarise.register(event_class(MentoringPair, "Paused"))
    def _pair_paused(self, event: Any, conn: Connection) -> str:
        return "Pair paused"

    @summarise.register(event_class(MentoringPair, "Resumed"))
    def _pair_resumed(self, event: Any, conn: Connection) -> str:
        return "Pair resumed"

    @summarise.register(event_class(MentoringPair, "Closed"))
    def _pair_closed(self, event: Any, conn: Connection) -> str:
        return "Pair closed"

    @summarise.register(event_class(ActivePairSlot, "Created"))
    def _slot_created(self, event: Any, conn: Connection) -> str:
        case = self._filing(conn, event.case_id)
        self._file(conn, event.originator_id, Filing("pair_slot", case_id=event.case_id, station_id=case.station_id))
        return f"Pair slot made for volunteer {event.volunteer_id}"

    @summarise.register(event_class(ActivePairSlot, "Occupied"))
    def _slot_occupied(self, event: Any, conn: Connection) -> str:
        return f"Pair slot taken by pair {event.pair_id}"

    @summarise.register(event_class(ActivePairSlot, "Released"))
    def _slot_released(self, event: Any, conn: Connection) -> str:
        return f"Pair slot freed by pair {event.pair_id}"

    @summarise.register(event_class(Referral, "Made"))
    def _referral_made(self, event: Any, conn: Connection) -> str:
        filing = Filing(
            "referral", case_id=event.case_id, station_id=event.from_station_id, department_id=event.to_department_id
        )
        self._file(conn, event.originator_id, filing)
        return (
            f"Referred to {self._name(conn, event.to_department_id)} for “{event.service}”, "
            f"answer by {event.respond_by.isoformat()}"
        )

    @summarise.register(event_class(Referral, "Accepted"))
    def _referral_accepted(self, event: Any, conn: Connection) -> str:
        return "Referral accepted"

    @summarise.register(event_class(Referral, "Declined"))
    def _referral_declined(self, event: Any, conn: Connection) -> str:
        return "Referral declined"

    @summarise.register(event_class(Referral, "ProgressNoted"))
    def _referral_progress(self, event: Any, conn: Connection) -> str:
        return "Referral progress noted"

    @summarise.register(event_class(Referral, "Completed"))
    def _referral_completed(self, event: Any, conn: Connection) -> str:
        return "Referral completed"

    @summarise.register(event_class(Referral, "Withdrawn"))
    def _referral_withdrawn(self, event: Any, conn: Connection) -> str:
        return "Referral withdrawn"

    @summarise.register(event_class(User, "Created"))
    def _user_created(self, event: Any, conn: Connection) -> str:
        self._file(conn, event.originator_id, Filing("user", name=event.username))
        scope = f" for {event.scope_id}" if event.scope_id else ""
        return f"User “{event.username}” created as {_words(event.role)}{scope}"

    @summarise.register(event_class(User, "RoleChanged"))
    def _user_role_changed(self, event: Any, conn: Connection) -> str:
        scope = f" for {event.scope_id}" if event.scope_id else ""
        return f"{self._name(conn, event.originator_id)} now {_words(event.role)}{scope}"

    @summarise.register(event_class(User, "Disabled"))
    def _user_disabled(self, event: Any, conn: Connection) -> str:
        return f"{self._name(conn, event.originator_id)} disabled"

    @summarise.register(event_class(User, "Enabled"))
    def _user_enabled(self, event: Any, conn: Connection) -> str:
        return f"{self._name(conn, event.originator_id)} enabled"

    @summarise.register(event_class(User, "PasswordReset"))
    def _user_password_reset(self, event: Any, conn: Connection) -> str:
        return f"Password of {self._name(conn, event.originator_id)} reset"

    @summarise.register(event_class(User, "PasswordChanged"))
    def _user_password_changed(self, event: Any, conn: Connection) -> str:
        return f"{self._name(conn, event.originator_id)} changed their password"

    @summarise.register(event_class(YouthCase, "Sealed"))
    def _case_sealed(self, event: Any, conn: Connection) -> str:
        conn.execute(insert(sealed).values(case_id=event.originator_id))
        return f"Case sealed ({event.mark.legal_basis})"

    @summarise.register(event_class(YouthCase, "Unsealed"))
    def _case_unsealed(self, event: Any, conn: Connection) -> str:
        conn.execute(delete(sealed).where(sealed.c.case_id == event.originator_id))
        return f"Case unsealed ({event.legal_basis})"

    @summarise.register(event_class(Referral, "ConsentOverridden"))
    def _consent_overridden(self, event: Any, conn: Connection) -> str:
        return "Shared without a covering consent: a station lead's override, reason recorded on the referral"

    @summarise.register(event_class(YouthCase, "Erased"))
    def _case_erased(self, event: Any, conn: Connection) -> str:
        return f"Personal data erased ({event.legal_basis})"

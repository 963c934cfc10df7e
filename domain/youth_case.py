"""A youth case: opened at a station for an at-risk minor, worked, closed, reopened."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.common import (
    BACKFILL_DAYS,
    Actor,
    InvalidValue,
    RuleViolation,
    require_not_future,
    require_text,
    require_within_backfill,
)


class Gender(Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class CaseCategory(Enum):
    OFFENCE = "offence"
    VICTIMISATION = "victimisation"
    TRUANCY = "truancy"
    FAMILY_CRISIS = "family_crisis"
    RUNAWAY = "runaway"
    BULLYING = "bullying"
    ONLINE_RISK = "online_risk"
    OTHER = "other"


class CaseSource(Enum):
    POLICE_INCIDENT = "police_incident"
    SCHOOL = "school"
    FAMILY = "family"
    COMMUNITY = "community"
    SELF_REFERRAL = "self_referral"
    OTHER = "other"


class RiskLevel(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class InterventionKind(Enum):
    COUNSELLING = "counselling"
    HOME_VISIT = "home_visit"
    LEGAL_EDUCATION = "legal_education"
    FAMILY_EDUCATION = "family_education"
    TUTORING = "tutoring"
    PSYCHOLOGICAL_SUPPORT = "psychological_support"
    MATERIAL_ASSISTANCE = "material_assistance"
    OTHER = "other"


class CaseStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Youth:
    """The minor's personal data. Kept in one value so it can be protected as one."""

    full_name: str
    date_of_birth: date
    gender: Gender
    id_number: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    address: str | None = None
    school: str | None = None


@dataclass(frozen=True)
class RiskAssessment:
    instrument: str
    score: int
    level: RiskLevel
    notes: str


@dataclass(frozen=True)
class Intervention:
    kind: InterventionKind
    occurred_at: datetime
    duration_minutes: int
    notes: str
    performed_by: str
    recorded_at: datetime | None = None  # when it was logged; None in events from before it was kept


class ConsentGiver(Enum):
    GUARDIAN = "guardian"
    YOUTH = "youth"


_S = TypeVar("_S")

ALL_SHARING = "all"
AGE_OF_OWN_CONSENT = 14  # PIPL art. 28, 31: under 14 the guardian consents


@dataclass(frozen=True)
class Consent:
    """Consent to share: `scope` is "all", a department's id or a department kind; `given_by`
    names the person; `giver` says in what capacity (consents from before it was asked have
    none, and gate nothing)."""

    scope: str
    granted: bool
    given_by: str
    giver: ConsentGiver | None = None

    def covers(self, department_id: UUID, department_kind: str) -> bool:
        return self.scope.strip().lower() in {ALL_SHARING, str(department_id), department_kind}


class PlanGoalStatus(Enum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


@dataclass(frozen=True)
class PlanGoal:
    """One goal of the case plan: what, how far along, and when it is next looked at."""

    text: str
    status: PlanGoalStatus = PlanGoalStatus.OPEN
    review_on: date | None = None


@dataclass(frozen=True)
class PlanSubmission:
    """A plan waiting for the station lead: the goals, who submitted them, when, and the case
    version they were submitted at (an approval holds only while the case is still there)."""

    goals: list[PlanGoal]
    submitted_by: str
    submitted_at: datetime
    version: int


@dataclass(frozen=True)
class ClosureSubmission:
    """A closure waiting for the station lead (see PlanSubmission)."""

    outcome: str
    notes: str
    submitted_by: str
    submitted_at: datetime
    version: int


@dataclass(frozen=True)
class TransferRequest:
    """A request to hand the case to another station, waiting for that station's lead."""

    request_id: UUID
    from_station_id: UUID
    to_station_id: UUID
    reason: str
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class SealMark:
    """Why, on what legal basis, when and by whom a case was sealed."""

    reason: str
    legal_basis: str
    sealed_at: datetime
    sealed_by: str


class YouthCase(Aggregate):
    """One minor's case at one station. Every step taken is an event on it."""

    @event("Opened")
    def __init__(
        self,
        *,
        actor: Actor,
        station_id: UUID,
        youth: Youth,
        category: CaseCategory,
        source: CaseSource,
        summary: str,
        second_case_reason: str | None = None,
    ) -> None:
        self.station_id = station_id
        self.youth = youth
        self.category = category
        self.source = source
        self.summary = summary
        self.status = CaseStatus.OPEN
        self.opened_by = actor
        self.risk_assessments: list[RiskAssessment] = []
        self.plan: list[str] = []
        self.case_worker_id: str | None = None
        self.interventions: list[Intervention] = []
        self.consents: list[Consent] = []
        self.outcome: str | None = None
        self.closing_notes: str | None = None
        self.reopen_reasons: list[str] = []
        self._second_case_reason = second_case_reason

    @classmethod
    def open(
        cls,
        *,
        actor: Actor,
        station_id: UUID,
        youth: Youth,
        category: CaseCategory,
        source: CaseSource,
        summary: str,
        now: datetime,
        second_case_reason: str | None = None,
    ) -> YouthCase:
        """Open a case; `second_case_reason` records that it is knowingly a second case of a youth
        who has an open one already, and why."""
        require_text(youth.full_name, "youth.full_name")
        require_not_future(youth.date_of_birth, now, "youth.date_of_birth")
        if second_case_reason is not None:
            second_case_reason = require_text(second_case_reason, "confirm_reason")
        return cls(
            actor=actor,
            station_id=station_id,
            youth=youth,
            category=category,
            source=source,
            summary=require_text(summary, "summary"),
            second_case_reason=second_case_reason,
        )

    @property
    def second_case_reason(self) -> str | None:
        """Why the case was opened knowing the youth had an open case already; None for a first
        case (and for cases from before this was asked)."""
        reason: str | None = self.__dict__.get("_second_case_reason")
        return reason

    @property
    def seal(self) -> SealMark | None:
        """The seal mark while the case is sealed. Read from the instance's own state, so cases
        (and snapshots) from before sealing existed read as unsealed."""
        mark: SealMark | None = self.__dict__.get("_seal")
        return mark

    @property
    def risk_level(self) -> RiskLevel | None:
        """The level of the latest assessment, if any."""
        return self.risk_assessments[-1].level if self.risk_assessments else None

    # Commands: each checks its rule, then triggers its event (an approval, then what it approves).

    def assess_risk(self, *, actor: Actor, assessment: RiskAssessment) -> None:
        self._require_open()
        require_text(assessment.instrument, "instrument")
        if assessment.score < 0:
            raise InvalidValue("score must not be negative", rule="negative_score", field="score")
        self._risk_assessed(actor=actor, assessment=assessment)

    # The plan and the closure take effect only once the station lead approves them.

    @property
    def plan_goals(self) -> list[PlanGoal]:
        """The plan's goals with their status and review date (plans from before goals had
        them read as open goals with no review date)."""
        goals: list[PlanGoal] | None = self.__dict__.get("_plan_goals")
        return list(goals) if goals is not None else [PlanGoal(text) for text in self.plan]

    @property
    def pending_plan(self) -> PlanSubmission | None:
        found: PlanSubmission | None = self.__dict__.get("_pending_plan")
        return found

    @property
    def pending_closure(self) -> ClosureSubmission | None:
        found: ClosureSubmission | None = self.__dict__.get("_pending_closure")
        return found

    @property
    def pending_transfer(self) -> TransferRequest | None:
        found: TransferRequest | None = self.__dict__.get("_pending_transfer")
        return found

    def submit_plan(self, *, actor: Actor, goals: list[PlanGoal], now: datetime) -> None:
        """Put a plan to the station lead; a plan already waiting is replaced."""
        self._require_open()
        cleaned = [
            PlanGoal(text=goal.text.strip(), status=goal.status, review_on=goal.review_on)
            for goal in goals
            if goal.text.strip()
        ]
        if not cleaned:
            raise InvalidValue("a plan needs at least one goal", rule="plan_without_goals", field="goals")
        if len({goal.text for goal in cleaned}) != len(cleaned):
            raise InvalidValue("each goal of a plan must be different", rule="duplicate_goal", field="goals")
        submission = PlanSubmission(cleaned, actor.user_id, now, self.version + 1)
        self._plan_submitted(actor=actor, submission=submission)

    def approve_plan(self, *, actor: Actor, note: str, allow_own: bool = False) -> None:
        """The lead approves the waiting plan, which then is the case's plan."""
        submission = self._waiting(self.pending_plan, "plan")
        own = self._check_approver(actor, submission.submitted_by, submission.version, allow_own)
        self._plan_approved(actor=actor, note=note.strip(), approved_version=submission.version, own_submission=own)
        self._plan_adopted(actor=actor, goals=list(submission.goals))

    def return_plan(self, *, actor: Actor, note: str) -> None:
        """The lead sends the waiting plan back with a note; the plan in force stays."""
        self._waiting(self.pending_plan, "plan")
        self._plan_returned(actor=actor, note=require_text(note, "note"))

    def review_goal(
        self, *, actor: Actor, goal: str, status: PlanGoalStatus, review_on: date | None, note: str
    ) -> None:
        """Record how far a goal of the plan in force has come, and when to look at it next."""
        self._require_open()
        texts = [g.text for g in self.plan_goals]
        if goal.strip() not in texts:
            raise InvalidValue("the plan has no such goal", rule="unknown_goal", field="goal")
        self._goal_reviewed(
            actor=actor,
            goal=goal.strip(),
            goal_no=texts.index(goal.strip()),
            status=status,
            review_on=review_on,
            note=note.strip(),
        )

    def assign(self, *, actor: Actor, case_worker_id: str) -> None:
        self._require_open()
        self._assigned(actor=actor, case_worker_id=require_text(case_worker_id, "case_worker_id"))

    def log_intervention(
        self, *, actor: Actor, intervention: Intervention, now: datetime, backfill_days: int = BACKFILL_DAYS
    ) -> None:
        """Log an intervention, dated up to `backfill_days` before the case was opened."""
        self._require_open()
        require_within_backfill(intervention.occurred_at, self.created_on, now, backfill_days, "occurred_at")
        if intervention.duration_minutes <= 0:
            raise InvalidValue("duration must be positive", rule="non_positive_duration", field="duration_minutes")
        self._intervention_logged(actor=actor, intervention=replace(intervention, recorded_at=now))

    def record_consent(self, *, actor: Actor, consent: Consent) -> None:
        self._require_open()
        require_text(consent.scope, "scope")
        require_text(consent.given_by, "given_by")
        self._consent_recorded(actor=actor, consent=consent)

    def submit_closure(self, *, actor: Actor, outcome: str, notes: str, now: datetime) -> None:
        """Put the case's closure to the station lead; a closure already waiting is replaced."""
        self._require_open()
        outcome = require_text(outcome, "outcome")
        submission = ClosureSubmission(outcome, notes.strip(), actor.user_id, now, self.version + 1)
        self._closure_submitted(actor=actor, submission=submission)

    def approve_closure(self, *, actor: Actor, note: str, allow_own: bool = False) -> None:
        """The lead approves the waiting closure: the case closes with its outcome."""
        self._require_open()
        submission = self._waiting(self.pending_closure, "closure")
        if self.pending_transfer is not None:
            raise RuleViolation("a transfer of this case is waiting: answer it first", rule="transfer_pending")
        own = self._check_approver(actor, submission.submitted_by, submission.version, allow_own)
        self._closure_approved(actor=actor, note=note.strip(), approved_version=submission.version, own_submission=own)
        self._closed(actor=actor, outcome=submission.outcome, notes=submission.notes)

    def return_closure(self, *, actor: Actor, note: str) -> None:
        """The lead sends the waiting closure back with a note; the case stays open."""
        self._waiting(self.pending_closure, "closure")
        self._closure_returned(actor=actor, note=require_text(note, "note"))

    def _waiting(self, submission: _S | None, what: str) -> _S:
        self._require_not_erased()
        if submission is None:
            raise RuleViolation(f"no {what} is waiting for approval", rule=f"no_pending_{what}")
        return submission

    def _check_approver(self, actor: Actor, submitted_by: str, version: int, allow_own: bool) -> bool:
        """Whether the approver approves their own submission (allowed only by `allow_own`);
        refused when the case changed after the submission, so nobody approves what they did not read."""
        if self.version != version:
            raise RuleViolation(
                f"the case changed after the submission (version {version}, now {self.version}); submit it again",
                rule="approval_stale",
            )
        own = actor.user_id == submitted_by
        if own and not allow_own:
            raise RuleViolation("nobody may approve their own submission", rule="own_submission")
        return own

    # Transfers: the case moves to another station once that station's lead accepts.

    def request_transfer(
        self, *, actor: Actor, request_id: UUID, to_station_id: UUID, reason: str, now: datetime
    ) -> None:
        self._require_open()
        if self.pending_transfer is not None:
            raise RuleViolation("a transfer of this case is already waiting", rule="transfer_pending")
        if to_station_id == self.station_id:
            raise InvalidValue("the case is already at that station", rule="same_station", field="to_station_id")
        request = TransferRequest(
            request_id, self.station_id, to_station_id, require_text(reason, "reason"), actor.user_id, now
        )
        self._transfer_requested(actor=actor, request=request)

    def accept_transfer(self, *, actor: Actor, request_id: UUID, note: str) -> None:
        """The receiving station's lead takes the case: it belongs to their station from now on,
        with no case worker until they assign one."""
        request = self._transfer(request_id)
        self._require_open()
        self._transfer_accepted(
            actor=actor,
            request_id=request.request_id,
            from_station_id=request.from_station_id,
            to_station_id=request.to_station_id,
            note=note.strip(),
        )

    def decline_transfer(self, *, actor: Actor, request_id: UUID, note: str) -> None:
        self._transfer(request_id)
        self._transfer_declined(actor=actor, request_id=request_id, note=require_text(note, "note"))

    def withdraw_transfer(self, *, actor: Actor, request_id: UUID, note: str) -> None:
        self._transfer(request_id)
        self._transfer_withdrawn(actor=actor, request_id=request_id, note=note.strip())

    def _transfer(self, request_id: UUID) -> TransferRequest:
        self._require_not_erased()
        request = self.pending_transfer
        if request is None or request.request_id != request_id:
            raise RuleViolation("no such transfer request is waiting", rule="no_pending_transfer")
        return request

    def reopen(self, *, actor: Actor, reason: str) -> None:
        self._require_not_erased()
        if self.status is not CaseStatus.CLOSED:
            raise RuleViolation("only a closed case can be reopened", rule="case_not_closed")
        self._reopened(actor=actor, reason=require_text(reason, "reason"))

    def seal_record(self, *, actor: Actor, reason: str, legal_basis: str, now: datetime) -> None:
        """Seal the case: from now on it is hidden from all but a lawful, purposed read."""
        self._require_not_erased()
        if self.seal is not None:
            raise RuleViolation("the case is already sealed", rule="already_sealed")
        self._sealed(
            actor=actor,
            mark=SealMark(
                reason=require_text(reason, "reason"),
                legal_basis=require_text(legal_basis, "legal_basis"),
                sealed_at=now,
                sealed_by=actor.user_id,
            ),
        )

    def unseal(self, *, actor: Actor, reason: str, legal_basis: str) -> None:
        self._require_not_erased()
        if self.seal is None:
            raise RuleViolation("the case is not sealed", rule="not_sealed")
        self._unsealed(
            actor=actor, reason=require_text(reason, "reason"), legal_basis=require_text(legal_basis, "legal_basis")
        )

    def sharing_consent(self, *, department_id: UUID, department_kind: str, today: date) -> Consent:
        """The consent that lets the youth's data go to this department; RuleViolation when none does.

        The latest consent covering the department decides: a withdrawal (granted false) stops
        sharing; under 14 only the guardian's consent counts.
        """
        covering = [c for c in self.consents if c.covers(department_id, department_kind)]
        if not covering:
            raise RuleViolation("no recorded consent covers sharing with this department", rule="consent_required")
        latest = covering[-1]
        if not latest.granted:
            raise RuleViolation("consent to share with this department was withdrawn", rule="consent_required")
        born = self.youth.date_of_birth
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        own = latest.giver is ConsentGiver.YOUTH and age >= AGE_OF_OWN_CONSENT
        if latest.giver is ConsentGiver.GUARDIAN or own:
            return latest
        if latest.giver is None:
            why = "it does not say whether the guardian or the youth gave it"
        else:
            why = "the youth is under 14, so the guardian must consent"
        raise RuleViolation(f"the consent on record does not count: {why}", rule="consent_required")

    @property
    def erased(self) -> bool:
        """Whether the youth's personal data was erased (the case's key destroyed)."""
        return bool(self.__dict__.get("_erased"))

    def erase(self, *, actor: Actor, reason: str, legal_basis: str) -> None:
        """Record that the youth's personal data is erased; the key that encrypts it is destroyed
        by whoever stores the records. The reason and basis should name law and purpose, not the youth."""
        if self.erased:
            raise RuleViolation("the case's personal data is already erased", rule="case_erased")
        self._erased_event(
            actor=actor, reason=require_text(reason, "reason"), legal_basis=require_text(legal_basis, "legal_basis")
        )

    def _require_not_erased(self) -> None:
        if self.erased:
            raise RuleViolation("the case's personal data was erased: it takes no more work", rule="case_erased")

    def _require_open(self) -> None:
        self._require_not_erased()
        if self.status is CaseStatus.CLOSED:
            raise RuleViolation("the case is closed; it takes nothing but reopening", rule="case_closed")

    # Events: bodies only change state, they run again on every replay.

    @event("RiskAssessed")
    def _risk_assessed(self, *, actor: Actor, assessment: RiskAssessment) -> None:
        self.risk_assessments.append(assessment)

    @event("PlanSet")  # plans from before approvals: set at once
    def _plan_set(self, *, actor: Actor, goals: list[str]) -> None:
        self.plan = list(goals)
        self.__dict__.pop("_plan_goals", None)

    @event("PlanSubmitted")
    def _plan_submitted(self, *, actor: Actor, submission: PlanSubmission) -> None:
        self._pending_plan = submission

    @event("PlanApproved")
    def _plan_approved(self, *, actor: Actor, note: str, approved_version: int, own_submission: bool) -> None:
        self.__dict__.pop("_pending_plan", None)

    @event("PlanAdopted")
    def _plan_adopted(self, *, actor: Actor, goals: list[PlanGoal]) -> None:
        self._plan_goals = list(goals)
        self.plan = [goal.text for goal in goals]

    @event("PlanReturned")
    def _plan_returned(self, *, actor: Actor, note: str) -> None:
        self.__dict__.pop("_pending_plan", None)

    @event("GoalReviewed")
    def _goal_reviewed(
        self, *, actor: Actor, goal: str, goal_no: int, status: PlanGoalStatus, review_on: date | None, note: str
    ) -> None:
        # By number, not text: after an erasure every goal's text reads the same.
        goals = self.plan_goals
        goals[goal_no] = PlanGoal(goals[goal_no].text, status, review_on)
        self._plan_goals = goals

    @event("ClosureSubmitted")
    def _closure_submitted(self, *, actor: Actor, submission: ClosureSubmission) -> None:
        self._pending_closure = submission

    @event("ClosureApproved")
    def _closure_approved(self, *, actor: Actor, note: str, approved_version: int, own_submission: bool) -> None:
        self.__dict__.pop("_pending_closure", None)

    @event("ClosureReturned")
    def _closure_returned(self, *, actor: Actor, note: str) -> None:
        self.__dict__.pop("_pending_closure", None)

    @event("TransferRequested")
    def _transfer_requested(self, *, actor: Actor, request: TransferRequest) -> None:
        self._pending_transfer = request

    @event("TransferAccepted")
    def _transfer_accepted(
        self, *, actor: Actor, request_id: UUID, from_station_id: UUID, to_station_id: UUID, note: str
    ) -> None:
        self.__dict__.pop("_pending_transfer", None)
        self.station_id = to_station_id
        self.case_worker_id = None

    @event("TransferDeclined")
    def _transfer_declined(self, *, actor: Actor, request_id: UUID, note: str) -> None:
        self.__dict__.pop("_pending_transfer", None)

    @event("TransferWithdrawn")
    def _transfer_withdrawn(self, *, actor: Actor, request_id: UUID, note: str) -> None:
        self.__dict__.pop("_pending_transfer", None)

    @event("Assigned")
    def _assigned(self, *, actor: Actor, case_worker_id: str) -> None:
        self.case_worker_id = case_worker_id

    @event("InterventionLogged")
    def _intervention_logged(self, *, actor: Actor, intervention: Intervention) -> None:
        self.interventions.append(intervention)

    @event("ConsentRecorded")
    def _consent_recorded(self, *, actor: Actor, consent: Consent) -> None:
        self.consents.append(consent)

    @event("Closed")
    def _closed(self, *, actor: Actor, outcome: str, notes: str) -> None:
        self.__dict__.pop("_pending_plan", None)  # a closed case takes no plan: one still waiting lapses
        self.status = CaseStatus.CLOSED
        self.outcome = outcome
        self.closing_notes = notes

    @event("Reopened")
    def _reopened(self, *, actor: Actor, reason: str) -> None:
        self.status = CaseStatus.OPEN
        self.reopen_reasons.append(reason)
        self.outcome = None
        self.closing_notes = None

    @event("Sealed")
    def _sealed(self, *, actor: Actor, mark: SealMark) -> None:
        self._seal = mark

    @event("Unsealed")
    def _unsealed(self, *, actor: Actor, reason: str, legal_basis: str) -> None:
        self.__dict__.pop("_seal", None)

    @event("Erased")
    def _erased_event(self, *, actor: Actor, reason: str, legal_basis: str) -> None:
        self._erased = True
        for waiting in ("_pending_plan", "_pending_closure", "_pending_transfer"):
            self.__dict__.pop(waiting, None)  # nothing can be decided on an erased case

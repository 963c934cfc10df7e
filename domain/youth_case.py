"""A youth case: opened at a station for an at-risk minor, worked, closed, reopened."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
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

    # Commands: each checks its rule, then triggers one event.

    def assess_risk(self, *, actor: Actor, assessment: RiskAssessment) -> None:
        self._require_open()
        require_text(assessment.instrument, "instrument")
        if assessment.score < 0:
            raise InvalidValue("score must not be negative", rule="negative_score", field="score")
        self._risk_assessed(actor=actor, assessment=assessment)

    def set_plan(self, *, actor: Actor, goals: list[str]) -> None:
        self._require_open()
        cleaned = [goal.strip() for goal in goals if goal.strip()]
        if not cleaned:
            raise InvalidValue("a plan needs at least one goal", rule="plan_without_goals", field="goals")
        self._plan_set(actor=actor, goals=cleaned)

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

    def close(self, *, actor: Actor, outcome: str, notes: str) -> None:
        self._require_open()
        outcome = require_text(outcome, "outcome")
        self._closed(actor=actor, outcome=outcome, notes=notes.strip())

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

    @event("PlanSet")
    def _plan_set(self, *, actor: Actor, goals: list[str]) -> None:
        self.plan = list(goals)

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

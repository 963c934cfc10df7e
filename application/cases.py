"""Commands and queries for youth cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from application.base import Written
from application.duplicates import DuplicateCheck
from domain.common import Actor, RuleViolation
from domain.organisation import Station
from domain.youth_case import (
    CaseCategory,
    CaseSource,
    CaseStatus,
    Consent,
    ConsentGiver,
    Gender,
    Intervention,
    InterventionKind,
    PlanGoal,
    PlanGoalStatus,
    RiskAssessment,
    RiskLevel,
    Youth,
    YouthCase,
)


class TransferAnswer(Enum):
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"


TRANSFER_ANSWERS = {
    TransferAnswer.ACCEPT: YouthCase.accept_transfer,
    TransferAnswer.DECLINE: YouthCase.decline_transfer,
    TransferAnswer.WITHDRAW: YouthCase.withdraw_transfer,
}


def _plan_goal(goal: str | Mapping[str, Any]) -> PlanGoal:
    if isinstance(goal, str):
        return PlanGoal(goal)
    status = PlanGoalStatus(goal.get("status") or PlanGoalStatus.OPEN)
    return PlanGoal(goal["goal"], status, goal.get("review_on"))


class CaseService(DuplicateCheck):
    def open_case(
        self,
        actor: Actor,
        *,
        station_id: UUID,
        youth: Mapping[str, Any],
        category: CaseCategory,
        source: CaseSource,
        summary: str,
        confirm_new: bool = False,
        confirm_reason: str | None = None,
    ) -> Written:
        """Open a case for a minor at an active station. A youth whose ID number has an open case
        anywhere is refused (PossibleDuplicate) unless `confirm_new` with a `confirm_reason`;
        the same name and date of birth as an open case is a warning in the answer."""
        self._active_station(station_id, "station_id")
        case = YouthCase.open(
            actor=actor,
            station_id=station_id,
            youth=Youth(**{**youth, "gender": Gender(youth["gender"])}),
            category=CaseCategory(category),
            source=CaseSource(source),
            summary=summary,
            now=self.clock(),
            second_case_reason=confirm_reason if confirm_new else None,
        )
        with self._registering(case, confirm_new=confirm_new, confirm_reason=confirm_reason) as warnings:
            written = self._save(case)
        return replace(written, record=written.record | {"warnings": warnings}) if warnings else written

    def assess_risk(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        instrument: str,
        score: int,
        level: RiskLevel,
        notes: str,
        expected_version: int | None = None,
    ) -> Written:
        assessment = RiskAssessment(instrument=instrument, score=score, level=RiskLevel(level), notes=notes)
        return self._change(
            YouthCase, case_id, expected_version, lambda c: c.assess_risk(actor=actor, assessment=assessment)
        )

    def submit_plan(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        goals: Sequence[str | Mapping[str, Any]],
        expected_version: int | None = None,
    ) -> Written:
        """Put a plan to the station lead: each goal a text, or {goal, status, review_on}."""
        plan = [_plan_goal(goal) for goal in goals]
        return self._change(
            YouthCase, case_id, expected_version, lambda c: c.submit_plan(actor=actor, goals=plan, now=self.clock())
        )

    def approve_plan(
        self, actor: Actor, case_id: UUID, *, note: str, allow_own: bool = False, expected_version: int | None = None
    ) -> Written:
        return self._change(
            YouthCase, case_id, expected_version, lambda c: c.approve_plan(actor=actor, note=note, allow_own=allow_own)
        )

    def return_plan(self, actor: Actor, case_id: UUID, *, note: str, expected_version: int | None = None) -> Written:
        return self._change(YouthCase, case_id, expected_version, lambda c: c.return_plan(actor=actor, note=note))

    def review_goal(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        goal: str,
        status: PlanGoalStatus,
        review_on: date | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> Written:
        """Record a plan goal's status and next review date."""
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.review_goal(
                actor=actor, goal=goal, status=PlanGoalStatus(status), review_on=review_on, note=note
            ),
        )

    def assign_case(
        self, actor: Actor, case_id: UUID, *, case_worker_id: str, expected_version: int | None = None
    ) -> Written:
        return self._change(
            YouthCase, case_id, expected_version, lambda c: c.assign(actor=actor, case_worker_id=case_worker_id)
        )

    def log_intervention(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        kind: InterventionKind,
        occurred_at: datetime,
        duration_minutes: int,
        notes: str,
        performed_by: str,
        expected_version: int | None = None,
    ) -> Written:
        intervention = Intervention(
            kind=InterventionKind(kind),
            occurred_at=occurred_at,
            duration_minutes=duration_minutes,
            notes=notes,
            performed_by=performed_by,
        )
        return self._append(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.log_intervention(
                actor=actor, intervention=intervention, now=self.clock(), backfill_days=self.backfill_days
            ),
        )

    def record_consent(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        scope: str,
        granted: bool,
        given_by: str,
        giver: ConsentGiver | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record a consent to share, or its withdrawal (`granted` false)."""
        consent = Consent(scope=scope, granted=granted, given_by=given_by, giver=ConsentGiver(giver) if giver else None)
        return self._append(
            YouthCase, case_id, expected_version, lambda c: c.record_consent(actor=actor, consent=consent)
        )

    def submit_closure(
        self, actor: Actor, case_id: UUID, *, outcome: str, notes: str = "", expected_version: int | None = None
    ) -> Written:
        """Put the case's closure to the station lead."""
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.submit_closure(actor=actor, outcome=outcome, notes=notes, now=self.clock()),
        )

    def approve_closure(
        self, actor: Actor, case_id: UUID, *, note: str, allow_own: bool = False, expected_version: int | None = None
    ) -> Written:
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.approve_closure(actor=actor, note=note, allow_own=allow_own),
        )

    def return_closure(self, actor: Actor, case_id: UUID, *, note: str, expected_version: int | None = None) -> Written:
        return self._change(YouthCase, case_id, expected_version, lambda c: c.return_closure(actor=actor, note=note))

    def request_transfer(
        self, actor: Actor, case_id: UUID, *, to_station_id: UUID, reason: str, expected_version: int | None = None
    ) -> Written:
        """Ask another station to take the case; the answer's `request_id` names the request."""
        self._active_station(to_station_id, "to_station_id")
        request_id = uuid4()
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.request_transfer(
                actor=actor, request_id=request_id, to_station_id=to_station_id, reason=reason, now=self.clock()
            ),
        )

    def answer_transfer(
        self,
        actor: Actor,
        case_id: UUID,
        request_id: UUID,
        *,
        answer: TransferAnswer,
        note: str,
        expected_version: int | None = None,
    ) -> Written:
        """Accept or decline (the receiving lead) or withdraw (the sending station) a transfer request."""
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: TRANSFER_ANSWERS[answer](c, actor=actor, request_id=request_id, note=note),
        )

    def reopen_case(self, actor: Actor, case_id: UUID, *, reason: str, expected_version: int | None = None) -> Written:
        return self._change(YouthCase, case_id, expected_version, lambda c: c.reopen(actor=actor, reason=reason))

    def seal_case(
        self, actor: Actor, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None = None
    ) -> Written:
        """Seal the case (minors' offence records, by law): hidden from all but a lawful, purposed read."""
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.seal_record(actor=actor, reason=reason, legal_basis=legal_basis, now=self.clock()),
        )

    def unseal_case(
        self, actor: Actor, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None = None
    ) -> Written:
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.unseal(actor=actor, reason=reason, legal_basis=legal_basis),
        )

    def erase_case(
        self, actor: Actor, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None = None
    ) -> Written:
        """Record the erasure of the youth's personal data (the key itself is destroyed by the caller)."""
        return self._change(
            YouthCase,
            case_id,
            expected_version,
            lambda c: c.erase(actor=actor, reason=reason, legal_basis=legal_basis),
        )

    def get_case(self, case_id: UUID, *, version: int | None = None, as_of: datetime | None = None) -> dict[str, Any]:
        """The case as it is now, or as it stood at `version`."""
        return self._read(YouthCase, case_id, version, as_of)

    def _active_station(self, station_id: UUID, field: str) -> Station:
        """A station named by a command's input, which must be active."""
        station = self._referenced(Station, station_id, field)
        if not station.active:
            raise RuleViolation("the station is deactivated", rule="station_inactive")
        return station

    def _open_case(self, case_id: UUID, field: str) -> YouthCase:
        """A case named by another command's input, which must be open."""
        case = self._referenced(YouthCase, case_id, field)
        if case.erased:
            raise RuleViolation("the case's personal data was erased: no more work on it", rule="case_erased")
        if case.status is not CaseStatus.OPEN:
            raise RuleViolation("the case is closed", rule="case_closed")
        return case

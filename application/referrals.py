"""Commands and queries for referrals from stations to departments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.base import Written
from application.cases import CaseService
from domain.common import Actor, RuleViolation
from domain.organisation import Department
from domain.referral import Referral
from domain.youth_case import YouthCase


class ReferralService(CaseService):
    def make_referral(
        self,
        actor: Actor,
        *,
        case_id: UUID,
        to_department_id: UUID,
        service: str,
        reason: str,
        respond_by: date,
        consent_override: str | None = None,
    ) -> Written:
        """Refer an open case's youth from its station to an active department, under a consent that
        covers it, or with `consent_override` (the reason a station lead shares without one)."""
        case = self._open_case(case_id, "case_id")
        department = self._referenced(Department, to_department_id, "to_department_id")
        if not department.active:
            raise RuleViolation("the department is deactivated", rule="department_inactive")
        today = self.clock().date()
        referral = Referral.make(
            actor=actor,
            case_id=case_id,
            from_station_id=case.station_id,
            to_department_id=to_department_id,
            service=service,
            reason=reason,
            respond_by=respond_by,
            today=today,
        )
        try:
            case.sharing_consent(department_id=department.id, department_kind=department.kind.value, today=today)
        except RuleViolation:
            if consent_override is None:
                raise
            referral.override_consent(actor=actor, reason=consent_override)
        return self._save(referral)

    def referral_consent(self, referral: Referral) -> dict[str, Any]:
        """On what footing the youth's data went to the department: a consent (and whether it has
        been withdrawn since) or a lead's override."""
        if referral.consent_override is not None:
            return {"basis": "override", **referral.consent_override}
        case = self._load(YouthCase, referral.case_id)
        department = self._load(Department, referral.to_department_id)
        covering = [c for c in case.consents if c.covers(department.id, department.kind.value)]
        withdrawn = bool(covering) and not covering[-1].granted
        return {"basis": "consent", "withdrawn_since": withdrawn}

    def accept_referral(self, actor: Actor, referral_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.accept(actor=actor))

    def decline_referral(
        self, actor: Actor, referral_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.decline(actor=actor, reason=reason))

    def note_referral_progress(
        self, actor: Actor, referral_id: UUID, *, note: str, expected_version: int | None = None
    ) -> Written:
        return self._append(Referral, referral_id, expected_version, lambda r: r.note_progress(actor=actor, note=note))

    def complete_referral(
        self, actor: Actor, referral_id: UUID, *, outcome: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.complete(actor=actor, outcome=outcome))

    def withdraw_referral(
        self, actor: Actor, referral_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.withdraw(actor=actor, reason=reason))

    def get_referral(
        self, referral_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        return self._read(Referral, referral_id, version, as_of)

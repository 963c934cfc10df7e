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


class ReferralService(CaseService):
    def make_referral(
        self, actor: Actor, *, case_id: UUID, to_department_id: UUID, service: str, reason: str, respond_by: date
    ) -> Written:
        """Refer an open case's youth from its station to an active department."""
        case = self._open_case(case_id, "case_id")
        department = self._referenced(Department, to_department_id, "to_department_id")
        if not department.active:
            raise RuleViolation("the department is deactivated", rule="department_inactive")
        referral = Referral.make(
            actor=actor,
            case_id=case_id,
            from_station_id=case.station_id,
            to_department_id=to_department_id,
            service=service,
            reason=reason,
            respond_by=respond_by,
            today=self.clock().date(),
        )
        return self._save(referral)

    def accept_referral(self, actor: Actor, referral_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.accept(actor=actor))

    def decline_referral(
        self, actor: Actor, referral_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.decline(actor=actor, reason=reason))

    def note_referral_progress(
        self, actor: Actor, referral_id: UUID, *, note: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Referral, referral_id, expected_version, lambda r: r.note_progress(actor=actor, note=note))

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

"""Decisions on a case that wait on somebody: plans and closures for the lead's approval, and
transfers for the receiving station's answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from application.access.policy import Action
from application.access.principal import Caller
from application.base import Written
from application.cases import TransferAnswer
from application.front.casework import CaseworkFront


class DecisionsFront(CaseworkFront):
    # -- the plan

    def submit_plan(
        self, caller: Caller, case_id: UUID, *, goals: Sequence[str | Mapping[str, Any]], expected_version: int | None
    ) -> Written:
        """Put a plan to the station's lead; it takes effect once approved."""
        return self._case_command(
            caller, case_id, lambda a: self.core.submit_plan(a, case_id, goals=goals, expected_version=expected_version)
        )

    def approve_plan(self, caller: Caller, case_id: UUID, *, note: str, expected_version: int | None) -> Written:
        """The lead approves the waiting plan, as it stood at the version it was submitted at."""
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.approve_plan(
                a, case_id, note=note, allow_own=self.allow_own_approval, expected_version=expected_version
            ),
            Action.CASE_APPROVE,
        )

    def return_plan(self, caller: Caller, case_id: UUID, *, note: str, expected_version: int | None) -> Written:
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.return_plan(a, case_id, note=note, expected_version=expected_version),
            Action.CASE_APPROVE,
        )

    def review_goal(self, caller: Caller, case_id: UUID, *, expected_version: int | None, **fields: Any) -> Written:
        return self._case_command(
            caller, case_id, lambda a: self.core.review_goal(a, case_id, expected_version=expected_version, **fields)
        )

    # -- the closure

    def submit_closure(
        self, caller: Caller, case_id: UUID, *, outcome: str, notes: str, expected_version: int | None
    ) -> Written:
        """Put the case's closure to the station's lead; the case closes once approved."""
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.submit_closure(
                a, case_id, outcome=outcome, notes=notes, expected_version=expected_version
            ),
        )

    def approve_closure(self, caller: Caller, case_id: UUID, *, note: str, expected_version: int | None) -> Written:
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.approve_closure(
                a, case_id, note=note, allow_own=self.allow_own_approval, expected_version=expected_version
            ),
            Action.CASE_APPROVE,
        )

    def return_closure(self, caller: Caller, case_id: UUID, *, note: str, expected_version: int | None) -> Written:
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.return_closure(a, case_id, note=note, expected_version=expected_version),
            Action.CASE_APPROVE,
        )

    # -- transfers

    def request_transfer(
        self, caller: Caller, case_id: UUID, *, to_station_id: UUID, reason: str, expected_version: int | None
    ) -> Written:
        """Ask another station to take the case (its station's officer or lead)."""
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.request_transfer(
                a, case_id, to_station_id=to_station_id, reason=reason, expected_version=expected_version
            ),
            Action.CASE_TRANSFER,
        )

    def answer_transfer(
        self,
        caller: Caller,
        case_id: UUID,
        request_id: UUID,
        *,
        answer: TransferAnswer,
        note: str,
        expected_version: int | None,
    ) -> Written:
        """Accept or decline (the receiving station's lead), or withdraw (the sending station)."""
        action = Action.CASE_TRANSFER if answer is TransferAnswer.WITHDRAW else Action.TRANSFER_ANSWER
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.answer_transfer(
                a, case_id, request_id, answer=answer, note=note, expected_version=expected_version
            ),
            action,
        )

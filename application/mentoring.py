"""Commands and queries for mentoring pairs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.base import Written
from application.cases import CaseService
from application.errors import NotFound
from domain.common import Actor, RuleViolation
from domain.mentoring_pair import (
    ActivePairSlot,
    GoalProgress,
    GoalStatus,
    MentoringPair,
    MentoringSession,
    SessionMode,
)
from domain.volunteer import Volunteer


class MentoringService(CaseService):
    def match_pair(
        self, actor: Actor, *, case_id: UUID, volunteer_id: UUID, goals: list[str], started_on: date
    ) -> Written:
        """Pair an active, screened volunteer with the youth of an open case."""
        self._open_case(case_id, "case_id")
        volunteer = self._referenced(Volunteer, volunteer_id, "volunteer_id")
        if not volunteer.active:
            raise RuleViolation("the volunteer is deactivated", rule="volunteer_inactive")
        if not volunteer.screened:
            raise RuleViolation("the volunteer has not passed screening", rule="volunteer_not_screened")
        pair = MentoringPair.match(
            actor=actor, case_id=case_id, volunteer_id=volunteer_id, goals=goals, started_on=started_on
        )
        slot = self._slot(actor, case_id, volunteer_id)
        slot.occupy(actor=actor, pair_id=pair.id)
        return self._save(pair, slot)

    def log_session(
        self,
        actor: Actor,
        pair_id: UUID,
        *,
        held_on: date,
        duration_minutes: int,
        mode: SessionMode,
        notes: str,
        progress: int,
        expected_version: int | None = None,
    ) -> Written:
        session = MentoringSession(
            held_on=held_on, duration_minutes=duration_minutes, mode=SessionMode(mode), notes=notes, progress=progress
        )
        return self._append(
            MentoringPair,
            pair_id,
            expected_version,
            lambda p: p.log_session(actor=actor, session=session, now=self.clock(), backfill_days=self.backfill_days),
        )

    def update_goal(
        self,
        actor: Actor,
        pair_id: UUID,
        *,
        goal: str,
        status: GoalStatus,
        note: str,
        expected_version: int | None = None,
    ) -> Written:
        progress = GoalProgress(goal=goal, status=GoalStatus(status), note=note)
        return self._append(
            MentoringPair, pair_id, expected_version, lambda p: p.update_goal(actor=actor, progress=progress)
        )

    def pause_pair(self, actor: Actor, pair_id: UUID, *, reason: str, expected_version: int | None = None) -> Written:
        return self._change(MentoringPair, pair_id, expected_version, lambda p: p.pause(actor=actor, reason=reason))

    def resume_pair(self, actor: Actor, pair_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(MentoringPair, pair_id, expected_version, lambda p: p.resume(actor=actor))

    def close_pair(self, actor: Actor, pair_id: UUID, *, reason: str, expected_version: int | None = None) -> Written:
        """Close the pair and free its case-and-volunteer slot in the same transaction."""
        pair = self._load_for_write(MentoringPair, pair_id, expected_version)
        pair.close(actor=actor, reason=reason)
        slot = self._slot(actor, pair.case_id, pair.volunteer_id)
        slot.release(actor=actor, pair_id=pair.id)
        return self._save(pair, slot)

    def get_pair(self, pair_id: UUID, *, version: int | None = None, as_of: datetime | None = None) -> dict[str, Any]:
        return self._read(MentoringPair, pair_id, version, as_of)

    def _slot(self, actor: Actor, case_id: UUID, volunteer_id: UUID) -> ActivePairSlot:
        """The slot for this case and volunteer; a new one when none was ever saved."""
        try:
            return self._load(ActivePairSlot, ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id))
        except NotFound:
            return ActivePairSlot(actor=actor, case_id=case_id, volunteer_id=volunteer_id)

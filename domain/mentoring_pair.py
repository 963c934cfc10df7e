"""A mentoring pair: a screened volunteer paired one-to-one with the youth of a case."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.common import BACKFILL_DAYS, Actor, InvalidValue, RuleViolation, require_text, require_within_backfill


class PairStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class SessionMode(Enum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    GROUP_ACTIVITY = "group_activity"


class GoalStatus(Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


@dataclass(frozen=True)
class MentoringSession:
    held_on: date
    duration_minutes: int
    mode: SessionMode
    notes: str
    progress: int
    recorded_at: datetime | None = None  # when it was logged; None in events from before it was kept


@dataclass(frozen=True)
class GoalProgress:
    goal: str
    status: GoalStatus
    note: str


class MentoringPair(Aggregate):
    """Goals, sessions and the pair's life: active, paused, closed."""

    @event("Matched")
    def __init__(
        self,
        *,
        actor: Actor,
        case_id: UUID,
        volunteer_id: UUID,
        goals: list[str],
        started_on: date,
    ) -> None:
        self.case_id = case_id
        self.volunteer_id = volunteer_id
        self.started_on = started_on
        self.goals: dict[str, GoalStatus] = {goal: GoalStatus.NOT_STARTED for goal in goals}
        self.goal_notes: list[GoalProgress] = []
        self.sessions: list[MentoringSession] = []
        self.status = PairStatus.ACTIVE
        self.pause_reason: str | None = None
        self.closing_reason: str | None = None

    @classmethod
    def match(
        cls,
        *,
        actor: Actor,
        case_id: UUID,
        volunteer_id: UUID,
        goals: list[str],
        started_on: date,
    ) -> MentoringPair:
        cleaned = list(dict.fromkeys(goal.strip() for goal in goals if goal.strip()))
        if not cleaned:
            raise InvalidValue("a pair needs at least one goal", rule="pair_without_goals", field="goals")
        return cls(actor=actor, case_id=case_id, volunteer_id=volunteer_id, goals=cleaned, started_on=started_on)

    def log_session(
        self, *, actor: Actor, session: MentoringSession, now: datetime, backfill_days: int = BACKFILL_DAYS
    ) -> None:
        """Log a session, held up to `backfill_days` before the pair was registered."""
        if self.status is not PairStatus.ACTIVE:
            raise RuleViolation(
                f"no session can be logged on a {self.status.value} pair", rule=f"pair_{self.status.value}"
            )
        require_within_backfill(session.held_on, self.created_on, now, backfill_days, "held_on")
        if not 1 <= session.progress <= 5:
            raise InvalidValue("progress is rated 1 to 5", rule="progress_out_of_range", field="progress")
        if session.duration_minutes <= 0:
            raise InvalidValue("duration must be positive", rule="non_positive_duration", field="duration_minutes")
        self._session_logged(actor=actor, session=replace(session, recorded_at=now))

    def update_goal(self, *, actor: Actor, progress: GoalProgress) -> None:
        self._require_not_closed()
        if progress.goal not in self.goals:
            raise InvalidValue("the pair has no such goal", rule="unknown_goal", field="goal")
        self._goal_progress_updated(actor=actor, progress=progress)

    def pause(self, *, actor: Actor, reason: str) -> None:
        self._require_not_closed()
        if self.status is not PairStatus.ACTIVE:
            raise RuleViolation("only an active pair can be paused", rule="pair_not_active")
        self._paused(actor=actor, reason=require_text(reason, "reason"))

    def resume(self, *, actor: Actor) -> None:
        self._require_not_closed()
        if self.status is not PairStatus.PAUSED:
            raise RuleViolation("only a paused pair can be resumed", rule="pair_not_paused")
        self._resumed(actor=actor)

    def close(self, *, actor: Actor, reason: str) -> None:
        self._require_not_closed()
        self._closed(actor=actor, reason=require_text(reason, "reason"))

    def _require_not_closed(self) -> None:
        if self.status is PairStatus.CLOSED:
            raise RuleViolation("the pair is closed", rule="pair_closed")

    @event("SessionLogged")
    def _session_logged(self, *, actor: Actor, session: MentoringSession) -> None:
        self.sessions.append(session)

    @event("GoalProgressUpdated")
    def _goal_progress_updated(self, *, actor: Actor, progress: GoalProgress) -> None:
        self.goals[progress.goal] = progress.status
        self.goal_notes.append(progress)

    @event("Paused")
    def _paused(self, *, actor: Actor, reason: str) -> None:
        self.status = PairStatus.PAUSED
        self.pause_reason = reason

    @event("Resumed")
    def _resumed(self, *, actor: Actor) -> None:
        self.status = PairStatus.ACTIVE
        self.pause_reason = None

    @event("Closed")
    def _closed(self, *, actor: Actor, reason: str) -> None:
        self.status = PairStatus.CLOSED
        self.closing_reason = reason


_ACTIVE_PAIR_NAMESPACE = uuid5(NAMESPACE_URL, "youthcare:active-pair")


class ActivePairSlot(Aggregate):
    """Index record: at most one open (active or paused) pair per case and volunteer.

    Its id is derived from the case and volunteer, so two matches racing for the same
    slot collide on the slot's version and one of them fails to save.
    """

    @staticmethod
    def create_id(*, case_id: UUID, volunteer_id: UUID, **_: object) -> UUID:
        return uuid5(_ACTIVE_PAIR_NAMESPACE, f"{case_id}:{volunteer_id}")

    @event("Created")
    def __init__(self, *, actor: Actor, case_id: UUID, volunteer_id: UUID) -> None:
        self.case_id = case_id
        self.volunteer_id = volunteer_id
        self.pair_id: UUID | None = None

    def occupy(self, *, actor: Actor, pair_id: UUID) -> None:
        if self.pair_id is not None:
            raise RuleViolation("this volunteer already has an open pair with this case", rule="pair_already_open")
        self._occupied(actor=actor, pair_id=pair_id)

    def release(self, *, actor: Actor, pair_id: UUID) -> None:
        if self.pair_id != pair_id:
            raise RuleViolation("the slot is not held by this pair", rule="slot_not_held")
        self._released(actor=actor, pair_id=pair_id)

    @event("Occupied")
    def _occupied(self, *, actor: Actor, pair_id: UUID) -> None:
        self.pair_id = pair_id

    @event("Released")
    def _released(self, *, actor: Actor, pair_id: UUID) -> None:
        self.pair_id = None

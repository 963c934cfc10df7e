"""Mentoring pairs: matching, sessions, goal progress, pause, resume, close."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.mentoring_pair import (
    GoalProgress,
    GoalStatus,
    MentoringPair,
    MentoringSession,
    PairStatus,
    SessionMode,
)

ACTOR = Actor("coordinator-1", Role.COORDINATOR)
MENTOR = Actor("mentor-3", Role.MENTOR)


def utc_now() -> datetime:
    return datetime.now(UTC)


def started() -> date:
    return utc_now().date() - timedelta(days=30)


def match(goals: list[str] | None = None) -> MentoringPair:
    return MentoringPair.match(
        actor=ACTOR,
        case_id=uuid4(),
        volunteer_id=uuid4(),
        goals=["Read a book a month", "Join a club"] if goals is None else goals,
        started_on=started(),
    )


def session(held_on: date | None = None, progress: int = 3, duration_minutes: int = 60) -> MentoringSession:
    on = started() + timedelta(days=1) if held_on is None else held_on
    return MentoringSession(on, duration_minutes, SessionMode.IN_PERSON, "went to the library", progress)


NOW = utc_now()


def log(pair: MentoringPair, **changes: Any) -> None:
    pair.log_session(actor=MENTOR, session=session(**changes), now=NOW)


def progress(goal: str = "Join a club", status: GoalStatus = GoalStatus.IN_PROGRESS) -> GoalProgress:
    return GoalProgress(goal=goal, status=status, note="visited the chess club")


def replay(events: Sequence[Any]) -> MentoringPair:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert isinstance(copy, MentoringPair)
    return copy


def test_matching_starts_an_active_pair_with_its_goals_not_started() -> None:
    pair = match(goals=[" Read a book a month", "Join a club", "Read a book a month ", "  "])

    events = pair.collect_events()

    assert [type(e).__name__ for e in events] == ["Matched"]
    assert events[0].actor == ACTOR
    assert pair.status is PairStatus.ACTIVE
    assert pair.started_on == started()
    assert pair.goals == {"Read a book a month": GoalStatus.NOT_STARTED, "Join a club": GoalStatus.NOT_STARTED}


@pytest.mark.parametrize("goals", [[], ["", "   "]], ids=["none", "blank"])
def test_a_pair_needs_at_least_one_goal(goals: list[str]) -> None:
    with pytest.raises(InvalidValue) as caught:
        match(goals=goals)

    assert caught.value.rule == "pair_without_goals"
    assert caught.value.field == "goals"


COMMANDS: dict[str, Callable[[MentoringPair], None]] = {
    "SessionLogged": lambda p: log(p),
    "GoalProgressUpdated": lambda p: p.update_goal(actor=MENTOR, progress=progress(status=GoalStatus.ACHIEVED)),
    "Paused": lambda p: p.pause(actor=MENTOR, reason="  exams  "),
    "Closed": lambda p: p.close(actor=MENTOR, reason="  goals met  "),
}


@pytest.mark.parametrize(("name", "command"), COMMANDS.items(), ids=list(COMMANDS))
def test_each_command_records_one_event_with_the_actor(name: str, command: Callable[[MentoringPair], None]) -> None:
    pair = match()

    command(pair)
    events = pair.collect_events()

    assert [type(e).__name__ for e in events] == ["Matched", name]
    assert events[-1].actor == MENTOR
    copy = replay(events)
    for attribute in ("id", "version", "status", "goals", "goal_notes", "sessions", "pause_reason", "closing_reason"):
        assert getattr(copy, attribute) == getattr(pair, attribute), attribute


def test_a_pair_keeps_its_sessions_goal_progress_and_life() -> None:
    pair = match()

    log(pair, progress=5)
    pair.update_goal(actor=MENTOR, progress=progress(status=GoalStatus.ACHIEVED))
    pair.pause(actor=MENTOR, reason="  exams  ")
    assert (pair.status, pair.pause_reason) == (PairStatus.PAUSED, "exams")
    pair.resume(actor=ACTOR)
    pair.close(actor=ACTOR, reason="  goals met ")
    events = pair.collect_events()

    assert type(events[-2]).__name__ == "Resumed"
    assert events[-2].actor == ACTOR
    assert [s.progress for s in pair.sessions] == [5]
    assert pair.goals["Join a club"] is GoalStatus.ACHIEVED
    assert pair.goals["Read a book a month"] is GoalStatus.NOT_STARTED
    assert pair.goal_notes == [progress(status=GoalStatus.ACHIEVED)]
    assert (pair.status, pair.pause_reason, pair.closing_reason) == (PairStatus.CLOSED, None, "goals met")
    copy = replay(events)
    assert (copy.status, copy.goals, copy.sessions, copy.version) == (pair.status, pair.goals, pair.sessions, 6)


@pytest.mark.parametrize(
    "changes",
    [{"progress": 1}, {"progress": 5}, {"held_on": started()}, {"held_on": utc_now().date()}],
    ids=["progress_1", "progress_5", "on_start_day", "today"],
)
def test_a_session_on_the_edge_of_each_rule_is_accepted(changes: dict[str, Any]) -> None:
    pair = match()

    log(pair, **changes)

    assert pair.sessions == [replace(session(**changes), recorded_at=NOW)]


@pytest.mark.parametrize(
    ("changes", "error", "rule"),
    [
        ({"held_on": utc_now().date() + timedelta(days=2)}, InvalidValue, "dated_in_future"),
        ({"held_on": utc_now().date() - timedelta(days=91)}, RuleViolation, "before_backfill_window"),
        ({"progress": 0}, InvalidValue, "progress_out_of_range"),
        ({"progress": 6}, InvalidValue, "progress_out_of_range"),
        ({"duration_minutes": 0}, InvalidValue, "non_positive_duration"),
    ],
    ids=["in_future", "before_window", "progress_0", "progress_6", "zero_duration"],
)
def test_a_session_with_wrong_values_is_refused(changes: dict[str, Any], error: type[Exception], rule: str) -> None:
    pair = match()
    pair.collect_events()

    with pytest.raises(error) as caught:
        log(pair, **changes)

    assert getattr(caught.value, "rule", None) == rule
    assert pair.sessions == []
    assert pair.collect_events() == []


def test_a_session_held_before_the_pair_was_registered_is_taken_within_the_backfill_window() -> None:
    pair = match()
    registered = pair.created_on.date()

    log(pair, held_on=registered - timedelta(days=90))
    with pytest.raises(RuleViolation) as caught:
        log(pair, held_on=registered - timedelta(days=91))

    assert caught.value.rule == "before_backfill_window"
    assert [s.held_on for s in pair.sessions] == [registered - timedelta(days=90)]
    assert pair.sessions[0].recorded_at == NOW


def test_a_shorter_backfill_window_refuses_what_the_default_takes() -> None:
    pair = match()
    held_on = pair.created_on.date() - timedelta(days=10)

    with pytest.raises(RuleViolation) as caught:
        pair.log_session(actor=MENTOR, session=session(held_on=held_on), now=NOW, backfill_days=5)
    log(pair, held_on=held_on)

    assert caught.value.rule == "before_backfill_window"
    assert [s.held_on for s in pair.sessions] == [held_on]


def test_a_paused_pair_refuses_new_sessions_but_takes_goal_updates() -> None:
    pair = match()
    pair.pause(actor=MENTOR, reason="family moved")

    with pytest.raises(RuleViolation) as caught:
        log(pair)

    assert caught.value.rule == "pair_paused"
    assert pair.sessions == []
    pair.update_goal(actor=MENTOR, progress=progress(status=GoalStatus.DROPPED))
    assert pair.goals["Join a club"] is GoalStatus.DROPPED


def test_progress_on_a_goal_the_pair_does_not_have_is_refused() -> None:
    pair = match()

    with pytest.raises(InvalidValue) as caught:
        pair.update_goal(actor=MENTOR, progress=progress(goal="Learn to swim"))

    assert caught.value.rule == "unknown_goal"
    assert caught.value.field == "goal"
    assert "Learn to swim" not in pair.goals


def test_only_an_active_pair_can_be_paused_and_only_a_paused_one_resumed() -> None:
    pair = match()

    with pytest.raises(RuleViolation) as not_paused:
        pair.resume(actor=ACTOR)
    pair.pause(actor=ACTOR, reason="holidays")
    with pytest.raises(RuleViolation) as not_active:
        pair.pause(actor=ACTOR, reason="again")

    assert not_paused.value.rule == "pair_not_paused"
    assert not_active.value.rule == "pair_not_active"
    assert (pair.status, pair.pause_reason) == (PairStatus.PAUSED, "holidays")


@pytest.mark.parametrize("command", ["pause", "close"])
def test_pausing_and_closing_need_a_reason(command: str) -> None:
    pair = match()

    with pytest.raises(InvalidValue) as caught:
        getattr(pair, command)(actor=ACTOR, reason="  ")

    assert (caught.value.rule, caught.value.field) == ("blank_text", "reason")
    assert pair.status is PairStatus.ACTIVE


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        (lambda p: log(p), "pair_closed"),
        (lambda p: p.update_goal(actor=MENTOR, progress=progress()), "pair_closed"),
        (lambda p: p.close(actor=ACTOR, reason="twice"), "pair_closed"),
        (lambda p: p.pause(actor=ACTOR, reason="after close"), "pair_closed"),
        (lambda p: p.resume(actor=ACTOR), "pair_closed"),
    ],
    ids=["log_session", "update_goal", "close", "pause", "resume"],
)
def test_a_closed_pair_refuses_everything(command: Callable[[MentoringPair], None], rule: str) -> None:
    pair = match()
    pair.pause(actor=ACTOR, reason="moving away")
    pair.close(actor=ACTOR, reason="moved away")
    pair.collect_events()

    with pytest.raises(RuleViolation) as caught:
        command(pair)

    assert caught.value.rule == rule
    assert pair.status is PairStatus.CLOSED
    assert pair.collect_events() == []


def test_a_district_east_of_utc_may_date_a_session_by_its_own_today() -> None:
    """02:00 on 6 March in Shanghai is still 5 March in UTC: the 6th is not in the future there."""
    from domain.common import require_not_future

    evening_in_utc = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    require_not_future(date(2026, 3, 6), evening_in_utc, "held_on")
    with pytest.raises(InvalidValue) as caught:
        require_not_future(date(2026, 3, 7), evening_in_utc, "held_on")  # tomorrow everywhere
    assert caught.value.rule == "dated_in_future"

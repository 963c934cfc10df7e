"""Plans and closures wait for the station lead's approval; transfers wait for the receiving station."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.youth_case import CaseStatus, PlanGoal, PlanGoalStatus, YouthCase
from tests.unit.test_youth_case import ACTOR, LEAD, WORKER, assessment, open_case, plan, replay, utc_now

OTHER_LEAD = Actor("lead-2", Role.STATION_LEAD)


def submitted_plan(case: YouthCase, *texts: str) -> None:
    case.submit_plan(actor=WORKER, goals=plan(*texts), now=utc_now())


def test_a_submitted_plan_is_not_in_force_until_the_lead_approves_it() -> None:
    case = open_case()
    goals = [PlanGoal("Back in class"), PlanGoal("Weekly mentor contact", review_on=date(2027, 1, 15))]

    case.submit_plan(actor=WORKER, goals=goals, now=utc_now())
    assert case.plan == []
    assert case.pending_plan is not None and case.pending_plan.version == case.version
    case.approve_plan(actor=LEAD, note="  agreed ")

    events = case.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "PlanSubmitted", "PlanApproved", "PlanAdopted"]
    assert events[2].approved_version == 2
    assert events[2].own_submission is False
    assert case.plan == ["Back in class", "Weekly mentor contact"]
    assert case.plan_goals == goals
    assert case.pending_plan is None
    copy = replay(events)
    assert copy.plan_goals == goals
    assert copy.pending_plan is None


def test_an_approval_is_refused_when_the_case_changed_after_the_submission() -> None:
    case = open_case()
    submitted_plan(case, "Back in class")
    case.assess_risk(actor=ACTOR, assessment=assessment())  # someone works on the case meanwhile
    case.collect_events()

    with pytest.raises(RuleViolation) as caught:
        case.approve_plan(actor=LEAD, note="")

    assert caught.value.rule == "approval_stale"
    assert case.collect_events() == []
    assert case.plan == []
    submitted_plan(case, "Back in class")  # submitted again, it can be approved
    case.approve_plan(actor=LEAD, note="")
    assert case.plan == ["Back in class"]


def test_nobody_approves_their_own_submission_unless_allowed_and_then_it_is_recorded() -> None:
    case = open_case()
    case.submit_closure(actor=LEAD, outcome="Back in school", notes="", now=utc_now())

    with pytest.raises(RuleViolation) as caught:
        case.approve_closure(actor=LEAD, note="")
    assert caught.value.rule == "own_submission"
    assert case.status is CaseStatus.OPEN

    case.approve_closure(actor=LEAD, note="one-person station", allow_own=True)
    approval = [e for e in case.collect_events() if type(e).__name__ == "ClosureApproved"]
    assert approval[0].own_submission is True
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "Back in school"


def test_a_returned_plan_or_closure_leaves_the_case_as_it_was() -> None:
    case = open_case()
    submitted_plan(case, "First plan")
    case.approve_plan(actor=LEAD, note="")
    submitted_plan(case, "Second plan")
    case.submit_closure(actor=ACTOR, outcome="Done", notes="", now=utc_now())

    with pytest.raises(InvalidValue):
        case.return_plan(actor=LEAD, note="  ")  # returning says why
    case.return_plan(actor=LEAD, note="Too vague")
    case.return_closure(actor=LEAD, note="Not yet")

    assert case.plan == ["First plan"]
    assert case.pending_plan is None and case.pending_closure is None
    assert case.status is CaseStatus.OPEN
    with pytest.raises(RuleViolation) as caught:
        case.approve_closure(actor=LEAD, note="")
    assert caught.value.rule == "no_pending_closure"


def test_goals_are_reviewed_by_status_and_date() -> None:
    case = open_case()
    submitted_plan(case, "Back in class", "Weekly mentor contact")
    case.approve_plan(actor=LEAD, note="")

    case.review_goal(
        actor=WORKER, goal=" Back in class ", status=PlanGoalStatus.ACHIEVED, review_on=None, note="Full weeks"
    )
    case.review_goal(
        actor=WORKER, goal="Weekly mentor contact", status=PlanGoalStatus.OPEN, review_on=date(2027, 2, 1), note=""
    )
    with pytest.raises(InvalidValue) as caught:
        case.review_goal(actor=WORKER, goal="Learn to swim", status=PlanGoalStatus.DROPPED, review_on=None, note="")

    assert caught.value.rule == "unknown_goal"
    expected = [
        PlanGoal("Back in class", PlanGoalStatus.ACHIEVED),
        PlanGoal("Weekly mentor contact", PlanGoalStatus.OPEN, date(2027, 2, 1)),
    ]
    assert case.plan_goals == expected
    assert replay(case.collect_events()).plan_goals == expected


def test_an_accepted_transfer_moves_the_case_and_leaves_it_without_a_case_worker() -> None:
    case = open_case()
    case.assign(actor=LEAD, case_worker_id="officer-1")
    old, new, request_id = case.station_id, uuid4(), uuid4()

    case.request_transfer(actor=ACTOR, request_id=request_id, to_station_id=new, reason="Moved", now=utc_now())
    with pytest.raises(RuleViolation) as caught:
        case.request_transfer(actor=ACTOR, request_id=uuid4(), to_station_id=uuid4(), reason="x", now=utc_now())
    assert caught.value.rule == "transfer_pending"
    with pytest.raises(RuleViolation) as wrong:
        case.accept_transfer(actor=OTHER_LEAD, request_id=uuid4(), note="")
    assert wrong.value.rule == "no_pending_transfer"
    case.accept_transfer(actor=OTHER_LEAD, request_id=request_id, note="Welcome")

    assert case.station_id == new
    assert case.case_worker_id is None
    assert case.pending_transfer is None
    events = case.collect_events()
    assert (events[-1].from_station_id, events[-1].to_station_id) == (old, new)
    copy = replay(events)
    assert (copy.station_id, copy.case_worker_id, copy.pending_transfer) == (new, None, None)


def test_a_transfer_is_declined_or_withdrawn_and_the_case_stays() -> None:
    case = open_case()
    home = case.station_id
    first, second = uuid4(), uuid4()

    case.request_transfer(actor=ACTOR, request_id=first, to_station_id=uuid4(), reason="Moved", now=utc_now())
    case.decline_transfer(actor=OTHER_LEAD, request_id=first, note="Not our area")
    case.request_transfer(actor=ACTOR, request_id=second, to_station_id=uuid4(), reason="Moved", now=utc_now())
    case.withdraw_transfer(actor=ACTOR, request_id=second, note="")

    assert case.station_id == home
    assert case.pending_transfer is None
    copy = replay(case.collect_events())
    assert copy.station_id == home and copy.pending_transfer is None


def test_a_case_is_not_transferred_to_its_own_station_nor_closed_with_a_transfer_waiting() -> None:
    case = open_case()
    with pytest.raises(InvalidValue) as same:
        case.request_transfer(actor=ACTOR, request_id=uuid4(), to_station_id=case.station_id, reason="x", now=utc_now())
    assert same.value.rule == "same_station"

    case.request_transfer(actor=ACTOR, request_id=uuid4(), to_station_id=uuid4(), reason="x", now=utc_now())
    case.submit_closure(actor=ACTOR, outcome="Done", notes="", now=utc_now() + timedelta(seconds=1))
    with pytest.raises(RuleViolation) as caught:
        case.approve_closure(actor=LEAD, note="")
    assert caught.value.rule == "transfer_pending"

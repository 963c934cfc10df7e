"""A youth case: opened, assessed, planned, worked, closed and reopened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
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
    RiskAssessment,
    RiskLevel,
    Youth,
    YouthCase,
)

ACTOR = Actor("staff-1", Role.STATION_STAFF)
WORKER = Actor("worker-7", Role.MENTOR)
LEAD = Actor("lead-1", Role.STATION_LEAD)


def utc_now() -> datetime:
    return datetime.now(UTC)


def youth(full_name: str = "Zhang Min", date_of_birth: date = date(2010, 5, 17)) -> Youth:
    return Youth(full_name=full_name, date_of_birth=date_of_birth, gender=Gender.FEMALE)


def open_case(
    summary: str = "Missed three weeks of school", who: Youth | None = None, second_case_reason: str | None = None
) -> YouthCase:
    return YouthCase.open(
        actor=ACTOR,
        station_id=uuid4(),
        youth=who or youth(),
        category=CaseCategory.TRUANCY,
        source=CaseSource.SCHOOL,
        summary=summary,
        now=utc_now(),
        second_case_reason=second_case_reason,
    )


def plan(*texts: str) -> list[PlanGoal]:
    return [PlanGoal(text) for text in texts]


def approved_plan(case: YouthCase, *texts: str) -> None:
    case.submit_plan(actor=WORKER, goals=plan(*texts), now=utc_now())
    case.approve_plan(actor=LEAD, note="")


def approved_closure(case: YouthCase, outcome: str, notes: str = "") -> None:
    case.submit_closure(actor=ACTOR, outcome=outcome, notes=notes, now=utc_now())
    case.approve_closure(actor=LEAD, note="")


def closed_case() -> YouthCase:
    case = open_case()
    approved_closure(case, "Back in school")
    return case


def intervention(occurred_at: datetime, duration_minutes: int = 45) -> Intervention:
    return Intervention(InterventionKind.HOME_VISIT, occurred_at, duration_minutes, "met the grandmother", "worker-7")


def assessment(score: int = 12, level: RiskLevel = RiskLevel.MEDIUM, instrument: str = "YLS/CMI") -> RiskAssessment:
    return RiskAssessment(instrument=instrument, score=score, level=level, notes="")


def consent(scope: str = "share with school", given_by: str = "mother") -> Consent:
    return Consent(scope=scope, granted=True, given_by=given_by)


def log(case: YouthCase, after_opening: timedelta, duration_minutes: int = 45) -> None:
    """Log an intervention dated `after_opening` past the opening, with `now` an hour past it."""
    logged = intervention(case.created_on + after_opening, duration_minutes)
    case.log_intervention(actor=WORKER, intervention=logged, now=case.created_on + timedelta(hours=1))


def replay(events: Sequence[Any]) -> YouthCase:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert isinstance(copy, YouthCase)
    return copy


def test_opening_a_case_records_the_youth_and_who_opened_it() -> None:
    case = open_case(summary="  Missed three weeks of school  ")

    events = case.collect_events()

    assert [type(e).__name__ for e in events] == ["Opened"]
    assert events[0].actor == ACTOR
    assert case.opened_by == ACTOR
    assert case.status is CaseStatus.OPEN
    assert case.summary == "Missed three weeks of school"
    assert case.youth == youth()
    assert case.category is CaseCategory.TRUANCY
    assert case.risk_level is None


@pytest.mark.parametrize(
    ("make", "rule", "field"),
    [
        (lambda: open_case(summary="   "), "blank_text", "summary"),
        (lambda: open_case(who=youth(full_name=" ")), "blank_text", "youth.full_name"),
        (
            lambda: open_case(who=youth(date_of_birth=utc_now().date() + timedelta(days=2))),
            "dated_in_future",
            "youth.date_of_birth",
        ),
    ],
    ids=["blank_summary", "blank_youth_name", "born_in_future"],
)
def test_a_case_is_not_opened_with_wrong_values(make: Callable[[], YouthCase], rule: str, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        make()

    assert caught.value.rule == rule
    assert caught.value.field == field


COMMANDS: dict[str, Callable[[YouthCase], None]] = {
    "RiskAssessed": lambda c: c.assess_risk(actor=WORKER, assessment=assessment()),
    "PlanSubmitted": lambda c: c.submit_plan(actor=WORKER, goals=plan("Attend school"), now=utc_now()),
    "Assigned": lambda c: c.assign(actor=WORKER, case_worker_id="worker-7"),
    "InterventionLogged": lambda c: log(c, timedelta(minutes=5)),
    "ConsentRecorded": lambda c: c.record_consent(actor=WORKER, consent=consent()),
    "ClosureSubmitted": lambda c: c.submit_closure(actor=WORKER, outcome="Closed again", notes="", now=utc_now()),
}
REPLAYED = (
    "id",
    "version",
    "status",
    "youth",
    "plan",
    "case_worker_id",
    "risk_assessments",
    "interventions",
    "consents",
    "outcome",
    "closing_notes",
    "reopen_reasons",
    "opened_by",
)


@pytest.mark.parametrize(("name", "command"), COMMANDS.items(), ids=list(COMMANDS))
def test_each_command_records_one_event_with_the_actor(name: str, command: Callable[[YouthCase], None]) -> None:
    case = open_case()

    command(case)
    events = case.collect_events()

    assert [type(e).__name__ for e in events] == ["Opened", name]
    assert events[-1].actor == WORKER
    copy = replay(events)
    for attribute in REPLAYED:
        assert getattr(copy, attribute) == getattr(case, attribute), attribute


def test_a_worked_case_is_rebuilt_by_replaying_its_events() -> None:
    case = open_case()
    case.assess_risk(actor=WORKER, assessment=assessment(level=RiskLevel.HIGH))
    case.assess_risk(actor=WORKER, assessment=assessment(level=RiskLevel.LOW))
    approved_plan(case, "  Attend school ", "", "  ", "Family talks")
    case.assign(actor=ACTOR, case_worker_id="  worker-7 ")
    log(case, timedelta(minutes=5))
    case.record_consent(actor=WORKER, consent=consent())
    approved_closure(case, "  Back in school ", "  stable  ")

    copy = replay(case.collect_events())

    assert case.risk_level is RiskLevel.LOW
    assert case.plan == ["Attend school", "Family talks"]
    assert case.case_worker_id == "worker-7"
    assert [i.occurred_at for i in case.interventions] == [case.created_on + timedelta(minutes=5)]
    assert case.consents == [consent()]
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "Back in school"
    assert case.closing_notes == "stable"
    for attribute in REPLAYED:
        assert getattr(copy, attribute) == getattr(case, attribute), attribute
    assert copy.risk_level is RiskLevel.LOW
    assert copy.version == 12  # a plan and a closure: submitted, approved, in force


@pytest.mark.parametrize(
    ("command", "rule", "field"),
    [
        (lambda c: c.assess_risk(actor=WORKER, assessment=assessment(score=-1)), "negative_score", "score"),
        (lambda c: c.assess_risk(actor=WORKER, assessment=assessment(instrument=" ")), "blank_text", "instrument"),
        (lambda c: c.submit_plan(actor=WORKER, goals=[], now=utc_now()), "plan_without_goals", "goals"),
        (
            lambda c: c.submit_plan(actor=WORKER, goals=plan("", "  ", "\t"), now=utc_now()),
            "plan_without_goals",
            "goals",
        ),
        (lambda c: c.assign(actor=WORKER, case_worker_id="  "), "blank_text", "case_worker_id"),
        (lambda c: c.record_consent(actor=WORKER, consent=consent(scope=" ")), "blank_text", "scope"),
        (lambda c: c.record_consent(actor=WORKER, consent=consent(given_by="")), "blank_text", "given_by"),
        (
            lambda c: c.submit_closure(actor=WORKER, outcome="   ", notes="gave up", now=utc_now()),
            "blank_text",
            "outcome",
        ),
        (lambda c: log(c, timedelta(minutes=5), duration_minutes=0), "non_positive_duration", "duration_minutes"),
    ],
    ids=[
        "negative_score",
        "blank_instrument",
        "no_goals",
        "blank_goals",
        "blank_case_worker",
        "blank_consent_scope",
        "blank_consent_giver",
        "blank_outcome",
        "zero_duration",
    ],
)
def test_an_open_case_refuses_wrong_values(command: Callable[[YouthCase], None], rule: str, field: str) -> None:
    case = open_case()
    case.collect_events()

    with pytest.raises(InvalidValue) as caught:
        command(case)

    assert caught.value.rule == rule
    assert caught.value.field == field
    assert case.collect_events() == []
    assert case.status is CaseStatus.OPEN


@pytest.mark.parametrize(
    ("when", "error", "rule"),
    [
        (lambda c: c.created_on + timedelta(hours=1, minutes=1), InvalidValue, "dated_in_future"),
        (lambda c: c.created_on - timedelta(days=90, minutes=1), RuleViolation, "before_backfill_window"),
        (lambda c: (c.created_on + timedelta(minutes=5)).replace(tzinfo=None), InvalidValue, "naive_datetime"),
    ],
    ids=["in_future", "before_window", "naive"],
)
def test_an_intervention_is_dated_between_the_backfill_window_and_now(
    when: Callable[[YouthCase], datetime], error: type[Exception], rule: str
) -> None:
    case = open_case()
    now = case.created_on + timedelta(hours=1)

    with pytest.raises(error) as caught:
        case.log_intervention(actor=WORKER, intervention=intervention(when(case)), now=now)

    assert getattr(caught.value, "rule", None) == rule
    assert case.interventions == []


@pytest.mark.parametrize("after_opening", [timedelta(0), timedelta(hours=1)], ids=["at_opening", "at_now"])
def test_an_intervention_dated_at_the_opening_or_at_now_is_accepted(after_opening: timedelta) -> None:
    case = open_case()

    log(case, after_opening)

    assert [i.occurred_at for i in case.interventions] == [case.created_on + after_opening]


def test_an_intervention_before_the_opening_is_taken_within_the_window_and_keeps_when_it_was_recorded() -> None:
    case = open_case()
    now = case.created_on + timedelta(hours=1)
    night_of_incident = case.created_on - timedelta(days=90)

    case.log_intervention(actor=WORKER, intervention=intervention(night_of_incident), now=now)
    with pytest.raises(RuleViolation) as caught:
        case.log_intervention(
            actor=WORKER, intervention=intervention(case.created_on - timedelta(days=8)), now=now, backfill_days=7
        )

    assert caught.value.rule == "before_backfill_window"
    assert [(i.occurred_at, i.recorded_at) for i in case.interventions] == [(night_of_incident, now)]


def test_a_second_case_keeps_why_it_was_opened_and_a_first_case_has_no_reason() -> None:
    second = open_case(second_case_reason="  a new offence at another station  ")

    assert second.second_case_reason == "a new offence at another station"
    assert open_case().second_case_reason is None
    with pytest.raises(InvalidValue) as caught:
        open_case(second_case_reason=" ")
    assert caught.value.field == "confirm_reason"


def test_an_opened_event_from_before_second_cases_were_asked_still_loads() -> None:
    opened = open_case().collect_events()[0]
    vars(opened).pop("second_case_reason")  # as events written before this field existed

    case = opened.mutate(None)

    assert case.second_case_reason is None
    assert case.youth == youth()


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
def test_a_closed_case_takes_nothing_but_reopening(command: Callable[[YouthCase], None]) -> None:
    case = closed_case()
    case.collect_events()

    with pytest.raises(RuleViolation) as caught:
        command(case)

    assert caught.value.rule == "case_closed"
    assert case.collect_events() == []
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "Back in school"


def test_reopening_a_closed_case_clears_the_outcome_and_keeps_the_reason() -> None:
    case = closed_case()

    case.reopen(actor=WORKER, reason="  Truant again  ")

    events = case.collect_events()
    assert type(events[-1]).__name__ == "Reopened"
    assert events[-1].actor == WORKER
    assert case.status is CaseStatus.OPEN
    assert case.outcome is None
    assert case.closing_notes is None
    assert case.reopen_reasons == ["Truant again"]
    case.assign(actor=WORKER, case_worker_id="worker-9")
    assert case.case_worker_id == "worker-9"
    copy = replay([*events, *case.collect_events()])
    assert copy.status is CaseStatus.OPEN
    assert copy.reopen_reasons == ["Truant again"]
    assert copy.outcome is None


def test_an_open_case_cannot_be_reopened() -> None:
    case = open_case()
    case.collect_events()

    with pytest.raises(RuleViolation) as caught:
        case.reopen(actor=WORKER, reason="just because")

    assert caught.value.rule == "case_not_closed"
    assert case.collect_events() == []


def test_reopening_needs_a_reason() -> None:
    case = closed_case()

    with pytest.raises(InvalidValue) as caught:
        case.reopen(actor=WORKER, reason="  ")

    assert caught.value.rule == "blank_text"
    assert caught.value.field == "reason"
    assert case.status is CaseStatus.CLOSED


# -- consent to share, and sealing


def share(case: YouthCase, scope: str, giver: ConsentGiver | None, granted: bool = True) -> None:
    case.record_consent(actor=ACTOR, consent=Consent(scope=scope, granted=granted, given_by="Zhang Wei", giver=giver))


def test_a_consent_that_does_not_say_who_gave_it_does_not_let_data_be_shared() -> None:
    case = open_case()
    share(case, "all", None)  # as recorded before the giver was asked

    with pytest.raises(RuleViolation) as refused:
        case.sharing_consent(department_id=uuid4(), department_kind="education", today=date.today())

    assert refused.value.rule == "consent_required"


def test_the_latest_covering_consent_decides() -> None:
    case = open_case()
    department = uuid4()
    share(case, "education", ConsentGiver.GUARDIAN)
    share(case, str(department), ConsentGiver.GUARDIAN, granted=False)
    share(case, "health", ConsentGiver.GUARDIAN)

    with pytest.raises(RuleViolation):
        case.sharing_consent(department_id=department, department_kind="education", today=date.today())
    assert case.sharing_consent(department_id=uuid4(), department_kind="education", today=date.today()).granted


def test_sealing_marks_the_case_and_unsealing_clears_it() -> None:
    case = open_case()
    now = utc_now()

    case.seal_record(actor=ACTOR, reason="offence", legal_basis="CPL 286", now=now)

    assert case.seal is not None and (case.seal.sealed_at, case.seal.sealed_by) == (now, ACTOR.user_id)
    with pytest.raises(RuleViolation):
        case.seal_record(actor=ACTOR, reason="again", legal_basis="CPL 286", now=now)
    case.unseal(actor=ACTOR, reason="new offence", legal_basis="CPL 286")
    assert case.seal is None
    with pytest.raises(RuleViolation):
        case.unseal(actor=ACTOR, reason="again", legal_basis="CPL 286")

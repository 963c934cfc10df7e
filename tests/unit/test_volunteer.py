"""The volunteer registry: registration, screening, training, (re)activation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.volunteer import Training, Volunteer, VolunteerKind

ACTOR = Actor("coordinator-1", Role.COORDINATOR)
OTHER = Actor("admin-2", Role.ADMINISTRATOR)


def utc_now() -> datetime:
    return datetime.now(UTC)


def register(full_name: str = "Li Wei", skills: list[str] | None = None) -> Volunteer:
    return Volunteer.register(
        actor=ACTOR,
        full_name=full_name,
        kind=VolunteerKind.RETIRED_TEACHER,
        skills=["maths", "chess"] if skills is None else skills,
        phone="+86 10 1234 5678",
    )


def screened_volunteer() -> Volunteer:
    volunteer = register()
    volunteer.record_screening(actor=ACTOR, passed=True, notes="references checked")
    return volunteer


def training(course: str = "Child safeguarding", completed_on: date | None = None, hours: str = "6") -> Training:
    on = utc_now().date() - timedelta(days=3) if completed_on is None else completed_on
    return Training(course=course, completed_on=on, hours=Decimal(hours))


def replay(events: Sequence[Any]) -> Volunteer:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert isinstance(copy, Volunteer)
    return copy


def test_registering_a_volunteer_cleans_the_skills_and_starts_unscreened() -> None:
    volunteer = register(full_name="  Li Wei ", skills=[" maths", "chess", "maths ", "  ", ""])

    events = volunteer.collect_events()

    assert [type(e).__name__ for e in events] == ["Registered"]
    assert events[0].actor == ACTOR
    assert volunteer.full_name == "Li Wei"
    assert volunteer.skills == ["maths", "chess"]
    assert volunteer.kind is VolunteerKind.RETIRED_TEACHER
    assert volunteer.active is True
    assert volunteer.screened is False
    assert volunteer.trainings == []


def test_a_volunteer_cannot_be_registered_without_a_name() -> None:
    with pytest.raises(InvalidValue) as caught:
        register(full_name="   ")

    assert caught.value.rule == "blank_text"
    assert caught.value.field == "full_name"


def test_passing_screening_is_recorded_with_the_actor() -> None:
    volunteer = register()

    volunteer.record_screening(actor=OTHER, passed=True, notes="  interview went well  ")
    events = volunteer.collect_events()

    assert type(events[-1]).__name__ == "Screened"
    assert events[-1].actor == OTHER
    assert volunteer.screened is True
    assert volunteer.screening_notes == "interview went well"
    copy = replay(events)
    assert copy.screened is True
    assert copy.screening_notes == "interview went well"


def test_failing_a_later_screening_withdraws_the_earlier_pass() -> None:
    volunteer = screened_volunteer()

    volunteer.record_screening(actor=ACTOR, passed=False, notes="new concerns")

    assert volunteer.screened is False
    assert volunteer.may_mentor is False


def test_only_an_active_screened_volunteer_may_mentor() -> None:
    unscreened = register()
    screened = screened_volunteer()
    deactivated = screened_volunteer()
    deactivated.deactivate(actor=ACTOR)

    assert unscreened.may_mentor is False
    assert screened.may_mentor is True
    assert deactivated.may_mentor is False


def test_recording_a_training_keeps_it_on_the_volunteer() -> None:
    volunteer = register()
    course = training(hours="2.5")

    volunteer.record_training(actor=OTHER, training=course, now=utc_now())
    events = volunteer.collect_events()

    assert type(events[-1]).__name__ == "TrainingRecorded"
    assert events[-1].actor == OTHER
    assert volunteer.trainings == [course]
    assert replay(events).trainings == [course]


def test_a_training_completed_today_is_accepted() -> None:
    volunteer = register()
    now = utc_now()

    volunteer.record_training(actor=ACTOR, training=training(completed_on=now.date()), now=now)

    assert len(volunteer.trainings) == 1


@pytest.mark.parametrize("hours", ["0", "-1", "-0.5"])
def test_training_hours_must_be_positive(hours: str) -> None:
    volunteer = register()
    volunteer.collect_events()

    with pytest.raises(InvalidValue) as caught:
        volunteer.record_training(actor=ACTOR, training=training(hours=hours), now=utc_now())

    assert caught.value.rule == "non_positive_hours"
    assert caught.value.field == "hours"
    assert volunteer.trainings == []
    assert volunteer.collect_events() == []


def test_a_training_completed_in_the_future_is_refused() -> None:
    volunteer = register()
    now = utc_now()

    with pytest.raises(InvalidValue) as caught:
        volunteer.record_training(actor=ACTOR, training=training(completed_on=now.date() + timedelta(days=2)), now=now)

    assert caught.value.rule == "dated_in_future"
    assert caught.value.field == "completed_on"
    assert volunteer.trainings == []


def test_a_training_needs_a_course_name() -> None:
    volunteer = register()

    with pytest.raises(InvalidValue) as caught:
        volunteer.record_training(actor=ACTOR, training=training(course="  "), now=utc_now())

    assert caught.value.rule == "blank_text"
    assert caught.value.field == "course"


def test_deactivating_and_reactivating_are_recorded_and_replayed() -> None:
    volunteer = screened_volunteer()

    volunteer.deactivate(actor=OTHER)
    assert volunteer.active is False
    volunteer.reactivate(actor=ACTOR)
    events = volunteer.collect_events()

    assert [type(e).__name__ for e in events[-2:]] == ["Deactivated", "Reactivated"]
    assert [e.actor for e in events[-2:]] == [OTHER, ACTOR]
    assert volunteer.active is True
    assert volunteer.may_mentor is True
    copy = replay(events)
    assert copy.active is True
    assert copy.screened is True
    assert copy.version == volunteer.version == 4


COMMANDS_ON_INACTIVE: dict[str, Callable[[Volunteer], None]] = {
    "record_screening": lambda v: v.record_screening(actor=ACTOR, passed=True, notes="ok"),
    "record_training": lambda v: v.record_training(actor=ACTOR, training=training(), now=utc_now()),
    "deactivate": lambda v: v.deactivate(actor=ACTOR),
}


@pytest.mark.parametrize("command", COMMANDS_ON_INACTIVE.values(), ids=COMMANDS_ON_INACTIVE.keys())
def test_a_deactivated_volunteer_takes_nothing_but_reactivation(command: Callable[[Volunteer], None]) -> None:
    volunteer = register()
    volunteer.deactivate(actor=ACTOR)
    volunteer.collect_events()

    with pytest.raises(RuleViolation) as caught:
        command(volunteer)

    assert caught.value.rule == "volunteer_inactive"
    assert volunteer.collect_events() == []
    assert volunteer.screened is False
    assert volunteer.trainings == []


def test_an_active_volunteer_cannot_be_reactivated() -> None:
    volunteer = register()
    volunteer.collect_events()

    with pytest.raises(RuleViolation) as caught:
        volunteer.reactivate(actor=ACTOR)

    assert caught.value.rule == "volunteer_active"
    assert volunteer.collect_events() == []

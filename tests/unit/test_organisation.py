"""Stations and departments: registering, renaming, deactivating."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import uuid4

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.organisation import (
    Department,
    DepartmentKind,
    Organisation,
    Station,
    StationKind,
    StationLevel,
)

ACTOR = Actor("admin-1", Role.ADMINISTRATOR)
OTHER = Actor("coordinator-2", Role.COORDINATOR)


def register_station(name: str = "North Police Care Station") -> Station:
    return Station.register(actor=ACTOR, name=name, kind=StationKind.POLICE_CARE_STATION, level=StationLevel.DISTRICT)


def register_department(name: str = "Education Bureau") -> Department:
    return Department.register(actor=ACTOR, name=name, kind=DepartmentKind.EDUCATION)


REGISTER: list[Callable[..., Organisation]] = [register_station, register_department]
EACH_KIND = pytest.mark.parametrize("register", REGISTER, ids=["station", "department"])


def replay(events: Sequence[Any]) -> Any:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    return copy


def test_registering_a_station_records_who_registered_it_and_what_it_is() -> None:
    parent_id = uuid4()
    station = Station.register(
        actor=ACTOR,
        name="  Riverside Tutoring  ",
        kind=StationKind.TUTORING_STATION,
        level=StationLevel.VILLAGE,
        parent_id=parent_id,
    )

    events = station.collect_events()

    assert [type(e).__name__ for e in events] == ["Registered"]
    assert events[0].actor == ACTOR
    assert station.name == "Riverside Tutoring"
    assert station.kind is StationKind.TUTORING_STATION
    assert station.level is StationLevel.VILLAGE
    assert station.parent_id == parent_id
    assert station.active is True


def test_a_station_registered_without_a_parent_has_none() -> None:
    assert register_station().parent_id is None


def test_registering_a_department_records_its_kind() -> None:
    department = Department.register(actor=ACTOR, name=" Juvenile Court ", kind=DepartmentKind.COURT)

    events = department.collect_events()

    assert [type(e).__name__ for e in events] == ["Registered"]
    assert events[0].actor == ACTOR
    assert department.name == "Juvenile Court"
    assert department.kind is DepartmentKind.COURT
    assert department.active is True


@EACH_KIND
@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_organisation_cannot_be_registered_with_a_blank_name(
    register: Callable[..., Organisation], name: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        register(name)

    assert caught.value.rule == "blank_text"
    assert caught.value.field == "name"


@EACH_KIND
def test_renaming_records_the_new_name_and_who_renamed(register: Callable[..., Organisation]) -> None:
    organisation = register()

    organisation.rename(actor=OTHER, name="  Renamed Place  ")
    events = organisation.collect_events()

    assert type(events[-1]).__name__ == "Renamed"
    assert events[-1].actor == OTHER
    assert organisation.name == "Renamed Place"
    copy = replay(events)
    assert type(copy) is type(organisation)
    assert copy.id == organisation.id
    assert copy.name == "Renamed Place"
    assert copy.version == organisation.version == 2


@EACH_KIND
def test_renaming_to_a_blank_name_is_refused(register: Callable[..., Organisation]) -> None:
    organisation = register()
    organisation.collect_events()

    with pytest.raises(InvalidValue) as caught:
        organisation.rename(actor=ACTOR, name="  ")

    assert caught.value.rule == "blank_text"
    assert caught.value.field == "name"
    assert organisation.collect_events() == []


@EACH_KIND
@pytest.mark.parametrize("same", ["Same Name", "  Same Name  "])
def test_renaming_to_the_current_name_is_refused(register: Callable[..., Organisation], same: str) -> None:
    organisation = register()
    organisation.rename(actor=ACTOR, name="Same Name")
    organisation.collect_events()

    with pytest.raises(RuleViolation) as caught:
        organisation.rename(actor=ACTOR, name=same)

    assert caught.value.rule == "name_unchanged"
    assert organisation.collect_events() == []


@EACH_KIND
def test_deactivating_records_the_actor_and_marks_it_inactive(register: Callable[..., Organisation]) -> None:
    organisation = register()

    organisation.deactivate(actor=OTHER)
    events = organisation.collect_events()

    assert type(events[-1]).__name__ == "Deactivated"
    assert events[-1].actor == OTHER
    assert organisation.active is False
    copy = replay(events)
    assert copy.active is False
    assert copy.name == organisation.name


@EACH_KIND
def test_a_deactivated_organisation_cannot_be_renamed(register: Callable[..., Organisation]) -> None:
    organisation = register()
    organisation.deactivate(actor=ACTOR)
    organisation.collect_events()

    with pytest.raises(RuleViolation) as caught:
        organisation.rename(actor=ACTOR, name="A Fresh Name")

    assert caught.value.rule == "deactivated"
    assert organisation.name != "A Fresh Name"
    assert organisation.collect_events() == []


@EACH_KIND
def test_an_organisation_cannot_be_deactivated_twice(register: Callable[..., Organisation]) -> None:
    organisation = register()
    organisation.deactivate(actor=ACTOR)
    organisation.collect_events()

    with pytest.raises(RuleViolation) as caught:
        organisation.deactivate(actor=ACTOR)

    assert caught.value.rule == "deactivated"
    assert organisation.collect_events() == []

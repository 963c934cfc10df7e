"""The ActivePairSlot index: at most one open pair per case and volunteer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.common import Actor, Role, RuleViolation
from domain.mentoring_pair import ActivePairSlot

ACTOR = Actor("coordinator-1", Role.COORDINATOR)
OTHER = Actor("admin-2", Role.ADMINISTRATOR)


def replay(events: Sequence[Any]) -> ActivePairSlot:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert isinstance(copy, ActivePairSlot)
    return copy


def slot(case_id: UUID | None = None, volunteer_id: UUID | None = None) -> ActivePairSlot:
    return ActivePairSlot(actor=ACTOR, case_id=case_id or uuid4(), volunteer_id=volunteer_id or uuid4())


def test_the_slot_id_is_derived_from_the_case_and_the_volunteer() -> None:
    case_id, volunteer_id = uuid4(), uuid4()

    first = slot(case_id, volunteer_id)

    assert first.id == slot(case_id, volunteer_id).id
    assert first.id == ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id)
    assert first.id != slot(case_id, uuid4()).id
    assert first.id != slot(volunteer_id, case_id).id


def test_occupying_and_releasing_a_slot_are_recorded_and_replayed() -> None:
    index, pair_id = slot(), uuid4()

    index.occupy(actor=ACTOR, pair_id=pair_id)
    assert index.pair_id == pair_id
    index.release(actor=OTHER, pair_id=pair_id)
    events = index.collect_events()

    assert [type(e).__name__ for e in events] == ["Created", "Occupied", "Released"]
    assert [e.actor for e in events] == [ACTOR, ACTOR, OTHER]
    assert index.pair_id is None
    copy = replay(events)
    assert (copy.id, copy.case_id, copy.pair_id, copy.version) == (index.id, index.case_id, None, 3)


def test_a_held_slot_cannot_be_occupied_again_until_released() -> None:
    index, first, second = slot(), uuid4(), uuid4()
    index.occupy(actor=ACTOR, pair_id=first)

    with pytest.raises(RuleViolation) as caught:
        index.occupy(actor=ACTOR, pair_id=second)

    assert caught.value.rule == "pair_already_open"
    assert index.pair_id == first
    index.release(actor=ACTOR, pair_id=first)
    index.occupy(actor=ACTOR, pair_id=second)
    assert index.pair_id == second


@pytest.mark.parametrize("held", [True, False], ids=["held_by_another", "empty"])
def test_only_the_holding_pair_can_release_a_slot(held: bool) -> None:
    index, holder = slot(), uuid4()
    if held:
        index.occupy(actor=ACTOR, pair_id=holder)

    with pytest.raises(RuleViolation) as caught:
        index.release(actor=ACTOR, pair_id=uuid4())

    assert caught.value.rule == "slot_not_held"
    assert index.pair_id == (holder if held else None)

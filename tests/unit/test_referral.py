"""Referrals from a station to a department: made, answered, followed through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.referral import Referral, ReferralStatus

STATION = Actor("staff-1", Role.STATION_STAFF)
DEPARTMENT = Actor("dept-4", Role.DEPARTMENT_STAFF)


def today() -> date:
    return datetime.now(UTC).date()


def make(respond_by: date | None = None, service: str = "School re-entry", reason: str = "Truancy") -> Referral:
    return Referral.make(
        actor=STATION,
        case_id=uuid4(),
        from_station_id=uuid4(),
        to_department_id=uuid4(),
        service=service,
        reason=reason,
        respond_by=today() + timedelta(days=7) if respond_by is None else respond_by,
        today=today(),
    )


def accepted() -> Referral:
    referral = make()
    referral.accept(actor=DEPARTMENT)
    return referral


def replay(events: Sequence[Any]) -> Referral:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert isinstance(copy, Referral)
    return copy


def test_making_a_referral_leaves_it_pending_with_the_actor_recorded() -> None:
    referral = make(service="  School re-entry ", reason=" Truancy  ")

    events = referral.collect_events()

    assert [type(e).__name__ for e in events] == ["Made"]
    assert events[0].actor == STATION
    assert referral.status is ReferralStatus.PENDING
    assert (referral.service, referral.reason) == ("School re-entry", "Truancy")
    assert referral.respond_by == today() + timedelta(days=7)


def test_a_referral_may_ask_for_an_answer_today() -> None:
    assert make(respond_by=today()).respond_by == today()


@pytest.mark.parametrize(
    ("changes", "rule", "field"),
    [
        ({"respond_by": today() - timedelta(days=1)}, "respond_by_in_past", "respond_by"),
        ({"service": "  "}, "blank_text", "service"),
        ({"reason": ""}, "blank_text", "reason"),
    ],
    ids=["respond_by_in_past", "blank_service", "blank_reason"],
)
def test_a_referral_with_wrong_values_is_not_made(changes: dict[str, Any], rule: str, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        make(**changes)

    assert (caught.value.rule, caught.value.field) == (rule, field)


@pytest.mark.parametrize(
    ("start", "command", "name", "status"),
    [
        (make, lambda r: r.accept(actor=DEPARTMENT), "Accepted", ReferralStatus.ACCEPTED),
        (make, lambda r: r.decline(actor=DEPARTMENT, reason=" no capacity "), "Declined", ReferralStatus.DECLINED),
        (make, lambda r: r.note_progress(actor=DEPARTMENT, note=" called "), "ProgressNoted", ReferralStatus.PENDING),
        (accepted, lambda r: r.note_progress(actor=DEPARTMENT, note=" met "), "ProgressNoted", ReferralStatus.ACCEPTED),
        (accepted, lambda r: r.complete(actor=DEPARTMENT, outcome=" enrolled "), "Completed", ReferralStatus.COMPLETED),
        (make, lambda r: r.withdraw(actor=DEPARTMENT, reason=" resolved "), "Withdrawn", ReferralStatus.WITHDRAWN),
        (accepted, lambda r: r.withdraw(actor=DEPARTMENT, reason=" moved "), "Withdrawn", ReferralStatus.WITHDRAWN),
    ],
    ids=["accept", "decline", "note_pending", "note_accepted", "complete", "withdraw_pending", "withdraw_accepted"],
)
def test_each_command_records_one_event_with_the_actor(
    start: Callable[[], Referral], command: Callable[[Referral], None], name: str, status: ReferralStatus
) -> None:
    referral = start()

    command(referral)
    events = referral.collect_events()

    assert type(events[-1]).__name__ == name
    assert events[-1].actor == DEPARTMENT
    assert referral.status is status
    copy = replay(events)
    for attribute in ("id", "version", "status", "notes", "outcome", "decline_reason", "withdrawal_reason"):
        assert getattr(copy, attribute) == getattr(referral, attribute), attribute


def test_a_referral_keeps_its_notes_outcome_and_reasons_trimmed() -> None:
    completed, declined, withdrawn = accepted(), make(), make()

    completed.note_progress(actor=DEPARTMENT, note="  first meeting ")
    completed.complete(actor=DEPARTMENT, outcome="  back in class ")
    declined.decline(actor=DEPARTMENT, reason=" out of area ")
    withdrawn.withdraw(actor=STATION, reason=" family refused ")

    assert (completed.notes, completed.outcome) == (["first meeting"], "back in class")
    assert declined.decline_reason == "out of area"
    assert withdrawn.withdrawal_reason == "family refused"


def test_a_pending_referral_cannot_be_completed() -> None:
    referral = make()
    referral.collect_events()

    with pytest.raises(RuleViolation) as caught:
        referral.complete(actor=DEPARTMENT, outcome="done")

    assert caught.value.rule == "referral_not_accepted"
    assert referral.status is ReferralStatus.PENDING
    assert referral.collect_events() == []


@pytest.mark.parametrize(
    "command",
    [lambda r: r.accept(actor=DEPARTMENT), lambda r: r.decline(actor=DEPARTMENT, reason="changed our mind")],
    ids=["accept", "decline"],
)
def test_only_a_pending_referral_can_be_accepted_or_declined(command: Callable[[Referral], None]) -> None:
    referral = accepted()
    referral.collect_events()

    with pytest.raises(RuleViolation) as caught:
        command(referral)

    assert caught.value.rule == "referral_not_pending"
    assert referral.status is ReferralStatus.ACCEPTED
    assert referral.collect_events() == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_needs_a_reason(reason: str) -> None:
    referral = make()

    with pytest.raises(InvalidValue) as caught:
        referral.decline(actor=DEPARTMENT, reason=reason)

    assert (caught.value.rule, caught.value.field) == ("blank_text", "reason")
    assert referral.status is ReferralStatus.PENDING


FINISH: dict[str, Callable[[], Referral]] = {
    "completed": lambda: _finished(accepted(), lambda r: r.complete(actor=DEPARTMENT, outcome="enrolled")),
    "declined": lambda: _finished(make(), lambda r: r.decline(actor=DEPARTMENT, reason="no capacity")),
    "withdrawn": lambda: _finished(make(), lambda r: r.withdraw(actor=STATION, reason="resolved")),
}
COMMANDS: dict[str, Callable[[Referral], None]] = {
    "accept": lambda r: r.accept(actor=DEPARTMENT),
    "decline": lambda r: r.decline(actor=DEPARTMENT, reason="no"),
    "note_progress": lambda r: r.note_progress(actor=DEPARTMENT, note="late note"),
    "complete": lambda r: r.complete(actor=DEPARTMENT, outcome="done"),
    "withdraw": lambda r: r.withdraw(actor=STATION, reason="never mind"),
}


def _finished(referral: Referral, command: Callable[[Referral], None]) -> Referral:
    command(referral)
    referral.collect_events()
    return referral


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
@pytest.mark.parametrize("final", list(FINISH))
def test_a_finished_referral_takes_nothing_more(final: str, command: Callable[[Referral], None]) -> None:
    referral = FINISH[final]()

    with pytest.raises(RuleViolation) as caught:
        command(referral)

    assert caught.value.rule == f"referral_{final}"
    assert referral.status is ReferralStatus(final)
    assert referral.notes == []
    assert referral.collect_events() == []

"""Pages of the referrals area (see `api/pages/routes/__init__.py` for the addresses).

A department officer finds the referrals sent to their department, waiting ones first, and
answers them: accept or decline, progress notes, completion. Station staff follow their
station's referrals, make new ones and withdraw them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.pages.forms import Attempt, form_state, read_form, submitted
from api.pages.routes.submitting import case_of
from api.pages.web import Form, PageRoute, SignedIn, Visit
from api.schemas import Completion, MakeReferral, ProgressNote, Reason
from application.access.policy import Action, grant
from application.access.principal import Caller
from application.base import Written
from application.errors import Forbidden, InvalidValue, NotFound
from application.front import Front
from application.views.lists import ReferralFilter
from domain.referral import FINAL_STATUSES, ReferralStatus

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
DEPARTMENT_CHOICES = 500  # the most departments a referral form offers (the district has a few dozen)
ANSWER_DAYS = 7  # the answer-by date a new referral's form suggests
PENDING = ReferralStatus.PENDING.value
OVERDUE_CHOICES = {"yes": True, "no": False}


def _may(visit: Visit, action: Action) -> bool:
    return grant(visit.principal.role, action) is not None


# -- the list


@router.get("/ui/referrals")
def referrals_page(visit: SignedIn, status: str = "", overdue: str = "", cursor: str = "") -> Response:
    """Waiting referrals first (unless a filter is chosen), then the rest, newest first, a page at a time."""
    caller = visit.caller
    assert caller is not None
    chosen = status if status in {s.value for s in ReferralStatus} else ""
    late = overdue if overdue in OVERDUE_CHOICES else ""
    unfiltered = not chosen and not late

    def page(where: ReferralFilter, after: str | None) -> dict[str, Any]:
        try:
            return visit.front.list_referrals(
                caller, where, overdue_after_days=None, limit=PAGE_SIZE, cursor=after, consistent_with=None
            )
        except InvalidValue:  # a cursor not of this list's making
            raise NotFound("no such page") from None

    waiting = page(ReferralFilter(status=PENDING), None) if unfiltered and not cursor else None
    found = page(ReferralFilter(status=chosen or None, overdue=OVERDUE_CHOICES.get(late)), cursor or None)
    rest = [item for item in found["items"] if not (unfiltered and item["status"] == PENDING)]
    return visit.render(
        "referrals/list.html",
        waiting=waiting,
        items=rest,
        unfiltered=unfiltered,
        chosen_status=chosen,
        overdue=late,
        statuses=[s.value for s in ReferralStatus],
        overdue_after_days=found["overdue_after_days"],
        next_cursor=found["next_cursor"],
        for_department=_may(visit, Action.REFERRAL_ANSWER),
    )


# -- making one (before `/ui/referrals/{referral_id}`, which would take "new")


def _new_form(visit: Visit, case_id: UUID, values: dict[str, str], again: Attempt | None = None) -> Response:
    caller = visit.caller
    assert caller is not None
    case = visit.front.get_case(caller, case_id, version=None, as_of=None)
    found = visit.front.list_departments(caller, limit=DEPARTMENT_CHOICES, cursor=None, consistent_with=None)
    state = form_state(again, values)
    refused = visit.words.gettext("error.consent_required")
    return visit.render(
        "referrals/new.html",
        case=case,
        departments=[(d["id"], d["name"]) for d in found["items"] if d["active"]],
        may_override=_may(visit, Action.REFERRAL_OVERRIDE_CONSENT),
        consent_missing=any(error.text == refused for error in state["errors"]),
        **state,
    )


@router.get("/ui/referrals/new")
def new_page(visit: SignedIn, case_id: UUID) -> Response:
    if not _may(visit, Action.REFERRAL_MAKE):
        raise Forbidden("referrals are made by station staff")
    respond_by = (visit.words.today() + timedelta(days=ANSWER_DAYS)).isoformat()
    return _new_form(visit, case_id, {"case_id": str(case_id), "respond_by": respond_by})


@router.post("/ui/referrals/new")
def make(visit: SignedIn, form: Form) -> Response:
    caller = visit.caller
    assert caller is not None
    names = ("case_id", "to_department_id", "service", "reason", "respond_by", "consent_override.reason")

    def command(fields: dict[str, Any], _: int | None) -> Written:
        override = fields.pop("consent_override")
        reason = override["reason"] if override else None
        return visit.front.make_referral(caller, consent_override=reason, **fields)

    return submitted(
        visit,
        form,
        read_form(visit, form, names),
        MakeReferral,
        command,
        then=lambda written: f"/ui/referrals/{written.id}?done=referrals.made",
        again=lambda result: _new_form(visit, case_of(form), {}, result),
    )


# -- one referral and its commands


def _referral_page(visit: Visit, referral_id: UUID, again: Attempt | None = None) -> Response:
    caller = visit.caller
    assert caller is not None
    referral = visit.front.get_referral(caller, referral_id, version=None, as_of=None)
    department = visit.front.get_department(caller, UUID(referral["to_department_id"]), version=None, as_of=None)
    station = visit.front.get_station(caller, UUID(referral["from_station_id"]), version=None, as_of=None)
    state = referral["status"]
    answers = _may(visit, Action.REFERRAL_ANSWER)
    is_open = ReferralStatus(state) not in FINAL_STATUSES
    return visit.render(
        "referrals/referral.html",
        referral=referral,
        department=department,
        station=station,
        overdue=state == PENDING and date.fromisoformat(referral["respond_by"]) < visit.words.today(),
        may_answer=answers and state == PENDING,
        may_note=answers and is_open,
        may_complete=answers and state == ReferralStatus.ACCEPTED.value,
        may_withdraw=_may(visit, Action.REFERRAL_WITHDRAW) and is_open,
        may_read_case=_may(visit, Action.CASE_READ),
        versioned=_may(visit, Action.REFERRAL_HISTORY),
        **form_state(again, None),
    )


@router.get("/ui/referrals/{referral_id}")
def referral_page(referral_id: UUID, visit: SignedIn) -> Response:
    return _referral_page(visit, referral_id)


@dataclass(frozen=True)
class Command:
    """One of the referral's commands as its form sends it: the fields, the API's model, the call."""

    done: str
    model: type[BaseModel] | None
    names: tuple[str, ...]
    run: Callable[[Front, Caller, UUID, dict[str, Any], int | None], Written]


COMMANDS = {
    "accept": Command(
        "accepted", None, (), lambda front, caller, r, _, v: front.accept_referral(caller, r, expected_version=v)
    ),
    "decline": Command(
        "declined",
        Reason,
        ("reason",),
        lambda front, caller, r, f, v: front.decline_referral(caller, r, reason=f["reason"], expected_version=v),
    ),
    "note": Command(
        "noted",
        ProgressNote,
        ("note",),
        lambda front, caller, r, f, v: front.note_referral_progress(caller, r, note=f["note"], expected_version=v),
    ),
    "complete": Command(
        "completed",
        Completion,
        ("outcome",),
        lambda front, caller, r, f, v: front.complete_referral(caller, r, outcome=f["outcome"], expected_version=v),
    ),
    "withdraw": Command(
        "withdrawn",
        Reason,
        ("reason",),
        lambda front, caller, r, f, v: front.withdraw_referral(caller, r, reason=f["reason"], expected_version=v),
    ),
}


@router.post("/ui/referrals/{referral_id}/{name}")
def answer(referral_id: UUID, name: str, visit: SignedIn, form: Form) -> Response:
    """Accept, decline, note progress, complete (the department) or withdraw (the station); the
    front door decides who may."""
    caller = visit.caller
    assert caller is not None
    command = COMMANDS.get(name)
    if command is None:
        raise NotFound("no such command of a referral")
    return submitted(
        visit,
        form,
        read_form(visit, form, command.names),
        command.model,
        lambda fields, version: command.run(visit.front, caller, referral_id, fields, version),
        then=lambda _: f"/ui/referrals/{referral_id}?done=referrals.{command.done}",
        again=lambda result: _referral_page(visit, referral_id, result),
        record=("referral", referral_id),
    )

"""Pages of the referrals area (see `api/pages/routes/__init__.py` for the addresses).

A department officer finds the referrals sent to their department, waiting ones first, and
answers them: accept or decline, progress notes, completion. Station staff follow their
station's referrals, make new ones and withdraw them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.pages.forms import Attempt, attempt, read_form
from api.pages.web import Form, PageRoute, SignedIn, Visit, text
from api.schemas import Completion, MakeReferral, ProgressNote, Reason
from application.access.policy import Action, grant
from application.base import Written
from application.errors import Forbidden, InvalidValue, NotFound
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


def _today(visit: Visit) -> date:
    return datetime.now(visit.words.zone).date()


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
    return visit.render(
        "referrals/new.html",
        status=again.status if again else 200,
        case=case,
        departments=[(d["id"], d["name"]) for d in found["items"] if d["active"]],
        may_override=_may(visit, Action.REFERRAL_OVERRIDE_CONSENT),
        values=again.values if again else values,
        errors=again.errors if again else [],
    )


@router.get("/ui/referrals/new")
def new_page(visit: SignedIn, case_id: UUID) -> Response:
    if not _may(visit, Action.REFERRAL_MAKE):
        raise Forbidden("referrals are made by station staff")
    respond_by = (_today(visit) + timedelta(days=ANSWER_DAYS)).isoformat()
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

    result = attempt(visit, form, read_form(visit, form, names), MakeReferral, command)
    if isinstance(result, Written):
        return visit.redirect(f"/ui/referrals/{result.id}?done=referrals.made")
    try:
        case_id = UUID(text(form, "case_id"))
    except ValueError:
        raise NotFound("no such case") from None
    return _new_form(visit, case_id, {}, result)


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
        status=again.status if again else 200,
        referral=referral,
        department=department,
        station=station,
        overdue=state == PENDING and date.fromisoformat(referral["respond_by"]) < _today(visit),
        may_answer=answers and state == PENDING,
        may_note=answers and is_open,
        may_complete=answers and state == ReferralStatus.ACCEPTED.value,
        may_withdraw=_may(visit, Action.REFERRAL_WITHDRAW) and is_open,
        may_read_case=_may(visit, Action.CASE_READ),
        values=again.values if again else {},
        errors=again.errors if again else [],
        conflict=again.conflict if again else None,
    )


@router.get("/ui/referrals/{referral_id}")
def referral_page(referral_id: UUID, visit: SignedIn) -> Response:
    return _referral_page(visit, referral_id)


def _answer(
    visit: Visit,
    form: Any,
    referral_id: UUID,
    done: str,
    model: type[BaseModel] | None,
    names: tuple[str, ...],
    command: Callable[[dict[str, Any], int | None], Written],
) -> Response:
    """Run one of the referral's commands from its form; back to the referral either way."""
    body = read_form(visit, form, names)
    result = attempt(visit, form, body, model, command, record=("referral", referral_id))
    if isinstance(result, Written):
        return visit.redirect(f"/ui/referrals/{referral_id}?done=referrals.{done}")
    return _referral_page(visit, referral_id, result)


@router.post("/ui/referrals/{referral_id}/accept")
def accept(referral_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller, front = visit.caller, visit.front
    assert caller is not None
    return _answer(
        visit, form, referral_id, "accepted", None, (),
        lambda _, v: front.accept_referral(caller, referral_id, expected_version=v),
    )  # fmt: skip


@router.post("/ui/referrals/{referral_id}/decline")
def decline(referral_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller, front = visit.caller, visit.front
    assert caller is not None
    return _answer(
        visit, form, referral_id, "declined", Reason, ("reason",),
        lambda f, v: front.decline_referral(caller, referral_id, reason=f["reason"], expected_version=v),
    )  # fmt: skip


@router.post("/ui/referrals/{referral_id}/note")
def note(referral_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller, front = visit.caller, visit.front
    assert caller is not None
    return _answer(
        visit, form, referral_id, "noted", ProgressNote, ("note",),
        lambda f, v: front.note_referral_progress(caller, referral_id, note=f["note"], expected_version=v),
    )  # fmt: skip


@router.post("/ui/referrals/{referral_id}/complete")
def complete(referral_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller, front = visit.caller, visit.front
    assert caller is not None
    return _answer(
        visit, form, referral_id, "completed", Completion, ("outcome",),
        lambda f, v: front.complete_referral(caller, referral_id, outcome=f["outcome"], expected_version=v),
    )  # fmt: skip


@router.post("/ui/referrals/{referral_id}/withdraw")
def withdraw(referral_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller, front = visit.caller, visit.front
    assert caller is not None
    return _answer(
        visit, form, referral_id, "withdrawn", Reason, ("reason",),
        lambda f, v: front.withdraw_referral(caller, referral_id, reason=f["reason"], expected_version=v),
    )  # fmt: skip

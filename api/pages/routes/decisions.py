"""Decisions on a case that wait on somebody (see `api/pages/routes/__init__.py` for the addresses).

The plan and the closure: station staff submit, the station's lead approves or returns with a
note. Transfers: station staff ask another station to take the case, that station's lead accepts
or declines, the sender may withdraw. Each page shows only the forms the visitor's role may use;
the front door still decides every command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from api.pages.errors import Shown
from api.pages.forms import Attempt, attempt, read_form
from api.pages.web import Form, PageRoute, SignedIn, Visit, text
from api.schemas import Closure, Decision, GoalReview, Plan, TransferRequestBody
from application.access.principal import Caller
from application.base import Written
from application.cases import TransferAnswer
from application.errors import Forbidden, NotFound
from domain.youth_case import PlanGoalStatus

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STAFF = ("station_officer", "station_lead")
RECENT_EVENTS = 50  # how far back a page looks for the latest decision and its note
BLANK_ROWS = 3  # empty goal rows below the goals a plan form starts from
FEWEST_ROWS = 5
MOST_ROWS = 50  # the API takes at most 50 goals
STATION_PAGES = 20  # the station list is read a page of 100 at a time, up to this many pages
_GOAL_ROW = re.compile(r"^goal_(\d{1,2})$")

# Each page's forms, and the events whose latest says what was last decided there.
FORMS = {
    "plan": ("submit", "decision", "review"),
    "closure": ("submit", "decision"),
    "transfer": ("request", "answer", "withdrawal"),
}
DECISIONS = {
    "plan": ("PlanSubmitted", "PlanApproved", "PlanReturned"),
    "closure": ("ClosureSubmitted", "ClosureApproved", "ClosureReturned"),
    "transfer": ("TransferRequested", "TransferAccepted", "TransferDeclined", "TransferWithdrawn"),
}


@dataclass(frozen=True)
class Powers:
    """Which of a page's forms the visitor may use (the front door still decides each command)."""

    work: bool  # submit a plan or closure, review a goal, ask for or withdraw a transfer
    lead: bool  # the lead of the case's station: approves and returns
    answer: bool  # the lead of the station a waiting transfer would move the case to
    own_allowed: bool  # whether a lead may approve their own submission here
    username: str

    def decides(self, submission: dict[str, Any] | None) -> bool:
        """May approve or return `submission`: the station's lead, unless it is their own."""
        return bool(self.lead and submission and (self.own_allowed or submission["submitted_by"] != self.username))


def _powers(visit: Visit, case: dict[str, Any]) -> Powers:
    principal = visit.principal
    role = principal.role.value
    scope = str(principal.scope_id) if principal.scope_id else None
    at_station = role in STAFF and scope == case["station_id"]
    transfer = case["pending_transfer"]
    return Powers(
        work=at_station and case["status"] == "open",
        lead=at_station and role == "station_lead",
        answer=role == "station_lead" and transfer is not None and scope == transfer["to_station_id"],
        own_allowed=visit.front.allow_own_approval,
        username=principal.username,
    )


def _caller(visit: Visit) -> Caller:
    assert visit.caller is not None  # every page here is signed in
    return visit.caller


def _href(case_id: UUID, page: str) -> str:
    return f"/ui/cases/{case_id}/{page}"


def _page(
    visit: Visit, case_id: UUID, page: str, failed: dict[str, Attempt] | None = None, status: int = 200
) -> Response:
    case = visit.front.get_case(_caller(visit), case_id, version=None, as_of=None)
    forms = {name: (failed or {}).get(name) or Attempt() for name in FORMS[page]}
    context: dict[str, Any] = {
        "case": case,
        "page": page,
        "powers": _powers(visit, case),
        "forms": forms,
        "last": _last_decision(visit, case, DECISIONS[page]),
    }
    if page == "plan":
        context["rows"] = _plan_rows(case, forms["submit"], context["last"])
        context["statuses"] = [
            (status.value, visit.words.gettext(f"enum.PlanGoalStatus.{status.value}")) for status in PlanGoalStatus
        ]
        context["goals_in_force"] = [(goal["goal"], goal["goal"]) for goal in case["plan_goals"]]
    if page == "transfer":
        stations = _stations(visit)
        context["station_names"] = {station["id"]: station["name"] for station in stations}
        context["destinations"] = [
            (station["id"], station["name"])
            for station in stations
            if station["active"] and station["id"] != case["station_id"]
        ]
    return visit.render(f"decisions/{page}.html", status=status, **context)


def _last_decision(visit: Visit, case: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any] | None:
    """The latest decision of this page's kind, unless a newer submission waits: who, when, what, the
    note, and what was submitted (a returned plan's goals, to start again from).
    None also when the visitor may read the case but not its history (a receiving lead)."""
    try:
        found = visit.front.history(
            _caller(visit),
            "case",
            UUID(case["id"]),
            after_version=max(0, case["version"] - RECENT_EVENTS),
            limit=RECENT_EVENTS,
        )
    except (Forbidden, NotFound):
        return None
    latest: dict[str, Any] | None = None
    submitted: dict[str, Any] = {}
    for event in found["events"]:
        kind = event["event_type"].rsplit(".", 1)[-1]
        data = event.get("data") or {}
        if kind == kinds[0]:
            submitted = data.get("submission") or {}
        if kind in kinds:
            latest = event | {"kind": kind, "note": data.get("note") or "", "submitted": submitted}
    return latest if latest is not None and latest["kind"] != kinds[0] else None


def _plan_rows(case: dict[str, Any], typed: Attempt, last: dict[str, Any] | None) -> list[dict[str, str]]:
    """The plan form's goal rows: as typed, or else the goals waiting, just returned or in force,
    and a few empty rows."""
    if typed.values:
        numbers = sorted(int(found[1]) for name in typed.values if (found := _GOAL_ROW.match(name)))
        count = min(max(numbers, default=-1) + 1, MOST_ROWS)
        return [
            {
                "goal": typed.value(f"goal_{n}"),
                "status": typed.value(f"status_{n}", "open"),
                "review_on": typed.value(f"review_on_{n}"),
            }
            for n in range(count)
        ]
    if case["pending_plan"]:
        start = case["pending_plan"]["goals"]
    elif last is not None and last["kind"] == "PlanReturned":
        start = last["submitted"].get("goals") or []
    else:
        start = [goal | {"text": goal["goal"]} for goal in case["plan_goals"]]
    rows = [{"goal": goal["text"], "status": goal["status"], "review_on": goal["review_on"] or ""} for goal in start]
    blank = max(BLANK_ROWS, FEWEST_ROWS - len(rows))
    return (rows + [{"goal": "", "status": "open", "review_on": ""}] * blank)[:MOST_ROWS]


def _stations(visit: Visit) -> list[dict[str, Any]]:
    """Every station the visitor may list (every page of them), to name them and choose among them."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(STATION_PAGES):
        listed = visit.front.list_stations(_caller(visit), limit=100, cursor=cursor, consistent_with=None)
        found += listed["items"]
        cursor = listed.get("next_cursor")
        if not cursor:
            break
    return found


def _after(
    visit: Visit, case_id: UUID, page: str, form: str, result: Written | Attempt, done: str, to: str | None = None
) -> Response:
    """Post-redirect-get with a flash on success; otherwise the page again, the form as typed."""
    if isinstance(result, Attempt):
        return _page(visit, case_id, page, {form: result}, status=result.status)
    return visit.redirect(f"{to or _href(case_id, page)}?done=decisions.{done}")


def _command(
    visit: Visit,
    form: FormData,
    case_id: UUID,
    body: dict[str, Any],
    model: type[BaseModel],
    command: Callable[..., Written],
) -> Written | Attempt:
    """`command(caller, case_id, expected_version=…, **fields)`, once the API's `model` took `body`."""
    return attempt(
        visit,
        form,
        body,
        model,
        lambda fields, version: command(_caller(visit), case_id, expected_version=version, **fields),
        record=("case", case_id),
    )


def _within(result: Written | Attempt, prefix: str) -> Written | Attempt:
    """A form whose fields carry a prefix (two forms on one page, each with a `note`): its errors too."""
    if isinstance(result, Attempt):
        result.errors = [Shown(f"{prefix}.{e.field}" if e.field else None, e.text) for e in result.errors]
    return result


def _decide(
    visit: Visit,
    form: FormData,
    case_id: UUID,
    page: str,
    commands: dict[str, Callable[..., Written]],
) -> Response:
    """Approve or return what waits (the button pressed says which), with the lead's note."""
    choice = text(form, "decision")
    command = commands.get(choice)
    if command is None:
        return visit.redirect(_href(case_id, page))
    result = _command(visit, form, case_id, read_form(visit, form, ["note"]), Decision, command)
    return _after(visit, case_id, page, "decision", result, f"{page}_{choice}")


# -- the plan


@router.get("/ui/cases/{case_id}/plan")
def plan_page(case_id: UUID, visit: SignedIn) -> Response:
    """The plan in force, the plan waiting for the lead, and the forms to submit, decide and review."""
    return _page(visit, case_id, "plan")


def _goals(form: FormData) -> list[dict[str, Any]]:
    """The goal rows as the API's `Plan` takes them; rows left empty are no goals."""
    numbers = sorted(int(found[1]) for name in form if (found := _GOAL_ROW.match(name)))
    goals = []
    for n in numbers:
        goal = text(form, f"goal_{n}")
        if goal:
            goals.append(
                {
                    "goal": goal,
                    "status": text(form, f"status_{n}") or "open",
                    "review_on": text(form, f"review_on_{n}") or None,
                }
            )
    return goals


@router.post("/ui/cases/{case_id}/plan")
def submit_plan(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    result = _command(visit, form, case_id, {"goals": _goals(form)}, Plan, visit.front.submit_plan)
    return _after(visit, case_id, "plan", "submit", result, "plan_submitted")


@router.post("/ui/cases/{case_id}/plan/decision")
def decide_plan(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    commands = {"approve": visit.front.approve_plan, "return": visit.front.return_plan}
    return _decide(visit, form, case_id, "plan", commands)


@router.post("/ui/cases/{case_id}/plan/review")
def review_goal(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    body = read_form(visit, form, ["review.goal", "review.status", "review.review_on", "review.note"])
    result = _command(visit, form, case_id, body.get("review", {}), GoalReview, visit.front.review_goal)
    return _after(visit, case_id, "plan", "review", _within(result, "review"), "goal_reviewed")


# -- the closure


@router.get("/ui/cases/{case_id}/closure")
def closure_page(case_id: UUID, visit: SignedIn) -> Response:
    """The closure waiting for the lead (or the case's outcome once closed), and the forms to submit and decide."""
    return _page(visit, case_id, "closure")


@router.post("/ui/cases/{case_id}/closure")
def submit_closure(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    body = read_form(visit, form, ["outcome", "notes"])
    result = _command(visit, form, case_id, body, Closure, visit.front.submit_closure)
    return _after(visit, case_id, "closure", "submit", result, "closure_submitted")


@router.post("/ui/cases/{case_id}/closure/decision")
def decide_closure(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    commands = {"approve": visit.front.approve_closure, "return": visit.front.return_closure}
    return _decide(visit, form, case_id, "closure", commands)


# -- transfers


@router.get("/ui/cases/{case_id}/transfer")
def transfer_page(case_id: UUID, visit: SignedIn) -> Response:
    """The transfer waiting (with its answer for the receiving lead, withdrawal for the sender), or the request form."""
    return _page(visit, case_id, "transfer")


@router.post("/ui/cases/{case_id}/transfer")
def request_transfer(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    body = read_form(visit, form, ["to_station_id", "reason"])
    result = _command(visit, form, case_id, body, TransferRequestBody, visit.front.request_transfer)
    return _after(visit, case_id, "transfer", "request", result, "transfer_requested")


# Where each answer leaves its giver: a case taken is theirs (its page); one declined is no longer
# theirs to read (the work list); one withdrawn stays with the sender (this page).
ANSWERS = {
    "accept": (TransferAnswer.ACCEPT, "answer", "/ui/cases/{case_id}"),
    "decline": (TransferAnswer.DECLINE, "answer", "/"),
    "withdraw": (TransferAnswer.WITHDRAW, "withdrawal", None),
}


@router.post("/ui/cases/{case_id}/transfer/answer")
def answer_transfer(case_id: UUID, visit: SignedIn, form: Form) -> Response:
    choice = text(form, "answer")
    if choice not in ANSWERS:
        return visit.redirect(_href(case_id, "transfer"))
    answer, form_name, to = ANSWERS[choice]
    try:
        request_id = UUID(text(form, "request_id"))
    except ValueError:
        return visit.redirect(_href(case_id, "transfer"))
    result = _command(
        visit,
        form,
        case_id,
        read_form(visit, form, ["note"]),
        Decision,
        lambda caller, case, **fields: visit.front.answer_transfer(caller, case, request_id, answer=answer, **fields),
    )
    target = to.format(case_id=case_id) if to else None
    return _after(visit, case_id, "transfer", form_name, result, f"transfer_{choice}", to=target)

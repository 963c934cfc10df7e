"""Pages of the mentoring area (see `api/pages/routes/__init__.py` for the addresses).

A mentor (often a retired teacher on a phone) finds their youths, logs a session in one screen and
updates a goal, one task a page. Station staff list their station's pairs, match a volunteer with a
case, and pause, resume or close a pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from api.pages.errors import Shown
from api.pages.forms import Attempt, form_state, read_form, submitted
from api.pages.routes.submitting import case_of
from api.pages.web import Form, PageRoute, SignedIn, Visit, text
from api.schemas import GoalProgressBody, MatchPair, Reason, SessionBody
from application.access.policy import Action, grant
from application.base import Written
from application.errors import Forbidden, InvalidValue, NotFound
from application.views.lists import PairFilter, VolunteerFilter
from domain.common import Role
from domain.mentoring_pair import GoalStatus, PairStatus, SessionMode

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
VOLUNTEER_CHOICES = 500  # the most volunteers a match form offers (the district has fewer)
PROGRESS = ("1", "2", "3", "4", "5")
SESSION_FIELDS = ("held_on", "duration_minutes", "mode", "notes", "progress")


def _may(visit: Visit, action: Action) -> bool:
    return grant(visit.principal.role, action) is not None


# A form that changes a record carries the version it was loaded at, so a save over someone
# else's change shows what they changed (read from the record's history). Roles that may not read
# that history (a mentor, a department officer) send no version: their change applies, as an
# append-only form's does, and the domain's own rules still refuse what no longer fits.


def _pair(visit: Visit, pair_id: UUID) -> dict[str, Any]:
    assert visit.caller is not None
    return visit.front.get_pair(visit.caller, pair_id, version=None, as_of=None)


def _youth_name(visit: Visit, pair: dict[str, Any]) -> str | None:
    """The youth's name as the front door gives it: with the pair for a mentor, from the case for staff."""
    if "youth" in pair:
        name: str | None = pair["youth"].get("full_name")
        return name
    if not _may(visit, Action.CASE_READ):
        return None
    assert visit.caller is not None
    try:
        case = visit.front.get_case(visit.caller, UUID(pair["case_id"]), version=None, as_of=None)
    except (Forbidden, NotFound):  # a sealed case, or one out of reach: the pair page still shows
        return None
    youth: dict[str, Any] = case.get("youth") or {}
    return youth.get("full_name")


def _newest_first(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(sessions, key=lambda s: (s["held_on"], s.get("recorded_at") or ""), reverse=True)


def _goals(pair: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal with its status and its latest note, in the order the pair was given them."""
    latest = {note["goal"]: note["note"] for note in pair.get("goal_notes", []) if note.get("note")}
    return [goal | {"note": latest.get(goal["goal"], "")} for goal in pair["goals"]]


def _summary(pair: dict[str, Any]) -> dict[str, Any]:
    """What a card and the pair page say at a glance: last session and goals reached."""
    sessions = _newest_first(pair["sessions"])
    goals = pair["goals"]
    return {
        "last_session": sessions[0]["held_on"] if sessions else None,
        "sessions": len(sessions),
        "achieved": sum(1 for goal in goals if goal["status"] == GoalStatus.ACHIEVED.value),
        "goals": len(goals),
    }


# -- lists


@router.get("/ui/pairs")
def pairs_page(visit: SignedIn, status: str = "", cursor: str = "") -> Response:
    """A mentor's youths, or the pairs station staff (and readers of cases) may see."""
    caller = visit.caller
    assert caller is not None
    chosen = status if status in {s.value for s in PairStatus} else ""
    where = PairFilter(status=chosen or None)
    try:
        found = visit.front.list_pairs(caller, where, limit=PAGE_SIZE, cursor=cursor or None, consistent_with=None)
    except InvalidValue:  # a cursor not of this list's making
        raise NotFound("no such page") from None
    if visit.principal.role is Role.MENTOR:
        cards = []
        for item in found["items"]:
            pair = _pair(visit, UUID(item["id"]))
            youth = _youth_name(visit, pair)
            cards.append({"id": item["id"], "status": pair["status"], "youth": youth, **_summary(pair)})
        return visit.render("mentoring/my_youths.html", cards=cards, next_cursor=found["next_cursor"])
    return visit.render(
        "mentoring/pairs.html",
        items=found["items"],
        chosen_status=chosen,
        statuses=[s.value for s in PairStatus],
        next_cursor=found["next_cursor"],
    )


# -- matching a volunteer with a case (before `/ui/pairs/{pair_id}`, which would take "new")


def _match_form(visit: Visit, case_id: UUID, values: dict[str, str], again: Attempt | None = None) -> Response:
    assert visit.caller is not None
    case = visit.front.get_case(visit.caller, case_id, version=None, as_of=None)
    volunteers = visit.front.list_volunteers(
        visit.caller,
        VolunteerFilter(active=True, screened=True),
        limit=VOLUNTEER_CHOICES,
        cursor=None,
        consistent_with=None,
    )
    return visit.render(
        "mentoring/match.html",
        case=case,
        volunteers=[(v["id"], v["display_name"]) for v in volunteers["items"]],
        **form_state(again, values),
    )


@router.get("/ui/pairs/new")
def match_page(visit: SignedIn, case_id: UUID) -> Response:
    if not _may(visit, Action.PAIR_MATCH):
        raise Forbidden("pairs are matched by station staff")
    assert visit.caller is not None
    case = visit.front.get_case(visit.caller, case_id, version=None, as_of=None)
    goals = "\n".join(case.get("plan") or [])
    return _match_form(
        visit, case_id, {"case_id": str(case_id), "goals": goals, "started_on": visit.words.today().isoformat()}
    )


@router.post("/ui/pairs/new")
def match(visit: SignedIn, form: Form) -> Response:
    caller = visit.caller
    assert caller is not None
    return submitted(
        visit,
        form,
        read_form(visit, form, ("case_id", "volunteer_id", "goals", "started_on"), lines=("goals",)),
        MatchPair,
        lambda fields, _: visit.front.match_pair(caller, **fields),
        then=lambda written: f"/ui/pairs/{written.id}?done=mentoring.pair_matched",
        again=lambda result: _match_form(visit, case_of(form), {}, result),
    )


# -- the pair


def _pair_page(visit: Visit, pair_id: UUID, again: Attempt | None = None) -> Response:
    pair = _pair(visit, pair_id)
    volunteer = None
    if visit.principal.role is not Role.MENTOR and _may(visit, Action.VOLUNTEER_READ):
        assert visit.caller is not None
        volunteer = visit.front.get_volunteer(visit.caller, UUID(pair["volunteer_id"]), version=None, as_of=None)
    return visit.render(
        "mentoring/pair.html",
        pair=pair,
        youth=_youth_name(visit, pair),
        volunteer=volunteer,
        summary=_summary(pair),
        goals=_goals(pair),
        sessions=_newest_first(pair["sessions"]),
        may_log=_may(visit, Action.PAIR_LOG) and pair["status"] == PairStatus.ACTIVE.value,
        may_goal=_may(visit, Action.PAIR_LOG) and pair["status"] != PairStatus.CLOSED.value,
        may_manage=_may(visit, Action.PAIR_MANAGE) and pair["status"] != PairStatus.CLOSED.value,
        may_read_case=_may(visit, Action.CASE_READ),
        **form_state(again, None),
    )


@router.get("/ui/pairs/{pair_id}")
def pair_page(pair_id: UUID, visit: SignedIn) -> Response:
    return _pair_page(visit, pair_id)


def _on_pair(
    visit: Visit,
    form: FormData,
    pair_id: UUID,
    body: dict[str, Any],
    model: type[BaseModel] | None,
    command: Callable[[dict[str, Any], int | None], Written],
    done: str,
    again: Callable[[Attempt], Response],
) -> Response:
    """Run one of the pair's commands from its form: back to the pair saying `done`, or the form again."""
    return submitted(
        visit,
        form,
        body,
        model,
        command,
        then=lambda _: f"/ui/pairs/{pair_id}?done=mentoring.{done}",
        again=again,
        record=("pair", pair_id),
    )


@router.post("/ui/pairs/{pair_id}/status")
def change_status(pair_id: UUID, visit: SignedIn, form: Form) -> Response:
    """Pause, resume or close the pair (station staff); pausing and closing give a reason."""
    caller = visit.caller
    assert caller is not None
    front, action = visit.front, text(form, "action")

    def again(result: Attempt) -> Response:
        return _pair_page(visit, pair_id, result)

    def resume(_: dict[str, Any], version: int | None) -> Written:
        return front.resume_pair(caller, pair_id, expected_version=version)

    if action == "resume":
        return _on_pair(visit, form, pair_id, {}, None, resume, "pair_resumed", again)
    if action not in ("pause", "close"):
        raise NotFound("no such change of a pair")
    change = front.pause_pair if action == "pause" else front.close_pair
    return _on_pair(
        visit,
        form,
        pair_id,
        read_form(visit, form, ("reason",)),
        Reason,
        lambda fields, v: change(caller, pair_id, reason=fields["reason"], expected_version=v),
        f"pair_{action}d",
        again,
    )


# -- logging a session


# The session form names two fields in its own words: the shared labels fit other forms
# ("progress" there is a percentage), so errors on them are said with the form's labels too.
SESSION_LABELS = {"held_on": "mentoring.session.held_on", "progress": "mentoring.session.progress"}


def _relabelled(visit: Visit, errors: list[Shown]) -> list[Shown]:
    words = visit.words
    return [
        Shown(e.field, e.text.replace(words.gettext(f"field.{e.field}"), words.gettext(SESSION_LABELS[e.field])))
        if e.field in SESSION_LABELS
        else e
        for e in errors
    ]


def _session_form(visit: Visit, pair_id: UUID, values: dict[str, str], again: Attempt | None = None) -> Response:
    pair = _pair(visit, pair_id)
    state = form_state(again, values)
    state["errors"] = _relabelled(visit, state["errors"])
    return visit.render(
        "mentoring/session.html",
        pair=pair,
        youth=_youth_name(visit, pair),
        modes=[m.value for m in SessionMode],
        progress=PROGRESS,
        **state,
    )


@router.get("/ui/pairs/{pair_id}/session")
def session_page(pair_id: UUID, visit: SignedIn) -> Response:
    return _session_form(
        visit, pair_id, {"held_on": visit.words.today().isoformat(), "mode": SessionMode.IN_PERSON.value}
    )


@router.post("/ui/pairs/{pair_id}/session")
def log_session(pair_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller = visit.caller
    assert caller is not None
    return _on_pair(
        visit,
        form,
        pair_id,
        read_form(visit, form, SESSION_FIELDS, numbers=("duration_minutes", "progress")),
        SessionBody,
        lambda fields, v: visit.front.log_session(caller, pair_id, expected_version=v, **fields),
        "session_logged",
        lambda result: _session_form(visit, pair_id, {}, result),
    )


# -- a goal's progress


def _goal_form(visit: Visit, pair_id: UUID, goal: str | None, again: Attempt | None = None) -> Response:
    pair = _pair(visit, pair_id)
    goals = _goals(pair)
    chosen = next((g for g in goals if g["goal"] == goal), None)
    values = {"goal": chosen["goal"], "status": chosen["status"]} if chosen else {}
    return visit.render(
        "mentoring/goals.html",
        pair=pair,
        youth=_youth_name(visit, pair),
        goals=goals,
        chosen=chosen,
        statuses=[s.value for s in GoalStatus],
        versioned=_may(visit, Action.PAIR_HISTORY),
        **form_state(again, values),
    )


@router.get("/ui/pairs/{pair_id}/goals")
def goals_page(pair_id: UUID, visit: SignedIn, goal: int | None = None) -> Response:
    """The pair's goals to choose from, or (`goal` = its place in the list) one goal's form."""
    goals = _pair(visit, pair_id)["goals"]
    named = goals[goal]["goal"] if goal is not None and 0 <= goal < len(goals) else None
    return _goal_form(visit, pair_id, named)


@router.post("/ui/pairs/{pair_id}/goals")
def update_goal(pair_id: UUID, visit: SignedIn, form: Form) -> Response:
    caller = visit.caller
    assert caller is not None
    return _on_pair(
        visit,
        form,
        pair_id,
        read_form(visit, form, ("goal", "status", "note")),
        GoalProgressBody,
        lambda fields, v: visit.front.update_goal(caller, pair_id, expected_version=v, **fields),
        "goal_updated",
        lambda result: _goal_form(visit, pair_id, text(form, "goal"), result),
    )

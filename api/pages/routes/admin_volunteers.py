"""Admin pages for the volunteer registry: list, register, screen, record a training,
deactivate and reactivate (each at the version the page was loaded at)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.pages.forms import Attempt, attempt, read_form
from api.pages.routes.admin import PAGE_SIZE, Failed, answer, choices, forms, managing
from api.pages.web import Form, PageRoute, SignedIn, Visit
from api.schemas import RegisterVolunteer, Screening, TrainingRecord
from application.access.policy import Action
from application.base import Written
from application.errors import NotFound
from application.views.lists import VolunteerFilter
from domain.volunteer import VolunteerKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VOLUNTEERS = "/ui/admin/volunteers"
VOLUNTEER_FORMS = ("screening", "training", "status")
# by address: the front door's method, the page's form it comes from, what it posts, its model,
# and the flash it ends with
COMMANDS: dict[str, tuple[str, str, tuple[str, ...], type[BaseModel] | None, str]] = {
    "screening": ("screen_volunteer", "screening", ("passed", "notes"), Screening, "volunteer_screened"),
    "trainings": (
        "record_training",
        "training",
        ("course", "completed_on", "hours"),
        TrainingRecord,
        "training_recorded",
    ),
    "deactivation": ("deactivate_volunteer", "status", (), None, "volunteer_deactivated"),
    "reactivation": ("reactivate_volunteer", "status", (), None, "volunteer_reactivated"),
}


@router.get(VOLUNTEERS)
def volunteers_page(visit: SignedIn, cursor: str | None = None) -> Response:
    """Every volunteer by name, a page at a time."""
    caller = managing(visit, Action.VOLUNTEER_WRITE)
    found = visit.front.list_volunteers(caller, VolunteerFilter(), limit=PAGE_SIZE, cursor=cursor, consistent_with=None)
    return visit.render("admin/volunteers.html", items=found["items"], next_cursor=found.get("next_cursor"))


@router.get(f"{VOLUNTEERS}/new")
def new_volunteer_page(visit: SignedIn) -> Response:
    return _new_volunteer(visit, Attempt())


def _new_volunteer(visit: Visit, again: Attempt) -> Response:
    managing(visit, Action.VOLUNTEER_WRITE)
    kinds = choices(visit.words, VolunteerKind)
    return visit.render("admin/volunteer_new.html", status=again.status, again=again, kinds=kinds)


@router.post(f"{VOLUNTEERS}/new")
def register_volunteer(visit: SignedIn, form: Form) -> Response:
    caller = managing(visit, Action.VOLUNTEER_WRITE)
    body = read_form(visit, form, ("full_name", "kind", "skills", "phone"), lines=("skills",))
    register = visit.front.register_volunteer
    done = attempt(visit, form, body, RegisterVolunteer, lambda fields, _: register(caller, **fields))
    to = lambda written: f"{VOLUNTEERS}/{written.id}?done=admin.volunteer_registered"  # noqa: E731
    return answer(visit, done, lambda again: _new_volunteer(visit, again), to)


@router.get(f"{VOLUNTEERS}/{{volunteer_id}}")
def volunteer_page(visit: SignedIn, volunteer_id: UUID) -> Response:
    return _volunteer_page(visit, volunteer_id)


def _volunteer_page(visit: Visit, volunteer_id: UUID, failed: Failed | None = None) -> Response:
    caller = managing(visit, Action.VOLUNTEER_WRITE)
    volunteer = visit.front.get_volunteer(caller, volunteer_id, version=None, as_of=None)
    shown, status = forms(VOLUNTEER_FORMS, failed)
    return visit.render("admin/volunteer.html", status=status, volunteer=volunteer, forms=shown)


@router.post(f"{VOLUNTEERS}/{{volunteer_id}}/{{command}}")
def volunteer_command(visit: SignedIn, volunteer_id: UUID, command: str, form: Form) -> Response:
    """Screen, record a training, deactivate or reactivate, at the version the page showed."""
    caller = managing(visit, Action.VOLUNTEER_WRITE)
    if command not in COMMANDS:
        raise NotFound(f"no page at {visit.request.url.path}")
    verb, part, names, model, done_key = COMMANDS[command]
    run = getattr(visit.front, verb)

    def send(fields: dict[str, Any], version: int | None) -> Written:
        written: Written = run(caller, volunteer_id, expected_version=version, **fields)
        return written

    body = read_form(visit, form, names, choices=("passed",), numbers=("hours",))
    done = attempt(visit, form, body, model, send, record=("volunteer", volunteer_id))
    again = lambda failed: _volunteer_page(visit, volunteer_id, (part, failed))  # noqa: E731
    return answer(visit, done, again, lambda _: f"{VOLUNTEERS}/{volunteer_id}?done=admin.{done_key}")

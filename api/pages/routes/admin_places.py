"""Admin pages for stations and departments: list, register, rename (with the version the form
was loaded at), deactivate. The two differ only in their fields, so one set of routes serves both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.pages.forms import attempt, read_form
from api.pages.routes.admin import ALL_AT_ONCE, PAGE_SIZE, Failed, answer, choices, every, forms, managing
from api.pages.web import Form, PageRoute, SignedIn, Visit
from api.schemas import RegisterDepartment, RegisterStation, Rename
from application.access.policy import Action
from application.base import Written
from domain.organisation import DepartmentKind, StationKind, StationLevel

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class Place:
    """A kind of place the admin registers: the front door's methods are named after `kind`."""

    kind: str  # "station" or "department"
    plural: str
    model: type[BaseModel]
    fields: tuple[str, ...]
    kinds: type[Enum]
    action: Action

    @property
    def path(self) -> str:
        return f"/ui/admin/{self.plural}"

    def front(self, visit: Visit, verb: str) -> Any:
        return getattr(visit.front, verb.format(kind=self.kind))


STATIONS = Place(
    "station",
    "stations",
    RegisterStation,
    ("name", "kind", "level", "parent_id"),
    StationKind,
    Action.STATION_WRITE,
)
DEPARTMENTS = Place(
    "department", "departments", RegisterDepartment, ("name", "kind"), DepartmentKind, Action.DEPARTMENT_WRITE
)


def _listed(visit: Visit, place: Place, cursor: str | None, limit: int) -> dict[str, Any]:
    read = place.front(visit, "list_{kind}s")
    found: dict[str, Any] = read(visit.caller, limit=limit, cursor=cursor, consistent_with=None)
    return found


def _stations(visit: Visit) -> list[dict[str, Any]]:
    return every(lambda cursor: _listed(visit, STATIONS, cursor, ALL_AT_ONCE))


def _station_names(visit: Visit) -> dict[str, str]:
    """Every station's name by id: parents are named, not numbered."""
    return {item["id"]: item["name"] for item in _stations(visit)}


def _options(visit: Visit, place: Place) -> dict[str, Any]:
    options: dict[str, Any] = {"kinds": choices(visit.words, place.kinds)}
    if place is STATIONS:
        options["levels"] = choices(visit.words, StationLevel)
        options["parents"] = [(item["id"], item["name"]) for item in _stations(visit) if item["active"]]
    return options


def _list_page(visit: Visit, place: Place, cursor: str | None) -> Response:
    managing(visit, place.action)
    found = _listed(visit, place, cursor, PAGE_SIZE)
    names = _station_names(visit) if place is STATIONS else {}
    return visit.render(
        "admin/places.html", place=place, items=found["items"], next_cursor=found.get("next_cursor"), names=names
    )


def _new_page(visit: Visit, place: Place, failed: Failed | None = None) -> Response:
    managing(visit, place.action)
    shown, status = forms(("register",), failed)
    return visit.render(
        "admin/place_new.html", status=status, place=place, again=shown["register"], **_options(visit, place)
    )


def _register(visit: Visit, place: Place, form: Form) -> Response:
    caller = managing(visit, place.action)
    body = read_form(visit, form, place.fields)
    register = place.front(visit, "register_{kind}")
    done = attempt(visit, form, body, place.model, lambda fields, _: register(caller, **fields))
    again = lambda failed: _new_page(visit, place, ("register", failed))  # noqa: E731
    return answer(visit, done, again, lambda written: f"{place.path}/{written.id}?done=admin.{place.kind}_registered")


def _record_page(visit: Visit, place: Place, record_id: UUID, failed: Failed | None = None) -> Response:
    caller = managing(visit, place.action)
    record = place.front(visit, "get_{kind}")(caller, record_id, version=None, as_of=None)
    shown, status = forms(("rename", "deactivate"), failed)
    parent = record.get("parent_id")
    parent_name = _station_names(visit).get(parent, parent) if parent else None
    return visit.render(
        "admin/place.html", status=status, place=place, record=record, parent_name=parent_name, forms=shown
    )


def _change(visit: Visit, place: Place, record_id: UUID, form: Form, verb: str, done_key: str) -> Response:
    """Rename (`verb` "rename_{kind}", the form carries `name`) or deactivate, at the form's version."""
    caller = managing(visit, place.action)
    command = place.front(visit, verb)
    renaming = verb.startswith("rename")
    body = read_form(visit, form, ("name",)) if renaming else {}

    def run(fields: dict[str, Any], version: int | None) -> Written:
        written: Written = command(caller, record_id, expected_version=version, **fields)
        return written

    done = attempt(visit, form, body, Rename if renaming else None, run, record=(place.kind, record_id))
    again = lambda failed: _record_page(visit, place, record_id, ("rename" if renaming else "deactivate", failed))  # noqa: E731
    return answer(visit, done, again, lambda _: f"{place.path}/{record_id}?done=admin.{place.kind}_{done_key}")


def _routes(place: Place) -> None:
    """The same five addresses for each kind of place."""
    path = place.path

    @router.get(path, name=f"admin_{place.plural}")
    def list_page(visit: SignedIn, cursor: str | None = None) -> Response:
        return _list_page(visit, place, cursor)

    @router.get(f"{path}/new", name=f"admin_new_{place.kind}")
    def new_page(visit: SignedIn) -> Response:
        return _new_page(visit, place)

    @router.post(f"{path}/new", name=f"admin_register_{place.kind}")
    def register(visit: SignedIn, form: Form) -> Response:
        return _register(visit, place, form)

    @router.get(f"{path}/{{record_id}}", name=f"admin_{place.kind}")
    def record_page(visit: SignedIn, record_id: UUID) -> Response:
        return _record_page(visit, place, record_id)

    @router.post(f"{path}/{{record_id}}/name", name=f"admin_rename_{place.kind}")
    def rename(visit: SignedIn, record_id: UUID, form: Form) -> Response:
        return _change(visit, place, record_id, form, "rename_{kind}", "renamed")

    @router.post(f"{path}/{{record_id}}/deactivation", name=f"admin_deactivate_{place.kind}")
    def deactivate(visit: SignedIn, record_id: UUID, form: Form) -> Response:
        return _change(visit, place, record_id, form, "deactivate_{kind}", "deactivated")


_routes(STATIONS)
_routes(DEPARTMENTS)

"""The case's command forms, each on its own page: assess risk, assign a case worker, log an
intervention, record consent, reopen. Each posts, then goes back to the case page with a flash
(post-redirect-get); what goes wrong is shown on its field, with everything typed kept.

The risk, assignment and reopening forms carry the case's version: when someone else saved the
case first, the form comes back with what they changed and what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from api.pages.forms import Attempt, attempt, read_form
from api.pages.routes.cases import options
from api.pages.web import Form, PageRoute, SignedIn, Visit
from api.schemas import Assignment, ConsentBody, InterventionBody, Reason, RiskAssessmentBody
from application.access.policy import Action
from application.base import Written
from domain.organisation import DepartmentKind
from domain.youth_case import ALL_SHARING, ConsentGiver, InterventionKind, RiskLevel

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DEPARTMENTS_SHOWN = 200  # a district's departments, to give consent for one of them by name


@dataclass(frozen=True)
class CaseForm:
    """One command's form: its page, the API model that checks it, and how it is sent."""

    name: str  # the address under the case, the template under `cases/`, and the words' prefix
    action: Action  # what the front door must allow for the form to be offered
    model: type[BaseModel]
    fields: tuple[str, ...]
    command: str  # the front door's method, called as the API's router calls it
    versioned: bool = False
    moments: tuple[str, ...] = ()  # `datetime-local` fields, read in the district's time zone
    numbers: tuple[str, ...] = ()  # number fields, sent as numbers
    choices: tuple[str, ...] = ()  # yes-or-no radio buttons (`true`/`false`); unchosen is missing


RISK = CaseForm(
    "risk",
    Action.CASE_WORK,
    RiskAssessmentBody,
    ("instrument", "score", "level", "notes"),
    "assess_risk",
    versioned=True,
    numbers=("score",),
)
ASSIGNMENT = CaseForm(
    "assignment",
    Action.CASE_ASSIGN,
    Assignment,
    ("case_worker_id",),
    "assign_case",
    versioned=True,
)
INTERVENTION = CaseForm(
    "intervention",
    Action.CASE_WORK,
    InterventionBody,
    ("kind", "occurred_at", "duration_minutes", "notes", "performed_by"),
    "log_intervention",
    moments=("occurred_at",),
    numbers=("duration_minutes",),
)
CONSENT = CaseForm(
    "consent",
    Action.CASE_WORK,
    ConsentBody,
    ("scope", "given_by", "giver"),
    "record_consent",
    choices=("granted",),
)
REOPENING = CaseForm(
    "reopening",
    Action.CASE_WORK,
    Reason,
    ("reason",),
    "reopen_case",
    versioned=True,
)


def _show(visit: Visit, case_id: UUID, spec: CaseForm, typed: Attempt | None = None) -> Response:
    """The form's page: as first loaded (with the case's version and any defaults), or as typed."""
    assert visit.caller is not None
    visit.front.record(visit.caller, spec.action, "case", case_id)  # Forbidden/NotFound: a page says so
    case = visit.front.get_case(visit.caller, case_id, version=None, as_of=None)
    if typed is None:
        typed = Attempt(values=_defaults(visit, spec) | {"version": str(case["version"])})
    return visit.render(
        f"cases/{spec.name}.html",
        status=typed.status,
        case=case,
        values=typed.values,
        errors=typed.errors,
        conflict=typed.conflict,
        versioned=spec.versioned,
        form_name=spec.name,
        **_choices(visit, spec),
    )


def _defaults(visit: Visit, spec: CaseForm) -> dict[str, str]:
    if spec is INTERVENTION:
        now = datetime.now(visit.words.zone).replace(second=0, microsecond=0, tzinfo=None)
        return {"occurred_at": now.isoformat(timespec="minutes"), "performed_by": visit.principal.username}
    return {}


def _choices(visit: Visit, spec: CaseForm) -> dict[str, Any]:
    """The options of the form's lists (kinds from the domain's enums; departments by name)."""
    if spec is RISK:
        return {"level_options": options(visit, RiskLevel)}
    if spec is INTERVENTION:
        return {"kind_options": options(visit, InterventionKind), "latest": _defaults(visit, spec)["occurred_at"]}
    if spec is CONSENT:
        assert visit.caller is not None
        departments = visit.front.list_departments(
            visit.caller, limit=DEPARTMENTS_SHOWN, cursor=None, consistent_with=None
        )
        words, kinds = visit.words, options(visit, DepartmentKind)
        active = [department for department in departments["items"] if department["active"]]
        return {
            "scope_options": [
                (ALL_SHARING, words.gettext("cases.consent.scope_all")),
                *((kind, words.gettext("cases.consent.scope_kind", kind=label)) for kind, label in kinds),
                *((d["id"], words.gettext("cases.consent.scope_department", name=d["name"])) for d in active),
            ],
            "giver_options": options(visit, ConsentGiver),
        }
    return {}


def _send(visit: Visit, case_id: UUID, form: FormData, spec: CaseForm) -> Response:
    """Run the form's command; back to the case page with a flash, or the form again as typed."""
    assert visit.caller is not None
    caller = visit.caller
    # a choice left blank stays missing: a consent is never withdrawn by leaving it unchosen
    names = spec.fields + spec.choices
    body = read_form(visit, form, names, choices=spec.choices, numbers=spec.numbers, moments=spec.moments)
    result = attempt(
        visit,
        form,
        body,
        spec.model,
        lambda fields, version: getattr(visit.front, spec.command)(
            caller, case_id, expected_version=version if spec.versioned else None, **fields
        ),
        record=("case", case_id),
    )
    if isinstance(result, Written):
        return visit.redirect(f"/ui/cases/{case_id}?done=cases.{spec.name}.done")
    return _show(visit, case_id, spec, result)


def _routes(spec: CaseForm) -> None:
    """The form's page (GET) and its sending (POST), at `/ui/cases/{id}/<name>`."""

    def show(case_id: UUID, visit: SignedIn) -> Response:
        return _show(visit, case_id, spec)

    def send(case_id: UUID, visit: SignedIn, form: Form) -> Response:
        return _send(visit, case_id, form, spec)

    path = f"/ui/cases/{{case_id}}/{spec.name}"
    router.add_api_route(path, show, methods=["GET"], name=f"case_{spec.name}_form")
    router.add_api_route(path, send, methods=["POST"], name=f"case_{spec.name}")


for _spec in (RISK, ASSIGNMENT, INTERVENTION, CONSENT, REOPENING):
    _routes(_spec)

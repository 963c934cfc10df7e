"""Sealing a minor's case record, reading a sealed one for a stated purpose, unsealing it, and
erasing a case's personal data for good.

- `/ui/cases/{id}/seal`: the station's lead or a coordinator of its area seals the case; the form
  is sent twice (once to check what was typed, once confirmed), so the confirmation needs no
  JavaScript. From then on station staff find nothing there.
- `/ui/cases/{id}/sealed?purpose=`: a coordinator of its area or an auditor states why they read the
  sealed case, then reads the case page with that purpose carried on every read (the read log keeps
  it). The case page sends them here from `/ui/cases/{id}`; anyone else gets the 404 page there.
- `/ui/cases/{id}/unseal`: a coordinator of its area unseals it, confirmed the same way.
- `/ui/admin/erasure`: an admin erases the youth's personal data of a case named by its id, typed
  twice; the admin sees no case content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import get_purpose
from api.pages.errors import Shown, shown
from api.pages.forms import Attempt, attempt, read_form, typed
from api.pages.routes.admin import managing
from api.pages.routes.cases import sealed_for_a_purpose, show_case
from api.pages.web import Form, PageRoute, SignedIn, Visit, text
from api.schemas import DIGITS, SealBody
from application.access.policy import Action
from application.base import Written
from application.errors import InvalidValue, NotFound

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SEAL_FIELDS = ("legal_basis", "reason")
ERASURE = "/ui/admin/erasure"


@dataclass(frozen=True)
class SealForm:
    """Sealing or unsealing: the address under the case (and the words' prefix), what the front
    door must allow, its method, and where the page goes once it is done."""

    name: str
    action: Action
    command: str
    then: str  # `{id}` is the case's id


SEAL = SealForm("seal", Action.CASE_SEAL, "seal_case", "/?done=sealing.sealed")
UNSEAL = SealForm("unseal", Action.CASE_UNSEAL, "unseal_case", "/ui/cases/{id}?done=sealing.unsealed")


def _seal_page(visit: Visit, case_id: UUID, spec: SealForm, again: Attempt, *, confirming: bool = False) -> Response:
    """The form (as first loaded or as typed, with what is wrong), or the same values to confirm.

    Sealing reads the case (whoever seals it may read it) to name it and carry its version; an
    unsealing coordinator has stated no purpose here, so that page shows no case content."""
    assert visit.caller is not None
    visit.front.record(visit.caller, spec.action, "case", case_id)  # Forbidden/NotFound: a page says so
    case = visit.front.get_case(visit.caller, case_id, version=None, as_of=None) if spec is SEAL else None
    if case is not None and "version" not in again.values:
        again.values["version"] = str(case["version"])
    return visit.render(
        "sealing/seal.html",
        status=again.status,
        form_name=spec.name,
        case_id=case_id,
        case=case,
        values=again.values,
        errors=again.errors,
        conflict=again.conflict,
        confirming=confirming,
    )


def _send(visit: Visit, case_id: UUID, form: FormData, spec: SealForm) -> Response:
    """Checked and not yet confirmed: the confirmation; confirmed: the command; changing one's
    mind on the confirmation: the form again, as typed."""
    assert visit.caller is not None
    caller = visit.caller
    body = read_form(visit, form, SEAL_FIELDS)
    again = Attempt(values=typed(form))
    answer = text(form, "confirm")
    if answer != "yes":
        try:
            SealBody.model_validate(body)
        except ValidationError as error:
            again.errors, again.status = shown(visit.words, error), 422
            return _seal_page(visit, case_id, spec, again)
        return _seal_page(visit, case_id, spec, again, confirming=answer != "no")
    result = attempt(
        visit,
        form,
        body,
        SealBody,
        lambda fields, version: getattr(visit.front, spec.command)(caller, case_id, expected_version=version, **fields),
        record=("case", case_id),
    )
    if isinstance(result, Written):
        return visit.redirect(spec.then.format(id=case_id))
    return _seal_page(visit, case_id, spec, result)


def _routes(spec: SealForm) -> None:
    path = f"/ui/cases/{{case_id}}/{spec.name}"

    def show(case_id: UUID, visit: SignedIn) -> Response:
        return _seal_page(visit, case_id, spec, Attempt())

    def send(case_id: UUID, visit: SignedIn, form: Form) -> Response:
        return _send(visit, case_id, form, spec)

    router.add_api_route(path, show, methods=["GET"], name=f"case_{spec.name}_form")
    router.add_api_route(path, send, methods=["POST"], name=f"case_{spec.name}")


for _spec in (SEAL, UNSEAL):
    _routes(_spec)


@router.get("/ui/cases/{case_id}/sealed")
def sealed_case_page(
    case_id: UUID,
    visit: SignedIn,
    purpose: str | None = None,
    after_position: Annotated[int, Query(ge=0, le=2**63 - 1), DIGITS] = 0,
) -> Response:
    """A sealed case, read with the purpose stated (the same checks as the API's `?purpose=`);
    without one, the form asking for it. Whoever may not read it so finds nothing here."""
    assert visit.caller is not None
    if not sealed_for_a_purpose(visit, case_id):
        # a case that is not sealed is read at its own address; anyone else finds nothing (NotFound)
        visit.front.record(visit.caller, Action.CASE_READ, "case", case_id)
        return visit.redirect(f"/ui/cases/{case_id}")
    errors: list[Shown] = []
    if purpose is not None:
        try:
            stated = get_purpose(purpose, None)
        except InvalidValue as error:
            errors = shown(visit.words, error)
        else:
            if stated is not None:
                return show_case(visit, case_id, after_position=after_position, purpose=stated)
            errors = [Shown("purpose", visit.words.gettext("sealing.read.purpose_missing"))]
    return visit.render(
        "sealing/purpose.html",
        status=422 if errors else 200,
        case_id=case_id,
        purpose=purpose or "",
        errors=errors,
    )


@router.get(ERASURE)
def erasure_page(visit: SignedIn, erased: str | None = None) -> Response:
    """The form to erase a case's personal data; after an erasure, what was done."""
    return _erasure_page(visit, Attempt(), erased=_uuid(erased or ""))


def _erasure_page(visit: Visit, again: Attempt, *, erased: UUID | None = None) -> Response:
    managing(visit, Action.CASE_ERASE)
    return visit.render("sealing/erasure.html", status=again.status, again=again, erased=erased)


@router.post(ERASURE)
def erase(visit: SignedIn, form: Form) -> Response:
    """Erase, once the case id is typed twice the same; a case that is not there is said on its field."""
    caller = managing(visit, Action.CASE_ERASE)
    case_id = _uuid(text(form, "case_id"))
    errors: list[Shown] = []
    if case_id is None:
        errors.append(Shown("case_id", visit.words.gettext("sealing.erasure.bad_case_id")))
    elif _uuid(text(form, "confirm_case_id")) != case_id:
        errors.append(Shown("confirm_case_id", visit.words.gettext("sealing.erasure.not_the_same")))
    body = read_form(visit, form, SEAL_FIELDS)
    if errors or case_id is None:
        try:
            SealBody.model_validate(body)
        except ValidationError as error:
            errors += shown(visit.words, error)
        return _erasure_page(visit, Attempt(values=typed(form), errors=errors, status=422))

    erase_case = visit.front.erase_case
    try:
        result = attempt(
            visit, form, body, SealBody, lambda fields, _: erase_case(caller, case_id, expected_version=None, **fields)
        )
    except NotFound:
        missing = Shown("case_id", visit.words.gettext("sealing.erasure.no_such_case"))
        return _erasure_page(visit, Attempt(values=typed(form), errors=[missing], status=422))
    if isinstance(result, Written):
        return visit.redirect(f"{ERASURE}?done=sealing.erased&erased={case_id}")
    return _erasure_page(visit, result)


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None

"""What the mentoring and referral forms share: run the command, then go on to the record with a
flash, or show the form again as typed; and the case a "new" form was for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from api.pages.forms import Attempt, attempt
from api.pages.web import Visit, text
from application.base import Written
from application.errors import NotFound


def submitted(
    visit: Visit,
    form: FormData,
    body: dict[str, Any],
    model: type[BaseModel] | None,
    command: Callable[[dict[str, Any], int | None], Written],
    *,
    then: Callable[[Written], str],
    again: Callable[[Attempt], Response],
    record: tuple[str, UUID] | None = None,
) -> Response:
    """Post-redirect-get: on success to `then(written)`, otherwise the form `again`, as typed."""
    result = attempt(visit, form, body, model, command, record=record)
    return visit.redirect(then(result)) if isinstance(result, Written) else again(result)


def case_of(form: FormData) -> UUID:
    """The case a form names in its hidden `case_id` (a forged one is a missing page)."""
    try:
        return UUID(text(form, "case_id"))
    except ValueError:
        raise NotFound("no such case") from None


def form_state(again: Attempt | None, values: dict[str, str] | None = None) -> dict[str, Any]:
    """What a page's form shows (and its status): as first loaded with `values`, or again as typed
    with its errors and any conflict."""
    if again is None:
        return {"status": 200, "values": values or {}, "errors": [], "conflict": None}
    return {"status": again.status, "values": again.values, "errors": again.errors, "conflict": again.conflict}

"""A page's form, sent through the same checks and the same front door as the API's JSON.

`read_form` turns the posted fields into the JSON shape the API's request model expects (dotted
names nest, line lists split, check boxes and yes-or-no choices become booleans, a number field's
digits become a number, a district-local time gains its offset): the models take JSON's own types
only, as the API does. `attempt` validates that with the API's own pydantic model and calls the command; what
goes wrong comes back as an `Attempt` to show again: the typed values, each error on its field in
the reader's language, and on a version conflict what someone else changed meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.pages.errors import Shown, shown
from api.pages.web import Visit
from application.base import Written
from application.errors import ConcurrentWrite, Forbidden, StaleVersion
from domain.common import DomainError, RuleViolation

PLAIN_NUMBER = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9})?$")
CONFLICT_CHANGES = 20  # the most changes a conflict lists; a note says when there are more


@dataclass
class Conflict:
    """Someone saved the record after the form was loaded: what they changed, from the history."""

    expected: int
    current: int
    events: list[dict[str, Any]]
    more: bool


@dataclass
class Attempt:
    """A form to show again: what was typed, what is wrong, and any conflict."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[Shown] = field(default_factory=list)
    conflict: Conflict | None = None
    status: int = 200

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def typed(form: FormData) -> dict[str, str]:
    """Every text field as typed, to put back into the form (never the CSRF token or a password)."""
    return {
        name: value
        for name, value in form.multi_items()
        if isinstance(value, str) and name != "csrf" and "password" not in name
    }


def read_form(
    visit: Visit,
    form: FormData,
    names: Iterable[str],
    *,
    lines: Iterable[str] = (),
    checks: Iterable[str] = (),
    choices: Iterable[str] = (),
    numbers: Iterable[str] = (),
    moments: Iterable[str] = (),
) -> dict[str, Any]:
    """The JSON body the API would receive. Blank optional fields are left out (the model's
    default applies); `lines` are one item per line; `checks` are check boxes; `choices` are
    yes-or-no radio buttons (`true`/`false`); `numbers` are number fields (plain digits, perhaps
    with a decimal point, become a number; anything else is left for the model to refuse);
    `moments` are `datetime-local` values read in the district's time zone."""
    body: dict[str, Any] = {}
    line_names, check_names, moment_names = set(lines), set(checks), set(moments)
    choice_names, number_names = set(choices), set(numbers)
    for name in names:
        raw = form.get(name)
        value: Any = raw.strip() if isinstance(raw, str) else ""
        if name in check_names:
            value = value in ("on", "true", "1", "yes")
        elif name in line_names:
            value = [line.strip() for line in value.splitlines() if line.strip()]
            if not value:
                continue
        elif value == "":
            continue
        elif name in choice_names and value in ("true", "false"):
            value = value == "true"
        elif name in number_names and PLAIN_NUMBER.match(value):
            value = Decimal(value) if "." in value else int(value)
        elif name in moment_names:
            value = _local_moment(value, visit)
        _put(body, name.split("."), value)
    return body


def _local_moment(value: str, visit: Visit) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the model names it as not a date and time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=visit.words.zone)
    return moment.isoformat()


def _put(body: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        body = body.setdefault(part, {})
    body[path[-1]] = value


def expected_version(form: FormData) -> int | None:
    """The version the form was loaded at (hidden field `version`), if it carries one."""
    raw = form.get("version")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) <= 18 else None


def attempt(
    visit: Visit,
    form: FormData,
    body: dict[str, Any],
    model: type[BaseModel] | None,
    command: Callable[[dict[str, Any], int | None], Written],
    *,
    record: tuple[str, UUID] | None = None,
) -> Written | Attempt:
    """Validate `body` with the API's `model` and run `command(fields, expected_version)`.

    `record` (kind, id) is the record the form changes: on a version conflict its history since
    the form's version is fetched (a logged read, like any other) to show what changed.
    """
    again = Attempt(values=typed(form))
    try:
        fields = model.model_validate(body).model_dump() if model is not None else body
        return command(fields, expected_version(form))
    except ValidationError as error:
        again.errors, again.status = shown(visit.words, error), 422
    except StaleVersion as stale:
        again.status = 409
        again.errors = [Shown(None, visit.words.gettext("error.stale_version"))]
        again.conflict = _conflict(visit, record, stale)
        again.values["version"] = str(stale.current)  # sending it again now applies it over the change
    except (RuleViolation, ConcurrentWrite) as error:
        again.errors, again.status = shown(visit.words, error), 409
    except DomainError as error:  # invalid values
        again.errors, again.status = shown(visit.words, error), 422
    return again


def _conflict(visit: Visit, record: tuple[str, UUID] | None, stale: StaleVersion) -> Conflict:
    if record is None or visit.caller is None:
        return Conflict(stale.expected, stale.current, [], False)
    kind, record_id = record
    try:
        found = visit.front.history(visit.caller, kind, record_id, after_version=stale.expected, limit=CONFLICT_CHANGES)
    except Forbidden:  # a role that may change a record but not read its history is told only that it changed
        return Conflict(stale.expected, stale.current, [], False)
    return Conflict(stale.expected, stale.current, found["events"], found["next_after_version"] is not None)


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


def form_state(again: Attempt | None, values: dict[str, str] | None = None) -> dict[str, Any]:
    """What a page's form shows (and its status): as first loaded with `values`, or again as typed
    with its errors and any conflict."""
    if again is None:
        return {"status": 200, "values": values or {}, "errors": [], "conflict": None}
    return {"status": again.status, "values": again.values, "errors": again.errors, "conflict": again.conflict}

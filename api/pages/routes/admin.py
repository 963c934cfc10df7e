"""What the admin pages share (users and volunteers in `admin_people.py`, stations and departments
in `admin_places.py`; see `api/pages/routes/__init__.py` for the addresses).

The pages are for the roles the policy lets manage the records: anyone else opening one gets
the 403 page, as the front door would refuse them the command anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.pages.forms import Attempt
from api.pages.i18n import Words
from api.pages.web import PageRoute, Visit
from application.access.policy import Action, grant
from application.access.principal import Caller
from application.base import Written
from application.errors import Forbidden
from domain.common import InvalidValue, RuleViolation

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50  # rows a list page shows
ALL_AT_ONCE = 500  # the most a list read answers in one page (choices in a form read every page)


def managing(visit: Visit, action: Action) -> Caller:
    """The caller, when their role may do `action` at all; anyone else gets the 403 page."""
    caller = visit.caller
    assert caller is not None
    if grant(caller.principal.role, action) is None:
        raise Forbidden(f"the {caller.principal.role.value} role may not use the admin pages")
    return caller


def every(read: Callable[[str | None], dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item of a list the front door answers a page at a time."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        found = read(cursor)
        items += found["items"]
        cursor = found.get("next_cursor")
        if not cursor:
            return items


def choices(words: Words, kinds: type[Enum]) -> list[tuple[str, str]]:
    """An enum's values with their labels, for a select."""
    return [(kind.value, words.gettext(f"enum.{kinds.__name__}.{kind.value}")) for kind in kinds]


def raw(form: FormData, name: str) -> str:
    """A field exactly as typed (passwords: a blank at either end is part of them)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def placed(
    command: Callable[[], Written], *, rules: Mapping[str, str] | None = None, fields: Mapping[str, str] | None = None
) -> Written:
    """Run `command`, with a refusal put on the form field it concerns: a rule the front door
    says without a field (`rules`: rule to field), or a field this form names otherwise
    (`fields`: the front door's name to the form's)."""
    try:
        return command()
    except InvalidValue as error:
        if fields and error.field in fields:
            raise InvalidValue(error.message, rule=error.rule, field=fields[error.field]) from error
        raise
    except RuleViolation as error:
        if rules and error.rule in rules:
            raise InvalidValue(error.message, rule=error.rule, field=rules[error.rule]) from error
        raise


Failed = tuple[str, Attempt]  # which of a page's forms was sent, and what went wrong


def forms(names: tuple[str, ...], failed: Failed | None) -> tuple[dict[str, Attempt], int]:
    """What each of a page's forms shows (the one that failed: as typed, with its errors), and
    the page's status."""
    shown = {name: Attempt() for name in names}
    if failed is None:
        return shown, 200
    shown[failed[0]] = failed[1]
    return shown, failed[1].status


def answer(
    visit: Visit, done: Written | Attempt, again: Callable[[Attempt], Response], to: Callable[[Written], str]
) -> Response:
    """The page after a command: its form again (as typed, with what is wrong), or, once it is
    done, the page `to` names with the command's flash (post-redirect-get)."""
    if isinstance(done, Attempt):
        return again(done)
    return visit.redirect(to(done))

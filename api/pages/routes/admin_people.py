"""Admin pages for users (list, create, change role, disable or enable, reset a password) and
every signed-in user's own page to change their password."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.pages.errors import Shown
from api.pages.forms import Attempt, attempt, read_form, typed
from api.pages.routes.admin import ALL_AT_ONCE, PAGE_SIZE, Failed, answer, every, forms, managing, placed, raw
from api.pages.web import SESSION_COOKIE, Form, PageRoute, SignedIn, Visit
from api.schemas import CreateUser, PasswordChange, PasswordReset, RoleChange, UserRole
from application.access.policy import Action
from application.access.principal import Caller
from application.base import Written
from application.errors import NotFound
from application.views.lists import VolunteerFilter
from domain.common import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

USERS = "/ui/admin/users"
USER_FORMS = ("role", "password", "status")
STATUS_CHANGES = {"disable": ("disable_user", "user_disabled"), "enable": ("enable_user", "user_enabled")}


@dataclass
class Scopes:
    """What a user's scope can be: the active stations, departments and volunteers to choose
    from (in labelled groups), and every one's name to show a scope by."""

    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _scopes(visit: Visit, caller: Caller) -> Scopes:
    front = visit.front
    everyone = VolunteerFilter()
    kinds = (
        ("admin.user.scope_stations", "name", lambda c: front.list_stations(caller, **_page(c))),
        ("admin.user.scope_departments", "name", lambda c: front.list_departments(caller, **_page(c))),
        ("admin.user.scope_volunteers", "display_name", lambda c: front.list_volunteers(caller, everyone, **_page(c))),
    )
    scopes = Scopes()
    for label, name, read in kinds:
        items = every(read)
        scopes.names.update((item["id"], item[name]) for item in items)
        scopes.groups.append((visit.words.gettext(label), [(i["id"], i[name]) for i in items if i["active"]]))
    return scopes


def _page(cursor: str | None) -> dict[str, Any]:
    return {"limit": ALL_AT_ONCE, "cursor": cursor, "consistent_with": None}


def _roles(visit: Visit) -> list[tuple[str, str]]:
    return [(role.value, visit.words.gettext(f"role.{role.value}")) for role in UserRole]


@router.get(USERS)
def users_page(visit: SignedIn, cursor: str | None = None) -> Response:
    """Every user, oldest first, a page at a time (the cursor is where the page starts)."""
    caller = managing(visit, Action.USER_MANAGE)
    users = visit.front.list_users(caller)
    start = int(cursor) if cursor and cursor.isdigit() else 0
    more = start + PAGE_SIZE < len(users)
    return visit.render(
        "admin/users.html",
        items=users[start : start + PAGE_SIZE],
        next_cursor=str(start + PAGE_SIZE) if more else None,
        scopes=_scopes(visit, caller),
    )


@router.get(f"{USERS}/new")
def new_user_page(visit: SignedIn, role: str = "", scope_id: str = "") -> Response:
    """The form for a new user; `role` and `scope_id` fill it in (a volunteer's page links here)."""
    return _new_user(visit, Attempt(values={"role": role, "scope_id": scope_id}))


def _new_user(visit: Visit, again: Attempt) -> Response:
    caller = managing(visit, Action.USER_MANAGE)
    return visit.render(
        "admin/user_new.html", status=again.status, again=again, roles=_roles(visit), scopes=_scopes(visit, caller)
    )


@router.post(f"{USERS}/new")
def create_user(visit: SignedIn, form: Form) -> Response:
    caller = managing(visit, Action.USER_MANAGE)
    body = read_form(visit, form, ("username", "display_name", "role", "scope_id"))
    body["password"] = raw(form, "password")

    def create(fields: dict[str, Any], _: int | None) -> Written:
        return placed(
            lambda: visit.front.create_user(caller, **fields | {"role": Role(fields["role"].value)}),
            rules={"username_taken": "username"},
        )

    done = attempt(visit, form, body, CreateUser, create)
    return answer(
        visit, done, lambda again: _new_user(visit, again), lambda w: f"{USERS}/{w.id}?done=admin.user_created"
    )


@router.get(f"{USERS}/{{user_id}}")
def user_page(visit: SignedIn, user_id: UUID) -> Response:
    return _user_page(visit, user_id)


def _user_page(visit: Visit, user_id: UUID, failed: Failed | None = None) -> Response:
    caller = managing(visit, Action.USER_MANAGE)
    user = visit.front.get_user(caller, user_id)
    shown, status = forms(USER_FORMS, failed)
    return visit.render(
        "admin/user.html",
        status=status,
        user=user,
        forms=shown,
        roles=_roles(visit),
        scopes=_scopes(visit, caller),
        is_me=user_id == caller.principal.user_id,
    )


def _user_command(
    visit: Visit, user_id: UUID, form: FormData, part: str, body: dict[str, Any], model: Any, done_key: str, run: Any
) -> Response:
    done = attempt(visit, form, body, model, lambda fields, _: run(fields))
    again = lambda failed: _user_page(visit, user_id, (part, failed))  # noqa: E731
    return answer(visit, done, again, lambda _: f"{USERS}/{user_id}?done=admin.{done_key}")


@router.post(f"{USERS}/{{user_id}}/role")
def change_role(visit: SignedIn, user_id: UUID, form: Form) -> Response:
    caller = managing(visit, Action.USER_MANAGE)
    body = read_form(visit, form, ("role", "scope_id"))
    front = visit.front
    return _user_command(
        visit,
        user_id,
        form,
        "role",
        body,
        RoleChange,
        "role_changed",
        lambda f: front.change_role(caller, user_id, role=Role(f["role"].value), scope_id=f["scope_id"]),
    )


@router.post(f"{USERS}/{{user_id}}/password")
def reset_password(visit: SignedIn, user_id: UUID, form: Form) -> Response:
    caller = managing(visit, Action.USER_MANAGE)
    body = {"password": raw(form, "password")}
    front = visit.front
    return _user_command(
        visit,
        user_id,
        form,
        "password",
        body,
        PasswordReset,
        "password_reset",
        lambda f: front.reset_password(caller, user_id, password=f["password"]),
    )


@router.post(f"{USERS}/{{user_id}}/{{change}}")
def change_status(visit: SignedIn, user_id: UUID, change: str, form: Form) -> Response:
    """Disable a user (their sessions end at once) or enable them again."""
    caller = managing(visit, Action.USER_MANAGE)
    if change not in STATUS_CHANGES:
        raise NotFound(f"no page at {visit.request.url.path}")
    verb, done_key = STATUS_CHANGES[change]
    command = getattr(visit.front, verb)
    return _user_command(visit, user_id, form, "status", {}, None, done_key, lambda _: command(caller, user_id))


# -- one's own password


@router.get("/ui/account/password")
def password_page(visit: SignedIn) -> Response:
    return visit.render("admin/password.html", again=Attempt())


@router.post("/ui/account/password")
def change_password(visit: SignedIn, form: Form) -> Response:
    """Change one's own password. Every session of the user ends with it, this one too, so the
    next page is the sign-in page, saying why."""
    caller = visit.caller
    assert caller is not None
    new = raw(form, "new_password")
    if new != raw(form, "new_password_again"):
        words = visit.words
        mismatch = Shown("new_password_again", words.gettext("admin.account.mismatch"))
        return visit.render("admin/password.html", status=422, again=Attempt(typed(form), [mismatch], status=422))
    body = {"current_password": raw(form, "current_password"), "new_password": new}

    def change(fields: dict[str, Any], _: int | None) -> Written:
        return placed(lambda: visit.front.change_own_password(caller, **fields), fields={"password": "new_password"})

    done = attempt(visit, form, body, PasswordChange, change)
    if isinstance(done, Attempt):
        return visit.render("admin/password.html", status=done.status, again=done)
    response = visit.redirect("/ui/signin?done=admin.password_changed")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

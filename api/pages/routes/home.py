"""Signing in and out, the work list (the home page), and the visitor's language and text size."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.pages.errors import shown
from api.pages.i18n import LOCALES
from api.pages.web import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    TEXT_SIZE_COOKIE,
    TEXT_SIZES,
    AnyVisit,
    Form,
    PageRoute,
    SignedIn,
    Visit,
    safe_next,
    text,
)
from application.errors import TooManyAttempts, Unauthenticated

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def work_list(visit: SignedIn) -> Response:
    """Home: what waits on me, oldest first."""
    assert visit.caller is not None
    tasks = visit.front.my_tasks(visit.caller)
    return visit.render("tasks.html", tasks=tasks["items"])


@router.get("/ui/signin")
def sign_in_page(visit: AnyVisit, next: str = "/", expired: bool = False) -> Response:
    if visit.caller is not None:
        return visit.redirect(safe_next(next))
    return visit.render("signin.html", next=safe_next(next), expired=expired, errors=[], username="")


@router.post("/ui/signin")
def sign_in(visit: AnyVisit, form: Form) -> Response:
    username, password, target = text(form, "username"), form.get("password"), safe_next(text(form, "next"))
    address = visit.request.client.host if visit.request.client else None
    try:
        answer = visit.front.sign_in(username, password if isinstance(password, str) else "", address)
    except (Unauthenticated, TooManyAttempts) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return visit.render(
            "signin.html",
            status=status,
            next=target,
            expired=False,
            errors=shown(visit.words, error),
            username=username,
        )
    response = visit.redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        answer["access_token"],
        httponly=True,
        samesite="lax",
        secure=visit.request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/ui/signout")
def sign_out(visit: AnyVisit, form: Form) -> Response:
    if visit.token is not None:
        visit.front.sign_out(visit.token)
    response = visit.redirect("/ui/signin?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/ui/language")
def choose_language(visit: AnyVisit, form: Form) -> Response:
    """The visitor's own choice of language, kept in a cookie; it wins over Accept-Language."""
    return _remember(visit, form, "lang", LOCALES, LANGUAGE_COOKIE)


@router.post("/ui/text-size")
def choose_text_size(visit: AnyVisit, form: Form) -> Response:
    return _remember(visit, form, "size", TEXT_SIZES, TEXT_SIZE_COOKIE)


def _remember(visit: Visit, form: FormData, name: str, allowed: tuple[str, ...], cookie: str) -> Response:
    """Keep a choice of the visitor's in a cookie (an unknown value changes nothing), then go back."""
    chosen = text(form, name)
    if chosen in allowed:
        visit.cookies[cookie] = chosen
    return visit.redirect(safe_next(text(form, "next")))


unknown = APIRouter(route_class=PageRoute, include_in_schema=False)


@unknown.get("/ui/{rest:path}")
def no_such_page(visit: AnyVisit, rest: str) -> Response:
    """Any other address under /ui/ is a page in the visitor's language saying there is no such page."""
    return visit.render("trouble.html", status=404, reason="not_found")

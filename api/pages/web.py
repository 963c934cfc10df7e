"""What every page shares: the visitor's session, language and text size, CSRF, rendering.

The session is the sign-in of access control: the bearer token, kept in an HttpOnly,
SameSite=Lax cookie (Secure over HTTPS). Every page calls the same front door as the API,
with the same `Caller`, so each page shows only what the API would answer.

CSRF: each form carries a token that is an HMAC of the session token (or, before sign-in, of
a random cookie of its own). Another site can neither read the cookie nor compute the token,
and the server keeps no state for it, so it holds across processes and restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from api.limits import BodyTooLarge
from api.pages.i18n import LOCALES, Dictionary, Words, negotiate
from application.access.principal import Caller, Principal
from application.errors import Forbidden, NotFound, StoreUnavailable, Unauthenticated, ViewNotReady
from application.front import Front
from infrastructure.logs import note_user

SESSION_COOKIE = "yc_session"
PRE_SESSION_COOKIE = "yc_pre"
LANGUAGE_COOKIE = "yc_lang"
TEXT_SIZE_COOKIE = "yc_text"
TEXT_SIZES = ("normal", "large")
TEMPLATES = Path(__file__).parent / "templates"


class SignInNeeded(Exception):
    """The page needs a signed-in user; `expired` when a session cookie was there but is no longer valid."""

    def __init__(self, next_path: str, *, expired: bool) -> None:
        self.next_path = next_path
        self.expired = expired


class FormRefused(Exception):
    """A form without a valid CSRF token, from another origin, or too large."""

    def __init__(self, reason: str, status: int = 403) -> None:
        self.reason = reason
        self.status = status


def make_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


@dataclass
class Visit:
    """One request to a page: who, in which language, at which text size."""

    request: Request
    front: Front
    words: Words
    text_size: str
    caller: Caller | None = None
    token: str | None = None
    pre_session: str | None = None  # set when a new pre-sign-in cookie must be sent
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def principal(self) -> Principal:
        assert self.caller is not None
        return self.caller.principal

    def with_purpose(self, purpose: str) -> Caller:
        """The caller, stating why they read: the read log keeps the purpose with every read made
        as this caller, and a sealed case is read by those who may only with one (the API's `?purpose=`)."""
        assert self.caller is not None
        return replace(self.caller, purpose=purpose)

    @property
    def role(self) -> str | None:
        return self.caller.principal.role.value if self.caller else None

    @property
    def csrf(self) -> str:
        secret = self.token or self.request.cookies.get(PRE_SESSION_COOKIE) or self.pre_session
        if secret is None:
            self.pre_session = secrets.token_urlsafe(32)
            secret = self.pre_session
        return csrf_token(secret)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        environment: Environment = self.request.app.state.page_environment
        words = self.words
        done = self.request.query_params.get("done")
        context.setdefault("flash", words.gettext(f"done.{done}") if done and words.has(f"done.{done}") else None)
        html = environment.get_template(template).render(
            _=words.gettext,
            words=words,
            visit=self,
            path=self.request.url.path,
            query=str(self.request.url.query),
            locales=LOCALES,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def redirect(self, to: str) -> RedirectResponse:
        response = RedirectResponse(to, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """Headers every page answer carries, and any cookie the visit set."""
        secure = self.request.url.scheme == "https"
        if self.pre_session is not None:
            response.set_cookie(PRE_SESSION_COOKIE, self.pre_session, httponly=True, samesite="lax", secure=secure)
        for name, value in self.cookies.items():
            response.set_cookie(name, value, max_age=365 * 24 * 3600, httponly=True, samesite="lax", secure=secure)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"youthcare-form", hashlib.sha256).hexdigest()


def _words(request: Request) -> tuple[Words, str]:
    dictionary: Dictionary = request.app.state.page_dictionary
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    locale = chosen if chosen in LOCALES else negotiate(request.headers.get("accept-language")) or LOCALES[0]
    size = request.cookies.get(TEXT_SIZE_COOKIE)
    return dictionary[locale], size if size in TEXT_SIZES else TEXT_SIZES[0]


def _caller(request: Request, principal: Principal) -> Caller:
    address = request.client.host if request.client else None
    return Caller(principal=principal, endpoint=f"{request.method} {request.url.path}", address=address)


def visiting(request: Request) -> Visit:
    """Any visitor, signed in or not (the sign-in page, the language switch)."""
    words, size = _words(request)
    front: Front = request.app.state.front
    visit = Visit(request=request, front=front, words=words, text_size=size)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            visit.caller = _caller(request, front.authenticate(token))
            note_user(visit.caller.principal.user_id)
            visit.token = token
        except Unauthenticated:
            pass
    return visit


def signed_in(request: Request) -> Visit:
    """A signed-in visitor; anyone else is sent to the sign-in page, told if their session ended."""
    visit = visiting(request)
    if visit.caller is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target, expired=bool(request.cookies.get(SESSION_COOKIE)))
    return visit


AnyVisit = Annotated[Visit, Depends(visiting)]
SignedIn = Annotated[Visit, Depends(signed_in)]


async def form_of(request: Request) -> FormData:
    """The submitted form, once its origin and CSRF token are checked. Its size is bounded by the
    app's body limit (YOUTHCARE_MAX_BODY_BYTES, api/limits.py), as every request's is."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise FormRefused("form_other_origin")
    try:
        await request.body()  # read once, within the limit; the form is parsed from it
    except BodyTooLarge:
        raise FormRefused("form_too_large", status=413) from None
    form = await request.form(max_files=0, max_fields=200)
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)
    sent = form.get("csrf")
    if secret is None or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(secret)):
        raise FormRefused("form_csrf")
    return form


Form = Annotated[FormData, Depends(form_of)]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of this site, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class PageRoute(APIRoute):
    """A page's route: what goes wrong is answered as a page in the visitor's language, never as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded as needed:
                to = f"/ui/signin?next={quote(needed.next_path, safe='')}" + ("&expired=1" if needed.expired else "")
                response = RedirectResponse(to, status_code=303)
                if needed.expired:
                    response.delete_cookie(SESSION_COOKIE)
                return response
            except FormRefused as refused:
                return _trouble(request, refused.reason, refused.status)
            except (NotFound, RequestValidationError):  # a malformed id in the address is no such record
                return _trouble(request, "not_found", 404)
            except Forbidden:
                return _trouble(request, "forbidden", 403)
            except (StoreUnavailable, ViewNotReady):
                busy = _trouble(request, "unavailable", 503)
                busy.headers["Retry-After"] = "2"
                return busy

        return handle


def form_too_large(request: Request, _: BodyTooLarge) -> HTMLResponse:
    """The page a browser is shown when its form is over the body limit."""
    return _trouble(request, "form_too_large", 413)


def _trouble(request: Request, reason: str, status: int) -> HTMLResponse:
    visit = visiting(request)
    return visit.render("trouble.html", status=status, reason=reason)

"""Every error leaves as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.limits import BodyTooLarge
from application.errors import (
    ConcurrentWrite,
    Forbidden,
    InvalidValue,
    NotFound,
    PossibleDuplicate,
    RuleViolation,
    StaleVersion,
    StoreUnavailable,
    TooManyAttempts,
    Unauthenticated,
    ViewNotReady,
)
from infrastructure.logs import REQUEST_ID_HEADER, current_request

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error is answered (documentation only)."""

    type: str
    title: str
    status: int
    detail: str
    rule: str | None = None
    errors: list[FieldError] | None = None
    current_version: int | None = None
    duplicate_case_id: str | None = None
    limit: int | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _documented(
        "No valid sign-in: the token is missing, expired, revoked or altered (`WWW-Authenticate: Bearer`)."
    ),
    403: _documented("You may know of this record, but your role may not do this to it (or this at all)."),
    404: _documented("No such record, or no such version of it."),
    409: _documented("The record's state forbids the command (`rule` names it), or another write got in first."),
    412: _documented("`If-Match` names a version that is not the record's current one."),
    413: _documented("The request body is over the service's limit (`limit`, in bytes); the connection is closed."),
    422: _documented("Invalid input; `errors[].field` names each offending field."),
    503: _documented(
        "The event store is unavailable, or a view has not reached `consistent_with` in time; "
        "retry after `Retry-After` seconds."
    ),
}


# Sign-in only: repeated failures for a username close it for a while.
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: _documented("Too many failed sign-ins for this username lately; try again after `Retry-After` seconds.")
}


def problem(
    status: int, title: str, detail: str, *, code: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": f"urn:youthcare:problem:{code}", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# How pydantic names the member of a union an error came from, in its location: a model's class
# (`PlanGoalBody`), a validated or constrained type (`function-after[visible(), constrained-str]`), a
# plain one (`str`). No field of ours is spelt so: the field is said where it stands (`goals.0`).
_UNION_MEMBER = re.compile(r"^([A-Z][A-Za-z0-9]*|[a-z-]+\[.*\]|constrained-[a-z]+|str|int|float|bool|none)$")


def _field(location: tuple[Any, ...], kind: str = "") -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    # An unknown field is named as the client spelt it, whatever it looks like.
    named = parts[-1:] if kind == "extra_forbidden" else []
    kept = [p for p in parts[: len(parts) - len(named)] if not _UNION_MEMBER.match(p)] + named
    return ".".join(kept or parts)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": "body" if e.get("type") == "json_invalid" else _field(tuple(e.get("loc", ())), e.get("type", "")),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    fields = ", ".join(sorted({e["field"] for e in errors})) or "request"
    return problem(422, "Invalid input", f"check these fields: {fields}", code="invalid_input", errors=errors)


def _invalid_value(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidValue)
    return problem(
        422,
        "Invalid input",
        exc.message,
        code=exc.rule,
        rule=exc.rule,
        errors=[{"field": exc.field, "message": exc.message, "type": exc.rule}],
    )


def _rule(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RuleViolation)
    return problem(409, "Not allowed in the record's current state", exc.message, code=exc.rule, rule=exc.rule)


def _possible_duplicate(_: Request, exc: Exception) -> JSONResponse:
    """The youth has an open case: its id only when the caller may read it, otherwise only the fact."""
    assert isinstance(exc, PossibleDuplicate)
    shown: dict[str, Any] = {"duplicate_case_id": str(exc.shown)} if exc.shown is not None else {}
    return problem(409, "Possible duplicate", exc.message, code=exc.rule, rule=exc.rule, **shown)


def _not_found(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFound)
    return problem(404, "Not found", exc.message, code="not_found")


def _stale(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StaleVersion)
    return problem(
        412,
        "Precondition failed",
        exc.message,
        code="stale_version",
        headers={"ETag": f'"{exc.current}"'},
        current_version=exc.current,
    )


def _conflict(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConcurrentWrite)
    return problem(409, "Concurrent write", exc.message, code="concurrent_write", rule="concurrent_write")


def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreUnavailable)
    return problem(503, "Service unavailable", exc.message, code="store_unavailable", headers={"Retry-After": "5"})


def _view_not_ready(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ViewNotReady)
    return problem(
        503, "View not ready", exc.message, code="view_not_ready", headers={"Retry-After": str(exc.retry_after)}
    )


def _unauthenticated(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthenticated)
    return problem(401, "Not signed in", exc.message, code="unauthenticated", headers={"WWW-Authenticate": "Bearer"})


def _forbidden(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Forbidden)
    return problem(403, "Forbidden", exc.message, code="forbidden")


def _too_many(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyAttempts)
    return problem(
        429, "Too many attempts", exc.message, code="too_many_attempts", headers={"Retry-After": str(exc.retry_after)}
    )


def body_too_large(_: Request, exc: Exception) -> JSONResponse:
    """413: the body is over YOUTHCARE_MAX_BODY_BYTES. Its rest is never read, so the connection closes."""
    assert isinstance(exc, BodyTooLarge)
    return problem(
        413, "Content too large", exc.detail, code="body_too_large", headers={"Connection": "close"}, limit=exc.limit
    )


def _allowed_methods(request: Request) -> str:
    """Every method any route serves at this path (Starlette names only the first route's)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    return ", ".join(allowed)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    if exc.status_code == 400:  # FastAPI could not decode the body at all
        error = {"field": "body", "message": detail, "type": "body_unreadable"}
        return problem(422, "Invalid input", "the body could not be read as JSON", code="invalid_input", errors=[error])
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem(exc.status_code, detail, detail, code=code, headers=headers)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    """A fault of the service. The server closes the connection after it (the error goes on up to
    it once answered), so the answer says so: the client opens a new one rather than reuse this.

    It is answered outside the middleware that gives every answer its request id (the error went
    past it), so it carries the id itself: the one its log lines carry, to quote when reporting it."""
    logger.exception("unhandled error", exc_info=exc)
    headers = {"Connection": "close"}
    context = current_request.get()
    if context is not None:
        headers[REQUEST_ID_HEADER] = context.request_id
    return problem(
        500,
        "Internal error",
        "the service failed; the fault is logged",
        code="internal_error",
        headers=headers,
    )


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document, with error bodies under application/problem+json.

    FastAPI files a response model under the route's own media type (application/json);
    errors here are problem+json, so the generated document is corrected once.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            for operation in (op for path in document["paths"].values() for op in path.values()):
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    schema = content.get("application/json", {}).get("schema", {})
                    if status[0] in "45" and schema.get("$ref", "").endswith("/Problem"):
                        content[PROBLEM_JSON] = content.pop("application/json")
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def install(app: FastAPI) -> None:
    """Register the handlers; the more specific classes come first in the lookup."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ViewNotReady, _view_not_ready)
    app.add_exception_handler(InvalidValue, _invalid_value)
    app.add_exception_handler(PossibleDuplicate, _possible_duplicate)
    app.add_exception_handler(RuleViolation, _rule)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(StaleVersion, _stale)
    app.add_exception_handler(ConcurrentWrite, _conflict)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(TooManyAttempts, _too_many)
    app.add_exception_handler(BodyTooLarge, body_too_large)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]

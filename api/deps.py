"""Dependencies shared by every router: the front door, the signed-in caller, If-Match."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer

from api import prefer
from api.idempotency import claim_for
from application.access.principal import Caller
from application.base import Written
from application.errors import InvalidValue, Unauthenticated
from application.front import Front
from infrastructure.logs import note_user

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PURPOSE_MAX = 500


def get_front(request: Request) -> Front:
    front: Front = request.app.state.front
    return front


def get_token(token: Annotated[str | None, Depends(bearer)]) -> str:
    """The bearer token of the request; none at all is 401."""
    if not token:
        raise Unauthenticated("sign in first: send Authorization: Bearer <token> (POST /auth/token gives one)")
    return token


def get_purpose(
    purpose: Annotated[
        str | None,
        Query(max_length=PURPOSE_MAX, description="Why you read this: kept in the read log with the read."),
    ] = None,
    x_purpose: Annotated[
        str | None,
        Header(
            max_length=3 * PURPOSE_MAX,
            description="The same as `?purpose=`, percent-encoded UTF-8 (headers carry nothing else).",
        ),
    ] = None,
) -> str | None:
    """The stated purpose of a read, from the query or the X-Purpose header."""
    if purpose is None and x_purpose is not None:
        try:
            purpose = unquote(x_purpose, errors="strict")
        except UnicodeDecodeError:
            raise InvalidValue(
                "X-Purpose is not percent-encoded UTF-8", rule="bad_purpose", field="X-Purpose"
            ) from None
    if purpose is None:
        return None
    if _CONTROL.search(purpose) or len(purpose.strip()) > PURPOSE_MAX:
        raise InvalidValue(
            f"a purpose is at most {PURPOSE_MAX} characters, with no control characters",
            rule="bad_purpose",
            field="purpose",
        )
    return purpose.strip() or None


def get_caller(
    request: Request,
    front: Annotated[Front, Depends(get_front)],
    token: Annotated[str, Depends(get_token)],
    purpose: Annotated[str | None, Depends(get_purpose)],
) -> Caller:
    """The signed-in user making this request, and what the read log keeps of it."""
    principal = front.authenticate(token)
    note_user(principal.user_id)
    claim_for(request, principal)  # an Idempotency-Key is per user: claimed (or answered from) now
    address = request.client.host if request.client else None
    return Caller(
        principal=principal, endpoint=f"{request.method} {request.url.path}", address=address, purpose=purpose
    )


# Spaces and tabs around it (HTTP's own), ASCII digits: the same in the document's regex dialect as in Python's.
_IF_MATCH = r'^[ \t]*(\*|(W/)?"[0-9]{1,18}")[ \t]*$'


def get_expected_version(
    if_match: Annotated[
        str | None,
        Header(
            pattern=_IF_MATCH,
            description='The version the client last saw, as `"<version>"` (the ETag), or `*`.',
        ),
    ] = None,
) -> int | None:
    """If-Match as a version to check; `*` or no header: no check.

    A malformed value is invalid input (422, with the body's errors); a well-formed
    one that is not the current version is refused by the application (412).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    return int(re.sub(r"[^0-9]", "", if_match))


Door = Annotated[Front, Depends(get_front)]
CurrentCaller = Annotated[Caller, Depends(get_caller)]
Token = Annotated[str, Depends(get_token)]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def record_response(record: dict[str, Any]) -> JSONResponse:
    """A record read: its JSON and its version as the ETag."""
    return JSONResponse(record, headers=_etag(record["version"]))


def written_response(
    written: Written, *, created: str | None = None, extra: dict[str, Any] | None = None
) -> JSONResponse:
    """A command's answer: new state, version and position (and `extra` fields); 201 with
    Location on creation. With `Prefer: return=minimal`, no state (api.prefer)."""
    headers = _etag(written.version)
    if created is not None:
        headers["Location"] = f"{created}/{written.id}"
    if prefer.minimal():
        headers[prefer.APPLIED] = prefer.MINIMAL
        body = prefer.minimal_body(written.id, written.version, written.position, written.presented(), extra)
    else:
        body = {**written.record, "position": written.position, **(extra or {})}
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)

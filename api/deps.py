"""Dependencies shared by every router: the application, the actor, If-Match."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from application.app import YouthCare
from application.base import Written
from application.views.read_side import ReadSide
from domain.common import Actor, Role

DEVELOPMENT_ACTOR = Actor(user_id="dev-admin", role=Role.ADMINISTRATOR)


def get_application(request: Request) -> YouthCare:
    application: YouthCare = request.app.state.youthcare
    return application


def get_actor() -> Actor:
    """The one place that decides who is acting.

    Until access control lands every request acts as a fixed development user.
    """
    return DEVELOPMENT_ACTOR


_IF_MATCH = r'^\s*(\*|(W/)?"\d{1,18}")\s*$'


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
    return int(re.sub(r"\D", "", if_match))


def get_read_side(request: Request) -> ReadSide:
    read_side: ReadSide = request.app.state.read_side
    return read_side


App = Annotated[YouthCare, Depends(get_application)]
Views = Annotated[ReadSide, Depends(get_read_side)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def record_response(record: dict[str, Any]) -> JSONResponse:
    """A record read: its JSON and its version as the ETag."""
    return JSONResponse(record, headers=_etag(record["version"]))


def written_response(written: Written, *, created: str | None = None) -> JSONResponse:
    """A command's answer: new state, version and position; 201 with Location on creation."""
    headers = _etag(written.version)
    if created is not None:
        headers["Location"] = f"{created}/{written.id}"
    body = {**written.record, "position": written.position}
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)

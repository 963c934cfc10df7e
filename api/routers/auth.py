"""Signing in and out, and one's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.answers import TaskList, TokenAnswer, UserRecord
from api.deps import CurrentCaller, Door, Token, record_response
from api.errors import THROTTLED
from api.routers.common import ConsistentWith
from api.schemas import PasswordChange

router = APIRouter(prefix="/auth", tags=["sign-in"])
work_list = APIRouter(prefix="/me", tags=["work list"])


@router.post("/token", response_model=TokenAnswer, responses=THROTTLED)
def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], door: Door, request: Request) -> JSONResponse:
    """Sign in with the OAuth2 password form (`username`, `password`): a bearer token that
    expires when unused for a while or after some hours. Five failures for one username
    within 15 minutes close sign-in for it (429 with Retry-After) until the window passes."""
    address = request.client.host if request.client else None
    answer = door.sign_in(form.username, form.password, address)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@router.post("/logout", status_code=204)
def sign_out(door: Door, token: Token, caller: CurrentCaller) -> Response:
    """End this token's session."""
    door.sign_out(token)
    return Response(status_code=204)


@router.get("/me", response_model=UserRecord)
def me(door: Door, caller: CurrentCaller) -> JSONResponse:
    """Who you are signed in as: username, display name, role and scope."""
    return record_response(door.me(caller))


@work_list.get("/tasks", response_model=TaskList)
def my_tasks(door: Door, caller: CurrentCaller, consistent_with: ConsistentWith = None) -> JSONResponse:
    """What waits on you, oldest first, each with its `kind`, `since`, a short `title` and
    `href` (the record it is about): plans and closures to approve and transfers to answer (a
    station's lead), referrals to answer (a department), overdue referrals and pairs gone quiet
    (stations and coordinators), plan goals due for review (stations), sessions due (mentors)."""
    return JSONResponse(door.my_tasks(caller, consistent_with=consistent_with))


@router.post("/password", response_model=UserRecord)
def change_password(body: PasswordChange, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Change your own password (the current one is required). Every session of yours ends,
    this one included: sign in again with the new password."""
    written = door.change_own_password(caller, current_password=body.current_password, new_password=body.new_password)
    return record_response(written.record)

"""Users (administrators): who may sign in, in which role, for which station, department or volunteer."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.answers import UserList, UserRecord, UserWritten
from api.deps import CurrentCaller, Door, record_response, written_response
from api.schemas import CreateUser, PasswordReset, RoleChange
from domain.common import Role

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", response_model=UserWritten, status_code=201)
def create_user(body: CreateUser, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Create a user with a role and its scope: a station for station officers and leads, a
    department for department officers, a volunteer for mentors, a station (or none: the
    whole district) for coordinators, none for auditors and admins. Passwords: at least 12
    characters, not the username."""
    written = door.create_user(
        caller,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        role=Role(body.role.value),
        scope_id=body.scope_id,
    )
    return written_response(written, created="/users")


@router.get("", response_model=UserList)
def list_users(door: Door, caller: CurrentCaller) -> JSONResponse:
    """Every user, oldest first."""
    return JSONResponse({"items": door.list_users(caller)})


@router.get("/{user_id}", response_model=UserRecord)
def get_user(user_id: UUID, door: Door, caller: CurrentCaller) -> JSONResponse:
    """One user."""
    return record_response(door.get_user(caller, user_id))


@router.put("/{user_id}/role", response_model=UserWritten)
def change_role(user_id: UUID, body: RoleChange, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Give the user another role or scope; their sessions end at once."""
    return written_response(door.change_role(caller, user_id, role=Role(body.role.value), scope_id=body.scope_id))


@router.post("/{user_id}/disable", response_model=UserWritten)
def disable_user(user_id: UUID, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Stop the user signing in; their sessions end at once."""
    return written_response(door.disable_user(caller, user_id))


@router.post("/{user_id}/enable", response_model=UserWritten)
def enable_user(user_id: UUID, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Let a disabled user sign in again."""
    return written_response(door.enable_user(caller, user_id))


@router.post("/{user_id}/password", response_model=UserWritten)
def reset_password(user_id: UUID, body: PasswordReset, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Set a new password for the user; their sessions end at once."""
    return written_response(door.reset_password(caller, user_id, password=body.password))

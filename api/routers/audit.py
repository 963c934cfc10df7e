"""The audit trail: every event of every record, newest first."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.answers import AccessLogPage, AuditTrailPage, LogAnchor, Verification
from api.deps import CurrentCaller, Door
from api.routers.common import ConsistentWith, Cursor, Limit
from api.schemas import DIGITS, NO_CONTROL_CHARACTERS, Moment
from application.errors import InvalidValue
from application.views.audit_queries import AuditFilter
from application.views.verification import Anchor

router = APIRouter(tags=["audit"])


@router.get("/audit-trail", response_model=AuditTrailPage)
def audit_trail(
    door: Door,
    caller: CurrentCaller,
    record_id: UUID | None = None,
    case_id: Annotated[UUID | None, Query(description="The case and all its pairs and referrals.")] = None,
    actor: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_CONTROL_CHARACTERS, description="User id of whoever caused the event."),
    ] = None,
    station_id: UUID | None = None,
    department_id: UUID | None = None,
    event_type: Annotated[
        str | None,
        Query(
            max_length=80,
            pattern=NO_CONTROL_CHARACTERS,
            description="`<record type>.<Event>`, e.g. `case.InterventionLogged`.",
        ),
    ] = None,
    occurred_from: Annotated[Moment | None, Query(alias="from", description="Inclusive.")] = None,
    occurred_to: Annotated[Moment | None, Query(alias="to", description="Exclusive.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """One row per event: position, time, actor, record, event type, summary and its case,
    station and department. Newest first; follow `next_cursor` for older ones."""
    where = AuditFilter(
        record_id=record_id,
        case_id=case_id,
        actor_id=actor,
        station_id=station_id,
        department_id=department_id,
        event_type=event_type,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    return JSONResponse(door.audit_trail(caller, where, limit=limit, cursor=cursor, consistent_with=consistent_with))


@router.get("/audit/verification", response_model=Verification)
def verification(
    door: Door,
    caller: CurrentCaller,
    anchor_position: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="An anchor's position."), DIGITS
    ] = None,
    anchor_link: Annotated[
        str | None, Query(pattern="^[0-9a-f]{64}$", description="The anchor's log link (hex).")
    ] = None,
) -> JSONResponse:
    """Recompute every hash chain (each record's, and the whole log's) from the events as
    stored. `ok` is false when any link is broken, and each broken chain is named with the
    record, version and position of its first bad link. With an anchor held
    outside, also checks the log up to it is the one the anchor was taken from."""
    if (anchor_position is None) != (anchor_link is None):
        raise InvalidValue(
            "give both anchor_position and anchor_link, or neither", rule="half_anchor", field="anchor_link"
        )
    anchor = None if anchor_position is None else Anchor(anchor_position, str(anchor_link))
    return JSONResponse(door.verification(caller, anchor))


@router.get("/audit/anchor", response_model=LogAnchor)
def audit_anchor(door: Door, caller: CurrentCaller, consistent_with: ConsistentWith = None) -> JSONResponse:
    """The newest link of the log's hash chain, its position and the time: give it to an
    outside party, so that a later verification against it proves nothing before it changed."""
    return JSONResponse(door.anchor(caller, consistent_with))


@router.get("/audit/access-log", response_model=AccessLogPage)
def access_log(
    door: Door,
    caller: CurrentCaller,
    record_id: Annotated[UUID | None, Query(description="Reads that showed this record.")] = None,
    user: Annotated[
        str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS, description="Reads by this username.")
    ] = None,
    read_from: Annotated[Moment | None, Query(alias="from", description="Inclusive.")] = None,
    read_to: Annotated[Moment | None, Query(alias="to", description="Exclusive.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JSONResponse:
    """The read log, newest first: who read which records, when, from where, on which endpoint
    and why. Auditors see all of it; a station lead sees the reads of their station's records."""
    return JSONResponse(
        door.access_log(
            caller, record_id=record_id, username=user, start=read_from, end=read_to, limit=limit, cursor=cursor
        )
    )

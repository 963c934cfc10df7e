"""The audit trail: every event of every record, newest first."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import Views
from api.routers.common import ConsistentWith, Cursor, Limit
from api.schemas import NO_CONTROL_CHARACTERS
from application.views.audit_queries import AuditFilter

router = APIRouter(tags=["audit"])


@router.get("/audit-trail")
def audit_trail(
    views: Views,
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
    occurred_from: Annotated[AwareDatetime | None, Query(alias="from", description="Inclusive.")] = None,
    occurred_to: Annotated[AwareDatetime | None, Query(alias="to", description="Exclusive.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> dict[str, object]:
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
    return views.audit_trail(where, limit=limit, cursor=cursor, consistent_with=consistent_with)

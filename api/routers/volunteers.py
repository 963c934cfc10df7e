"""The volunteer registry."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.answers import History, VolunteerPage, VolunteerRead, VolunteerWritten
from api.deps import CurrentCaller, Door, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, ConsistentWith, Cursor, HistoryLimit, Limit
from api.schemas import RegisterVolunteer, Screening, TrainingRecord
from application.views.lists import VolunteerFilter
from domain.volunteer import VolunteerKind

router = APIRouter(prefix="/volunteers", tags=["volunteers"])


@router.post("", response_model=VolunteerWritten, status_code=201)
def register_volunteer(body: RegisterVolunteer, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Register a mentor or tutor (five-elders, teachers, students ...)."""
    return written_response(door.register_volunteer(caller, **body.model_dump()), created="/volunteers")


@router.get("", response_model=VolunteerPage)
def list_volunteers(
    door: Door,
    caller: CurrentCaller,
    kind: VolunteerKind | None = None,
    active: bool | None = None,
    screened: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """The volunteers you may read, by name (a mentor: their own record): filter on kind, active
    and screened; page with `next_cursor`."""
    where = VolunteerFilter(kind=kind.value if kind else None, active=active, screened=screened)
    return JSONResponse(
        door.list_volunteers(caller, where, limit=limit, cursor=cursor, consistent_with=consistent_with)
    )


@router.get("/{volunteer_id}", response_model=VolunteerRead)
def get_volunteer(
    volunteer_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One volunteer, now or at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_volunteer(caller, volunteer_id, version=version, as_of=as_of))


@router.get("/{volunteer_id}/history", response_model=History)
def get_volunteer_history(
    volunteer_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the volunteer in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return JSONResponse(door.history(caller, "volunteer", volunteer_id, after_version=after_version, limit=limit))


@router.post("/{volunteer_id}/screening", response_model=VolunteerWritten)
def screen_volunteer(
    volunteer_id: UUID, body: Screening, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Record a screening result; only a passed volunteer may be matched."""
    return written_response(door.screen_volunteer(caller, volunteer_id, **body.model_dump(), expected_version=expected))


@router.post("/{volunteer_id}/trainings", response_model=VolunteerWritten)
def record_training(
    volunteer_id: UUID, body: TrainingRecord, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Record a training course the volunteer completed."""
    return written_response(door.record_training(caller, volunteer_id, **body.model_dump(), expected_version=expected))


@router.post("/{volunteer_id}/deactivation", response_model=VolunteerWritten)
def deactivate_volunteer(
    volunteer_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Take a volunteer off the active list."""
    return written_response(door.deactivate_volunteer(caller, volunteer_id, expected_version=expected))


@router.post("/{volunteer_id}/reactivation", response_model=VolunteerWritten)
def reactivate_volunteer(
    volunteer_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Put a deactivated volunteer back on the active list."""
    return written_response(door.reactivate_volunteer(caller, volunteer_id, expected_version=expected))

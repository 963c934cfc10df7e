"""The volunteer registry."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import App, CurrentActor, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, HistoryLimit
from api.schemas import RegisterVolunteer, Screening, TrainingRecord
from domain.volunteer import Volunteer

router = APIRouter(prefix="/volunteers", tags=["volunteers"])


@router.post("", status_code=201)
def register_volunteer(body: RegisterVolunteer, app: App, actor: CurrentActor) -> JSONResponse:
    """Register a mentor or tutor (five-elders, teachers, students ...)."""
    return written_response(app.register_volunteer(actor, **body.model_dump()), created="/volunteers")


@router.get("/{volunteer_id}")
def get_volunteer(volunteer_id: UUID, app: App, version: AtVersion = None, as_of: AsOf = None) -> JSONResponse:
    """One volunteer, now or at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(app.get_volunteer(volunteer_id, version=version, as_of=as_of))


@router.get("/{volunteer_id}/history")
def get_volunteer_history(
    volunteer_id: UUID, app: App, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> dict[str, object]:
    """Every event of the volunteer in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return app.history(Volunteer, volunteer_id, after_version=after_version, limit=limit)


@router.post("/{volunteer_id}/screening")
def screen_volunteer(
    volunteer_id: UUID, body: Screening, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Record a screening result; only a passed volunteer may be matched."""
    return written_response(app.screen_volunteer(actor, volunteer_id, **body.model_dump(), expected_version=expected))


@router.post("/{volunteer_id}/trainings")
def record_training(
    volunteer_id: UUID, body: TrainingRecord, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Record a training course the volunteer completed."""
    return written_response(app.record_training(actor, volunteer_id, **body.model_dump(), expected_version=expected))


@router.post("/{volunteer_id}/deactivation")
def deactivate_volunteer(volunteer_id: UUID, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Take a volunteer off the active list."""
    return written_response(app.deactivate_volunteer(actor, volunteer_id, expected_version=expected))


@router.post("/{volunteer_id}/reactivation")
def reactivate_volunteer(volunteer_id: UUID, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Put a deactivated volunteer back on the active list."""
    return written_response(app.reactivate_volunteer(actor, volunteer_id, expected_version=expected))

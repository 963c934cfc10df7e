"""Referrals from stations to departments."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import App, CurrentActor, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, HistoryLimit
from api.schemas import Completion, MakeReferral, ProgressNote, Reason
from domain.referral import Referral

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.post("", status_code=201)
def make_referral(body: MakeReferral, app: App, actor: CurrentActor) -> JSONResponse:
    """Refer an open case's youth from its station to an active department."""
    return written_response(app.make_referral(actor, **body.model_dump()), created="/referrals")


@router.get("/{referral_id}")
def get_referral(referral_id: UUID, app: App, version: AtVersion = None, as_of: AsOf = None) -> JSONResponse:
    """One referral, now or at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(app.get_referral(referral_id, version=version, as_of=as_of))


@router.get("/{referral_id}/history")
def get_referral_history(
    referral_id: UUID, app: App, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> dict[str, object]:
    """Every event of the referral in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return app.history(Referral, referral_id, after_version=after_version, limit=limit)


@router.post("/{referral_id}/acceptance")
def accept_referral(referral_id: UUID, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """The department accepts a pending referral."""
    return written_response(app.accept_referral(actor, referral_id, expected_version=expected))


@router.post("/{referral_id}/decline")
def decline_referral(
    referral_id: UUID, body: Reason, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """The department declines a pending referral, giving the reason."""
    return written_response(app.decline_referral(actor, referral_id, reason=body.reason, expected_version=expected))


@router.post("/{referral_id}/progress-notes")
def note_progress(
    referral_id: UUID, body: ProgressNote, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Add a progress note to an open referral."""
    return written_response(app.note_referral_progress(actor, referral_id, note=body.note, expected_version=expected))


@router.post("/{referral_id}/completion")
def complete_referral(
    referral_id: UUID, body: Completion, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Complete an accepted referral with its outcome."""
    return written_response(app.complete_referral(actor, referral_id, outcome=body.outcome, expected_version=expected))


@router.post("/{referral_id}/withdrawal")
def withdraw_referral(
    referral_id: UUID, body: Reason, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """The station withdraws an open referral, giving the reason."""
    return written_response(app.withdraw_referral(actor, referral_id, reason=body.reason, expected_version=expected))

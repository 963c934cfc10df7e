"""Referrals from stations to departments."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import App, CurrentActor, ExpectedVersion, record_response, written_response
from api.routers.common import AtVersion
from api.schemas import Completion, MakeReferral, ProgressNote, Reason

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.post("", status_code=201)
def make_referral(body: MakeReferral, app: App, actor: CurrentActor) -> JSONResponse:
    """Refer an open case's youth from its station to an active department."""
    return written_response(app.make_referral(actor, **body.model_dump()), created="/referrals")


@router.get("/{referral_id}")
def get_referral(referral_id: UUID, app: App, version: AtVersion = None) -> JSONResponse:
    """One referral, now or at a past version."""
    return record_response(app.get_referral(referral_id, version=version))


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

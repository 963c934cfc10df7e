"""Referrals from stations to departments."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.answers import History, ReferralPage, ReferralRead, ReferralWritten
from api.deps import CurrentCaller, Door, ExpectedVersion, record_response, written_response
from api.routers.common import (
    AfterVersion,
    AsOf,
    AtVersion,
    ConsistentWith,
    Cursor,
    HistoryLimit,
    Limit,
    OverdueDays,
)
from api.schemas import Completion, MakeReferral, ProgressNote, Reason
from application.views.lists import ReferralFilter
from domain.referral import ReferralStatus

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.post("", response_model=ReferralWritten, status_code=201)
def make_referral(body: MakeReferral, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Refer an open case's youth from its station to an active department. A consent covering the
    department must be on the case (409 `consent_required` otherwise), unless a station lead sends
    `consent_override` with a reason, which is recorded on the referral and in the audit trail."""
    override = body.consent_override.reason if body.consent_override is not None else None
    fields = body.model_dump(exclude={"consent_override"})
    return written_response(door.make_referral(caller, **fields, consent_override=override), created="/referrals")


@router.get("", response_model=ReferralPage)
def list_referrals(
    door: Door,
    caller: CurrentCaller,
    department_id: UUID | None = None,
    status: ReferralStatus | None = None,
    overdue: Annotated[
        bool | None, Query(description="Only overdue referrals (true), or only those that are not (false).")
    ] = None,
    case_id: UUID | None = None,
    station_id: UUID | None = None,
    overdue_after_days: OverdueDays = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """The referrals you may read, newest first (a department: those sent to it): filter on
    department, status, overdue (as on the coordination board), case and station; page with
    `next_cursor`. Referrals of sealed cases are left out."""
    where = ReferralFilter(
        case_id=case_id,
        station_id=station_id,
        department_id=department_id,
        status=status.value if status else None,
        overdue=overdue,
    )
    return JSONResponse(
        door.list_referrals(
            caller,
            where,
            overdue_after_days=overdue_after_days,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
        )
    )


@router.get("/{referral_id}", response_model=ReferralRead)
def get_referral(
    referral_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One referral, now or at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_referral(caller, referral_id, version=version, as_of=as_of))


@router.get("/{referral_id}/history", response_model=History)
def get_referral_history(
    referral_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the referral in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return JSONResponse(door.history(caller, "referral", referral_id, after_version=after_version, limit=limit))


@router.post("/{referral_id}/acceptance", response_model=ReferralWritten)
def accept_referral(referral_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion) -> JSONResponse:
    """The department accepts a pending referral."""
    return written_response(door.accept_referral(caller, referral_id, expected_version=expected))


@router.post("/{referral_id}/decline", response_model=ReferralWritten)
def decline_referral(
    referral_id: UUID, body: Reason, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """The department declines a pending referral, giving the reason."""
    return written_response(door.decline_referral(caller, referral_id, reason=body.reason, expected_version=expected))


@router.post("/{referral_id}/progress-notes", response_model=ReferralWritten)
def note_progress(
    referral_id: UUID, body: ProgressNote, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Add a progress note to an open referral."""
    return written_response(door.note_referral_progress(caller, referral_id, note=body.note, expected_version=expected))


@router.post("/{referral_id}/completion", response_model=ReferralWritten)
def complete_referral(
    referral_id: UUID, body: Completion, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Complete an accepted referral with its outcome."""
    return written_response(
        door.complete_referral(caller, referral_id, outcome=body.outcome, expected_version=expected)
    )


@router.post("/{referral_id}/withdrawal", response_model=ReferralWritten)
def withdraw_referral(
    referral_id: UUID, body: Reason, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """The station withdraws an open referral, giving the reason."""
    return written_response(door.withdraw_referral(caller, referral_id, reason=body.reason, expected_version=expected))

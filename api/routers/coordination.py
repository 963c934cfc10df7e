"""Coordination views: what waits on which department, station loads, mentor loads."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.answers import DepartmentsView, MentorsView, ReferralBoard, StationsView
from api.deps import CurrentCaller, Door
from api.routers.common import ConsistentWith, Cursor, Limit, OverdueDays
from api.schemas import DIGITS

router = APIRouter(prefix="/coordination", tags=["coordination"])


@router.get("/referrals", response_model=ReferralBoard)
def referral_board(
    door: Door,
    caller: CurrentCaller,
    department_id: UUID | None = None,
    overdue_after_days: OverdueDays = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """Per department, by name: referrals awaiting an answer, accepted and in progress, and overdue
    (respond-by passed with no answer, or accepted and not completed in time). Departments are paged
    with `next_cursor`."""
    return JSONResponse(
        door.referral_board(
            caller,
            department_id=department_id,
            overdue_after_days=overdue_after_days,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
        )
    )


@router.get("/departments", response_model=DepartmentsView)
def departments(
    door: Door,
    caller: CurrentCaller,
    overdue_after_days: OverdueDays = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """Per department, by name: referrals by status, overdue ones, and the median time to answer;
    paged with `next_cursor`."""
    return JSONResponse(
        door.departments_view(
            caller, overdue_after_days=overdue_after_days, limit=limit, cursor=cursor, consistent_with=consistent_with
        )
    )


@router.get("/stations", response_model=StationsView)
def stations(
    door: Door,
    caller: CurrentCaller,
    months: Annotated[int, Query(ge=1, le=120, description="Months of interventions to show."), DIGITS] = 12,
    limit: Limit = 100,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """Per station, by name: open cases by risk level, interventions by kind per month, referrals out
    by status; paged with `next_cursor`."""
    return JSONResponse(
        door.stations_view(caller, months=months, limit=limit, cursor=cursor, consistent_with=consistent_with)
    )


@router.get("/mentors", response_model=MentorsView)
def mentors(
    door: Door,
    caller: CurrentCaller,
    contact_days: Annotated[
        int | None, Query(ge=1, le=3650, description="Flag active pairs with no session for this many days."), DIGITS
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """Per volunteer, by name: active pairs, sessions in the last 30 days, last session, pairs gone
    quiet; paged with `next_cursor`."""
    return JSONResponse(
        door.mentors_view(
            caller, contact_days=contact_days, limit=limit, cursor=cursor, consistent_with=consistent_with
        )
    )

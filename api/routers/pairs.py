"""Mentoring pairs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.answers import History, PairPage, PairRead, PairWritten
from api.deps import CurrentCaller, Door, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, ConsistentWith, Cursor, HistoryLimit, Limit
from api.schemas import GoalProgressBody, MatchPair, Reason, SessionBody
from application.views.lists import PairFilter
from domain.mentoring_pair import PairStatus

router = APIRouter(prefix="/pairs", tags=["mentoring"])


@router.post("", response_model=PairWritten, status_code=201)
def match_pair(body: MatchPair, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Pair an active, screened volunteer with the youth of an open case."""
    return written_response(door.match_pair(caller, **body.model_dump()), created="/pairs")


@router.get("", response_model=PairPage)
def list_pairs(
    door: Door,
    caller: CurrentCaller,
    case_id: UUID | None = None,
    volunteer_id: UUID | None = None,
    station_id: UUID | None = None,
    status: PairStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """The pairs you may read, newest first (a mentor: their own): filter on case, volunteer,
    station and status; page with `next_cursor`. Pairs of sealed cases are left out."""
    where = PairFilter(
        case_id=case_id, volunteer_id=volunteer_id, station_id=station_id, status=status.value if status else None
    )
    return JSONResponse(door.list_pairs(caller, where, limit=limit, cursor=cursor, consistent_with=consistent_with))


@router.get("/{pair_id}", response_model=PairRead)
def get_pair(
    pair_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One pair, now or at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_pair(caller, pair_id, version=version, as_of=as_of))


@router.get("/{pair_id}/history", response_model=History)
def get_pair_history(
    pair_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the pair in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return JSONResponse(door.history(caller, "pair", pair_id, after_version=after_version, limit=limit))


@router.post("/{pair_id}/sessions", response_model=PairWritten)
def log_session(
    pair_id: UUID, body: SessionBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Log a session on an active pair: not before the start date, not in the future."""
    return written_response(door.log_session(caller, pair_id, **body.model_dump(), expected_version=expected))


@router.post("/{pair_id}/goal-progress", response_model=PairWritten)
def update_goal(
    pair_id: UUID, body: GoalProgressBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Update the status of one of the pair's goals."""
    return written_response(door.update_goal(caller, pair_id, **body.model_dump(), expected_version=expected))


@router.post("/{pair_id}/pause", response_model=PairWritten)
def pause_pair(
    pair_id: UUID, body: Reason, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Pause an active pair."""
    return written_response(door.pause_pair(caller, pair_id, reason=body.reason, expected_version=expected))


@router.post("/{pair_id}/resumption", response_model=PairWritten)
def resume_pair(pair_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion) -> JSONResponse:
    """Resume a paused pair."""
    return written_response(door.resume_pair(caller, pair_id, expected_version=expected))


@router.post("/{pair_id}/closure", response_model=PairWritten)
def close_pair(
    pair_id: UUID, body: Reason, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Close the pair; the volunteer may then be matched with the case again."""
    return written_response(door.close_pair(caller, pair_id, reason=body.reason, expected_version=expected))

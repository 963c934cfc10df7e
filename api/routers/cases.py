"""Youth cases and the work logged on them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from api.answers import CaseExport, CasePage, CaseRead, CaseWritten, History, Timeline, TransferRequested
from api.deps import CurrentCaller, Door, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, ConsistentWith, Cursor, HistoryLimit, Limit
from api.schemas import (
    DIGITS,
    NO_CONTROL_CHARACTERS,
    Assignment,
    Closure,
    ConsentBody,
    Decision,
    GoalReview,
    InterventionBody,
    Moment,
    OpenCase,
    Plan,
    Reason,
    RiskAssessmentBody,
    SealBody,
    TransferRequestBody,
)
from application.cases import TransferAnswer
from application.views.case_search import CaseFilter, CaseSort
from domain.youth_case import CaseCategory, CaseStatus, RiskLevel

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", response_model=CaseWritten, status_code=201)
def open_case(body: OpenCase, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Open a case for a minor at an active station. A youth whose ID number has an open case anywhere
    in the district is refused with 409 `possible_duplicate` (with `duplicate_case_id` when you may
    read that case) unless `confirm_new` with a `confirm_reason`; the same name and date of birth as
    an open case is a `warnings` entry in the answer."""
    return written_response(door.open_case(caller, **body.model_dump()), created="/cases")


SORT_PATTERN = "^-?(" + "|".join(sort.value for sort in CaseSort) + ")$"


@router.get("", response_model=CasePage)
def search_cases(
    door: Door,
    caller: CurrentCaller,
    station_id: UUID | None = None,
    status: CaseStatus | None = None,
    category: CaseCategory | None = None,
    risk_level: RiskLevel | None = None,
    case_worker_id: Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None,
    name: Annotated[
        str | None,
        Query(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS, description="Part of the youth's name."),
    ] = None,
    opened_from: Moment | None = None,
    opened_to: Moment | None = None,
    closed_from: Moment | None = None,
    closed_to: Moment | None = None,
    active_from: Annotated[Moment | None, Query(description="Last activity at or after.")] = None,
    active_to: Annotated[Moment | None, Query(description="Last activity before.")] = None,
    id_number: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=32,
            pattern=NO_CONTROL_CHARACTERS,
            description="The youth's ID number, exactly (spaces, hyphens and case aside); kept in no log of ours.",
        ),
    ] = None,
    sort: Annotated[
        str, Query(pattern=SORT_PATTERN, description="A field to sort by; a leading `-` sorts descending.")
    ] = "-last_activity_at",
    limit: Limit = 50,
    cursor: Cursor = None,
    consistent_with: ConsistentWith = None,
) -> JSONResponse:
    """Find cases: filter on station, status, category, risk level, case worker, name, the youth's
    ID number (exactly) and dates; sort; page with `next_cursor`. Each case comes with its counters
    and last activity. Ranges: `_from` inclusive, `_to` exclusive."""
    where = CaseFilter(
        station_id=station_id,
        status=status.value if status else None,
        category=category.value if category else None,
        risk_level=risk_level.value if risk_level else None,
        case_worker_id=case_worker_id,
        name=name,
        opened_from=opened_from,
        opened_to=opened_to,
        closed_from=closed_from,
        closed_to=closed_to,
        active_from=active_from,
        active_to=active_to,
        id_number=id_number,
    )
    return JSONResponse(
        door.search_cases(
            caller,
            where,
            sort=CaseSort(sort.lstrip("-")),
            descending=sort.startswith("-"),
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
        )
    )


@router.get("/{case_id}", response_model=CaseRead)
def get_case(
    case_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One case, now or as it stood at a past version. Or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_case(caller, case_id, version=version, as_of=as_of))


@router.get("/{case_id}/timeline", response_model=Timeline)
def case_timeline(
    case_id: UUID,
    door: Door,
    caller: CurrentCaller,
    after_position: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="Events after this log position."), DIGITS
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=5000, description="Events per page."), DIGITS] = 500,
) -> JSONResponse:
    """The case file: the case's events merged in log order with those of its pairs and
    referrals, each with its record, actor, data and changed fields. Page on with
    `after_position=next_after_position`."""
    return JSONResponse(door.case_timeline(caller, case_id, after_position=after_position, limit=limit))


@router.get("/{case_id}/export", response_model=CaseExport)
def export_case(case_id: UUID, door: Door, caller: CurrentCaller) -> Response:
    """The case file: the case, its pairs and referrals, every event as stored with its hash
    links, and the log's anchor. `youthcare verify-export FILE` checks it offline; any changed
    byte fails."""
    return Response(
        door.export_case(caller, case_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.json"'},
    )


@router.get("/{case_id}/history", response_model=History)
def get_case_history(
    case_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the case in order: version, position, time, actor, event type, its data, and
    the fields it changed (`before`/`after`). Page on with `after_version=next_after_version`."""
    return JSONResponse(door.history(caller, "case", case_id, after_version=after_version, limit=limit))


@router.post("/{case_id}/risk-assessments", response_model=CaseWritten)
def assess_risk(
    case_id: UUID, body: RiskAssessmentBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Record a risk assessment; the case's risk level is the latest one's."""
    return written_response(door.assess_risk(caller, case_id, **body.model_dump(), expected_version=expected))


@router.put("/{case_id}/plan", response_model=CaseWritten)
def submit_plan(
    case_id: UUID, body: Plan, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Submit the case plan's goals (each a text, or a goal with its status and review date) to
    the station's lead. The plan in force changes only when the lead approves; a plan already
    waiting is replaced."""
    goals = [goal if isinstance(goal, str) else goal.model_dump() for goal in body.goals]
    return written_response(door.submit_plan(caller, case_id, goals=goals, expected_version=expected))


@router.post("/{case_id}/plan/approval", response_model=CaseWritten)
def approve_plan(
    case_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Approve the waiting plan (the station's lead, not the one who submitted it). The approval
    names the case version it approved; if the case changed after the submission it is refused
    with 409 `approval_stale` and the plan must be submitted again."""
    return written_response(door.approve_plan(caller, case_id, note=body.note, expected_version=expected))


@router.post("/{case_id}/plan/return", response_model=CaseWritten)
def return_plan(
    case_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Return the waiting plan to its submitter with a note; the plan in force stays."""
    return written_response(door.return_plan(caller, case_id, note=body.note, expected_version=expected))


@router.post("/{case_id}/plan/goal-reviews", response_model=CaseWritten)
def review_goal(
    case_id: UUID, body: GoalReview, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Record how far a goal of the plan in force has come (open, achieved, dropped) and when to
    review it next."""
    return written_response(door.review_goal(caller, case_id, **body.model_dump(), expected_version=expected))


@router.put("/{case_id}/assignment", response_model=CaseWritten)
def assign_case(
    case_id: UUID, body: Assignment, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Assign the case to a case worker."""
    return written_response(
        door.assign_case(caller, case_id, case_worker_id=body.case_worker_id, expected_version=expected)
    )


@router.post("/{case_id}/interventions", response_model=CaseWritten)
def log_intervention(
    case_id: UUID, body: InterventionBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Log an intervention: not in the future, and not more than the backfill window (`YOUTHCARE_BACKFILL_DAYS`)
    before the case was opened; one dated before the opening is shown as backfilled."""
    return written_response(door.log_intervention(caller, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/consents", response_model=CaseWritten)
def record_consent(
    case_id: UUID, body: ConsentBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Record consent to share, granted or withdrawn."""
    return written_response(door.record_consent(caller, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/closure", response_model=CaseWritten)
def submit_closure(
    case_id: UUID, body: Closure, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Submit the case's closure with its outcome to the station's lead; the case closes when
    the lead approves it. A closed case takes nothing but reopening."""
    return written_response(door.submit_closure(caller, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/closure/approval", response_model=CaseWritten)
def approve_closure(
    case_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Approve the waiting closure: the case closes. Refused with 409 `approval_stale` when the
    case changed after the submission, and `own_submission` for the lead who submitted it."""
    return written_response(door.approve_closure(caller, case_id, note=body.note, expected_version=expected))


@router.post("/{case_id}/closure/return", response_model=CaseWritten)
def return_closure(
    case_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Return the waiting closure with a note; the case stays open."""
    return written_response(door.return_closure(caller, case_id, note=body.note, expected_version=expected))


@router.post("/{case_id}/transfer-requests", response_model=TransferRequested)
def request_transfer(
    case_id: UUID, body: TransferRequestBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Ask another station to take the case (its station's officer or lead). The answer's
    `request_id` names the request; a case has at most one waiting."""
    written = door.request_transfer(caller, case_id, **body.model_dump(), expected_version=expected)
    return written_response(written, extra={"request_id": written.record["pending_transfer"]["request_id"]})


def _answer_transfer(
    door: Door,
    caller: CurrentCaller,
    case_id: UUID,
    request_id: UUID,
    answer: TransferAnswer,
    body: Decision,
    expected: int | None,
) -> JSONResponse:
    written = door.answer_transfer(
        caller, case_id, request_id, answer=answer, note=body.note, expected_version=expected
    )
    return written_response(written)


@router.post("/{case_id}/transfer-requests/{request_id}/acceptance", response_model=CaseWritten)
def accept_transfer(
    case_id: UUID, request_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Take the case (the receiving station's lead): from now on it, its open pairs and its
    referrals belong to this station, and the old station no longer finds them."""
    return _answer_transfer(door, caller, case_id, request_id, TransferAnswer.ACCEPT, body, expected)


@router.post("/{case_id}/transfer-requests/{request_id}/decline", response_model=CaseWritten)
def decline_transfer(
    case_id: UUID, request_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Decline the transfer (the receiving station's lead), with a note."""
    return _answer_transfer(door, caller, case_id, request_id, TransferAnswer.DECLINE, body, expected)


@router.post("/{case_id}/transfer-requests/{request_id}/withdrawal", response_model=CaseWritten)
def withdraw_transfer(
    case_id: UUID, request_id: UUID, body: Decision, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Withdraw the waiting transfer request (the sending station)."""
    return _answer_transfer(door, caller, case_id, request_id, TransferAnswer.WITHDRAW, body, expected)


@router.post("/{case_id}/reopening", response_model=CaseWritten)
def reopen_case(
    case_id: UUID, body: Reason, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Reopen a closed case, giving the reason."""
    return written_response(door.reopen_case(caller, case_id, reason=body.reason, expected_version=expected))


@router.post("/{case_id}/seal", response_model=CaseWritten)
def seal_case(
    case_id: UUID, body: SealBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Seal the case (a coordinator of its area, or its station's lead). From then on the case, its
    pairs and its referrals are found by nobody, except the mentor of its pair, and an auditor or
    coordinator who states a `purpose`; their reads carry the seal mark and are logged as sealed."""
    return written_response(door.seal_case(caller, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/unsealing", response_model=CaseWritten)
def unseal_case(
    case_id: UUID, body: SealBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Unseal the case (a coordinator of its area), e.g. when a new offence lifts the seal by law."""
    return written_response(door.unseal_case(caller, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/erasure", response_model=CaseWritten)
def erase_case(
    case_id: UUID, body: SealBody, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Erase the youth's personal data for good (an admin): the case's key is destroyed, so the
    identity, contact details and every note about the youth read as erased everywhere (now, at
    past versions, in histories, timelines, exports and views), while kinds, dates, statuses and
    counts remain and every hash chain still verifies. `reason` and `legal_basis` are kept in
    the clear: name the law and the purpose, not the youth."""
    return written_response(door.erase_case(caller, case_id, **body.model_dump(), expected_version=expected))

"""Youth cases and the work logged on them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import App, CurrentActor, ExpectedVersion, record_response, written_response
from api.routers.common import AtVersion
from api.schemas import Assignment, Closure, ConsentBody, InterventionBody, OpenCase, Plan, Reason, RiskAssessmentBody

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201)
def open_case(body: OpenCase, app: App, actor: CurrentActor) -> JSONResponse:
    """Open a case for a minor at an active station."""
    return written_response(app.open_case(actor, **body.model_dump()), created="/cases")


@router.get("/{case_id}")
def get_case(case_id: UUID, app: App, version: AtVersion = None) -> JSONResponse:
    """One case, now or as it stood at a past version."""
    return record_response(app.get_case(case_id, version=version))


@router.post("/{case_id}/risk-assessments")
def assess_risk(
    case_id: UUID, body: RiskAssessmentBody, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Record a risk assessment; the case's risk level is the latest one's."""
    return written_response(app.assess_risk(actor, case_id, **body.model_dump(), expected_version=expected))


@router.put("/{case_id}/plan")
def set_plan(case_id: UUID, body: Plan, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Set (replace) the case plan's goals."""
    return written_response(app.set_plan(actor, case_id, goals=body.goals, expected_version=expected))


@router.put("/{case_id}/assignment")
def assign_case(
    case_id: UUID, body: Assignment, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Assign the case to a case worker."""
    return written_response(
        app.assign_case(actor, case_id, case_worker_id=body.case_worker_id, expected_version=expected)
    )


@router.post("/{case_id}/interventions")
def log_intervention(
    case_id: UUID, body: InterventionBody, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Log an intervention: not in the future, not before the case was opened."""
    return written_response(app.log_intervention(actor, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/consents")
def record_consent(
    case_id: UUID, body: ConsentBody, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Record consent to share, granted or withdrawn."""
    return written_response(app.record_consent(actor, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/closure")
def close_case(case_id: UUID, body: Closure, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Close the case with an outcome. A closed case takes nothing but reopening."""
    return written_response(app.close_case(actor, case_id, **body.model_dump(), expected_version=expected))


@router.post("/{case_id}/reopening")
def reopen_case(case_id: UUID, body: Reason, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Reopen a closed case, giving the reason."""
    return written_response(app.reopen_case(actor, case_id, reason=body.reason, expected_version=expected))

"""Stations and departments."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import App, CurrentActor, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, HistoryLimit
from api.schemas import RegisterDepartment, RegisterStation, Rename
from domain.organisation import Department, Station

router = APIRouter(tags=["stations and departments"])


@router.post("/stations", status_code=201)
def register_station(body: RegisterStation, app: App, actor: CurrentActor) -> JSONResponse:
    """Register a station: police care station, tutoring station, youth care studio or practice base."""
    return written_response(app.register_station(actor, **body.model_dump()), created="/stations")


@router.get("/stations")
def list_stations(app: App) -> JSONResponse:
    """Every station, oldest first."""
    return JSONResponse({"items": app.list_stations()})


@router.get("/stations/{station_id}")
def get_station(station_id: UUID, app: App, version: AtVersion = None, as_of: AsOf = None) -> JSONResponse:
    """One station, now, at a past version, or as it stood at a past moment (`as_of`)."""
    return record_response(app.get_station(station_id, version=version, as_of=as_of))


@router.get("/stations/{station_id}/history")
def get_station_history(
    station_id: UUID, app: App, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> dict[str, object]:
    """Every event of the station in order, with who, when, its data and the fields it changed."""
    return app.history(Station, station_id, after_version=after_version, limit=limit)


@router.put("/stations/{station_id}/name")
def rename_station(
    station_id: UUID, body: Rename, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Rename an active station."""
    return written_response(app.rename_station(actor, station_id, name=body.name, expected_version=expected))


@router.post("/stations/{station_id}/deactivation")
def deactivate_station(station_id: UUID, app: App, actor: CurrentActor, expected: ExpectedVersion) -> JSONResponse:
    """Deactivate a station: no new cases can be opened there."""
    return written_response(app.deactivate_station(actor, station_id, expected_version=expected))


@router.post("/departments", status_code=201)
def register_department(body: RegisterDepartment, app: App, actor: CurrentActor) -> JSONResponse:
    """Register a department or service that receives referrals."""
    return written_response(app.register_department(actor, **body.model_dump()), created="/departments")


@router.get("/departments")
def list_departments(app: App) -> JSONResponse:
    """Every department, oldest first."""
    return JSONResponse({"items": app.list_departments()})


@router.get("/departments/{department_id}")
def get_department(department_id: UUID, app: App, version: AtVersion = None, as_of: AsOf = None) -> JSONResponse:
    """One department, now, at a past version, or as it stood at a past moment (`as_of`)."""
    return record_response(app.get_department(department_id, version=version, as_of=as_of))


@router.get("/departments/{department_id}/history")
def get_department_history(
    department_id: UUID, app: App, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> dict[str, object]:
    """Every event of the department in order, with who, when, its data and the fields it changed."""
    return app.history(Department, department_id, after_version=after_version, limit=limit)


@router.put("/departments/{department_id}/name")
def rename_department(
    department_id: UUID, body: Rename, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Rename an active department."""
    return written_response(app.rename_department(actor, department_id, name=body.name, expected_version=expected))


@router.post("/departments/{department_id}/deactivation")
def deactivate_department(
    department_id: UUID, app: App, actor: CurrentActor, expected: ExpectedVersion
) -> JSONResponse:
    """Deactivate a department: it receives no new referrals."""
    return written_response(app.deactivate_department(actor, department_id, expected_version=expected))

"""Stations and departments."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.answers import (
    DepartmentPage,
    DepartmentRead,
    DepartmentWritten,
    History,
    StationPage,
    StationRead,
    StationWritten,
)
from api.deps import CurrentCaller, Door, ExpectedVersion, record_response, written_response
from api.routers.common import AfterVersion, AsOf, AtVersion, ConsistentWith, Cursor, HistoryLimit, Limit
from api.schemas import RegisterDepartment, RegisterStation, Rename

router = APIRouter(tags=["stations and departments"])


@router.post("/stations", response_model=StationWritten, status_code=201)
def register_station(body: RegisterStation, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Register a station: police care station, tutoring station, youth care studio or practice base."""
    return written_response(door.register_station(caller, **body.model_dump()), created="/stations")


@router.get("/stations", response_model=StationPage)
def list_stations(
    door: Door, caller: CurrentCaller, limit: Limit = 100, cursor: Cursor = None, consistent_with: ConsistentWith = None
) -> JSONResponse:
    """Every station, oldest first, as each reads; page with `next_cursor`."""
    return JSONResponse(door.list_stations(caller, limit=limit, cursor=cursor, consistent_with=consistent_with))


@router.get("/stations/{station_id}", response_model=StationRead)
def get_station(
    station_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One station, now, at a past version, or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_station(caller, station_id, version=version, as_of=as_of))


@router.get("/stations/{station_id}/history", response_model=History)
def get_station_history(
    station_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the station in order, with who, when, its data and the fields it changed."""
    return JSONResponse(door.history(caller, "station", station_id, after_version=after_version, limit=limit))


@router.put("/stations/{station_id}/name", response_model=StationWritten)
def rename_station(
    station_id: UUID, body: Rename, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Rename an active station."""
    return written_response(door.rename_station(caller, station_id, name=body.name, expected_version=expected))


@router.post("/stations/{station_id}/deactivation", response_model=StationWritten)
def deactivate_station(station_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion) -> JSONResponse:
    """Deactivate a station: no new cases can be opened there."""
    return written_response(door.deactivate_station(caller, station_id, expected_version=expected))


@router.post("/departments", response_model=DepartmentWritten, status_code=201)
def register_department(body: RegisterDepartment, door: Door, caller: CurrentCaller) -> JSONResponse:
    """Register a department or service that receives referrals."""
    return written_response(door.register_department(caller, **body.model_dump()), created="/departments")


@router.get("/departments", response_model=DepartmentPage)
def list_departments(
    door: Door, caller: CurrentCaller, limit: Limit = 100, cursor: Cursor = None, consistent_with: ConsistentWith = None
) -> JSONResponse:
    """Every department, oldest first, as each reads; page with `next_cursor`."""
    return JSONResponse(door.list_departments(caller, limit=limit, cursor=cursor, consistent_with=consistent_with))


@router.get("/departments/{department_id}", response_model=DepartmentRead)
def get_department(
    department_id: UUID, door: Door, caller: CurrentCaller, version: AtVersion = None, as_of: AsOf = None
) -> JSONResponse:
    """One department, now, at a past version, or as it stood at a past moment (`as_of`)."""
    return record_response(door.get_department(caller, department_id, version=version, as_of=as_of))


@router.get("/departments/{department_id}/history", response_model=History)
def get_department_history(
    department_id: UUID, door: Door, caller: CurrentCaller, after_version: AfterVersion = 0, limit: HistoryLimit = 100
) -> JSONResponse:
    """Every event of the department in order, with who, when, its data and the fields it changed."""
    return JSONResponse(door.history(caller, "department", department_id, after_version=after_version, limit=limit))


@router.put("/departments/{department_id}/name", response_model=DepartmentWritten)
def rename_department(
    department_id: UUID, body: Rename, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Rename an active department."""
    return written_response(door.rename_department(caller, department_id, name=body.name, expected_version=expected))


@router.post("/departments/{department_id}/deactivation", response_model=DepartmentWritten)
def deactivate_department(
    department_id: UUID, door: Door, caller: CurrentCaller, expected: ExpectedVersion
) -> JSONResponse:
    """Deactivate a department: it receives no new referrals."""
    return written_response(door.deactivate_department(caller, department_id, expected_version=expected))

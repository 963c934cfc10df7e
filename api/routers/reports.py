"""The period report to the district, as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.answers import Report
from api.deps import CurrentCaller, Door
from api.routers.common import ConsistentWith
from application.views.report import report_csv

router = APIRouter(prefix="/reports", tags=["reports"])

CSV = "text/csv"


@router.get("/summary", response_model=Report, responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}})
def summary(
    request: Request,
    door: Door,
    caller: CurrentCaller,
    start: Annotated[date | None, Query(alias="from", description="First day (UTC), included.")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (UTC), included.")] = None,
    period: Annotated[
        str | None,
        Query(pattern=r"^\d{4}H[12]$", description="A half year instead of `from`/`to`: `2026H1`, `2026H2`."),
    ] = None,
    station_id: Annotated[UUID | None, Query(alias="station", description="Only this station's section.")] = None,
    consistent_with: ConsistentWith = None,
) -> Response:
    """Cases opened and closed, interventions by kind, pairs started/active/closed, referrals by
    department with median time to answer, volunteers active/screened/trained: per station and
    for the district, for `from`..`to` or a named half year (`period=2026H1`). Send `Accept: text/csv`
    for CSV (UTF-8 with a byte-order mark; text that a spreadsheet would run as a formula is
    neutralised; rows that name a station or department carry its id)."""
    report: dict[str, Any] = door.report(
        caller, start=start, end=end, period=period, station_id=station_id, consistent_with=consistent_with
    )
    if CSV in request.headers.get("accept", ""):
        filename = f"youthcare-report-{report['from']}-{report['to']}.csv"
        return Response(
            report_csv(report),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return JSONResponse(report)

"""The coordinators' pages: the coordination views drawn as charts with their tables, and the period
report with its CSV. Every figure is the front door's own; the pages only draw and lay them out."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.pages.charts import Group, bar_chart
from api.pages.errors import Shown, shown
from api.pages.i18n import Words
from api.pages.web import PageRoute, SignedIn, Visit
from api.schemas import DIGITS
from application.views.report import report_csv
from domain.common import InvalidValue
from domain.youth_case import InterventionKind, RiskLevel

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
UNASSESSED = "unassessed"  # the stations view's name for open cases with no risk assessed yet
RISKS = [RiskLevel.HIGH.value, RiskLevel.MEDIUM.value, RiskLevel.LOW.value, UNASSESSED]
KINDS = [kind.value for kind in InterventionKind]
FIGURES = [
    "cases_opened",
    "cases_closed",
    "interventions",
    "pairs_started",
    "pairs_active",
    "pairs_closed",
    "volunteers_active",
    "volunteers_screened",
    "volunteers_trained",
    "training_hours",
]
YEAR, QUARTER, MONTH = re.compile(r"^(\d{4})$"), re.compile(r"^(\d{4})Q([1-4])$"), re.compile(r"^(\d{4})-(\d{2})$")


class ViewChoice(BaseModel):
    """What the coordinator may set on the views (the API's own bounds) and where each list is paged to."""

    model_config = ConfigDict(extra="ignore")
    months: Annotated[int, Field(ge=1, le=120), DIGITS] = 12
    overdue_after_days: Annotated[int | None, Field(ge=1, le=3650), DIGITS] = None
    contact_days: Annotated[int | None, Field(ge=1, le=3650), DIGITS] = None
    stations_cursor: str | None = Field(None, max_length=500)
    departments_cursor: str | None = Field(None, max_length=500)
    mentors_cursor: str | None = Field(None, max_length=500)


def said(words: Words, error: InvalidValue | ValidationError, prefix: str) -> list[Shown]:
    """What is wrong, each sentence on its field, the field named by this area's own label
    (`<prefix>.field.<name>`): the filters of these pages are not fields of the API's commands."""
    if isinstance(error, ValidationError):
        problems = [(str(p["loc"][0]) if p["loc"] else "", str(p["type"]), p["msg"]) for p in error.errors()]
    else:
        problems = [(error.field, error.rule, str(error))]
    found = []
    for field, rule, message in problems:
        sentence = shown(words, InvalidValue(message, rule=rule, field=""))[0].text
        label = words.gettext(f"{prefix}.field.{field}")
        found.append(Shown(field, words.gettext("error.on_field", field=label, error=sentence) if field else sentence))
    return found


def _more(visit: Visit, name: str, cursor: str | None) -> str | None:
    """This page again with one list moved on to its next page, the rest as they were."""
    if cursor is None:
        return None
    kept = {key: value for key, value in visit.request.query_params.items() if key != name and value}
    return f"{visit.request.url.path}?{urlencode({**kept, name: cursor})}"


def _risk_chart(words: Words, stations: list[dict[str, Any]]) -> Markup:
    return bar_chart(
        chart_id="chart-risk",
        title=words.gettext("coordination.risk.title"),
        desc=words.gettext("coordination.risk.desc"),
        series=[_risk_label(words, risk) for risk in RISKS],
        groups=[Group(s["station"]["name"], [s["open_cases_by_risk"].get(r, 0) for r in RISKS]) for s in stations],
        empty=words.gettext("coordination.chart.empty"),
    )


def _risk_label(words: Words, risk: str) -> str:
    return words.gettext("coordination.unassessed" if risk == UNASSESSED else f"enum.RiskLevel.{risk}")


def _monthly(words: Words, stations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each station with interventions in the months shown: its chart, and the kinds and months of its table."""
    found = []
    for index, station in enumerate(stations):
        months: dict[str, dict[str, int]] = station["interventions_by_month"]
        if not months:
            continue
        kinds = [kind for kind in KINDS if any(kind in counts for counts in months.values())]
        labels = [words.gettext(f"enum.InterventionKind.{kind}") for kind in kinds]
        chart = bar_chart(
            chart_id=f"chart-monthly-{index}",
            title=words.gettext("coordination.monthly.chart_title", station=station["station"]["name"]),
            desc=words.gettext("coordination.monthly.desc"),
            series=labels,
            groups=[Group(month, [counts.get(kind, 0) for kind in kinds]) for month, counts in months.items()],
            empty=words.gettext("coordination.chart.empty"),
        )
        found.append({"station": station["station"], "kinds": kinds, "months": months, "chart": chart})
    return found


def _departments_chart(words: Words, departments: list[dict[str, Any]]) -> Markup:
    return bar_chart(
        chart_id="chart-departments",
        title=words.gettext("coordination.departments.title"),
        desc=words.gettext("coordination.departments.desc"),
        series=[
            words.gettext("enum.ReferralStatus.pending"),
            words.gettext("enum.ReferralStatus.accepted"),
            words.gettext("coordination.overdue"),
        ],
        groups=[
            Group(d["department"]["name"], [d["referrals"]["pending"], d["referrals"]["accepted"], d["overdue"]])
            for d in departments
        ],
        empty=words.gettext("coordination.chart.empty"),
    )


def _mentors_chart(words: Words, volunteers: list[dict[str, Any]]) -> Markup:
    return bar_chart(
        chart_id="chart-mentors",
        title=words.gettext("coordination.mentors.title"),
        desc=words.gettext("coordination.mentors.desc"),
        series=[words.gettext("coordination.active_pairs"), words.gettext("coordination.sessions_30_days")],
        groups=[
            Group(v["volunteer"]["display_name"], [v["active_pairs"], v["sessions_last_30_days"]]) for v in volunteers
        ],
        empty=words.gettext("coordination.chart.empty"),
    )


@router.get("/ui/coordination")
def coordination(visit: SignedIn) -> Response:
    """The coordination views: open cases by risk per station, interventions by kind per month,
    referrals per department with the overdue ones, and mentors' load; each list paged on its own."""
    values = visit.request.query_params
    try:
        views = _views(visit, ViewChoice.model_validate(dict(values)))
    except (ValidationError, InvalidValue) as error:
        errors = said(visit.words, error, "coordination")
        return visit.render("coordination/index.html", status=422, values=values, errors=errors)
    return visit.render("coordination/index.html", values=values, errors=[], **views)


def _views(visit: Visit, choice: ViewChoice) -> dict[str, Any]:
    """The four views through the front door, as the page shows them."""
    assert visit.caller is not None
    caller, words, overdue_days = visit.caller, visit.words, choice.overdue_after_days
    stations = visit.front.stations_view(
        caller, months=choice.months, limit=PAGE_SIZE, cursor=choice.stations_cursor, consistent_with=None
    )
    departments = visit.front.departments_view(
        caller, overdue_after_days=overdue_days, limit=PAGE_SIZE, cursor=choice.departments_cursor, consistent_with=None
    )
    board = visit.front.referral_board(
        caller,
        department_id=None,
        overdue_after_days=overdue_days,
        limit=PAGE_SIZE,
        cursor=choice.departments_cursor,
        consistent_with=None,
    )
    mentors = visit.front.mentors_view(
        caller, contact_days=choice.contact_days, limit=PAGE_SIZE, cursor=choice.mentors_cursor, consistent_with=None
    )
    overdue = [
        {"department": entry["department"], **item} for entry in board["departments"] for item in entry["overdue"]
    ]
    return {
        "risks": RISKS,
        "risk_label": lambda risk: _risk_label(words, risk),
        "stations": stations,
        "risk_chart": _risk_chart(words, stations["stations"]),
        "monthly": _monthly(words, stations["stations"]),
        "departments": departments,
        "departments_chart": _departments_chart(words, departments["departments"]),
        "overdue": overdue,
        "overdue_after_days": board["overdue_after_days"],
        "mentors": mentors,
        "mentors_chart": _mentors_chart(words, mentors["volunteers"]),
        "more_stations": _more(visit, "stations_cursor", stations["next_cursor"]),
        "more_departments": _more(visit, "departments_cursor", departments["next_cursor"]),
        "more_mentors": _more(visit, "mentors_cursor", mentors["next_cursor"]),
    }


def _months(year: int, first: int, last: int) -> dict[str, Any]:
    return {"start": date(year, first, 1), "end": date(year, last, monthrange(year, last)[1]), "period": None}


def period_arguments(period: str) -> dict[str, Any]:
    """The report's arguments for a period as a person writes it. The API names half years itself
    (`2026H1`); a year, a quarter or a month is asked for by its first and last day. Anything else
    goes to the front door as a period, which says what is wrong with it."""
    text = period.strip().upper()
    if found := YEAR.match(text):
        return _months(int(found.group(1)), 1, 12)
    if found := QUARTER.match(text):
        last = 3 * int(found.group(2))
        return _months(int(found.group(1)), last - 2, last)
    if (found := MONTH.match(text)) and 1 <= int(found.group(2)) <= 12:
        return _months(int(found.group(1)), int(found.group(2)), int(found.group(2)))
    return {"start": None, "end": None, "period": text}


def _report(visit: Visit, period: str | None) -> tuple[str, dict[str, Any] | None, list[Any]]:
    """The period asked for (this year if none), and the front door's report or what is wrong with it."""
    assert visit.caller is not None
    chosen = (period or "").strip() or str(visit.front.clock().astimezone(visit.words.zone).year)
    try:
        arguments = period_arguments(chosen)
        report = visit.front.report(visit.caller, station_id=None, consistent_with=None, **arguments)
    except InvalidValue as error:
        return chosen, None, said(visit.words, error, "coordination.report")
    except ValueError:  # a year 0000 is no date
        return (
            chosen,
            None,
            said(visit.words, InvalidValue("no such year", rule="bad_period", field="period"), "coordination.report"),
        )
    return chosen, report, []


@router.get("/ui/report")
def report(visit: SignedIn, period: str | None = None) -> Response:
    """The period report as tables: the district's figures, each station's, and a link to its CSV."""
    chosen, found, errors = _report(visit, period)
    return visit.render(
        "coordination/report.html",
        status=422 if errors else 200,
        period=chosen,
        report=found,
        figures=FIGURES,
        errors=errors,
        csv_href="/ui/report.csv?" + urlencode({"period": chosen}),
    )


@router.get("/ui/report.csv")
def report_download(visit: SignedIn, period: str | None = None) -> Response:
    """The same CSV as the API's `GET /reports/summary` with `Accept: text/csv`, to save."""
    chosen, found, errors = _report(visit, period)
    if found is None:
        return visit.render(
            "coordination/report.html", status=422, period=chosen, report=None, figures=FIGURES, errors=errors
        )
    filename = f"youthcare-report-{found['from']}-{found['to']}.csv"
    response = Response(
        report_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    visit.finish(response)
    return response

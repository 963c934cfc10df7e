"""The period report to the district: counts for a date range, per station and for the district.

Dates are whole UTC days, `from` and `to` both included. Volunteers belong to no
station; in a station's section a volunteer counts when they mentored a youth of
that station during the period.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, or_, select

from application.presenters import plain
from application.views.base import utc
from application.views.casework_tables import (
    cases,
    closures,
    departments,
    interventions,
    pairs,
    referrals,
    screenings,
    sessions,
    stations,
    trainings,
)
from application.views.coordination import median_hours
from application.views.reach import EVERYTHING, Reach, narrowed
from domain.common import InvalidValue

DISTRICT = None  # the key of the district-wide section


@dataclass
class Section:
    cases_opened: int = 0
    cases_closed: set[UUID] = field(default_factory=set)
    interventions: Counter[str] = field(default_factory=Counter)
    pairs_started: int = 0
    pairs_active: int = 0
    pairs_closed: int = 0
    referrals_made: Counter[UUID] = field(default_factory=Counter)
    referral_waits: dict[UUID, list[timedelta]] = field(default_factory=lambda: defaultdict(list))
    mentors: set[UUID] = field(default_factory=set)  # volunteers with a pair here during the period
    volunteers_active: set[UUID] = field(default_factory=set)

    def as_dict(
        self, department_names: dict[UUID, str], screened: set[UUID], trained: dict[UUID, Decimal]
    ) -> dict[str, Any]:
        in_scope = self.mentors
        return plain(
            {
                "cases_opened": self.cases_opened,
                "cases_closed": len(self.cases_closed),
                "interventions": sum(self.interventions.values()),
                "interventions_by_kind": dict(sorted(self.interventions.items())),
                "pairs_started": self.pairs_started,
                "pairs_active": self.pairs_active,
                "pairs_closed": self.pairs_closed,
                "referrals_by_department": [
                    {
                        "department": {"id": dept_id, "name": department_names.get(dept_id)},
                        "made": self.referrals_made[dept_id],
                        "answered": len(self.referral_waits[dept_id]),
                        "median_hours_to_answer": median_hours(self.referral_waits[dept_id]),
                    }
                    for dept_id in sorted(self.referrals_made, key=lambda d: department_names.get(d, ""))
                ],
                "volunteers_active": len(self.volunteers_active),
                "volunteers_screened": len(screened & in_scope),
                "volunteers_trained": len(trained.keys() & in_scope),
                "training_hours": sum((trained[v] for v in trained.keys() & in_scope), Decimal(0)),
            }
        )


def period_report(
    conn: Connection, *, start: date, end: date, station_id: UUID | None = None, reach: Reach = EVERYTHING
) -> dict[str, Any]:
    """Counts for the days `start`..`end` (inclusive), for the district and each station (or one).

    A caller who reaches only some stations gets a report of those: its first section sums them."""
    reached = reach.station_ids(conn)
    low = datetime.combine(start, time.min, tzinfo=timezone.utc)
    high = datetime.combine(end, time.max, tzinfo=timezone.utc)  # inclusive: the day after 9999-12-31 is none
    sections: dict[UUID | None, Section] = defaultdict(Section)

    def both(station: UUID) -> tuple[Section, Section]:
        return sections[DISTRICT], sections[station]

    opened = select(cases.c.station_id).where(cases.c.opened_at >= low, cases.c.opened_at <= high)
    for row in conn.execute(narrowed(opened, cases.c.station_id, reached)):
        for section in both(row.station_id):
            section.cases_opened += 1
    closed = select(closures).where(closures.c.closed_at >= low, closures.c.closed_at <= high)
    for row in conn.execute(narrowed(closed, closures.c.station_id, reached)):
        for section in both(row.station_id):
            section.cases_closed.add(row.case_id)
    done = select(interventions).where(interventions.c.occurred_at >= low, interventions.c.occurred_at <= high)
    for row in conn.execute(narrowed(done, interventions.c.station_id, reached)):
        for section in both(row.station_id):
            section.interventions[row.kind] += 1
    overlapping = select(pairs).where(
        pairs.c.started_on <= end, or_(pairs.c.closed_at.is_(None), pairs.c.closed_at >= low)
    )
    for row in conn.execute(narrowed(overlapping, pairs.c.station_id, reached)):
        for section in both(row.station_id):
            section.pairs_active += 1
            section.pairs_started += int(row.started_on >= start)
            section.pairs_closed += int(row.closed_at is not None and utc(row.closed_at) <= high)
            section.mentors.add(row.volunteer_id)
    held = select(sessions).where(sessions.c.held_on >= start, sessions.c.held_on <= end)
    for row in conn.execute(narrowed(held, sessions.c.station_id, reached)):
        for section in both(row.station_id):
            section.volunteers_active.add(row.volunteer_id)
    made = select(referrals).where(referrals.c.made_at >= low, referrals.c.made_at <= high)
    for row in conn.execute(narrowed(made, referrals.c.station_id, reached)):
        for section in both(row.station_id):
            section.referrals_made[row.department_id] += 1
            if row.answered_at is not None:
                section.referral_waits[row.department_id].append(utc(row.answered_at) - utc(row.made_at))

    passed = select(screenings.c.volunteer_id).where(
        screenings.c.passed.is_(True), screenings.c.screened_at >= low, screenings.c.screened_at <= high
    )
    screened = {row.volunteer_id for row in conn.execute(passed)}
    trained: dict[UUID, Decimal] = defaultdict(Decimal)
    attended = select(trainings).where(trainings.c.completed_on >= start, trainings.c.completed_on <= end)
    for row in conn.execute(attended):
        trained[row.volunteer_id] += Decimal(row.hours)
    district = sections[DISTRICT]
    if reached is None:
        district.mentors |= screened | trained.keys()  # the district counts every volunteer

    department_names = {row[0]: row[1] for row in conn.execute(select(departments.c.department_id, departments.c.name))}
    station_rows = conn.execute(
        narrowed(select(stations).order_by(stations.c.name), stations.c.station_id, reached)
    ).all()
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "district": district.as_dict(department_names, screened, trained),
        "stations": [
            {
                "station": plain({"id": row.station_id, "name": row.name}),
                **sections[row.station_id].as_dict(department_names, screened, trained),
            }
            for row in station_rows
            if station_id is None or row.station_id == station_id
        ],
    }


PERIOD = re.compile(r"^(\d{4})H([12])$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"  # so spreadsheet programs read the file as UTF-8 and show Chinese


def period_range(period: str) -> tuple[date, date]:
    """`2026H1` is 1 January to 30 June 2026, `2026H2` 1 July to 31 December: the twice-yearly report."""
    found = PERIOD.match(period)
    if found is None:
        raise InvalidValue("a period is a year and a half, like 2026H1 or 2026H2", rule="bad_period", field="period")
    year, half = int(found.group(1)), int(found.group(2))
    if not 1 <= year <= 9999:
        raise InvalidValue("no such year", rule="bad_period", field="period")
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))


def _cells(row: list[Any]) -> list[Any]:
    """A text cell a spreadsheet would run as a formula is prefixed with an apostrophe (OWASP)."""
    return ["'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value for value in row]


def report_csv(report: dict[str, Any]) -> str:
    """The report as long-format CSV: one figure per line, easy to pivot in a spreadsheet. Rows that
    name a station or department carry its id too (two may share a name)."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_cells(["from", "to", "scope", "station_id", "station_name", "figure", "item", "item_id", "value"]))
    scopes = [("district", "", "", report["district"])] + [
        ("station", s["station"]["id"], s["station"]["name"], s) for s in report["stations"]
    ]
    for scope, sid, sname, section in scopes:
        base = [report["from"], report["to"], scope, sid, sname]
        for figure, value in section.items():
            if figure == "station":
                continue
            if figure == "interventions_by_kind":
                for kind, count in value.items():
                    writer.writerow(_cells([*base, figure, kind, "", count]))
            elif figure == "referrals_by_department":
                for entry in value:
                    name, dept_id = entry["department"]["name"], entry["department"]["id"]
                    writer.writerow(_cells([*base, "referrals_made", name, dept_id, entry["made"]]))
                    writer.writerow(_cells([*base, "referrals_answered", name, dept_id, entry["answered"]]))
                    hours = entry["median_hours_to_answer"]
                    writer.writerow(
                        _cells([*base, "median_hours_to_answer", name, dept_id, "" if hours is None else hours])
                    )
            else:
                writer.writerow(_cells([*base, figure, "", "", value]))
    return buffer.getvalue()

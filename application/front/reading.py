"""The views, reports and audit reads through the front door, each narrowed to the caller's reach."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.access.policy import Action
from application.access.principal import Caller
from application.errors import InvalidValue, NotFound
from application.front.decisions import DecisionsFront
from application.views.audit_queries import AuditFilter
from application.views.report import period_range
from application.views.verification import Anchor, Progress


class ReadingFront(DecisionsFront):
    def audit_trail(
        self, caller: Caller, where: AuditFilter, *, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        """Every event of every record the caller reaches, newest first."""
        reach = self.reach(caller, Action.AUDIT_TRAIL)
        found = self.reads.audit_trail(where, limit=limit, cursor=cursor, consistent_with=consistent_with, reach=reach)
        return self.logged(caller, found)

    def referral_board(
        self,
        caller: Caller,
        *,
        department_id: UUID | None,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        """A page of departments, each with its referrals waiting, in progress and overdue."""
        reach = self.reach(caller, Action.VIEW_REFERRALS)
        found = self.reads.referral_board(
            department_id=department_id,
            overdue_after_days=overdue_after_days,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
            reach=reach,
        )
        return self.logged(caller, found)

    def departments_view(
        self,
        caller: Caller,
        *,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        reach = self.reach(caller, Action.VIEW_DEPARTMENTS)
        found = self.reads.departments(
            overdue_after_days=overdue_after_days,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
            reach=reach,
        )
        return self.logged(caller, found)

    def stations_view(
        self, caller: Caller, *, months: int, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        reach = self.reach(caller, Action.VIEW_STATIONS)
        found = self.reads.stations(
            months=months, limit=limit, cursor=cursor, consistent_with=consistent_with, reach=reach
        )
        return self.logged(caller, found)

    def mentors_view(
        self,
        caller: Caller,
        *,
        contact_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        reach = self.reach(caller, Action.VIEW_MENTORS)
        found = self.reads.mentors(
            contact_days=contact_days, limit=limit, cursor=cursor, consistent_with=consistent_with, reach=reach
        )
        return self.logged(caller, found)

    def report(
        self,
        caller: Caller,
        *,
        start: date | None,
        end: date | None,
        period: str | None = None,
        station_id: UUID | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        """The period report for `start`..`end`, or for a named half year (`2026H1`)."""
        reach = self.reach(caller, Action.REPORT)
        if period is not None:
            if start is not None or end is not None:
                raise InvalidValue("give a period, or from and to, not both", rule="period_and_range", field="period")
            start, end = period_range(period)
        elif start is None or end is None:
            raise InvalidValue(
                "give from and to, or a period such as 2026H1",
                rule="range_required",
                field="from" if start is None else "to",
            )
        found = self.reads.report(
            start=start, end=end, station_id=station_id, consistent_with=consistent_with, reach=reach
        )
        return self.logged(caller, found)

    def verification(self, caller: Caller, anchor: Anchor | None, progress: Progress | None = None) -> dict[str, Any]:
        """Every hash chain of the event log recomputed, and the read log's chain too."""
        self.allowed(caller, Action.AUDIT_VERIFY)
        found = self.reads.verification(self.core.recorder, anchor, progress).as_dict()
        found["read_log"] = self.read_log.verify()
        keyed = self.core.links.verify(self.core.recorder).as_dict() if self.core.links is not None else None
        found["keyed_links"] = keyed
        found["ok"] = bool(found["ok"]) and bool(found["read_log"]["ok"]) and (keyed is None or keyed["ok"])
        return self.logged(caller, found)

    def anchor(self, caller: Caller, consistent_with: int | None) -> dict[str, Any]:
        self.allowed(caller, Action.AUDIT_VERIFY)
        found = self.reads.anchor(consistent_with)
        if found is None:
            raise NotFound("nothing has been linked yet")
        return dict(found.__dict__)

    def access_log(
        self,
        caller: Caller,
        *,
        record_id: UUID | None,
        username: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        """Who read what, newest first; a station lead sees reads of their station's records."""
        reach = self.reach(caller, Action.ACCESS_LOG)
        stations = None if reach.everything else [reach.station] if reach.station else []
        found = self.read_log.page(
            record_id=record_id,
            username=username,
            start=start,
            end=end,
            stations=stations,
            limit=limit,
            cursor=cursor,
        )
        return self.logged(caller, found)

"""The read side's one door: every view query, each honouring `consistent_with`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder
from sqlalchemy import Connection
from sqlalchemy.exc import DataError, SQLAlchemyError

from application.errors import OutOfRange, ViewNotReady
from application.history import RECORD_TYPES
from application.views.audit_queries import AuditFilter, audit_trail_page
from application.views.audit_trail import AuditTrail
from application.views.case_search import CaseFilter, CaseSort, search_cases
from application.views.casework import Casework
from application.views.coordination import (
    case_records,
    department_summary,
    mentor_load,
    referral_board,
    station_dashboard,
)
from application.views.export import export_case
from application.views.hash_chain import HashChain
from application.views.lists import (
    PairFilter,
    ReferralFilter,
    VolunteerFilter,
    list_departments,
    list_pairs,
    list_referrals,
    list_stations,
    list_volunteers,
)
from application.views.reach import EVERYTHING, Reach
from application.views.report import period_report
from application.views.tasks import Timing, WorkScope, work_list
from application.views.verification import Anchor, Progress, Verification, anchor_now, verify
from domain.common import InvalidValue
from domain.mentoring_pair import MentoringPair
from domain.referral import Referral
from domain.youth_case import YouthCase

logger = logging.getLogger(__name__)


class ViewSource(Protocol):
    """What the read side needs from wherever the views are kept (see infrastructure)."""

    def reading(self) -> AbstractContextManager[Connection]: ...

    def head(self) -> int: ...

    def position(self, name: str) -> int: ...

    def wait_for(self, name: str, position: int, timeout: float) -> bool: ...

    def is_ready(self, name: str) -> bool: ...


@dataclass(frozen=True)
class ReadPolicy:
    consistency_wait_seconds: float = 5.0
    referral_overdue_days: int = 30
    mentor_contact_days: int = 30
    session_due_days: int = 14


class ReadSide:
    """Queries over the views. Each answer carries the view's position when it was read."""

    def __init__(self, source: ViewSource, policy: ReadPolicy, clock: Callable[[], datetime]) -> None:
        self.source = source
        self.policy = policy
        self.clock = clock

    @contextmanager
    def _view(self, name: str, consistent_with: int | None) -> Iterator[tuple[Connection, dict[str, Any]]]:
        if consistent_with is not None:
            if consistent_with > self.source.head():
                raise InvalidValue(
                    f"position {consistent_with} has not been written", rule="unknown_position", field="consistent_with"
                )
            if not self.source.wait_for(name, consistent_with, self.policy.consistency_wait_seconds):
                raise ViewNotReady(f"the {name} view has not reached position {consistent_with} yet; retry shortly")
        if not self.source.is_ready(name):
            raise ViewNotReady(f"the {name} view is being built; retry shortly", retry_after=5)
        try:
            header = {"view": name, "position": self.source.position(name)}
            with self.source.reading() as conn:
                yield conn, header
        except DataError as error:  # a value beyond a column's range: the request's fault, not the view's
            raise OutOfRange() from error
        except SQLAlchemyError as error:  # e.g. a rebuild in another process dropped the tables mid-read
            logger.warning("view %s could not be read", name, exc_info=True)
            raise ViewNotReady(f"the {name} view could not be read; retry shortly", retry_after=5) from error

    def audit_trail(
        self,
        where: AuditFilter,
        *,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        """Every event of every record, newest first, filtered."""
        with self._view(AuditTrail.name, consistent_with) as (conn, header):
            return header | audit_trail_page(conn, where, limit=limit, cursor=cursor, reach=reach)

    def cases(
        self,
        where: CaseFilter,
        *,
        sort: CaseSort,
        descending: bool,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        """Cases with their station, status, risk, counters and last activity."""
        with self._view(Casework.name, consistent_with) as (conn, header):
            found = search_cases(conn, where, sort=sort, descending=descending, limit=limit, cursor=cursor, reach=reach)
            return header | found

    def referral_board(
        self,
        *,
        department_id: UUID | None,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        days = overdue_after_days or self.policy.referral_overdue_days
        with self._view(Casework.name, consistent_with) as (conn, header):
            board, next_cursor = referral_board(
                conn,
                now=self.clock(),
                overdue_after_days=days,
                department_id=department_id,
                reach=reach,
                limit=limit,
                cursor=cursor,
            )
            return header | {"overdue_after_days": days, "departments": board, "next_cursor": next_cursor}

    def departments(
        self,
        *,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        days = overdue_after_days or self.policy.referral_overdue_days
        with self._view(Casework.name, consistent_with) as (conn, header):
            summary, next_cursor = department_summary(
                conn, now=self.clock(), overdue_after_days=days, reach=reach, limit=limit, cursor=cursor
            )
            return header | {"overdue_after_days": days, "departments": summary, "next_cursor": next_cursor}

    def stations(
        self,
        *,
        months: int,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        today = self.clock().date()
        month_index = today.year * 12 + today.month - 1 - (months - 1)
        since = f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
        with self._view(Casework.name, consistent_with) as (conn, header):
            dashboard, next_cursor = station_dashboard(conn, since_month=since, reach=reach, limit=limit, cursor=cursor)
            return header | {"since_month": since, "stations": dashboard, "next_cursor": next_cursor}

    def mentors(
        self,
        *,
        contact_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        days = contact_days or self.policy.mentor_contact_days
        today = self.clock().date()
        with self._view(Casework.name, consistent_with) as (conn, header):
            load, next_cursor = mentor_load(
                conn, today=today, contact_days=days, reach=reach, limit=limit, cursor=cursor
            )
            return header | {
                "today": today.isoformat(),
                "contact_days": days,
                "volunteers": load,
                "next_cursor": next_cursor,
            }

    # -- work lists

    def pairs(
        self,
        where: PairFilter,
        *,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | list_pairs(conn, where, limit=limit, cursor=cursor, reach=reach)

    def referrals(
        self,
        where: ReferralFilter,
        *,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        days = overdue_after_days or self.policy.referral_overdue_days
        with self._view(Casework.name, consistent_with) as (conn, header):
            found = list_referrals(
                conn, where, now=self.clock(), overdue_after_days=days, limit=limit, cursor=cursor, reach=reach
            )
            return header | found

    def volunteers(
        self,
        where: VolunteerFilter,
        *,
        limit: int,
        cursor: str | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | list_volunteers(conn, where, limit=limit, cursor=cursor, reach=reach)

    def station_list(self, *, limit: int, cursor: str | None, consistent_with: int | None = None) -> dict[str, Any]:
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | list_stations(conn, limit=limit, cursor=cursor)

    def department_list(self, *, limit: int, cursor: str | None, consistent_with: int | None = None) -> dict[str, Any]:
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | list_departments(conn, limit=limit, cursor=cursor)

    def tasks(self, scope: WorkScope, *, consistent_with: int | None = None) -> dict[str, Any]:
        """What waits on the caller, oldest first (see application/views/tasks.py)."""
        policy = self.policy
        timing = Timing(self.clock(), policy.referral_overdue_days, policy.mentor_contact_days, policy.session_due_days)
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | {"items": work_list(conn, scope, timing)}

    def case_records(self, case_id: UUID) -> list[tuple[type[Aggregate], UUID]]:
        """A case's pairs, then its referrals, once the view has applied the whole log."""
        with self._view(Casework.name, self.source.head()) as (conn, _):
            related = case_records(conn, case_id)
        records: list[tuple[type[Aggregate], UUID]] = [(MentoringPair, pair_id) for pair_id in related["pairs"]]
        return records + [(Referral, referral_id) for referral_id in related["referrals"]]

    def verification(
        self, log: ApplicationRecorder, anchor: Anchor | None = None, progress: Progress | None = None
    ) -> Verification:
        """Every hash chain recomputed from the stored events; the first bad link of each broken one."""
        with self.source.reading() as conn:
            return verify(conn, log, anchor, progress)

    def anchor(self, consistent_with: int | None = None) -> Anchor | None:
        """The newest link of the log's chain: hand it to someone outside to hold."""
        with self._view(HashChain.name, consistent_with) as (conn, _):
            return anchor_now(conn, self.clock())

    def case_file(self, store: Any, case_id: UUID, seal: dict[str, Any] | None = None) -> bytes:
        """The case, its pairs and referrals as a self-checking file, once all are linked."""
        case: list[tuple[type[Aggregate], UUID]] = [(YouthCase, case_id)]
        records = [(RECORD_TYPES[kind], record_id) for kind, record_id in case + self.case_records(case_id)]
        with self._view(HashChain.name, self.source.head()) as (conn, _):
            anchor = anchor_now(conn, self.clock())
            assert anchor is not None  # the case's own events are linked by now
            return export_case(conn, store, case_id, records, anchor.__dict__, self.clock().isoformat(), seal)

    def report(
        self,
        *,
        start: date,
        end: date,
        station_id: UUID | None,
        consistent_with: int | None = None,
        reach: Reach = EVERYTHING,
    ) -> dict[str, Any]:
        if end < start:
            raise InvalidValue("'to' must not be before 'from'", rule="empty_range", field="to")
        with self._view(Casework.name, consistent_with) as (conn, header):
            return header | period_report(conn, start=start, end=end, station_id=station_id, reach=reach)

"""Stations, departments and volunteers through the front door; histories of any record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.access.policy import Action, Facts, grant
from application.access.principal import Caller
from application.base import Written
from application.front.gate import KINDS, Gate, seal_marked
from application.presenters import present
from application.views.lists import VolunteerFilter
from domain.common import Actor, RuleViolation

# Reads of these kinds are logged: they carry personal data of minors or volunteers.
LOGGED_KINDS = {"case", "pair", "referral", "volunteer", "user"}
READ_ACTIONS = {
    "station": (Action.STATION_READ, Action.STATION_HISTORY),
    "department": (Action.DEPARTMENT_READ, Action.DEPARTMENT_HISTORY),
    "volunteer": (Action.VOLUNTEER_READ, Action.VOLUNTEER_HISTORY),
    "case": (Action.CASE_READ, Action.CASE_HISTORY),
    "pair": (Action.PAIR_READ, Action.PAIR_HISTORY),
    "referral": (Action.REFERRAL_READ, Action.REFERRAL_HISTORY),
}


class RegistryFront(Gate):
    # -- shapes every record shares

    def _command(
        self, caller: Caller, action: Action, kind: str, record_id: UUID, command: Callable[[Actor], Written]
    ) -> Written:
        self._workable(caller, action, kind, record_id)
        return command(caller.actor)

    def _workable(self, caller: Caller, action: Action, kind: str, record_id: UUID) -> Facts:
        """The facts of a record the caller may do `action` to, and whose case still takes work."""
        facts = self.record(caller, action, kind, record_id)
        if facts.erased:
            raise RuleViolation(
                "the case's personal data was erased: its records take no more work", rule="case_erased"
            )
        return facts

    def _get(
        self,
        caller: Caller,
        kind: str,
        record_id: UUID,
        version: int | None,
        as_of: datetime | None,
        extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A record now, or (with `version` or `as_of`, a history read) as it stood then."""
        now, past = READ_ACTIONS[kind]
        is_past = version is not None or as_of is not None
        facts, record = self.examined(caller, past if is_past else now, kind, record_id)
        if is_past:
            found = self.core.read_record(KINDS[kind], record_id, version=version, as_of=as_of)
        else:
            found = present(record)  # as loaded for the decision: the answer is the version decided on
            if extra is not None and grant(caller.principal.role, Action.CASE_READ) is None:
                found = found | extra(found)  # for those who may not read the case itself
        return self._served(caller, kind, seal_marked(found, facts, caller.principal), facts)

    def _served(self, caller: Caller, kind: str, found: dict[str, Any], facts: Facts | None = None) -> dict[str, Any]:
        """A read's answer, logged when its kind's reads are."""
        return self.logged(caller, found, facts=facts) if kind in LOGGED_KINDS else found

    def history(self, caller: Caller, kind: str, record_id: UUID, *, after_version: int, limit: int) -> dict[str, Any]:
        """Every event of a record in order, with the fields each changed."""
        facts = self.record(caller, READ_ACTIONS[kind][1], kind, record_id)
        found = self.core.history(KINDS[kind], record_id, after_version=after_version, limit=limit)
        return self._served(caller, kind, seal_marked(found, facts, caller.principal), facts)

    # -- stations

    def register_station(self, caller: Caller, **fields: Any) -> Written:
        """Register a station (admin)."""
        self.allowed(caller, Action.STATION_WRITE)
        return self.core.register_station(caller.actor, **fields)

    def list_stations(
        self, caller: Caller, *, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        """Every station, oldest first, a page at a time."""
        self.reach(caller, Action.STATION_READ)
        return self._served(
            caller, "station", self.reads.station_list(limit=limit, cursor=cursor, consistent_with=consistent_with)
        )

    def get_station(
        self, caller: Caller, station_id: UUID, *, version: int | None, as_of: datetime | None
    ) -> dict[str, Any]:
        return self._get(caller, "station", station_id, version, as_of)

    def rename_station(self, caller: Caller, station_id: UUID, *, name: str, expected_version: int | None) -> Written:
        return self._command(
            caller,
            Action.STATION_WRITE,
            "station",
            station_id,
            lambda actor: self.core.rename_station(actor, station_id, name=name, expected_version=expected_version),
        )

    def deactivate_station(self, caller: Caller, station_id: UUID, *, expected_version: int | None) -> Written:
        return self._command(
            caller,
            Action.STATION_WRITE,
            "station",
            station_id,
            lambda actor: self.core.deactivate_station(actor, station_id, expected_version=expected_version),
        )

    # -- departments

    def register_department(self, caller: Caller, **fields: Any) -> Written:
        self.allowed(caller, Action.DEPARTMENT_WRITE)
        return self.core.register_department(caller.actor, **fields)

    def list_departments(
        self, caller: Caller, *, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        """Every department, oldest first, a page at a time."""
        self.reach(caller, Action.DEPARTMENT_READ)
        found = self.reads.department_list(limit=limit, cursor=cursor, consistent_with=consistent_with)
        return self._served(caller, "department", found)

    def get_department(
        self, caller: Caller, department_id: UUID, *, version: int | None, as_of: datetime | None
    ) -> dict[str, Any]:
        return self._get(caller, "department", department_id, version, as_of)

    def rename_department(
        self, caller: Caller, department_id: UUID, *, name: str, expected_version: int | None
    ) -> Written:
        return self._command(
            caller,
            Action.DEPARTMENT_WRITE,
            "department",
            department_id,
            lambda actor: self.core.rename_department(
                actor, department_id, name=name, expected_version=expected_version
            ),
        )

    def deactivate_department(self, caller: Caller, department_id: UUID, *, expected_version: int | None) -> Written:
        return self._command(
            caller,
            Action.DEPARTMENT_WRITE,
            "department",
            department_id,
            lambda actor: self.core.deactivate_department(actor, department_id, expected_version=expected_version),
        )

    # -- volunteers

    def register_volunteer(self, caller: Caller, **fields: Any) -> Written:
        self.allowed(caller, Action.VOLUNTEER_WRITE)
        return self.core.register_volunteer(caller.actor, **fields)

    def list_volunteers(
        self, caller: Caller, where: VolunteerFilter, *, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        """The volunteers the caller reaches (a mentor: their own record), by name."""
        reach = self.reach(caller, Action.VOLUNTEER_READ)
        found = self.reads.volunteers(where, limit=limit, cursor=cursor, consistent_with=consistent_with, reach=reach)
        return self._served(caller, "volunteer", found)

    def get_volunteer(
        self, caller: Caller, volunteer_id: UUID, *, version: int | None, as_of: datetime | None
    ) -> dict[str, Any]:
        return self._get(caller, "volunteer", volunteer_id, version, as_of)

    def screen_volunteer(
        self, caller: Caller, volunteer_id: UUID, *, passed: bool, notes: str, expected_version: int | None
    ) -> Written:
        return self._command(
            caller,
            Action.VOLUNTEER_WRITE,
            "volunteer",
            volunteer_id,
            lambda actor: self.core.screen_volunteer(
                actor, volunteer_id, passed=passed, notes=notes, expected_version=expected_version
            ),
        )

    def record_training(
        self,
        caller: Caller,
        volunteer_id: UUID,
        *,
        course: str,
        completed_on: date,
        hours: Decimal,
        expected_version: int | None,
    ) -> Written:
        return self._command(
            caller,
            Action.VOLUNTEER_WRITE,
            "volunteer",
            volunteer_id,
            lambda actor: self.core.record_training(
                actor,
                volunteer_id,
                course=course,
                completed_on=completed_on,
                hours=hours,
                expected_version=expected_version,
            ),
        )

    def deactivate_volunteer(self, caller: Caller, volunteer_id: UUID, *, expected_version: int | None) -> Written:
        return self._command(
            caller,
            Action.VOLUNTEER_WRITE,
            "volunteer",
            volunteer_id,
            lambda actor: self.core.deactivate_volunteer(actor, volunteer_id, expected_version=expected_version),
        )

    def reactivate_volunteer(self, caller: Caller, volunteer_id: UUID, *, expected_version: int | None) -> Written:
        return self._command(
            caller,
            Action.VOLUNTEER_WRITE,
            "volunteer",
            volunteer_id,
            lambda actor: self.core.reactivate_volunteer(actor, volunteer_id, expected_version=expected_version),
        )

"""Commands and queries for stations and departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from application.base import BaseApp, Written
from domain.common import Actor, RuleViolation
from domain.organisation import Department, DepartmentKind, Station, StationKind, StationLevel


class OrganisationService(BaseApp):
    def register_station(
        self, actor: Actor, *, name: str, kind: StationKind, level: StationLevel, parent_id: UUID | None = None
    ) -> Written:
        """Register a station; a parent station, if named, must exist and be active."""
        if parent_id is not None:
            parent = self._referenced(Station, parent_id, "parent_id")
            if not parent.active:
                raise RuleViolation("the parent station is deactivated", rule="parent_station_inactive")
        return self._save(
            Station.register(
                actor=actor, name=name, kind=StationKind(kind), level=StationLevel(level), parent_id=parent_id
            )
        )

    def rename_station(
        self, actor: Actor, station_id: UUID, *, name: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Station, station_id, expected_version, lambda s: s.rename(actor=actor, name=name))

    def deactivate_station(self, actor: Actor, station_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(Station, station_id, expected_version, lambda s: s.deactivate(actor=actor))

    def get_station(
        self, station_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        return self._read(Station, station_id, version, as_of)

    def register_department(self, actor: Actor, *, name: str, kind: DepartmentKind) -> Written:
        return self._save(Department.register(actor=actor, name=name, kind=DepartmentKind(kind)))

    def rename_department(
        self, actor: Actor, department_id: UUID, *, name: str, expected_version: int | None = None
    ) -> Written:
        return self._change(Department, department_id, expected_version, lambda d: d.rename(actor=actor, name=name))

    def deactivate_department(
        self, actor: Actor, department_id: UUID, *, expected_version: int | None = None
    ) -> Written:
        return self._change(Department, department_id, expected_version, lambda d: d.deactivate(actor=actor))

    def get_department(
        self, department_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        return self._read(Department, department_id, version, as_of)

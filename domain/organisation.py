"""Stations (where care is given) and departments (who receive referrals)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.common import Actor, RuleViolation, require_text


class StationKind(Enum):
    POLICE_CARE_STATION = "police_care_station"
    TUTORING_STATION = "tutoring_station"
    YOUTH_CARE_STUDIO = "youth_care_studio"
    PRACTICE_BASE = "practice_base"


class StationLevel(Enum):
    DISTRICT = "district"
    TOWN = "town"
    VILLAGE = "village"


class DepartmentKind(Enum):
    EDUCATION = "education"
    CIVIL_AFFAIRS = "civil_affairs"
    PUBLIC_SECURITY = "public_security"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    WOMENS_FEDERATION = "womens_federation"
    YOUTH_LEAGUE = "youth_league"
    HEALTH = "health"
    SCHOOL = "school"
    TUTORING_STATION = "tutoring_station"
    YOUTH_CARE_STUDIO = "youth_care_studio"
    OTHER = "other"


class Organisation(Aggregate):
    """What stations and departments share: a name, and being active or not."""

    if TYPE_CHECKING:  # set by each subclass's creation event; the library reads
        name: str  # class annotations as event fields, so they stay invisible at run time
        active: bool

    def rename(self, *, actor: Actor, name: str) -> None:
        self._require_active()
        name = require_text(name, "name")
        if name == self.name:
            raise RuleViolation("the new name is the current name", rule="name_unchanged")
        self._renamed(actor=actor, name=name)

    def deactivate(self, *, actor: Actor) -> None:
        self._require_active()
        self._deactivated(actor=actor)

    def _require_active(self) -> None:
        if not self.active:
            raise RuleViolation(f"this {type(self).__name__.lower()} is deactivated", rule="deactivated")

    @event("Renamed")
    def _renamed(self, *, actor: Actor, name: str) -> None:
        self.name = name

    @event("Deactivated")
    def _deactivated(self, *, actor: Actor) -> None:
        self.active = False


class Station(Organisation):
    """A police care station, tutoring station, youth care studio or practice base."""

    @event("Registered")
    def __init__(
        self,
        *,
        actor: Actor,
        name: str,
        kind: StationKind,
        level: StationLevel,
        parent_id: UUID | None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.level = level
        self.parent_id = parent_id
        self.active = True

    @classmethod
    def register(
        cls,
        *,
        actor: Actor,
        name: str,
        kind: StationKind,
        level: StationLevel,
        parent_id: UUID | None = None,
    ) -> Station:
        return cls(
            actor=actor,
            name=require_text(name, "name"),
            kind=kind,
            level=level,
            parent_id=parent_id,
        )


class Department(Organisation):
    """A department or service that receives referrals (education bureau, court ...)."""

    @event("Registered")
    def __init__(self, *, actor: Actor, name: str, kind: DepartmentKind) -> None:
        self.name = name
        self.kind = kind
        self.active = True

    @classmethod
    def register(cls, *, actor: Actor, name: str, kind: DepartmentKind) -> Department:
        return cls(actor=actor, name=require_text(name, "name"), kind=kind)

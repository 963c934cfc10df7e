"""Commands and queries for the volunteer registry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.base import BaseApp, Written
from domain.common import Actor
from domain.volunteer import Training, Volunteer, VolunteerKind


class VolunteerService(BaseApp):
    def register_volunteer(
        self, actor: Actor, *, full_name: str, kind: VolunteerKind, skills: list[str], phone: str | None = None
    ) -> Written:
        """Add a volunteer to the registry. They may mentor once screening is passed."""
        return self._save(
            Volunteer.register(actor=actor, full_name=full_name, kind=VolunteerKind(kind), skills=skills, phone=phone)
        )

    def screen_volunteer(
        self, actor: Actor, volunteer_id: UUID, *, passed: bool, notes: str, expected_version: int | None = None
    ) -> Written:
        return self._change(
            Volunteer,
            volunteer_id,
            expected_version,
            lambda v: v.record_screening(actor=actor, passed=passed, notes=notes),
        )

    def record_training(
        self,
        actor: Actor,
        volunteer_id: UUID,
        *,
        course: str,
        completed_on: date,
        hours: Decimal,
        expected_version: int | None = None,
    ) -> Written:
        training = Training(course=course, completed_on=completed_on, hours=Decimal(hours))
        return self._append(
            Volunteer,
            volunteer_id,
            expected_version,
            lambda v: v.record_training(actor=actor, training=training, now=self.clock()),
        )

    def deactivate_volunteer(self, actor: Actor, volunteer_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(Volunteer, volunteer_id, expected_version, lambda v: v.deactivate(actor=actor))

    def reactivate_volunteer(self, actor: Actor, volunteer_id: UUID, *, expected_version: int | None = None) -> Written:
        return self._change(Volunteer, volunteer_id, expected_version, lambda v: v.reactivate(actor=actor))

    def get_volunteer(
        self, volunteer_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> dict[str, Any]:
        return self._read(Volunteer, volunteer_id, version, as_of)

"""The volunteer registry: mentors and tutors, their screening and training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from eventsourcing.domain import Aggregate, event

from domain.common import Actor, InvalidValue, RuleViolation, require_not_future, require_text


class VolunteerKind(Enum):
    RETIRED_CADRE = "retired_cadre"
    VETERAN_SOLDIER = "veteran_soldier"
    RETIRED_EXPERT = "retired_expert"
    RETIRED_TEACHER = "retired_teacher"
    ROLE_MODEL = "role_model"
    SERVING_TEACHER = "serving_teacher"
    UNIVERSITY_STUDENT = "university_student"
    OTHER = "other"


@dataclass(frozen=True)
class Training:
    course: str
    completed_on: date
    hours: Decimal


class Volunteer(Aggregate):
    """A registered volunteer. Only an active one who passed screening may mentor."""

    @event("Registered")
    def __init__(
        self, *, actor: Actor, full_name: str, kind: VolunteerKind, skills: list[str], phone: str | None
    ) -> None:
        self.full_name = full_name
        self.kind = kind
        self.skills = list(skills)
        self.phone = phone
        self.active = True
        self.screened = False
        self.screening_notes: str | None = None
        self.trainings: list[Training] = []

    @classmethod
    def register(
        cls, *, actor: Actor, full_name: str, kind: VolunteerKind, skills: list[str], phone: str | None
    ) -> Volunteer:
        cleaned = list(dict.fromkeys(skill.strip() for skill in skills if skill.strip()))
        return cls(actor=actor, full_name=require_text(full_name, "full_name"), kind=kind, skills=cleaned, phone=phone)

    @property
    def may_mentor(self) -> bool:
        return self.active and self.screened

    def record_screening(self, *, actor: Actor, passed: bool, notes: str) -> None:
        self._require_active()
        self._screened(actor=actor, passed=passed, notes=notes.strip())

    def record_training(self, *, actor: Actor, training: Training, now: datetime) -> None:
        self._require_active()
        require_text(training.course, "course")
        require_not_future(training.completed_on, now, "completed_on")
        if training.hours <= 0:
            raise InvalidValue("hours must be positive", rule="non_positive_hours", field="hours")
        self._training_recorded(actor=actor, training=training)

    def deactivate(self, *, actor: Actor) -> None:
        self._require_active()
        self._deactivated(actor=actor)

    def reactivate(self, *, actor: Actor) -> None:
        if self.active:
            raise RuleViolation("the volunteer is already active", rule="volunteer_active")
        self._reactivated(actor=actor)

    def _require_active(self) -> None:
        if not self.active:
            raise RuleViolation("the volunteer is deactivated", rule="volunteer_inactive")

    @event("Screened")
    def _screened(self, *, actor: Actor, passed: bool, notes: str) -> None:
        self.screened = passed
        self.screening_notes = notes

    @event("TrainingRecorded")
    def _training_recorded(self, *, actor: Actor, training: Training) -> None:
        self.trainings.append(training)

    @event("Deactivated")
    def _deactivated(self, *, actor: Actor) -> None:
        self.active = False

    @event("Reactivated")
    def _reactivated(self, *, actor: Actor) -> None:
        self.active = True

"""How the domain's value types are written into stored events."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.common import Actor, Role
from domain.mentoring_pair import GoalProgress, GoalStatus, MentoringSession, PairStatus, SessionMode
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.referral import ReferralStatus
from domain.volunteer import Training, VolunteerKind
from domain.youth_case import (
    CaseCategory,
    CaseSource,
    CaseStatus,
    ClosureSubmission,
    Consent,
    ConsentGiver,
    Gender,
    Intervention,
    InterventionKind,
    PlanGoal,
    PlanGoalStatus,
    PlanSubmission,
    RiskAssessment,
    RiskLevel,
    SealMark,
    TransferRequest,
    Youth,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One instance per Enum class: the transcoder looks types up exactly."""

    def __init__(self, enum_class: type[Enum]) -> None:
        self.type = enum_class
        self.name = enum_class.__name__

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields (nested values are transcoded too)."""

    def __init__(self, dataclass_type: type) -> None:
        self.type = dataclass_type
        self.name = dataclass_type.__name__
        self.field_names = [field.name for field in dataclasses.fields(dataclass_type)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.field_names}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


DOMAIN_ENUMS: list[type[Enum]] = [
    Role,
    StationKind,
    StationLevel,
    DepartmentKind,
    VolunteerKind,
    Gender,
    CaseCategory,
    CaseSource,
    RiskLevel,
    InterventionKind,
    CaseStatus,
    PairStatus,
    SessionMode,
    GoalStatus,
    ReferralStatus,
    ConsentGiver,
    PlanGoalStatus,
]
DOMAIN_VALUES: list[type] = [
    Actor,
    Youth,
    RiskAssessment,
    Intervention,
    Consent,
    SealMark,
    PlanGoal,
    PlanSubmission,
    ClosureSubmission,
    TransferRequest,
    MentoringSession,
    GoalProgress,
    Training,
]


def register_domain_types(transcoder: JSONTranscoder) -> None:
    """Every value type the domain puts in events or snapshots (lookup is by exact type)."""
    transcoder.register(DateAsISO())
    for enum_class in DOMAIN_ENUMS:
        transcoder.register(EnumAsValue(enum_class))
    for value_class in DOMAIN_VALUES:
        transcoder.register(DataclassAsDict(value_class))

"""Plain, JSON-ready data for each record: what queries and commands answer."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import singledispatch
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import is_backfilled
from domain.mentoring_pair import MentoringPair
from domain.organisation import Department, Station
from domain.referral import Referral
from domain.user import User
from domain.volunteer import Volunteer
from domain.youth_case import YouthCase


def plain(value: Any) -> Any:
    """Turn domain values into JSON types: enums to values, dates to ISO, ids to strings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _header(record: Aggregate) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "version": record.version,
        "created_at": plain(record.created_on),
        "modified_at": plain(record.modified_on),
    }


@singledispatch
def present(record: Aggregate) -> dict[str, Any]:
    raise TypeError(f"no presenter for {type(record).__name__}")


@present.register
def _station(record: Station) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "name": record.name,
            "kind": record.kind,
            "level": record.level,
            "parent_id": record.parent_id,
            "active": record.active,
        }
    )


@present.register
def _department(record: Department) -> dict[str, Any]:
    return _header(record) | plain({"name": record.name, "kind": record.kind, "active": record.active})


@present.register
def _volunteer(record: Volunteer) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "full_name": record.full_name,
            "kind": record.kind,
            "skills": record.skills,
            "phone": record.phone,
            "active": record.active,
            "screened": record.screened,
            "screening_notes": record.screening_notes,
            "trainings": record.trainings,
        }
    )


@present.register
def _case(record: YouthCase) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "status": record.status,
            "station_id": record.station_id,
            "youth": record.youth,
            "category": record.category,
            "source": record.source,
            "summary": record.summary,
            "risk_level": record.risk_level,
            "risk_assessments": record.risk_assessments,
            "plan": record.plan,
            "plan_goals": [
                {"goal": goal.text, "status": goal.status, "review_on": goal.review_on} for goal in record.plan_goals
            ],
            "pending_plan": record.pending_plan,
            "pending_closure": record.pending_closure,
            "pending_transfer": record.pending_transfer,
            "case_worker_id": record.case_worker_id,
            "interventions": [
                plain(item) | {"backfilled": is_backfilled(item.occurred_at, record.created_on)}
                for item in record.interventions
            ],
            "consents": record.consents,
            "outcome": record.outcome,
            "closing_notes": record.closing_notes,
            "opened_by": record.opened_by,
            "erased": record.erased,
            "second_case": record.second_case_reason is not None,
            "second_case_reason": record.second_case_reason,
            "sealed": record.seal is not None,
            "seal": record.seal,
        }
    )


@present.register
def _pair(record: MentoringPair) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "status": record.status,
            "case_id": record.case_id,
            "volunteer_id": record.volunteer_id,
            "started_on": record.started_on,
            "goals": [{"goal": goal, "status": status} for goal, status in record.goals.items()],
            "goal_notes": record.goal_notes,
            "sessions": [
                plain(item) | {"backfilled": is_backfilled(item.held_on, record.created_on)} for item in record.sessions
            ],
            "pause_reason": record.pause_reason,
            "closing_reason": record.closing_reason,
        }
    )


@present.register
def _referral(record: Referral) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "status": record.status,
            "case_id": record.case_id,
            "from_station_id": record.from_station_id,
            "to_department_id": record.to_department_id,
            "service": record.service,
            "reason": record.reason,
            "respond_by": record.respond_by,
            "notes": record.notes,
            "outcome": record.outcome,
            "decline_reason": record.decline_reason,
            "withdrawal_reason": record.withdrawal_reason,
        }
    )


@present.register
def _user(record: User) -> dict[str, Any]:
    return _header(record) | plain(
        {
            "username": record.username,
            "display_name": record.display_name,
            "role": record.role,
            "scope_id": record.scope_id,
            "active": record.active,
        }
    )

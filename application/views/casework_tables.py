"""The casework read model's tables: one row per record, plus the dated facts reports count.

Every coordination endpoint and the period report read these tables. They are one
view (one tracking position), so the referral board, the station dashboard and the
report never disagree about how far the log has been applied.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Uuid,
)

from application.views.base import ViewText

metadata = MetaData()


def registry_columns() -> list[Column[Any]]:
    """The record's version and times, so a list of stations or departments reads like each record."""
    return [
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("modified_at", DateTime(timezone=True), nullable=False),
    ]


stations = Table(
    "casework_stations",
    metadata,
    Column("station_id", Uuid, primary_key=True),
    Column("name", ViewText(200), nullable=False),
    Column("kind", ViewText(40), nullable=False),
    Column("level", ViewText(40), nullable=False),
    Column("parent_id", Uuid),
    Column("active", Boolean, nullable=False),
    *registry_columns(),
    Index("casework_stations_created", "created_at", "station_id"),
)

departments = Table(
    "casework_departments",
    metadata,
    Column("department_id", Uuid, primary_key=True),
    Column("name", ViewText(200), nullable=False),
    Column("kind", ViewText(40), nullable=False),
    Column("active", Boolean, nullable=False),
    *registry_columns(),
    Index("casework_departments_created", "created_at", "department_id"),
)

volunteers = Table(
    "casework_volunteers",
    metadata,
    Column("volunteer_id", Uuid, primary_key=True),
    Column("display_name", ViewText(200), nullable=False),
    Column("kind", ViewText(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("screened", Boolean, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("training_hours", Numeric(10, 2), nullable=False),
    Index("casework_volunteers_name", "display_name", "volunteer_id"),
)

screenings = Table(
    "casework_screenings",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("passed", Boolean, nullable=False),
    Column("screened_at", DateTime(timezone=True), nullable=False),
)

trainings = Table(
    "casework_trainings",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("completed_on", Date, nullable=False),
    Column("hours", Numeric(10, 2), nullable=False),
)

cases = Table(
    "casework_cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("station_id", Uuid, nullable=False),
    Column("status", ViewText(20), nullable=False),
    Column("category", ViewText(40), nullable=False),
    Column("source", ViewText(40), nullable=False),
    Column("risk_level", ViewText(20)),
    Column("case_worker_id", ViewText(200)),
    Column("youth_display_name", ViewText(200), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    Column("interventions", Integer, nullable=False),
    Column("active_pairs", Integer, nullable=False),
    Column("open_referrals", Integer, nullable=False),
    # A sealed case and its pairs and referrals are left out of every list and named row;
    # counts keep them, so totals still add up.
    Column("sealed", Boolean, nullable=False, default=False),
    # What waits on the station's lead or another station (the work lists read these).
    Column("plan_submitted_at", DateTime(timezone=True)),
    Column("plan_submitted_by", ViewText(200)),
    Column("closure_submitted_at", DateTime(timezone=True)),
    Column("closure_submitted_by", ViewText(200)),
    Column("transfer_request_id", Uuid),
    Column("transfer_to", Uuid, index=True),
    Column("transfer_requested_at", DateTime(timezone=True)),
    Index("casework_cases_station", "station_id", "opened_at"),
    Index("casework_cases_opened", "opened_at", "case_id"),
    Index("casework_cases_activity", "last_activity_at", "case_id"),
)

closures = Table(
    "casework_closures",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("case_id", Uuid, nullable=False),
    Column("station_id", Uuid, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False, index=True),
)

interventions = Table(
    "casework_interventions",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("case_id", Uuid, nullable=False),
    Column("station_id", Uuid, nullable=False),
    Column("kind", ViewText(40), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
    Column("month", ViewText(7), nullable=False),  # YYYY-MM of occurred_at (UTC), for the dashboard
    Index("casework_interventions_station_month", "station_id", "month"),
)

pairs = Table(
    "casework_pairs",
    metadata,
    Column("pair_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("station_id", Uuid, nullable=False),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("status", ViewText(20), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("sessions", Integer, nullable=False),
    Column("last_session_on", Date),
    Index("casework_pairs_started", "started_on", "pair_id"),
)

sessions = Table(
    "casework_sessions",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("pair_id", Uuid, nullable=False),
    Column("volunteer_id", Uuid, nullable=False, index=True),
    Column("station_id", Uuid, nullable=False),
    Column("held_on", Date, nullable=False, index=True),
)

referrals = Table(
    "casework_referrals",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("station_id", Uuid, nullable=False, index=True),
    Column("department_id", Uuid, nullable=False, index=True),
    Column("service", ViewText(200), nullable=False),
    Column("status", ViewText(20), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False, index=True),
    Column("respond_by", Date, nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("accepted_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)

# The goals of each case's plan in force, by number: status and review date, never their text.
plan_goals = Table(
    "casework_plan_goals",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("goal_no", Integer, primary_key=True, autoincrement=False),
    Column("status", ViewText(20), nullable=False),
    Column("review_on", Date, index=True),
)

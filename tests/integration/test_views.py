"""What the read-side views hold after particular stories, and how the projector keeps them, on every store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, Table, create_engine, insert, select, update

from application.app import YouthCare
from application.base import Written
from application.views.audit_trail import AuditTrail, trail
from application.views.base import View
from application.views.casework import Casework
from application.views.casework_tables import cases, closures, pairs, referrals, stations
from application.views.casework_tables import departments as department_rows
from domain.common import Actor, InvalidValue, Role
from domain.mentoring_pair import ActivePairSlot
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.projector import PositionMoved, Projector, tracking
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.conftest import settings_for
from tests.integration.test_application import adopt_plan, close_case, consent_to_sharing

STAFF = Actor("officer-li", Role.STATION_STAFF)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
CLERK = Actor("clerk-zhao", Role.DEPARTMENT_STAFF)

YOUTH: dict[str, Any] = {
    "full_name": "Zhang Xiaoming",
    "date_of_birth": date(2011, 5, 2),
    "gender": "male",
    "id_number": "110101201105020031",
    "guardian_name": "Zhang Wei",
    "guardian_phone": "139 0000 0000",
    "address": "12 Jiefang Road",
    "school": "No. 3 Middle School",
}
VOLUNTEER_NAME = "Wang Jianguo"


def today() -> date:
    return datetime.now(timezone.utc).date()


# --- the views on the test's store -----------------------------------------------------


@pytest.fixture
def view_store(app: YouthCare, store_settings: Settings) -> Iterator[ViewStore]:
    store = ViewStore(app, store_settings)
    yield store
    if store.engine is not getattr(getattr(app.recorder, "datastore", None), "engine", None):
        store.engine.dispose()  # the views' own in-memory database; the store's engine closes with the app


@pytest.fixture
def projector(app: YouthCare, view_store: ViewStore) -> Iterator[Projector]:
    """Small batches, so that every story crosses a few batch boundaries."""
    runner = Projector(app, view_store, batch_size=2)
    yield runner
    runner.close()


def project(projector: Projector) -> None:
    for view in projector.views:
        assert projector.run_view_once(view)


def rows(projector: Projector, table: Table, *where: Any) -> list[dict[str, Any]]:
    """The table's rows (as dicts) in key order, after bringing every view up to date."""
    project(projector)
    with projector.store.reading() as conn:
        query = select(table).where(*where).order_by(*table.primary_key.columns)
        return [dict(row._mapping) for row in conn.execute(query)]


def one(projector: Projector, table: Table, *where: Any) -> dict[str, Any]:
    [row] = rows(projector, table, *where)
    return row


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def timestamp_at(app: YouthCare, position: int) -> datetime:
    """When the event at `position` in the log happened."""
    [notification] = app.recorder.select_notifications(position, limit=1)
    assert notification.id == position
    moment: datetime = app.mapper.to_domain_event(notification).timestamp
    return moment.astimezone(timezone.utc)


def log_positions(app: YouthCare) -> list[int]:
    return [n.id for n in app.recorder.select_notifications(None, limit=10_000)]


def clean_rebuild(app: YouthCare, settings: Settings, view: type[View]) -> dict[str, list[tuple[Any, ...]]]:
    """The view built from scratch, in a private database, from the same log."""
    scratch = ViewStore(app, settings, private=True)
    try:
        builder = Projector(app, scratch, views=[view()])
        try:
            builder.rebuild(builder.views[0])
        finally:
            builder.close()
        with scratch.reading() as conn:
            return view.dump(conn)
    finally:
        scratch.engine.dispose()


def dump(projector: Projector, view: type[View]) -> dict[str, list[tuple[Any, ...]]]:
    with projector.store.reading() as conn:
        return view.dump(conn)


def tracked(projector: Projector, name: str) -> dict[str, Any]:
    with projector.store.reading() as conn:
        return dict(conn.execute(select(tracking).where(tracking.c.view == name)).one()._mapping)


# --- records -------------------------------------------------------------------------


def station(app: YouthCare, name: str = "Chengguan Care Station") -> UUID:
    return app.register_station(ADMIN, name=name, kind="police_care_station", level="town").id


def department(app: YouthCare, name: str = "Education Bureau") -> UUID:
    return app.register_department(ADMIN, name=name, kind="education").id


def screened_volunteer(app: YouthCare, full_name: str = VOLUNTEER_NAME) -> UUID:
    volunteer = app.register_volunteer(
        ADMIN, full_name=full_name, kind="retired_teacher", skills=["maths"], phone="138 0000 0000"
    )
    app.screen_volunteer(ADMIN, volunteer.id, passed=True, notes=f"{full_name} interviewed")
    return volunteer.id


def open_case(app: YouthCare, station_id: UUID, youth: dict[str, Any] | None = None) -> Written:
    """A case of YOUTH, under an ID number of its own unless `youth` is given (one youth has one open case)."""
    return app.open_case(
        STAFF,
        station_id=station_id,
        youth=youth or {**YOUTH, "id_number": f"{uuid4().int % 10**18:018d}"},
        category="truancy",
        source="school",
        summary=f"{YOUTH['full_name']} three weeks absent",
    )


def match(app: YouthCare, case_id: UUID, volunteer_id: UUID) -> Written:
    return app.match_pair(
        STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["read"], started_on=today() - timedelta(days=7)
    )


def refer(app: YouthCare, case_id: UUID, department_id: UUID) -> Written:
    consent_to_sharing(app, case_id)
    return app.make_referral(
        STAFF,
        case_id=case_id,
        to_department_id=department_id,
        service="school re-entry",
        reason="truancy",
        respond_by=today() + timedelta(days=10),
    )


def intervene(app: YouthCare, case_id: UUID) -> Written:
    return app.log_intervention(
        STAFF,
        case_id,
        kind="home_visit",
        occurred_at=datetime.now(timezone.utc),
        duration_minutes=60,
        notes=f"met {YOUTH['guardian_name']}",
        performed_by="officer-li",
    )


# --- the casework view ---------------------------------------------------------------


def counters(projector: Projector, case_id: UUID) -> tuple[int, int, int]:
    case = one(projector, cases, cases.c.case_id == case_id)
    return case["interventions"], case["active_pairs"], case["open_referrals"]


def test_a_cases_counters_follow_its_interventions_and_the_life_of_its_pairs(
    app: YouthCare, projector: Projector
) -> None:
    station_id = station(app)
    case_id = open_case(app, station_id).id
    other_case = open_case(app, station_id).id
    intervene(app, case_id)
    intervene(app, case_id)
    first = match(app, case_id, screened_volunteer(app)).id
    second = match(app, case_id, screened_volunteer(app, "Li Hua")).id
    assert counters(projector, case_id) == (2, 2, 0)

    app.pause_pair(STAFF, first, reason="exams")
    assert counters(projector, case_id) == (2, 1, 0)
    app.resume_pair(STAFF, first)
    assert counters(projector, case_id) == (2, 2, 0)
    app.pause_pair(STAFF, second, reason="moved")
    app.close_pair(STAFF, second, reason="moved away")  # closing a paused pair does not count down again
    assert counters(projector, case_id) == (2, 1, 0)
    app.log_session(
        STAFF, first, held_on=today(), duration_minutes=30, mode="phone", notes="", progress=4
    )  # sessions and goals move no counter
    app.update_goal(STAFF, first, goal="read", status="achieved", note="")
    assert counters(projector, case_id) == (2, 1, 0)
    app.close_pair(STAFF, first, reason="goals met")
    assert counters(projector, case_id) == (2, 0, 0)

    assert counters(projector, other_case) == (0, 0, 0)
    statuses = {row["pair_id"]: row["status"] for row in rows(projector, pairs)}
    assert statuses == {first: "closed", second: "closed"}
    assert one(projector, pairs, pairs.c.pair_id == first)["sessions"] == 1


def test_a_cases_open_referrals_count_pending_and_accepted_ones_only(app: YouthCare, projector: Projector) -> None:
    station_id = station(app)
    case_id = open_case(app, station_id).id
    other_case = open_case(app, station_id).id
    department_id = department(app)
    completed, declined, withdrawn_pending, withdrawn_accepted = (
        refer(app, case_id, department_id).id for _ in range(4)
    )
    assert counters(projector, case_id) == (0, 0, 4)

    app.accept_referral(CLERK, completed)
    app.note_referral_progress(CLERK, completed, note="teacher assigned")
    assert counters(projector, case_id) == (0, 0, 4)
    app.complete_referral(CLERK, completed, outcome="re-enrolled")
    assert counters(projector, case_id) == (0, 0, 3)
    app.decline_referral(CLERK, declined, reason="not ours")
    assert counters(projector, case_id) == (0, 0, 2)
    app.withdraw_referral(STAFF, withdrawn_pending, reason="family moved")
    assert counters(projector, case_id) == (0, 0, 1)
    app.accept_referral(CLERK, withdrawn_accepted)
    assert counters(projector, case_id) == (0, 0, 1)
    app.withdraw_referral(STAFF, withdrawn_accepted, reason="no longer needed")
    assert counters(projector, case_id) == (0, 0, 0)
    assert counters(projector, other_case) == (0, 0, 0)

    by_id = {row["referral_id"]: row for row in rows(projector, referrals)}
    assert {key: row["status"] for key, row in by_id.items()} == {
        completed: "completed",
        declined: "declined",
        withdrawn_pending: "withdrawn",
        withdrawn_accepted: "withdrawn",
    }
    assert by_id[completed]["accepted_at"] is not None and by_id[completed]["finished_at"] is not None
    assert by_id[declined]["answered_at"] is not None and by_id[declined]["accepted_at"] is None
    assert by_id[withdrawn_pending]["answered_at"] is None and by_id[withdrawn_pending]["finished_at"] is not None
    assert all(row["station_id"] == station_id and row["department_id"] == department_id for row in by_id.values())


def test_a_cases_last_activity_moves_with_the_events_of_its_pairs_and_referrals(
    app: YouthCare, projector: Projector
) -> None:
    station_id = station(app)
    opened = open_case(app, station_id)
    case_id = opened.id

    def last_activity() -> datetime | None:
        return as_utc(one(projector, cases, cases.c.case_id == case_id)["last_activity_at"])

    assert last_activity() == timestamp_at(app, opened.position)
    volunteer_id = screened_volunteer(app)
    department_id = department(app)
    assert last_activity() == timestamp_at(app, opened.position)  # other records' events leave it be

    pair_id = match(app, case_id, volunteer_id).id
    referral_id = refer(app, case_id, department_id).id
    steps: list[Callable[[], Written]] = [
        lambda: match(app, case_id, screened_volunteer(app, "Li Hua")),
        lambda: app.log_session(
            STAFF, pair_id, held_on=today(), duration_minutes=45, mode="in_person", notes="", progress=3
        ),
        lambda: app.update_goal(STAFF, pair_id, goal="read", status="in_progress", note=""),
        lambda: app.pause_pair(STAFF, pair_id, reason="exams"),
        lambda: app.resume_pair(STAFF, pair_id),
        lambda: app.close_pair(STAFF, pair_id, reason="goals met"),
        lambda: refer(app, case_id, department_id),
        lambda: app.accept_referral(CLERK, referral_id),
        lambda: app.note_referral_progress(CLERK, referral_id, note="first meeting held"),
        lambda: app.complete_referral(CLERK, referral_id, outcome="back at school"),
    ]
    for step in steps:
        written = step()
        assert last_activity() == timestamp_at(app, written.position)

    latest = last_activity()
    open_case(app, station_id)  # another case's activity is not this one's
    app.record_training(ADMIN, volunteer_id, course="first aid", completed_on=today(), hours=Decimal("2.5"))
    assert last_activity() == latest


def test_a_case_closed_reopened_and_closed_again_has_two_closures(app: YouthCare, projector: Projector) -> None:
    station_id = station(app)
    case_id = open_case(app, station_id).id
    first = close_case(app, case_id, outcome="attending again")
    case = one(projector, cases, cases.c.case_id == case_id)
    assert case["status"] == "closed" and as_utc(case["closed_at"]) == timestamp_at(app, first.position)

    reopened = app.reopen_case(STAFF, case_id, reason="truant again")
    case = one(projector, cases, cases.c.case_id == case_id)
    assert case["status"] == "open" and case["closed_at"] is None
    assert as_utc(case["last_activity_at"]) == timestamp_at(app, reopened.position)
    assert len(rows(projector, closures)) == 1

    second = close_case(app, case_id, outcome="moved away")
    case = one(projector, cases, cases.c.case_id == case_id)
    assert case["status"] == "closed" and as_utc(case["closed_at"]) == timestamp_at(app, second.position)
    recorded = rows(projector, closures)
    assert [(row["position"], row["case_id"], row["station_id"]) for row in recorded] == [
        (first.position, case_id, station_id),
        (second.position, case_id, station_id),
    ]
    assert [as_utc(row["closed_at"]) for row in recorded] == [
        timestamp_at(app, first.position),
        timestamp_at(app, second.position),
    ]


def test_renamed_and_deactivated_organisations_are_shown_as_they_now_are(app: YouthCare, projector: Projector) -> None:
    station_id = station(app, "Chengguan Care Station")
    department_id = department(app, "Education Bureau")
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")
    app.rename_department(ADMIN, department_id, name="District Education Bureau")
    app.deactivate_department(ADMIN, department_id)

    assert one(projector, stations, stations.c.station_id == station_id)["name"] == "Chengguan East Station"
    renamed = one(projector, department_rows, department_rows.c.department_id == department_id)
    assert renamed["name"] == "District Education Bureau" and renamed["active"] is False


# --- the audit trail -----------------------------------------------------------------


def test_the_audit_trail_has_one_row_per_event_in_log_order(app: YouthCare, projector: Projector) -> None:
    station_id = station(app)
    department_id = department(app)
    volunteer_id = screened_volunteer(app)
    case_id = open_case(app, station_id).id
    app.assess_risk(STAFF, case_id, instrument="screening", score=18, level="medium", notes="")
    pair = match(app, case_id, volunteer_id)
    app.log_session(STAFF, pair.id, held_on=today(), duration_minutes=45, mode="in_person", notes="", progress=3)
    referral_id = refer(app, case_id, department_id).id
    app.accept_referral(CLERK, referral_id)
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")

    trail_rows = rows(projector, trail)
    assert [row["position"] for row in trail_rows] == log_positions(app)
    assert [(row["event_type"], row["actor_id"], row["actor_role"]) for row in trail_rows] == [
        ("station.Registered", "admin-1", "administrator"),
        ("department.Registered", "admin-1", "administrator"),
        ("volunteer.Registered", "admin-1", "administrator"),
        ("volunteer.Screened", "admin-1", "administrator"),
        ("case.Opened", "officer-li", "station_staff"),
        ("case.RiskAssessed", "officer-li", "station_staff"),
        ("pair.Matched", "officer-li", "station_staff"),
        ("pair_slot.Created", "officer-li", "station_staff"),
        ("pair_slot.Occupied", "officer-li", "station_staff"),
        ("pair.SessionLogged", "officer-li", "station_staff"),
        ("case.ConsentRecorded", "officer-li", "station_staff"),
        ("referral.Made", "officer-li", "station_staff"),
        ("referral.Accepted", "clerk-zhao", "department_staff"),
        ("station.Renamed", "admin-1", "administrator"),
    ]
    assert [(row["record_type"], row["record_id"], row["record_version"]) for row in trail_rows] == [
        ("station", station_id, 1),
        ("department", department_id, 1),
        ("volunteer", volunteer_id, 1),
        ("volunteer", volunteer_id, 2),
        ("case", case_id, 1),
        ("case", case_id, 2),
        ("pair", pair.id, 1),
        ("pair_slot", ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id), 1),
        ("pair_slot", ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id), 2),
        ("pair", pair.id, 2),
        ("case", case_id, 3),
        ("referral", referral_id, 1),
        ("referral", referral_id, 2),
        ("station", station_id, 2),
    ]
    assert [as_utc(row["occurred_at"]) for row in trail_rows] == [timestamp_at(app, p) for p in log_positions(app)]


def test_the_audit_trail_files_every_event_under_its_case_station_and_department(
    app: YouthCare, projector: Projector
) -> None:
    station_id = station(app)
    department_id = department(app)
    volunteer_id = screened_volunteer(app)
    case_id = open_case(app, station_id).id
    pair_id = match(app, case_id, volunteer_id).id
    app.log_session(STAFF, pair_id, held_on=today(), duration_minutes=45, mode="in_person", notes="", progress=3)
    app.pause_pair(STAFF, pair_id, reason="exams")
    app.close_pair(STAFF, pair_id, reason="moved")  # also frees the pair slot
    referral_id = refer(app, case_id, department_id).id
    app.accept_referral(CLERK, referral_id)
    app.note_referral_progress(CLERK, referral_id, note="met")
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")
    app.rename_department(ADMIN, department_id, name="District Education Bureau")
    close_case(app, case_id, outcome="done")
    slot_id = ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id)

    expected = {
        station_id: ("station", None, station_id, None),
        department_id: ("department", None, None, department_id),
        volunteer_id: ("volunteer", None, None, None),
        case_id: ("case", case_id, station_id, None),
        pair_id: ("pair", case_id, station_id, None),
        slot_id: ("pair_slot", case_id, station_id, None),
        referral_id: ("referral", case_id, station_id, department_id),
    }
    trail_rows = rows(projector, trail)
    assert {row["record_id"] for row in trail_rows} == set(expected)
    for row in trail_rows:
        filed = (row["record_type"], row["case_id"], row["station_id"], row["department_id"])
        assert filed == expected[row["record_id"]], row
    assert [row["event_type"] for row in trail_rows if row["record_id"] == slot_id] == [
        "pair_slot.Created",
        "pair_slot.Occupied",
        "pair_slot.Released",
    ]
    case_trail = [row["event_type"] for row in rows(projector, trail, trail.c.case_id == case_id)]
    assert "pair.Closed" in case_trail and "referral.ProgressNoted" in case_trail and "case.Closed" in case_trail


def test_the_audit_trail_names_organisations_as_they_were_called_at_the_time(
    app: YouthCare, projector: Projector
) -> None:
    station_id = station(app, "Chengguan Care Station")
    department_id = department(app, "Education Bureau")
    early_case = open_case(app, station_id).id
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")
    late_case = open_case(app, station_id).id
    app.rename_department(ADMIN, department_id, name="District Education Bureau")
    refer(app, late_case, department_id)
    app.deactivate_department(ADMIN, department_id)
    app.deactivate_station(ADMIN, station_id)

    summaries = [(row["event_type"], row["summary"]) for row in rows(projector, trail)]
    assert summaries == [
        ("station.Registered", "Station “Chengguan Care Station” registered (police care station, town level)"),
        ("department.Registered", "Department “Education Bureau” registered (education)"),
        ("case.Opened", "Case opened at “Chengguan Care Station” (truancy, from school)"),
        ("station.Renamed", "Renamed from “Chengguan Care Station” to “Chengguan East Station”"),
        ("case.Opened", "Case opened at “Chengguan East Station” (truancy, from school)"),
        ("department.Renamed", "Renamed from “Education Bureau” to “District Education Bureau”"),
        ("case.ConsentRecorded", "Consent granted for “all”"),
        (
            "referral.Made",
            f"Referred to “District Education Bureau” for “school re-entry”, "
            f"answer by {(today() + timedelta(days=10)).isoformat()}",
        ),
        ("department.Deactivated", "“District Education Bureau” deactivated"),
        ("station.Deactivated", "“Chengguan East Station” deactivated"),
    ]
    assert {row["case_id"] for row in rows(projector, trail, trail.c.event_type == "case.Opened")} == {
        early_case,
        late_case,
    }


def test_no_summary_in_the_audit_trail_names_the_youth_or_a_volunteer(app: YouthCare, projector: Projector) -> None:
    station_id = station(app)
    department_id = department(app)
    volunteer_id = screened_volunteer(app)
    app.record_training(ADMIN, volunteer_id, course="mentoring basics", completed_on=today(), hours=Decimal("6"))
    case_id = open_case(app, station_id, YOUTH).id
    app.assess_risk(STAFF, case_id, instrument="screening", score=18, level="high", notes=YOUTH["full_name"])
    adopt_plan(app, case_id, [f"{YOUTH['full_name']} back in class"])
    app.assign_case(STAFF, case_id, case_worker_id="officer-li")
    intervene(app, case_id)
    app.record_consent(STAFF, case_id, scope="share with school", granted=True, given_by=YOUTH["guardian_name"])
    pair_id = match(app, case_id, volunteer_id).id
    app.log_session(
        STAFF, pair_id, held_on=today(), duration_minutes=45, mode="in_person", notes=VOLUNTEER_NAME, progress=3
    )
    app.update_goal(STAFF, pair_id, goal="read", status="achieved", note=YOUTH["full_name"])
    referral_id = refer(app, case_id, department_id).id
    app.accept_referral(CLERK, referral_id)
    app.complete_referral(CLERK, referral_id, outcome=f"{YOUTH['full_name']} re-enrolled")
    close_case(app, case_id, outcome=f"{YOUTH['full_name']} attending", notes=YOUTH["address"])
    app.reopen_case(STAFF, case_id, reason=f"{YOUTH['guardian_name']} called")
    app.deactivate_volunteer(ADMIN, volunteer_id)

    summaries = [row["summary"] for row in rows(projector, trail)]
    assert len(summaries) == len(log_positions(app))
    personal = [
        YOUTH["full_name"],
        "Xiaoming",
        VOLUNTEER_NAME,
        "Jianguo",
        YOUTH["guardian_name"],
        YOUTH["guardian_phone"],
        "138 0000 0000",
        YOUTH["id_number"],
        YOUTH["address"],
        YOUTH["school"],
        "2011-05-02",
    ]
    leaks = [(summary, detail) for summary in summaries for detail in personal if detail in summary]
    assert leaks == []


# --- the projector -------------------------------------------------------------------


class NextCasework(Casework):
    """The casework view as a later release would ship it: same tables, a new version."""

    version = Casework.version + 1


def test_a_view_stored_by_another_version_is_reset_and_rebuilt_when_it_next_runs(
    app: YouthCare, projector: Projector, store_settings: Settings, request: pytest.FixtureRequest
) -> None:
    station_id = station(app)
    open_case(app, station_id)
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")
    project(projector)
    stray = {"station_id": uuid4(), "name": "left by the old version", "kind": "x", "level": "y", "active": True}
    stray |= {"version": 1, "created_at": datetime.now(timezone.utc), "modified_at": datetime.now(timezone.utc)}
    with projector.store.transaction() as conn:
        conn.execute(insert(stations).values(**stray))

    assert projector.run_view_once(projector.view("casework"))  # same version: kept as it is
    assert len(rows(projector, stations)) == 2

    upgraded = Projector(app, projector.store, views=[NextCasework()], batch_size=2)
    request.addfinalizer(upgraded.close)
    assert upgraded.run_view_once(upgraded.views[0])
    assert tracked(upgraded, "casework")["version"] == Casework.version + 1
    assert tracked(upgraded, "casework")["position"] == log_positions(app)[-1]
    with projector.store.reading() as conn:
        assert [row.station_id for row in conn.execute(select(stations))] == [station_id]
    assert dump(upgraded, Casework) == clean_rebuild(app, store_settings, Casework)
    assert tracked(upgraded, "audit_trail")["version"] == AuditTrail.version  # other views are left alone


def test_stepping_a_view_that_is_at_the_head_of_the_log_changes_nothing(app: YouthCare, projector: Projector) -> None:
    case_id = open_case(app, station(app)).id
    close_case(app, case_id, outcome="done")
    project(projector)
    before = {view.name: (tracked(projector, view.name), dump(projector, type(view))) for view in projector.views}

    for view in projector.views:
        assert projector.step(view) == 0
        assert projector.catch_up(view) == 0
        assert projector.run_view_once(view)

    after = {view.name: (tracked(projector, view.name), dump(projector, type(view))) for view in projector.views}
    assert after == before
    assert all(tracked_row["position"] == log_positions(app)[-1] for tracked_row, _ in after.values())


def move_tracking_elsewhere(store: ViewStore, settings: Settings, view: str, position: int) -> None:
    """What a second runner does: move the view's tracking position, from its own connection, and commit."""
    url = settings.database_url.get_secret_value()
    # The in-memory views have a single shared database connection: a second Connection on it
    # still has a transaction of its own.
    engine = store.engine if url == MEMORY_URL else create_engine(url)
    try:
        with engine.connect() as other:
            if settings.database_schema:
                other = other.execution_options(schema_translate_map={None: settings.database_schema})
            moved = other.execute(update(tracking).where(tracking.c.view == view).values(position=position))
            assert moved.rowcount == 1
            other.commit()
    finally:
        if engine is not store.engine:
            engine.dispose()


class RacedCasework(Casework):
    """The casework view, with another runner moving its position while this batch is being applied."""

    def __init__(self, interfere: Callable[[], None]) -> None:
        super().__init__()
        self.interfere: Callable[[], None] | None = interfere

    def process(self, conn: Connection, event: Any, position: int) -> None:
        if self.interfere is not None:
            interfere, self.interfere = self.interfere, None
            interfere()
        super().process(conn, event, position)


def test_a_batch_that_loses_the_race_for_the_position_raises_position_moved_and_changes_nothing(
    app: YouthCare, projector: Projector, store_settings: Settings, request: pytest.FixtureRequest
) -> None:
    station_id = station(app)
    case_id = open_case(app, station_id).id
    project(projector)
    start = tracked(projector, "casework")["position"]
    before = dump(projector, Casework)

    intervene(app, case_id)
    match(app, case_id, screened_volunteer(app))
    refer(app, case_id, department(app))
    head = log_positions(app)[-1]
    raced = RacedCasework(lambda: move_tracking_elsewhere(projector.store, store_settings, "casework", head))
    loser = Projector(app, projector.store, views=[raced], batch_size=100)
    request.addfinalizer(loser.close)

    with pytest.raises(PositionMoved):
        loser.step(raced)

    assert raced.interfere is None  # the other runner did move it, mid-batch
    assert dump(projector, Casework) == before  # none of the batch's rows were kept
    assert tracked(projector, "casework")["position"] == head  # the winner's position stands
    assert start < head
    assert loser.step(raced) == 0  # and the loser, reading it again, has nothing left to do


@contextmanager
def another_runner(
    app: YouthCare, settings: Settings, store: ViewStore, batch_size: int
) -> Iterator[Callable[[], int]]:
    """A second runner of the casework view, with a view object of its own: calling it applies one batch.

    In memory it shares the views' one database connection (in a transaction of its own); on
    SQLite and PostgreSQL it runs in a thread with its own application and connections.
    """
    if settings.database_url.get_secret_value() == MEMORY_URL:
        other = Projector(app, store, views=[Casework()], batch_size=batch_size)
        try:
            yield lambda: other.step(other.views[0])
        finally:
            other.close()
        return
    other_app = create_application(settings)
    other = Projector(other_app, ViewStore(other_app, settings), views=[Casework()], batch_size=batch_size)

    def step_in_its_own_thread() -> int:
        outcome: list[Any] = []
        thread = threading.Thread(target=lambda: outcome.append(other.step(other.views[0])))
        thread.start()
        thread.join(30)
        assert outcome, "the other runner did not apply its batch"
        applied: int = outcome[0]
        return applied

    try:
        yield step_in_its_own_thread
    finally:
        other.close()
        other_app.close()


@pytest.mark.parametrize(
    ("intervention_first", "winner_batch"),
    [(False, 2), (True, 3)],
    ids=["winner-moved-the-pair", "winner-wrote-the-intervention-row-too"],
)
def test_a_runner_that_loses_a_batch_forgets_what_it_saw_and_goes_on_from_the_winners_position(
    app: YouthCare,
    projector: Projector,
    store_settings: Settings,
    request: pytest.FixtureRequest,
    intervention_first: bool,
    winner_batch: int,
) -> None:
    """The loser applies the five events below in one batch, and so last saw the pair closed.

    The winner gets in first with the first two or three, leaving the pair active. With the
    intervention first, the winner also wrote its row, and the loser's copy collides with it.
    """
    case_id = open_case(app, station(app)).id
    pair_id = match(app, case_id, screened_volunteer(app)).id
    project(projector)
    if intervention_first:
        intervene(app, case_id)
    app.pause_pair(STAFF, pair_id, reason="exams")
    app.resume_pair(STAFF, pair_id)
    app.pause_pair(STAFF, pair_id, reason="holidays")
    app.close_pair(STAFF, pair_id, reason="moved")
    if not intervention_first:
        intervene(app, case_id)

    with another_runner(app, store_settings, projector.store, batch_size=winner_batch) as winner:
        raced = RacedCasework(lambda: winner())
        loser = Projector(app, projector.store, views=[raced], batch_size=100)
        request.addfinalizer(loser.close)
        with pytest.raises(PositionMoved):
            loser.step(raced)
    assert raced.interfere is None

    while loser.step(raced):  # step alone: no catch_up to make the view forget
        pass
    assert tracked(projector, "casework")["position"] == log_positions(app)[-1]
    assert dump(projector, Casework) == clean_rebuild(app, store_settings, Casework)
    assert counters(projector, case_id) == (1, 0, 0)


class ForgetfulAuditTrail(AuditTrail):
    """The audit trail with room to remember two records' filings only (the code keeps 100,000)."""

    FILINGS_KEPT = 2


class ForgetfulCasework(Casework):
    """The casework view remembering a single record of each kind (the code keeps 100,000)."""

    KEPT = 1


def worked_story(app: YouthCare) -> None:
    """Organisations, volunteers, cases, pairs and referrals, each touched after it is made."""
    station_id = station(app)
    department_id = department(app)
    volunteer_id = screened_volunteer(app)
    app.rename_station(ADMIN, station_id, name="Chengguan East Station")
    app.rename_department(ADMIN, department_id, name="District Education Bureau")
    for _ in range(2):
        case_id = open_case(app, station_id).id
        intervene(app, case_id)
        pair_id = match(app, case_id, volunteer_id).id
        app.pause_pair(STAFF, pair_id, reason="exams")
        app.resume_pair(STAFF, pair_id)
        app.log_session(STAFF, pair_id, held_on=today(), duration_minutes=30, mode="phone", notes="", progress=3)
        referral_id = refer(app, case_id, department_id).id
        app.accept_referral(CLERK, referral_id)
        app.note_referral_progress(CLERK, referral_id, note="met")
        app.close_pair(STAFF, pair_id, reason="done")
        app.complete_referral(CLERK, referral_id, outcome="back at school")
        close_case(app, case_id, outcome="done")
    app.deactivate_station(ADMIN, station_id)


@pytest.mark.parametrize("batch_size", [1, 3, 500])
def test_the_casework_view_holds_the_same_however_little_it_remembers(
    app: YouthCare, view_store: ViewStore, store_settings: Settings, request: pytest.FixtureRequest, batch_size: int
) -> None:
    worked_story(app)
    runner = Projector(app, view_store, views=[ForgetfulCasework()], batch_size=batch_size)
    request.addfinalizer(runner.close)
    runner.rebuild(runner.views[0])
    assert dump(runner, Casework) == clean_rebuild(app, store_settings, Casework)


def test_the_audit_trail_holds_the_same_however_little_it_remembers(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("memory", tmp_path, request)
    app = create_application(settings)
    views = ViewStore(app, settings)
    runner = Projector(app, views, views=[ForgetfulAuditTrail()])  # the whole story in one batch
    try:
        worked_story(app)
        runner.rebuild(runner.views[0])
        filed = rows(runner, trail)
        assert [row["event_type"] for row in filed if row["record_type"] == "unknown"] == []
        assert dump(runner, AuditTrail) == clean_rebuild(app, settings, AuditTrail)
    finally:
        runner.close()
        views.engine.dispose()
        app.close()


# --- text the PostgreSQL views cannot hold -------------------------------------------


@pytest.mark.parametrize("store", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_name_with_a_nul_character_does_not_stop_the_views(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for(store, tmp_path, request)
    app = create_application(settings)
    runner = Projector(app, ViewStore(app, settings))
    try:
        try:
            station_id = app.register_station(
                ADMIN, name="Chengguan\x00 Station", kind="tutoring_station", level="town"
            ).id
        except InvalidValue:
            return  # refused at the door: nothing reaches the views
        case_id = open_case(app, station_id).id
        project(runner)
        name = one(runner, stations, stations.c.station_id == station_id)["name"]
        assert name.replace("\x00", "") == "Chengguan Station"
        assert one(runner, cases, cases.c.case_id == case_id)["station_id"] == station_id
        assert len(rows(runner, trail)) == 2
    finally:
        runner.close()
        if store == "memory":
            runner.store.engine.dispose()
        app.close()

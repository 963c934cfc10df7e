"""The application on every store: in-memory, SQLite and PostgreSQL (see conftest STORES)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.app import YouthCare
from application.base import Written
from application.errors import ConcurrentWrite, NotFound, ReferenceNotFound, StaleVersion
from application.observer import Unwatched
from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.youth_case import Intervention, InterventionKind, YouthCase
from infrastructure.persistence import create_application
from tests.conftest import settings_for

STAFF = Actor("officer-li", Role.STATION_STAFF)
LEAD = Actor("lead-wu", Role.STATION_LEAD)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
TODAY = date.today()


def station(app: YouthCare) -> UUID:
    return app.register_station(ADMIN, name="Chengguan Care Station", kind="police_care_station", level="town").id


def department(app: YouthCare) -> UUID:
    return app.register_department(ADMIN, name="Education Bureau", kind="education").id


def screened_volunteer(app: YouthCare) -> UUID:
    volunteer = app.register_volunteer(ADMIN, full_name="Wang Jianguo", kind="retired_teacher", skills=["maths"])
    app.screen_volunteer(ADMIN, volunteer.id, passed=True, notes="interviewed")
    return volunteer.id


def open_case(app: YouthCare, station_id: UUID) -> UUID:
    youth: dict[str, Any] = {"full_name": "Zhang Xiaoming", "date_of_birth": date(2011, 5, 2), "gender": "male"}
    return app.open_case(
        STAFF, station_id=station_id, youth=youth, category="truancy", source="school", summary="three weeks absent"
    ).id


def close_case(app: YouthCare, case_id: UUID, *, outcome: str, notes: str = "") -> Written:
    """An officer submits the closure and the lead approves it."""
    app.submit_closure(STAFF, case_id, outcome=outcome, notes=notes)
    return app.approve_closure(LEAD, case_id, note="")


def adopt_plan(app: YouthCare, case_id: UUID, goals: list[str]) -> Written:
    """An officer submits the plan and the lead approves it."""
    app.submit_plan(STAFF, case_id, goals=goals)
    return app.approve_plan(LEAD, case_id, note="")


def test_a_case_is_worked_and_read_back_in_full(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    app.assess_risk(STAFF, case_id, instrument="screening", score=18, level="medium", notes="")
    app.submit_plan(STAFF, case_id, goals=["back in class"])
    app.approve_plan(LEAD, case_id, note="")
    app.assign_case(STAFF, case_id, case_worker_id="officer-li")
    app.log_intervention(
        STAFF,
        case_id,
        kind="home_visit",
        occurred_at=datetime.now(timezone.utc),
        duration_minutes=60,
        notes="met the father",
        performed_by="officer-li",
    )
    app.record_consent(STAFF, case_id, scope="share with school", granted=True, given_by="father")
    closed = close_case(app, case_id, outcome="attending again")

    case = app.get_case(case_id)
    assert closed.version == 11 and case["version"] == 11  # plan and closure: submitted, approved, in force
    assert case["status"] == "closed" and case["outcome"] == "attending again"
    assert case["risk_level"] == "medium" and case["plan"] == ["back in class"]
    assert case["case_worker_id"] == "officer-li"
    assert [i["kind"] for i in case["interventions"]] == ["home_visit"]
    assert case["consents"] == [{"scope": "share with school", "granted": True, "given_by": "father", "giver": None}]
    assert case["youth"]["date_of_birth"] == "2011-05-02"


def test_positions_grow_with_every_write(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    first = app.assign_case(STAFF, case_id, case_worker_id="a")
    second = app.assign_case(STAFF, case_id, case_worker_id="b")
    assert second.position > first.position > 0


def test_every_past_version_reads_as_it_stood_across_snapshots(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    for n in range(1, 8):  # the fixtures snapshot every 3 events
        app.assign_case(STAFF, case_id, case_worker_id=f"goal {n}")
    for version in range(2, 9):
        assert app.get_case(case_id, version=version)["case_worker_id"] == f"goal {version - 1}"
    assert app.get_case(case_id, version=1)["case_worker_id"] is None
    with pytest.raises(NotFound):
        app.get_case(case_id, version=9)


def test_a_stale_expected_version_is_refused_and_nothing_is_written(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    app.assign_case(STAFF, case_id, case_worker_id="a")
    with pytest.raises(StaleVersion):
        app.assign_case(STAFF, case_id, case_worker_id="b", expected_version=1)
    assert app.get_case(case_id)["case_worker_id"] == "a"
    assert app.assign_case(STAFF, case_id, case_worker_id="c", expected_version=2).version == 3


def test_a_write_that_loses_a_race_is_a_conflict_and_the_winner_is_kept(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    original_get = app.repository.get
    raced = []

    def get_then_let_another_writer_in(record_id: UUID, *args: Any, **kwargs: Any) -> Any:
        record = original_get(record_id, *args, **kwargs)
        if record_id == case_id and not raced:
            raced.append(True)
            app.assign_case(STAFF, case_id, case_worker_id="the-winner")
        return record

    app.repository.get = get_then_let_another_writer_in  # type: ignore[method-assign]
    with pytest.raises(ConcurrentWrite):
        app.assign_case(STAFF, case_id, case_worker_id="the-loser")
    app.repository.get = original_get  # type: ignore[method-assign]
    case = app.get_case(case_id)
    assert case["version"] == 2 and case["case_worker_id"] == "the-winner"


def test_a_case_needs_an_existing_active_station(app: YouthCare) -> None:
    with pytest.raises(ReferenceNotFound) as missing:
        open_case(app, uuid4())
    assert missing.value.field == "station_id"
    station_id = station(app)
    app.deactivate_station(ADMIN, station_id)
    with pytest.raises(RuleViolation) as inactive:
        open_case(app, station_id)
    assert inactive.value.rule == "station_inactive"


def test_a_pair_needs_an_open_case_and_an_active_screened_volunteer(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    unscreened = app.register_volunteer(ADMIN, full_name="Li Hua", kind="university_student", skills=[]).id
    with pytest.raises(RuleViolation, match="screening") as error:
        app.match_pair(STAFF, case_id=case_id, volunteer_id=unscreened, goals=["g"], started_on=TODAY)
    assert error.value.rule == "volunteer_not_screened"

    volunteer_id = screened_volunteer(app)
    app.deactivate_volunteer(ADMIN, volunteer_id)
    with pytest.raises(RuleViolation) as inactive:
        app.match_pair(STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["g"], started_on=TODAY)
    assert inactive.value.rule == "volunteer_inactive"

    app.reactivate_volunteer(ADMIN, volunteer_id)
    close_case(app, case_id, outcome="moved away")
    with pytest.raises(RuleViolation) as closed:
        app.match_pair(STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["g"], started_on=TODAY)
    assert closed.value.rule == "case_closed"


def test_one_open_pair_per_case_and_volunteer_until_it_closes(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    volunteer_id = screened_volunteer(app)
    first = app.match_pair(STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["read"], started_on=TODAY)
    app.pause_pair(STAFF, first.id, reason="exams")
    with pytest.raises(RuleViolation) as error:
        app.match_pair(STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["read"], started_on=TODAY)
    assert error.value.rule == "pair_already_open"

    other_case = open_case(app, station(app))
    assert app.match_pair(STAFF, case_id=other_case, volunteer_id=volunteer_id, goals=["g"], started_on=TODAY)

    app.close_pair(STAFF, first.id, reason="goals met")
    second = app.match_pair(STAFF, case_id=case_id, volunteer_id=volunteer_id, goals=["write"], started_on=TODAY)
    assert app.get_pair(second.id)["status"] == "active"
    assert app.get_pair(first.id)["status"] == "closed"


def test_a_pair_logs_sessions_and_goal_progress(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    pair = app.match_pair(
        STAFF,
        case_id=case_id,
        volunteer_id=screened_volunteer(app),
        goals=["read"],
        started_on=TODAY - timedelta(days=7),
    )
    for days_ago in (6, 3, 0):
        app.log_session(
            STAFF,
            pair.id,
            held_on=TODAY - timedelta(days=days_ago),
            duration_minutes=45,
            mode="in_person",
            notes="",
            progress=3,
        )
    app.update_goal(STAFF, pair.id, goal="read", status="achieved", note="finished the book")
    read = app.get_pair(pair.id)
    assert len(read["sessions"]) == 3
    assert read["goals"] == [{"goal": "read", "status": "achieved"}]
    with pytest.raises(InvalidValue):
        app.log_session(
            STAFF, pair.id, held_on=TODAY + timedelta(days=2), duration_minutes=5, mode="phone", notes="", progress=3
        )


def consent_to_sharing(app: YouthCare, case_id: UUID) -> None:
    """The guardian's consent to share the youth's data with any department."""
    app.record_consent(STAFF, case_id, scope="all", granted=True, given_by="Zhang Wei (father)", giver="guardian")


def test_a_referral_runs_from_station_to_department_and_back(app: YouthCare) -> None:
    station_id = station(app)
    case_id = open_case(app, station_id)
    department_id = department(app)
    consent_to_sharing(app, case_id)
    made = app.make_referral(
        STAFF,
        case_id=case_id,
        to_department_id=department_id,
        service="school re-entry",
        reason="truancy",
        respond_by=TODAY + timedelta(days=10),
    )
    app.accept_referral(ADMIN, made.id)
    app.note_referral_progress(ADMIN, made.id, note="teacher assigned")
    app.complete_referral(ADMIN, made.id, outcome="re-enrolled")
    referral = app.get_referral(made.id)
    assert referral["status"] == "completed" and referral["from_station_id"] == str(station_id)
    assert referral["notes"] == ["teacher assigned"] and referral["outcome"] == "re-enrolled"
    with pytest.raises(RuleViolation):
        app.withdraw_referral(STAFF, made.id, reason="too late")


def test_a_referral_needs_an_active_department(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    department_id = department(app)
    app.deactivate_department(ADMIN, department_id)
    with pytest.raises(RuleViolation) as error:
        app.make_referral(
            STAFF, case_id=case_id, to_department_id=department_id, service="s", reason="r", respond_by=TODAY
        )
    assert error.value.rule == "department_inactive"
    with pytest.raises(ReferenceNotFound):
        app.make_referral(STAFF, case_id=case_id, to_department_id=uuid4(), service="s", reason="r", respond_by=TODAY)


def test_a_station_is_registered_under_a_parent_that_exists(app: YouthCare) -> None:
    first = station(app)
    second = app.register_station(
        ADMIN, name="Village point", kind="tutoring_station", level="village", parent_id=first
    ).id
    assert app.get_station(second)["parent_id"] == str(first)
    with pytest.raises(ReferenceNotFound):
        app.register_station(ADMIN, name="x", kind="tutoring_station", level="village", parent_id=uuid4())


def test_a_record_of_another_type_is_not_found(app: YouthCare) -> None:
    station_id = station(app)
    with pytest.raises(NotFound):
        app.get_case(station_id)
    with pytest.raises(NotFound):
        app.submit_closure(STAFF, station_id, outcome="x")


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_event_is_kept_after_a_restart(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for(store, tmp_path, request)
    first = create_application(settings)
    case_id = open_case(first, station(first))
    first.assign_case(STAFF, case_id, case_worker_id="a")
    first.close()
    second = create_application(settings)
    try:
        assert second.get_case(case_id)["case_worker_id"] == "a"
        assert second.get_case(case_id)["version"] == 2
    finally:
        second.close()


def test_a_version_beyond_what_any_store_can_hold_is_simply_not_found(app: YouthCare) -> None:
    station_id = station(app)
    for version in (0, 2**31, 10**30):
        with pytest.raises(NotFound):
            app.get_station(station_id, version=version)


class _Counting(Unwatched):
    def __init__(self, retried: list[str]) -> None:
        self.retries = retried

    def retried(self, record_type: str) -> None:
        self.retries.append(record_type)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _intervention(notes: str) -> Intervention:
    return Intervention(
        kind=InterventionKind.COUNSELLING, occurred_at=_now(), duration_minutes=30, notes=notes, performed_by="li"
    )


def _log(app: YouthCare, case_id: UUID, notes: str) -> Written:
    return app.log_intervention(
        STAFF, case_id, kind="counselling", occurred_at=_now(), duration_minutes=30, notes=notes, performed_by="li"
    )


def test_an_append_that_lost_a_race_is_tried_again_and_both_writes_stand(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    retried: list[str] = []
    app.observer = _Counting(retried)
    interfered = []

    def log_while_another_gets_in(case: YouthCase) -> None:
        if not interfered:  # the first try: someone else saves between this load and this save
            interfered.append(_log(app, case_id, "the other write"))
        case.log_intervention(actor=STAFF, intervention=_intervention("this write"), now=_now(), backfill_days=90)

    written = app._append(YouthCase, case_id, None, log_while_another_gets_in)

    notes = [i["notes"] for i in app.get_case(case_id)["interventions"]]
    assert notes == ["the other write", "this write"]
    assert written.version == interfered[0].version + 1
    assert retried == ["YouthCase"]


def test_an_append_sent_with_an_expected_version_is_not_retried(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    version = app.get_case(case_id)["version"]

    def log_while_another_gets_in(case: YouthCase) -> None:
        _log(app, case_id, "the other write")
        case.log_intervention(actor=STAFF, intervention=_intervention("this write"), now=_now(), backfill_days=90)

    with pytest.raises(ConcurrentWrite):
        app._append(YouthCase, case_id, version, log_while_another_gets_in)
    assert [i["notes"] for i in app.get_case(case_id)["interventions"]] == ["the other write"]


def test_an_append_that_keeps_losing_gives_up_after_its_attempts(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    app.append_attempts = 3
    tries = []

    def always_overtaken(case: YouthCase) -> None:
        tries.append(1)
        _log(app, case_id, f"other {len(tries)}")
        case.log_intervention(actor=STAFF, intervention=_intervention("mine"), now=_now(), backfill_days=90)

    with pytest.raises(ConcurrentWrite):
        app._append(YouthCase, case_id, None, always_overtaken)
    assert len(tries) == 3
    assert "mine" not in [i["notes"] for i in app.get_case(case_id)["interventions"]]

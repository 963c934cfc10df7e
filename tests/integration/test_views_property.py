"""Views kept up to date batch by batch equal views rebuilt from scratch, whatever the story.

A hypothesis state machine drives random command sequences through the application,
and runs the projector (with a small random batch size) at random moments in between.
At the end it catches every view up, checks each row against the record it follows
(the write side is the model), and compares every table, row by row, with a clean
rebuild of the same log in a private database. Commands the domain refuses are skipped.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)
from pydantic import SecretStr
from sqlalchemy import Table, create_engine, select, text

from application.app import YouthCare
from application.cases import TransferAnswer
from application.errors import ConcurrentWrite
from application.views import casework_tables as tables
from application.views.audit_trail import AuditTrail, trail
from application.views.casework import Casework
from application.views.hash_chain import HashChain
from domain.common import Actor, InvalidValue, Role, RuleViolation
from domain.mentoring_pair import GoalStatus, SessionMode
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.volunteer import VolunteerKind
from domain.youth_case import CaseCategory, CaseSource, Gender, InterventionKind, PlanGoalStatus, RiskLevel
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.conftest import STORES, postgres_url

# Examples per store: many in memory, a few on the stores that write to disk.
EXAMPLES = {"memory": 120, "sqlite": 10, "postgres": 8}
STEPS = {"memory": 60, "sqlite": 40, "postgres": 40}

REFUSED = (RuleViolation, InvalidValue, ConcurrentWrite)

ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
ACTORS = st.sampled_from(
    [
        ADMIN,
        Actor("officer-li", Role.STATION_STAFF),
        Actor("clerk-zhao", Role.DEPARTMENT_STAFF),
        Actor("coordinator-chen", Role.COORDINATOR),
        Actor("lead-wu", Role.STATION_LEAD),
    ]
)
# Printable text, blank now and then (which the domain refuses). No control characters:
# a NUL cannot be stored by PostgreSQL at all (see test_views.py).
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    min_size=1,
    max_size=24,
)
NAMES = st.one_of(st.sampled_from(["Chengguan", "Dongcheng", "Xishan", "Education Bureau", "Court"]), TEXT)
GOALS = ["read", "back in class", "make a friend"]
DAYS_AGO = st.integers(min_value=0, max_value=30)


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


def views_match_a_clean_rebuild(app: YouthCare, settings: Settings, live: Projector) -> None:
    """Catch every view up, then compare it with the same view rebuilt from scratch."""
    for view in live.views:
        live.catch_up(view)
        assert live.position(view.name) == live.store.head()
    scratch = ViewStore(app, settings, private=True)
    rebuilt = Projector(app, scratch, batch_size=500)  # the views as shipped, in a scratch database
    try:
        for clean_view in rebuilt.views:
            live_view = live.view(clean_view.name)
            rebuilt.rebuild(clean_view)
            with live.store.reading() as conn:
                kept = live_view.dump(conn)
            with scratch.reading() as conn:
                fresh = clean_view.dump(conn)
            assert kept.keys() == fresh.keys()
            for table in kept:
                assert kept[table] == fresh[table], f"{live_view.name}: table {table} differs from a clean rebuild"
    finally:
        rebuilt.close()
        scratch.engine.dispose()


def views_agree_with_the_records(app: YouthCare, live: Projector, ids: dict[str, set[UUID]]) -> None:
    """Each view row says what the record it follows says now: the write side is the model."""
    for view in live.views:
        live.catch_up(view)
    get = app.repository.get
    with live.store.reading() as conn:

        def by_key(table: Table) -> dict[UUID, Any]:
            return {row[0]: row for row in conn.execute(select(table))}

        positions = [n.id for n in app.recorder.select_notifications(None, limit=1_000_000)]
        trail_rows = conn.execute(select(trail).order_by(trail.c.position)).all()
        assert [row.position for row in trail_rows] == positions
        versions: dict[UUID, list[int]] = {}
        for row in trail_rows:
            versions.setdefault(row.record_id, []).append(row.record_version)
        for kind in ids:
            for record_id in ids[kind]:
                assert versions[record_id] == list(range(1, get(record_id).version + 1)), (kind, record_id)

        for table, kind in ((tables.stations, "station"), (tables.departments, "department")):
            organisations = by_key(table)
            assert set(organisations) == ids[kind]
            for record_id, row in organisations.items():
                record = get(record_id)
                assert (row.name, row.kind, row.active) == (record.name, record.kind.value, record.active)

        volunteers = by_key(tables.volunteers)
        assert set(volunteers) == ids["volunteer"]
        for record_id, row in volunteers.items():
            volunteer = get(record_id)
            hours = sum((training.hours for training in volunteer.trainings), Decimal(0))
            assert (row.display_name, row.active, row.screened) == (
                volunteer.full_name,
                volunteer.active,
                volunteer.screened,
            )
            assert Decimal(row.training_hours).quantize(Decimal("0.01")) == hours.quantize(Decimal("0.01"))

        pair_records = {pair_id: get(pair_id) for pair_id in ids["pair"]}
        referral_records = {referral_id: get(referral_id) for referral_id in ids["referral"]}
        cases = by_key(tables.cases)
        assert set(cases) == ids["case"]
        for record_id, row in cases.items():
            case = get(record_id)
            risk = case.risk_level.value if case.risk_level else None
            active_pairs = [p for p in pair_records.values() if p.case_id == record_id and p.status.value == "active"]
            open_referrals = [
                r
                for r in referral_records.values()
                if r.case_id == record_id and r.status.value in ("pending", "accepted")
            ]
            assert (row.status, row.station_id, row.risk_level, row.case_worker_id) == (
                case.status.value,
                case.station_id,
                risk,
                case.case_worker_id,
            )
            assert (row.interventions, row.active_pairs, row.open_referrals) == (
                len(case.interventions),
                len(active_pairs),
                len(open_referrals),
            ), record_id
            assert (row.closed_at is None) == (case.status.value == "open")
            transfer = case.pending_transfer
            assert (row.transfer_to, row.plan_submitted_at is None, row.closure_submitted_at is None) == (
                transfer.to_station_id if transfer else None,
                case.pending_plan is None,
                case.pending_closure is None,
            )

        pairs = by_key(tables.pairs)
        assert set(pairs) == ids["pair"]
        for record_id, row in pairs.items():
            pair = pair_records[record_id]
            last_session = max((session.held_on for session in pair.sessions), default=None)
            assert (row.status, row.case_id, row.station_id, row.volunteer_id, row.sessions, row.last_session_on) == (
                pair.status.value,
                pair.case_id,
                get(pair.case_id).station_id,
                pair.volunteer_id,
                len(pair.sessions),
                last_session,
            )

        referrals = by_key(tables.referrals)
        assert set(referrals) == ids["referral"]
        for record_id, row in referrals.items():
            referral = referral_records[record_id]
            assert (row.status, row.case_id, row.station_id, row.department_id) == (
                referral.status.value,
                referral.case_id,
                get(referral.case_id).station_id,  # a referral goes with its case when the case is transferred
                referral.to_department_id,
            )


class Store:
    """A fresh store for each example: a new in-memory store, SQLite file or PostgreSQL schema."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.counter = itertools.count()
        self.pg_url = postgres_url() if kind == "postgres" else None

    def new(self) -> tuple[Settings, Callable[[], None]]:
        if self.kind == "memory":
            return Settings(database_url=SecretStr(MEMORY_URL), snapshot_interval=3), lambda: None
        if self.kind == "sqlite":
            path = self.tmp_path / f"example-{next(self.counter)}.db"
            return Settings(database_url=SecretStr(f"sqlite:///{path}"), snapshot_interval=3), lambda: None
        assert self.pg_url is not None
        url = self.pg_url
        schema = f"t_{uuid.uuid4().hex[:16]}"

        def drop() -> None:
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            finally:
                engine.dispose()

        return Settings(database_url=SecretStr(url), database_schema=schema, snapshot_interval=3), drop


def machine_for(store: Store) -> type[RuleBasedStateMachine]:
    class Story(RuleBasedStateMachine):
        stations = Bundle("stations")
        departments = Bundle("departments")
        volunteers = Bundle("volunteers")
        cases = Bundle("cases")
        pairs = Bundle("pairs")
        referrals = Bundle("referrals")

        def __init__(self) -> None:
            super().__init__()
            self.settings, self.drop = store.new()
            self.app = create_application(self.settings)
            self.live: Projector | None = None
            self.view_store: ViewStore | None = None
            self.pair_starts: dict[UUID, date] = {}
            self.ids: dict[str, set[UUID]] = {
                kind: set() for kind in ("station", "department", "volunteer", "case", "pair", "referral")
            }

        def run(self, command: Callable[[], Any]) -> Any:
            """The command's result, or None when the domain refuses it."""
            try:
                return command()
            except REFUSED:
                return None

        def created(self, kind: str, command: Callable[[], Any]) -> Any:
            """The new record's id for its bundle, or nothing when the domain refuses to make it."""
            written = self.run(command)
            if written is None:
                return multiple()
            self.ids[kind].add(written.id)
            return written.id

        # -- the projector

        @initialize(
            batch_size=st.integers(min_value=1, max_value=7),
            kept=st.sampled_from([1, 2, 5, Casework.KEPT]),
        )
        def start_projector(self, batch_size: int, kept: int) -> None:
            """A projector with small batches, its casework view remembering few records, or many."""

            class LiveCasework(Casework):
                KEPT = kept

            class LiveAuditTrail(AuditTrail):
                FILINGS_KEPT = kept

            self.view_store = ViewStore(self.app, self.settings)
            self.live = Projector(
                self.app,
                self.view_store,
                views=[LiveAuditTrail(), LiveCasework(), HashChain()],
                batch_size=batch_size,
            )
            for view in self.live.views:
                assert self.live.run_view_once(view)

        @rule(
            which=st.integers(min_value=0, max_value=2),
            how=st.sampled_from(["step", "step", "step", "catch_up", "run_view_once", "rebuild"]),
        )
        def project(self, which: int, how: str) -> None:
            assert self.live is not None
            view = self.live.views[which]
            before = self.live.position(view.name)
            if how == "step":
                applied = self.live.step(view)
                assert 0 <= applied <= self.live.batch_size
                assert self.live.position(view.name) >= before
            elif how == "rebuild":  # start over from the first event, then go on batch by batch
                self.live.rebuild(view)
            elif how == "catch_up":
                self.live.catch_up(view)
            else:
                assert self.live.run_view_once(view)
            if how != "step":
                assert self.live.position(view.name) == self.live.store.head()

        # -- what every story starts from, so that most steps work on cases, pairs and referrals

        @initialize(target=stations)
        def first_stations(self) -> Any:
            return multiple(*(self.register_station(ADMIN, name, "tutoring_station", "town", None) for name in "AB"))

        @initialize(target=departments)
        def first_departments(self) -> Any:
            return multiple(*(self.register_department(ADMIN, name, "court") for name in "CD"))

        @initialize(target=volunteers)
        def first_volunteers(self) -> Any:
            return multiple(*(self.register_volunteer(ADMIN, name, "other", True) for name in "EF"))

        @initialize(target=cases)
        def first_cases(self) -> Any:
            station = self.register_station(ADMIN, "G", "practice_base", "village", None)
            return multiple(*(self.open_case(ADMIN, station, "H", "male", "truancy", "school") for _ in range(3)))

        @initialize(target=pairs)
        def first_pairs(self) -> Any:
            station = self.register_station(ADMIN, "I", "youth_care_studio", "district", None)
            case = self.open_case(ADMIN, station, "J", "female", "bullying", "family")
            return multiple(
                *(
                    self.match_pair(ADMIN, case, self.register_volunteer(ADMIN, name, "other", True), GOALS, 7)
                    for name in "KL"
                )
            )

        @initialize(target=referrals)
        def first_referrals(self) -> Any:
            station = self.register_station(ADMIN, "M", "police_care_station", "town", None)
            case = self.open_case(ADMIN, station, "N", "other", "runaway", "police_incident")
            department = self.register_department(ADMIN, "O", "health")
            made = [self.make_referral(ADMIN, case, department, "P", 5) for _ in range(3)]
            self.app.accept_referral(ADMIN, made[0])
            return multiple(*made)

        # -- stations and departments

        @rule(
            target=stations,
            actor=ACTORS,
            name=NAMES,
            kind=values(StationKind),
            level=values(StationLevel),
            parent=st.none() | stations,
        )
        def register_station(self, actor: Actor, name: str, kind: str, level: str, parent: UUID | None) -> Any:
            return self.created(
                "station",
                lambda: self.app.register_station(actor, name=name, kind=kind, level=level, parent_id=parent),  # type: ignore[arg-type]
            )

        @rule(target=departments, actor=ACTORS, name=NAMES, kind=values(DepartmentKind))
        def register_department(self, actor: Actor, name: str, kind: str) -> Any:
            return self.created("department", lambda: self.app.register_department(actor, name=name, kind=kind))  # type: ignore[arg-type]

        @rule(actor=ACTORS, organisation=stations | departments, name=NAMES)
        def rename_organisation(self, actor: Actor, organisation: UUID, name: str) -> None:
            self.run(lambda: self.organisation_command(organisation, "rename")(actor, organisation, name=name))

        @rule(actor=ACTORS, organisation=stations | departments)
        def deactivate_organisation(self, actor: Actor, organisation: UUID) -> None:
            self.run(lambda: self.organisation_command(organisation, "deactivate")(actor, organisation))

        def organisation_command(self, organisation: UUID, verb: str) -> Callable[..., Any]:
            kind = "station" if organisation in self.ids["station"] else "department"
            return getattr(self.app, f"{verb}_{kind}")  # type: ignore[no-any-return]

        # -- volunteers

        @rule(target=volunteers, actor=ACTORS, full_name=NAMES, kind=values(VolunteerKind), passed=st.booleans())
        def register_volunteer(self, actor: Actor, full_name: str, kind: str, passed: bool) -> Any:
            volunteer = self.created(
                "volunteer",
                lambda: self.app.register_volunteer(actor, full_name=full_name, kind=kind, skills=["maths"]),  # type: ignore[arg-type]
            )
            if passed and isinstance(volunteer, UUID):  # most volunteers are screened as soon as they register
                self.app.screen_volunteer(actor, volunteer, passed=True, notes="interviewed")
            return volunteer

        @rule(actor=ACTORS, volunteer=volunteers, passed=st.booleans())
        def screen_volunteer(self, actor: Actor, volunteer: UUID, passed: bool) -> None:
            self.run(lambda: self.app.screen_volunteer(actor, volunteer, passed=passed, notes=""))

        @rule(
            actor=ACTORS,
            volunteer=volunteers,
            course=NAMES,
            days_ago=DAYS_AGO,
            hours=st.integers(min_value=-1, max_value=4000).map(lambda n: Decimal(n) / 100),
        )
        def record_training(self, actor: Actor, volunteer: UUID, course: str, days_ago: int, hours: Decimal) -> None:
            completed_on = utc_today() - timedelta(days=days_ago)
            self.run(
                lambda: self.app.record_training(
                    actor, volunteer, course=course, completed_on=completed_on, hours=hours
                )
            )

        @rule(actor=ACTORS, volunteer=volunteers)
        def deactivate_or_reactivate_volunteer(self, actor: Actor, volunteer: UUID) -> None:
            if self.run(lambda: self.app.deactivate_volunteer(actor, volunteer)) is None:
                self.app.reactivate_volunteer(actor, volunteer)

        # -- cases

        @rule(
            target=cases,
            actor=ACTORS,
            station=stations,
            full_name=NAMES,
            gender=values(Gender),
            category=values(CaseCategory),
            source=values(CaseSource),
        )
        def open_case(
            self, actor: Actor, station: UUID, full_name: str, gender: str, category: str, source: str
        ) -> Any:
            youth = {"full_name": full_name, "date_of_birth": date(2011, 5, 2), "gender": gender}
            return self.created(
                "case",
                lambda: self.app.open_case(
                    actor,
                    station_id=station,
                    youth=youth,
                    category=category,  # type: ignore[arg-type]
                    source=source,  # type: ignore[arg-type]
                    summary="absent from school",
                ),
            )

        @rule(actor=ACTORS, case=cases, score=st.integers(min_value=-1, max_value=40), level=values(RiskLevel))
        def assess_risk(self, actor: Actor, case: UUID, score: int, level: str) -> None:
            self.run(
                lambda: self.app.assess_risk(actor, case, instrument="screening", score=score, level=level, notes="")  # type: ignore[arg-type]
            )

        @rule(actor=ACTORS, case=cases, goals=st.lists(st.sampled_from(GOALS), max_size=3))
        def submit_plan(self, actor: Actor, case: UUID, goals: list[str]) -> None:
            self.run(lambda: self.app.submit_plan(actor, case, goals=goals))

        @rule(actor=ACTORS, case=cases, approve=st.booleans())
        def decide_plan(self, actor: Actor, case: UUID, approve: bool) -> None:
            if approve:
                self.run(lambda: self.app.approve_plan(actor, case, note=""))
            else:
                self.run(lambda: self.app.return_plan(actor, case, note="not yet"))

        @rule(
            actor=ACTORS,
            case=cases,
            goal=st.sampled_from(GOALS),
            status=values(PlanGoalStatus),
            days=st.one_of(st.none(), DAYS_AGO),
        )
        def review_goal(self, actor: Actor, case: UUID, goal: str, status: str, days: int | None) -> None:
            review_on = None if days is None else utc_today() + timedelta(days=days)
            self.run(lambda: self.app.review_goal(actor, case, goal=goal, status=status, review_on=review_on))  # type: ignore[arg-type]

        @rule(actor=ACTORS, case=cases, station=stations)
        def request_transfer(self, actor: Actor, case: UUID, station: UUID) -> None:
            self.run(lambda: self.app.request_transfer(actor, case, to_station_id=station, reason="moved"))

        @rule(actor=ACTORS, case=cases, answer=st.sampled_from(list(TransferAnswer)))
        def answer_transfer(self, actor: Actor, case: UUID, answer: TransferAnswer) -> None:
            pending = self.app.get_case(case)["pending_transfer"]
            request_id = UUID(pending["request_id"]) if pending else uuid.uuid4()
            self.run(lambda: self.app.answer_transfer(actor, case, request_id, answer=answer, note="noted"))

        @rule(actor=ACTORS, case=cases, worker=st.sampled_from(["officer-li", "officer-wu"]))
        def assign_case(self, actor: Actor, case: UUID, worker: str) -> None:
            self.run(lambda: self.app.assign_case(actor, case, case_worker_id=worker))

        @rule(
            actor=ACTORS,
            case=cases,
            kind=values(InterventionKind),
            minutes=st.integers(min_value=0, max_value=240),
            offset_hours=st.sampled_from([0, 8, -5]),
        )
        def log_intervention(self, actor: Actor, case: UUID, kind: str, minutes: int, offset_hours: int) -> None:
            occurred_at = datetime.now(timezone(timedelta(hours=offset_hours)))
            self.run(
                lambda: self.app.log_intervention(
                    actor,
                    case,
                    kind=kind,  # type: ignore[arg-type]
                    occurred_at=occurred_at,
                    duration_minutes=minutes,
                    notes="",
                    performed_by="officer-li",
                )
            )

        @rule(actor=ACTORS, case=cases, granted=st.booleans())
        def record_consent(self, actor: Actor, case: UUID, granted: bool) -> None:
            self.run(
                lambda: self.app.record_consent(actor, case, scope="share with school", granted=granted, given_by="x")
            )

        @rule(actor=ACTORS, case=cases)
        def close_case(self, actor: Actor, case: UUID) -> None:
            self.run(lambda: self.app.submit_closure(actor, case, outcome="attending again"))

        @rule(actor=ACTORS, case=cases, approve=st.booleans())
        def decide_closure(self, actor: Actor, case: UUID, approve: bool) -> None:
            if approve:
                self.run(lambda: self.app.approve_closure(actor, case, note=""))
            else:
                self.run(lambda: self.app.return_closure(actor, case, note="not yet"))

        @rule(actor=ACTORS, case=cases)
        def reopen_case(self, actor: Actor, case: UUID) -> None:
            self.run(lambda: self.app.reopen_case(actor, case, reason="truant again"))

        # -- mentoring pairs

        @rule(
            target=pairs,
            actor=ACTORS,
            case=cases,
            volunteer=volunteers,
            goals=st.lists(st.sampled_from(GOALS), min_size=1, max_size=3),
            days_ago=DAYS_AGO,
        )
        def match_pair(self, actor: Actor, case: UUID, volunteer: UUID, goals: list[str], days_ago: int) -> Any:
            started_on = utc_today() - timedelta(days=days_ago)
            pair_id = self.created(
                "pair",
                lambda: self.app.match_pair(
                    actor, case_id=case, volunteer_id=volunteer, goals=goals, started_on=started_on
                ),
            )
            if isinstance(pair_id, UUID):
                self.pair_starts[pair_id] = started_on
            return pair_id

        @rule(
            actor=ACTORS,
            pair=pairs,
            days_after_start=st.integers(min_value=-1, max_value=30),
            mode=values(SessionMode),
            progress=st.integers(min_value=1, max_value=5),
        )
        def log_session(self, actor: Actor, pair: UUID, days_after_start: int, mode: str, progress: int) -> None:
            held_on = min(self.pair_starts[pair] + timedelta(days=days_after_start), utc_today())
            self.run(
                lambda: self.app.log_session(
                    actor,
                    pair,
                    held_on=held_on,
                    duration_minutes=45,
                    mode=mode,  # type: ignore[arg-type]
                    notes="",
                    progress=progress,
                )
            )

        @rule(actor=ACTORS, pair=pairs, goal=st.sampled_from(GOALS), status=values(GoalStatus))
        def update_goal(self, actor: Actor, pair: UUID, goal: str, status: str) -> None:
            self.run(lambda: self.app.update_goal(actor, pair, goal=goal, status=status, note=""))  # type: ignore[arg-type]

        @rule(actor=ACTORS, pair=pairs)
        def pause_pair(self, actor: Actor, pair: UUID) -> None:
            self.run(lambda: self.app.pause_pair(actor, pair, reason="exams"))

        @rule(actor=ACTORS, pair=pairs)
        def resume_pair(self, actor: Actor, pair: UUID) -> None:
            self.run(lambda: self.app.resume_pair(actor, pair))

        @rule(actor=ACTORS, pair=pairs)
        def close_pair(self, actor: Actor, pair: UUID) -> None:
            self.run(lambda: self.app.close_pair(actor, pair, reason="goals met"))

        # -- referrals

        @rule(
            target=referrals,
            actor=ACTORS,
            case=cases,
            department=departments,
            service=NAMES,
            days=st.integers(min_value=-1, max_value=30),
        )
        def make_referral(self, actor: Actor, case: UUID, department: UUID, service: str, days: int) -> Any:
            respond_by = utc_today() + timedelta(days=days)
            return self.created(
                "referral",
                lambda: self.share_then_refer(actor, case, department, service, respond_by),
            )

        def share_then_refer(self, actor: Actor, case: UUID, department: UUID, service: str, respond_by: Any) -> Any:
            self.app.record_consent(actor, case, scope="all", granted=True, given_by="g", giver="guardian")
            return self.app.make_referral(
                actor, case_id=case, to_department_id=department, service=service, reason="r", respond_by=respond_by
            )

        @rule(actor=ACTORS, referral=referrals)
        def accept_referral(self, actor: Actor, referral: UUID) -> None:
            self.run(lambda: self.app.accept_referral(actor, referral))

        @rule(actor=ACTORS, referral=referrals)
        def decline_referral(self, actor: Actor, referral: UUID) -> None:
            self.run(lambda: self.app.decline_referral(actor, referral, reason="not ours"))

        @rule(actor=ACTORS, referral=referrals)
        def note_referral_progress(self, actor: Actor, referral: UUID) -> None:
            self.run(lambda: self.app.note_referral_progress(actor, referral, note="met"))

        @rule(actor=ACTORS, referral=referrals)
        def complete_referral(self, actor: Actor, referral: UUID) -> None:
            self.run(lambda: self.app.complete_referral(actor, referral, outcome="re-enrolled"))

        @rule(actor=ACTORS, referral=referrals)
        def withdraw_referral(self, actor: Actor, referral: UUID) -> None:
            self.run(lambda: self.app.withdraw_referral(actor, referral, reason="no longer needed"))

        # -- the property: checked once the story is over

        def teardown(self) -> None:
            try:
                if self.live is not None:
                    views_agree_with_the_records(self.app, self.live, self.ids)
                    views_match_a_clean_rebuild(self.app, self.settings, self.live)
            finally:
                if self.live is not None:
                    self.live.close()
                if self.view_store is not None and self.view_store.engine is not getattr(
                    getattr(self.app.recorder, "datastore", None), "engine", None
                ):
                    self.view_store.engine.dispose()
                self.app.close()
                self.drop()

    return Story


@pytest.mark.parametrize("store", STORES)
def test_views_kept_batch_by_batch_equal_a_clean_rebuild(store: str, tmp_path: Path) -> None:
    machine = machine_for(Store(store, tmp_path))
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES[store],
            stateful_step_count=STEPS[store],
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        ),
    )

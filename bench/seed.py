"""Fill an event store quickly with a realistic, valid history: for benchmarks and load tests.

    .venv/bin/python -m bench.seed --events 100000 --database-url sqlite:///var/seed.db
    .venv/bin/python -m bench.seed --events 100000 --database-url postgresql+psycopg2://... --schema bench

`seed(app, events, seed=0)` writes at least `events` events and returns how many it
wrote: a few stations and departments, volunteers (screened, trained, now and then
deactivated and back), and many cases, each a little story run side by side with
the others: risk assessments, a plan, interventions of every kind, consents, mentoring
pairs (with their pair-slot index record, as `match_pair` saves it) holding sessions,
moving goals, pausing, resuming and closing, referrals accepted, declined, noted,
completed and withdrawn, and cases closed and sometimes reopened.

Speed comes from building the records in memory with the domain's own commands (so
every rule holds) and saving the events of many records at once, in the order they
happened: one `app.save` of a few thousand events is one transaction. The history is
the same for the same seed except for ids (uuid4) and timestamps (the clock: an
intervention is dated between its case's opening and now). No snapshots are taken.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate
from pydantic import SecretStr

from application.app import YouthCare
from domain.common import Actor, Role
from domain.mentoring_pair import (
    ActivePairSlot,
    GoalProgress,
    GoalStatus,
    MentoringPair,
    MentoringSession,
    PairStatus,
    SessionMode,
)
from domain.organisation import Department, DepartmentKind, Station, StationKind, StationLevel
from domain.referral import Referral, ReferralStatus
from domain.volunteer import Training, Volunteer, VolunteerKind
from domain.youth_case import (
    CaseCategory,
    CaseSource,
    CaseStatus,
    Consent,
    Gender,
    Intervention,
    InterventionKind,
    PlanGoal,
    RiskAssessment,
    RiskLevel,
    Youth,
    YouthCase,
)
from infrastructure.persistence import create_application
from infrastructure.settings import Settings

ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
COORDINATOR = Actor("coordinator-1", Role.COORDINATOR)
LEAD = Actor("lead-1", Role.STATION_LEAD)  # approves plans and closures

SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Jun", "Yan", "Tao", "Ming", "Xiaoming", "Hui", "Qiang", "Li", "Na"]
TOWNS = ["Chengguan", "Dongcheng", "Xishan", "Nanhu", "Beiyuan", "Qingshui", "Hetang", "Shiqiao", "Longtan", "Baima"]
COURSES = ["Mentoring basics", "Child protection", "First aid", "Listening skills", "Online safety", "Family work"]
GOALS = ["back in class", "no new offence", "reconnect with family", "find an apprenticeship", "stay off the street"]
SERVICES = {
    DepartmentKind.EDUCATION: "school re-entry",
    DepartmentKind.CIVIL_AFFAIRS: "family support allowance",
    DepartmentKind.HEALTH: "psychological assessment",
    DepartmentKind.COURT: "legal guardianship review",
    DepartmentKind.WOMENS_FEDERATION: "parenting course",
    DepartmentKind.YOUTH_LEAGUE: "vocational training place",
    DepartmentKind.SCHOOL: "learning support",
}
INSTRUMENTS = ["screening", "YLS/CMI", "SDQ"]


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class World:
    """Everything the stories share: the organisations, the volunteers, and the events written so far."""

    rng: random.Random
    stations: list[Station] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)
    open_pairs: dict[UUID, int] = field(default_factory=dict)  # volunteer id -> open pairs
    slots: dict[UUID, ActivePairSlot] = field(default_factory=dict)
    staff: dict[UUID, list[Actor]] = field(default_factory=dict)  # station id -> its staff
    department_staff: dict[UUID, Actor] = field(default_factory=dict)
    pending: list[CanMutateAggregate[UUID]] = field(default_factory=list)  # in the order they happened

    def emit(self, *records: Aggregate) -> None:
        """Move the records' new events to the log, in the order given (as one save would)."""
        for record in records:
            self.pending.extend(record.collect_events())

    # -- small random things

    def name(self) -> str:
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(GIVEN)}"

    def days_ago(self, most: int) -> date:
        return _today() - timedelta(days=self.rng.randint(0, most))

    def station_staff(self, station_id: UUID) -> Actor:
        return self.rng.choice(self.staff[station_id])

    def active_stations(self) -> list[Station]:
        return [s for s in self.stations if s.active]

    # -- organisation and volunteers

    def register_stations(self, count: int) -> None:
        district = Station.register(
            actor=ADMIN,
            name="District Youth Care Centre",
            kind=StationKind.YOUTH_CARE_STUDIO,
            level=StationLevel.DISTRICT,
        )
        self._add_station(district)
        for i in range(count - 1):
            kind = self.rng.choice(list(StationKind))
            level = StationLevel.TOWN if i % 3 else StationLevel.VILLAGE
            town = TOWNS[i % len(TOWNS)] + (f" {i // len(TOWNS) + 1}" if i >= len(TOWNS) else "")
            label = kind.value.replace("_", " ").title()
            self._add_station(
                Station.register(actor=ADMIN, name=f"{town} {label}", kind=kind, level=level, parent_id=district.id)
            )

    def _add_station(self, station: Station) -> None:
        self.stations.append(station)
        self.staff[station.id] = [
            Actor(f"officer-{len(self.stations)}-{n}", Role.STATION_STAFF) for n in range(self.rng.randint(2, 4))
        ]
        self.emit(station)

    def register_departments(self, count: int) -> None:
        kinds = list(SERVICES)
        for i in range(count):
            kind = kinds[i % len(kinds)]
            department = Department.register(
                actor=ADMIN, name=f"{kind.value.replace('_', ' ').title()} Office {i + 1}", kind=kind
            )
            self.departments.append(department)
            self.department_staff[department.id] = Actor(f"dept-{i + 1}", Role.DEPARTMENT_STAFF)
            self.emit(department)

    def register_volunteer(self) -> Volunteer:
        rng = self.rng
        volunteer = Volunteer.register(
            actor=COORDINATOR,
            full_name=self.name(),
            kind=rng.choice(list(VolunteerKind)),
            skills=rng.sample(["maths", "chinese", "sports", "music", "law", "counselling", "computers"], 2),
            phone=f"138{rng.randrange(10**8):08d}",
        )
        volunteer.record_screening(actor=COORDINATOR, passed=rng.random() < 0.9, notes="interviewed, references ok")
        for _ in range(rng.randint(0, 3)):
            self.train(volunteer)
        self.volunteers.append(volunteer)
        self.open_pairs[volunteer.id] = 0
        self.emit(volunteer)
        return volunteer

    def train(self, volunteer: Volunteer) -> None:
        training = Training(
            course=self.rng.choice(COURSES),
            completed_on=self.days_ago(700),
            hours=Decimal(self.rng.choice(["2", "4", "6.5", "8", "12"])),
        )
        volunteer.record_training(actor=COORDINATOR, training=training, now=_now())

    def free_mentor(self, case_id: UUID) -> Volunteer | None:
        """An active, screened volunteer with room for one more pair and no open pair with this case."""
        for _ in range(8):
            volunteer = self.rng.choice(self.volunteers)
            slot = self.slots.get(ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer.id))
            if volunteer.may_mentor and self.open_pairs[volunteer.id] < 3 and (slot is None or slot.pair_id is None):
                return volunteer
        return None

    def slot(self, actor: Actor, case_id: UUID, volunteer_id: UUID) -> ActivePairSlot:
        """The pair slot for this case and volunteer: as `MentoringService._slot`, made when first needed."""
        slot_id = ActivePairSlot.create_id(case_id=case_id, volunteer_id=volunteer_id)
        if slot_id not in self.slots:
            self.slots[slot_id] = ActivePairSlot(actor=actor, case_id=case_id, volunteer_id=volunteer_id)
        return self.slots[slot_id]

    def background(self) -> None:
        """Something happening away from the cases: a new volunteer, a course, a rename."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            self.register_volunteer()
        elif roll < 0.7:
            volunteer = rng.choice(self.volunteers)
            if volunteer.active:
                self.train(volunteer)
                self.emit(volunteer)
        elif roll < 0.85:
            volunteer = rng.choice(self.volunteers)
            if volunteer.active and self.open_pairs[volunteer.id] == 0:
                volunteer.deactivate(actor=COORDINATOR)
            elif not volunteer.active:
                volunteer.reactivate(actor=COORDINATOR)
            self.emit(volunteer)
        elif roll < 0.93:
            station = rng.choice(self.active_stations())
            base = station.name.split(" (")[0]
            station.rename(actor=ADMIN, name=f"{base} ({rng.randrange(1000, 10000)})")
            self.emit(station)
        elif roll < 0.94:  # a station or department closes now and then; two of each stay open
            stations = self.active_stations()
            departments = [d for d in self.departments if d.active]
            if len(stations) > 2 and rng.random() < 0.5:
                closing: Station | Department = rng.choice(stations[1:])
            elif len(departments) > 2:
                closing = rng.choice(departments)
            else:
                return
            closing.deactivate(actor=ADMIN)
            self.emit(closing)
        else:
            department = rng.choice(self.departments)
            if department.active:
                department.rename(actor=ADMIN, name=f"{department.name.split(' (')[0]} ({rng.randrange(1000, 10000)})")
                self.emit(department)


# -- one case's story: a generator that takes one step (a few events) per next()


def case_story(world: World) -> Iterator[None]:
    rng = world.rng
    station = rng.choice(world.active_stations())
    worker = world.station_staff(station.id)
    youth = Youth(
        full_name=world.name(),
        date_of_birth=_today() - timedelta(days=rng.randint(8 * 365, 17 * 365)),
        gender=rng.choice([Gender.FEMALE, Gender.MALE, Gender.MALE, Gender.OTHER, Gender.UNKNOWN]),
        guardian_name=world.name(),
        guardian_phone=f"139{rng.randrange(10**8):08d}",
        school=f"{rng.choice(TOWNS)} Middle School" if rng.random() < 0.8 else None,
    )
    case = YouthCase.open(
        actor=worker,
        station_id=station.id,
        youth=youth,
        category=rng.choice(list(CaseCategory)),
        source=rng.choice(list(CaseSource)),
        summary="reported by " + rng.choice(["the school", "a patrol", "the family", "a neighbour", "the youth"]),
        now=_now(),
    )
    world.emit(case)
    yield
    assess(world, case, worker)
    yield
    if rng.random() < 0.85:
        case.submit_plan(actor=worker, goals=[PlanGoal(g) for g in rng.sample(GOALS, rng.randint(1, 3))], now=_now())
        world.emit(case)
        yield
        case.approve_plan(actor=LEAD, note="")
        world.emit(case)
        yield
    case.assign(actor=worker, case_worker_id=worker.user_id)
    world.emit(case)
    yield

    pair: MentoringPair | None = None
    referral: Referral | None = None
    for spell in range(3):  # worked, closed, and now and then reopened
        for _ in range(rng.randint(4, 30) if spell == 0 else rng.randint(2, 8)):
            roll = rng.random()
            if pair is not None and pair.status is not PairStatus.CLOSED and roll < 0.35:
                step_pair(world, pair)
                if pair.status is PairStatus.CLOSED:
                    pair = None
            elif (
                referral is not None
                and referral.status not in (ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN)
                and roll < 0.5
            ):
                step_referral(world, referral)
            elif pair is None and roll < 0.45 and spell == 0:
                pair = match(world, case, worker)
            elif referral is None and roll < 0.5 and world.departments:
                referral = refer(world, case, worker)
            else:
                work_case(world, case, worker)
            yield
        # wind up before closing: the pair ends, an open referral is finished or withdrawn
        if pair is not None:
            close_pair(world, pair, "case closing")
            pair = None
            yield
        if referral is not None and referral.status in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED):
            if referral.status is ReferralStatus.ACCEPTED and rng.random() < 0.7:
                referral.complete(actor=world.department_staff[referral.to_department_id], outcome="service delivered")
            else:
                referral.withdraw(actor=worker, reason="no longer needed")
            world.emit(referral)
            yield
        if rng.random() < 0.3:
            return  # left open: still being worked
        outcome = rng.choice(["goals met", "moved away", "aged out", "transferred"])
        case.submit_closure(actor=worker, outcome=outcome, notes="", now=_now())
        world.emit(case)
        yield
        case.approve_closure(actor=LEAD, note="")
        world.emit(case)
        yield
        if rng.random() > 0.2:
            return
        case.reopen(actor=worker, reason=rng.choice(["new incident", "family asked for help", "school referral"]))
        world.emit(case)
        referral = None
        yield


def assess(world: World, case: YouthCase, worker: Actor) -> None:
    score = world.rng.randint(0, 40)
    level = RiskLevel.LOW if score < 14 else RiskLevel.MEDIUM if score < 28 else RiskLevel.HIGH
    assessment = RiskAssessment(instrument=world.rng.choice(INSTRUMENTS), score=score, level=level, notes="")
    case.assess_risk(actor=worker, assessment=assessment)
    world.emit(case)


def work_case(world: World, case: YouthCase, worker: Actor) -> None:
    """An intervention mostly; now and then a consent or a new risk assessment."""
    rng = world.rng
    roll = rng.random()
    if roll < 0.08:
        assess(world, case, worker)
        return
    if roll < 0.18:
        consent = Consent(
            scope=rng.choice(["share with school", "share with department", "photographs", "home visits"]),
            granted=rng.random() < 0.85,
            given_by=rng.choice(["mother", "father", "grandmother", "guardian"]),
        )
        case.record_consent(actor=worker, consent=consent)
    else:
        now = _now()
        occurred_at = case.created_on + (now - case.created_on) * rng.random()
        intervention = Intervention(
            kind=rng.choice(list(InterventionKind)),
            occurred_at=occurred_at,
            duration_minutes=rng.choice([15, 30, 45, 60, 90, 120]),
            notes=rng.choice(["", "went well", "youth withdrawn", "guardian present", "follow-up agreed"]),
            performed_by=worker.user_id,
        )
        case.log_intervention(actor=worker, intervention=intervention, now=now)
    world.emit(case)


def match(world: World, case: YouthCase, worker: Actor) -> MentoringPair | None:
    """As `match_pair`: an open case, an active screened volunteer, the slot occupied in the same save."""
    volunteer = world.free_mentor(case.id)
    if volunteer is None or case.status is not CaseStatus.OPEN:
        return None
    goals = world.rng.sample(GOALS, world.rng.randint(1, 3))
    pair = MentoringPair.match(
        actor=worker, case_id=case.id, volunteer_id=volunteer.id, goals=goals, started_on=world.days_ago(120)
    )
    slot = world.slot(worker, case.id, volunteer.id)
    slot.occupy(actor=worker, pair_id=pair.id)
    world.open_pairs[volunteer.id] += 1
    world.emit(pair, slot)
    return pair


def step_pair(world: World, pair: MentoringPair) -> None:
    rng = world.rng
    mentor = Actor(f"volunteer-{pair.volunteer_id}", Role.MENTOR)
    roll = rng.random()
    if pair.status is PairStatus.PAUSED:
        if roll < 0.6:
            pair.resume(actor=COORDINATOR)
        elif roll < 0.8:
            close_pair(world, pair, "did not resume")
            return
        else:
            pair.update_goal(actor=mentor, progress=goal_progress(world, pair))
    elif roll < 0.65:
        span = (_today() - pair.started_on).days
        session = MentoringSession(
            held_on=pair.started_on + timedelta(days=rng.randint(0, span)),
            duration_minutes=rng.choice([30, 45, 60, 90]),
            mode=rng.choice(list(SessionMode)),
            notes=rng.choice(["", "homework together", "played basketball", "talked about school"]),
            progress=rng.randint(1, 5),
        )
        # A seeded pair is registered now with a made-up past: its sessions are backfilled.
        pair.log_session(actor=mentor, session=session, now=_now(), backfill_days=span + 1)
    elif roll < 0.88:
        pair.update_goal(actor=mentor, progress=goal_progress(world, pair))
    elif roll < 0.96:
        pair.pause(actor=COORDINATOR, reason=rng.choice(["exams", "mentor travelling", "youth in hospital"]))
    else:
        close_pair(world, pair, "goals met")
        return
    world.emit(pair)


def goal_progress(world: World, pair: MentoringPair) -> GoalProgress:
    goal = world.rng.choice(list(pair.goals))
    status = world.rng.choice([GoalStatus.IN_PROGRESS, GoalStatus.IN_PROGRESS, GoalStatus.ACHIEVED, GoalStatus.DROPPED])
    return GoalProgress(goal=goal, status=status, note="")


def close_pair(world: World, pair: MentoringPair, reason: str) -> None:
    """As `close_pair`: the pair closes and frees its slot in the same save."""
    pair.close(actor=COORDINATOR, reason=reason)
    slot = world.slot(COORDINATOR, pair.case_id, pair.volunteer_id)
    slot.release(actor=COORDINATOR, pair_id=pair.id)
    world.open_pairs[pair.volunteer_id] -= 1
    world.emit(pair, slot)


def refer(world: World, case: YouthCase, worker: Actor) -> Referral | None:
    departments = [d for d in world.departments if d.active]
    if not departments or case.status is not CaseStatus.OPEN:
        return None
    department = world.rng.choice(departments)
    today = _today()
    referral = Referral.make(
        actor=worker,
        case_id=case.id,
        from_station_id=case.station_id,
        to_department_id=department.id,
        service=SERVICES.get(department.kind, "assessment"),
        reason=world.rng.choice(["needs support we cannot give", "asked by the family", "court order"]),
        respond_by=today + timedelta(days=world.rng.randint(7, 30)),
        today=today,
    )
    world.emit(referral)
    return referral


def step_referral(world: World, referral: Referral) -> None:
    rng = world.rng
    clerk = world.department_staff[referral.to_department_id]
    roll = rng.random()
    if referral.status is ReferralStatus.PENDING:
        if roll < 0.6:
            referral.accept(actor=clerk)
        elif roll < 0.75:
            referral.decline(actor=clerk, reason=rng.choice(["out of scope", "no capacity", "wrong district"]))
        elif roll < 0.92:
            referral.note_progress(actor=clerk, note="received, under review")
        else:
            referral.withdraw(actor=COORDINATOR, reason="family declined")
    elif roll < 0.6:
        referral.note_progress(actor=clerk, note=rng.choice(["first meeting held", "assessment done", "place offered"]))
    elif roll < 0.92:
        referral.complete(actor=clerk, outcome=rng.choice(["back at school", "place taken up", "assessment sent"]))
    else:
        referral.withdraw(actor=COORDINATOR, reason="youth moved away")
    world.emit(referral)


# -- the generator


def seed(app: YouthCare, events: int, *, seed: int = 0, batch_events: int = 2000, side_by_side: int = 100) -> int:
    """Write at least `events` events of a realistic history to `app`'s store; return how many.

    `side_by_side` cases are worked at once, their steps interleaved at random; the
    events are saved `batch_events` or so at a time, in one transaction each.
    """
    world = World(random.Random(seed))
    written = 0

    def flush() -> None:
        nonlocal written
        if world.pending:
            written += len(app.save(*world.pending))
            world.pending.clear()

    world.register_stations(min(12, 3 + events // 25_000))
    world.register_departments(min(10, 4 + events // 25_000))
    for _ in range(max(8, events // 400)):
        world.register_volunteer()
    stories: list[Iterator[None]] = []
    while written + len(world.pending) < events:
        while len(stories) < side_by_side:
            stories.append(case_story(world))
        if world.rng.random() < 0.01:
            world.background()
        index = world.rng.randrange(len(stories))
        try:
            next(stories[index])
        except StopIteration:
            stories[index] = stories[-1]
            stories.pop()
        if len(world.pending) >= batch_events:
            flush()
    flush()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, required=True, help="write at least this many events")
    parser.add_argument("--database-url", required=True, help="sqlite:///PATH or postgresql+psycopg2://...")
    parser.add_argument("--schema", help="PostgreSQL schema (made if missing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-events", type=int, default=2000, help="events per save (one transaction)")
    args = parser.parse_args()
    settings = Settings(database_url=SecretStr(args.database_url), database_schema=args.schema)
    app = create_application(settings)
    try:
        started = time.perf_counter()
        written = seed(app, args.events, seed=args.seed, batch_events=args.batch_events)
        elapsed = time.perf_counter() - started
    finally:
        app.close()
    print(f"{written:,} events written in {elapsed:.1f} s ({written / elapsed:,.0f} events/s)")


if __name__ == "__main__":
    main()

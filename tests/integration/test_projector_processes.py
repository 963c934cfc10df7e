"""The projector as it runs in production, on PostgreSQL: killed part-way, and two at once.

Each test seeds a fresh schema (bench.seed), runs `youthcare projector` processes or
`Projector` instances against it, and ends by comparing every view with a clean
rebuild of the same log into a private in-memory store: same rows, nothing applied
twice, nothing skipped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from application.app import YouthCare
from application.views import VIEWS
from application.views.base import View, event_class
from bench.seed import seed
from domain.common import Actor, Role
from domain.organisation import StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource, InterventionKind, YouthCase
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.integration.test_application import close_case

pytestmark = pytest.mark.postgres

YOUTHCARE = Path(sys.executable).with_name("youthcare")
CRASH_EVENTS = 50_000
STAFF = Actor("officer-li", Role.STATION_STAFF)
INTERVENTION_LOGGED = get_topic(event_class(YouthCase, "InterventionLogged"))


# -- processes -----------------------------------------------------------------------


class Projectors:
    """`youthcare projector` processes of one test; whatever is still running at the end is killed."""

    def __init__(self, url: str, schema: str, folder: Path) -> None:
        self.url, self.schema, self.folder = url, schema, folder
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, **settings: str) -> subprocess.Popen[bytes]:
        env = {key: item for key, item in os.environ.items() if not key.startswith("YOUTHCARE_")}
        env.update(
            YOUTHCARE_DATABASE_URL=self.url,
            YOUTHCARE_DATABASE_SCHEMA=self.schema,
            YOUTHCARE_PROJECTOR_IDLE_SECONDS="0.5",
            **{f"YOUTHCARE_{key.upper()}": item for key, item in settings.items()},
        )
        log = self.folder / f"projector-{len(self.started) + 1}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(YOUTHCARE), "projector"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((process, log))
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return next(log for started, log in self.started if started is process).read_text(errors="replace")

    def check_alive(self) -> None:
        for process, log in self.started:
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                pytest.fail(f"projector {process.pid} exited with {process.returncode}:\n{log.read_text()[-4000:]}")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the projector (its whole process group): no cleanup, no rollback but the database's."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def terminate(self, process: subprocess.Popen[bytes]) -> int:
        """Stop it as an operator would; its exit status."""
        process.send_signal(signal.SIGTERM)
        return process.wait(30)

    def kill_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@pytest.fixture
def projectors(pg_schema: tuple[str, str], tmp_path: Path) -> Iterator[Projectors]:
    """Depends on pg_schema, so the processes are killed before the schema is dropped."""
    started = Projectors(*pg_schema, tmp_path)
    try:
        yield started
    finally:
        started.kill_all()


@pytest.fixture
def settings(pg_schema: tuple[str, str]) -> Settings:
    url, schema = pg_schema
    return Settings(database_url=SecretStr(url), database_schema=schema)


@pytest.fixture
def app(settings: Settings) -> Iterator[YouthCare]:
    application = create_application(settings)
    yield application
    application.close()


@pytest.fixture
def engine(pg_schema: tuple[str, str]) -> Iterator[Engine]:
    """A plain connection to the test's database, for looking at the tables from outside."""
    made = create_engine(pg_schema[0], poolclass=NullPool)
    yield made
    made.dispose()


# -- looking at the database ---------------------------------------------------------


def positions(engine: Engine, schema: str) -> dict[str, int]:
    """Each view's tracked position, as the projectors committed it ({} before the table exists)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f'SELECT "view", position FROM "{schema}".youthcare_projections')).all()
    except ProgrammingError:  # no tracking table yet
        return {}
    return {row.view: int(row.position) for row in rows}


def count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def head(app: YouthCare) -> int:
    return app.recorder.max_notification_id() or 0


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, check: Callable[[], None] | None = None
) -> float:
    """Poll `condition` until true; fail after `timeout` s. Returns the seconds waited."""
    started = time.monotonic()
    while not condition():
        if check is not None:
            check()
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def all_at(engine: Engine, schema: str, app: YouthCare, views: list[View]) -> Callable[[], bool]:
    def reached() -> bool:
        found = positions(engine, schema)
        target = head(app)
        return all(found.get(view.name) == target for view in views)

    return reached


def clean_rebuild(app: YouthCare, settings: Settings) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Every view built from scratch from the same log, in a private in-memory store."""
    store = ViewStore(app, settings, private=True)
    projector = Projector(app, store)
    dumps = {}
    for view in projector.views:
        projector.rebuild(view)
        with store.reading() as conn:
            dumps[view.name] = view.dump(conn)
    store.engine.dispose()
    return dumps


def live_dumps(app: YouthCare, settings: Settings, views: list[View]) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    store = ViewStore(app, settings)
    with store.reading() as conn:
        return {view.name: view.dump(conn) for view in views}


def assert_same_views(
    live: dict[str, dict[str, list[tuple[Any, ...]]]], clean: dict[str, dict[str, list[tuple[Any, ...]]]]
) -> None:
    """Table by table, with a short message rather than a diff of 100,000 rows."""
    assert live.keys() == clean.keys()
    for view, tables in clean.items():
        assert live[view].keys() == tables.keys(), view
        for table, rows in tables.items():
            got = live[view][table]
            if got != rows:
                got_set, rows_set = set(got), set(rows)
                missing = [row for row in rows if row not in got_set][:3]
                extra = [row for row in got if row not in rows_set][:3]
                pytest.fail(
                    f"{view}.{table}: {len(got)} rows live, {len(rows)} in a clean rebuild; "
                    f"missing e.g. {missing}; extra e.g. {extra}"
                )


def assert_counted_once(engine: Engine, schema: str) -> None:
    """The counters the views keep match the log: nothing applied twice or skipped."""
    events = count(engine, f'SELECT count(*) FROM "{schema}".youthcare_events')
    assert count(engine, f'SELECT count(*) FROM "{schema}".audit_trail') == events
    interventions = count(
        engine, f'SELECT count(*) FROM "{schema}".youthcare_events WHERE topic = :t', t=INTERVENTION_LOGGED
    )
    assert interventions > 0
    assert count(engine, f'SELECT coalesce(sum(interventions), 0) FROM "{schema}".casework_cases') == interventions
    assert count(engine, f'SELECT count(*) FROM "{schema}".casework_interventions') == interventions


def work_through_commands(app: YouthCare, cases: int) -> int:
    """Ordinary commands, one save each (and one NOTIFY each): cases opened and worked."""
    station = app.register_station(
        STAFF, name="Nanhu Care Station", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN
    ).id
    youth = {"full_name": "Zhang Xiaoming", "date_of_birth": date(2011, 5, 2), "gender": "male"}
    written = 1
    for n in range(cases):
        case_id = app.open_case(
            STAFF,
            station_id=station,
            youth=youth,
            category=CaseCategory.TRUANCY,
            source=CaseSource.SCHOOL,
            summary=f"case {n}",
        ).id
        for _ in range(3):
            app.log_intervention(
                STAFF,
                case_id,
                kind=InterventionKind.HOME_VISIT,
                occurred_at=datetime.now(timezone.utc),
                duration_minutes=30,
                notes="",
                performed_by="officer-li",
            )
        close_case(app, case_id, outcome="back in class")
        written += 7  # opened, three interventions, closure submitted, approved and closed
    return written


# -- the tests -----------------------------------------------------------------------


def test_a_projector_killed_part_way_resumes_after_restart_and_ends_equal_to_a_clean_rebuild(
    pg_schema: tuple[str, str], settings: Settings, app: YouthCare, engine: Engine, projectors: Projectors
) -> None:
    _, schema = pg_schema
    assert seed(app, CRASH_EVENTS) >= CRASH_EVENTS
    end = head(app)
    views = [view_class() for view_class in VIEWS]

    def part_way() -> bool:
        return any(2_000 < p < end for p in positions(engine, schema).values())

    first = projectors.start()
    wait_until(part_way, timeout=60, what="a view is part-way", check=projectors.check_alive)
    projectors.kill(first)
    assert first.returncode == -signal.SIGKILL

    at_kill = positions(engine, schema)
    assert any(2_000 < p < end for p in at_kill.values()), at_kill
    assert "audit_trail" in at_kill
    # What committed is whole batches: the trail holds exactly the events up to its position
    # (the seeded log's ids run from 1 without gaps).
    assert count(engine, f'SELECT count(*) FROM "{schema}".audit_trail') == at_kill["audit_trail"]
    assert count(engine, f'SELECT coalesce(max(position), 0) FROM "{schema}".audit_trail') == at_kill["audit_trail"]

    second = projectors.start()
    clean = clean_rebuild(app, settings)  # meanwhile, from the same (unchanging) log
    # ~100 s here (2 CPUs): the PostgreSQL projector applies ~1,400 events/s per view. The
    # bound only stops a hang; the rate itself is bench.rebuild's business.
    wait_until(
        all_at(engine, schema, app, views), timeout=180, what="every view is at the head", check=projectors.check_alive
    )
    assert projectors.terminate(second) == 0, projectors.log(second)[-4000:]

    assert positions(engine, schema) == {view.name: end for view in views}
    assert head(app) == end
    assert_same_views(live_dumps(app, settings, views), clean)
    assert_counted_once(engine, schema)
    assert "Traceback" not in projectors.log(second), projectors.log(second)[-4000:]


def test_two_projector_processes_on_one_schema_apply_every_event_once_while_commands_write(
    pg_schema: tuple[str, str], settings: Settings, app: YouthCare, engine: Engine, projectors: Projectors
) -> None:
    _, schema = pg_schema
    seed(app, 20_000)
    views = [view_class() for view_class in VIEWS]
    # The tracking table made first: two projectors making it at once race (UniqueViolation; reported).
    Projector(app, ViewStore(app, settings))

    one = projectors.start(projector_batch_size="500")
    two = projectors.start(projector_batch_size="200")
    for round_ in range(4):  # more events while they run: bulk saves and single commands
        seed(app, 2_000, seed=round_ + 1)
        work_through_commands(app, 10)
        projectors.check_alive()
    clean = clean_rebuild(app, settings)

    wait_until(
        all_at(engine, schema, app, views), timeout=180, what="every view is at the head", check=projectors.check_alive
    )
    time.sleep(1.0)  # idle at the head, and staying there
    assert all_at(engine, schema, app, views)()
    assert one.poll() is None and two.poll() is None, "both projectors still running"
    assert projectors.terminate(one) == 0, projectors.log(one)[-4000:]
    assert projectors.terminate(two) == 0, projectors.log(two)[-4000:]

    assert_same_views(live_dumps(app, settings, views), clean)
    assert_counted_once(engine, schema)
    for process in (one, two):
        assert "Traceback" not in projectors.log(process), projectors.log(process)[-4000:]


def run_side_by_side(workers: list[Callable[[], None]]) -> None:
    """Run the callables in threads started together; re-raise the first failure."""
    barrier = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as error:  # noqa: BLE001  reported by the test thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if failures:
        raise failures[0]


def test_two_projectors_in_threads_sharing_only_the_database_apply_every_event_once(
    pg_schema: tuple[str, str], settings: Settings, app: YouthCare, engine: Engine
) -> None:
    _, schema = pg_schema
    seed(app, 8_000)
    apps = [create_application(settings), create_application(settings)]
    try:
        runners = [
            Projector(apps[0], ViewStore(apps[0], settings), batch_size=300),
            Projector(apps[1], ViewStore(apps[1], settings), batch_size=700),
        ]
        writing = threading.Event()
        writing.set()
        won = [0, 0]

        def write() -> None:
            try:
                for round_ in range(3):
                    seed(app, 1_500, seed=round_ + 1)
                    work_through_commands(app, 5)
            finally:
                writing.clear()

        def project(which: int) -> Callable[[], None]:
            runner = runners[which]

            def work() -> None:
                # Until the writer is done and every view is at the head; in opposite view orders.
                while writing.is_set() or not all(runner.position(v.name) == head(app) for v in runner.views):
                    for view in runner.views[:: 1 if which == 0 else -1]:
                        won[which] += runner.run_view_once(view)
                    time.sleep(0.01)  # each try opens a lock connection: do not hammer the server

            return work

        run_side_by_side([write, project(0), project(1)])

        assert sum(won) > 0
        assert positions(engine, schema) == {view.name: head(app) for view in runners[0].views}
        assert_same_views(live_dumps(app, settings, runners[0].views), clean_rebuild(app, settings))
        assert_counted_once(engine, schema)
    finally:
        for made in apps:
            made.close()


def test_two_runners_past_the_lock_on_one_view_still_apply_every_event_once(
    pg_schema: tuple[str, str], settings: Settings, app: YouthCare, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The conditional move of the position alone: catch_up from two threads, no view lock taken."""
    _, schema = pg_schema
    seed(app, 4_000)
    apps = [create_application(settings), create_application(settings)]
    try:
        runners = [
            Projector(apps[0], ViewStore(apps[0], settings), batch_size=100),
            Projector(apps[1], ViewStore(apps[1], settings), batch_size=150),
        ]
        for view in runners[0].views:
            runners[0].reset(view)
        end = head(app)
        conflicts = [0, 0]

        def project(which: int) -> Callable[[], None]:
            runner = runners[which]

            def work() -> None:
                for view in runner.views:
                    while runner.position(view.name) < end:
                        try:
                            runner.catch_up(view)
                        except PersistenceError:  # the other runner committed the same events first
                            conflicts[which] += 1

            return work

        with caplog.at_level(logging.WARNING, logger="infrastructure.projector"):
            run_side_by_side([project(0), project(1)])

        moved = sum("moved by another runner" in record.getMessage() for record in caplog.records)
        assert sum(conflicts) + moved > 0, "the two runners never collided: the test proved nothing"
        assert positions(engine, schema) == {view.name: end for view in runners[0].views}
        assert_same_views(live_dumps(app, settings, runners[0].views), clean_rebuild(app, settings))
        assert_counted_once(engine, schema)
    finally:
        for made in apps:
            made.close()


def test_processes_starting_together_on_a_fresh_schema_all_start(settings: Settings) -> None:
    """The API and a projector from one compose file start at once: neither may die creating tables."""
    starting = threading.Barrier(3)
    made: list[YouthCare] = []
    failures: list[BaseException] = []

    def start() -> None:
        try:
            starting.wait()
            app = create_application(settings)
            made.append(app)
            Projector(app, ViewStore(app, settings)).close()
        except BaseException as error:  # noqa: BLE001  reported below
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in made:
        app.close()

    assert failures == []
    assert len(made) == 3


def test_gaps_in_notification_ids_are_read_past_without_stalling(
    pg_schema: tuple[str, str], settings: Settings, app: YouthCare, engine: Engine
) -> None:
    """A write that rolls back after taking an id leaves a hole in the ids for good."""
    _, schema = pg_schema
    work_through_commands(app, 2)
    runner = Projector(app, ViewStore(app, settings), batch_size=3)
    try:
        runner.run_view_once(runner.views[0])
        with engine.begin() as conn:  # ids are taken from the sequence and never given back
            conn.execute(text(f"SELECT nextval('\"{schema}\".youthcare_events_id_seq') FROM generate_series(1, 5)"))
        before_gap = head(app)
        work_through_commands(app, 2)
        for view in runner.views:
            runner.run_view_once(view)

        ids = [n.id for n in app.recorder.select_notifications(0, limit=10_000, inclusive_of_start=False)]
        assert ids[ids.index(before_gap) + 1] > before_gap + 1, "no gap was made: the test proves nothing"
        assert positions(engine, schema) == {view.name: head(app) for view in runner.views}
        with engine.connect() as conn:
            trail_positions = conn.execute(text(f'SELECT position FROM "{schema}".audit_trail ORDER BY 1')).scalars()
            assert list(trail_positions) == ids
    finally:
        runner.close()

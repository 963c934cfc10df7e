"""Stopping the projector: between batches, within its bound, and nothing of a batch it could not
finish is kept; as `youthcare projector` on SIGTERM, and as the API process's thread."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text

from application.app import YouthCare
from application.views import VIEWS
from bench.seed import seed
from infrastructure.projector import Projector, ProjectorThread
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.integration import test_projector_processes as processes
from tests.integration.test_projector_processes import (
    Projectors,
    all_at,
    assert_counted_once,
    count,
    head,
    positions,
    wait_until,
)

# The fixtures of the projector process tests, made here by the same names.
app, settings, engine, projectors = processes.app, processes.settings, processes.engine, processes.projectors

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BATCH = 200
STOP_SECONDS = 2.0


@contextmanager
def trail_locked(engine: Engine, schema: str) -> Iterator[None]:
    """Hold the audit trail's table so that no batch of its view can write until released."""
    with engine.connect() as conn:
        conn.execute(text(f'LOCK TABLE "{schema}".audit_trail IN ACCESS EXCLUSIVE MODE'))
        try:
            yield
        finally:
            conn.rollback()


def running(projectors: Projectors, process: subprocess.Popen[bytes]) -> Callable[[], None]:
    """A check for wait_until: fail at once if `process` has ended (others may have, on purpose)."""

    def check() -> None:
        if process.poll() is not None:
            pytest.fail(f"projector exited with {process.returncode}:\n{projectors.log(process)[-3000:]}")

    return check


def waiting_on_the_trail(engine: Engine, schema: str) -> bool:
    """Whether someone waits for the audit trail's table (the projector, mid-batch)."""
    return bool(
        count(
            engine,
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass(:table)",
            table=f'"{schema}".audit_trail',
        )
    )


def test_sigterm_stops_the_projector_process_between_batches_and_a_restart_carries_on(
    pg_schema: tuple[str, str], app: YouthCare, engine: Engine, projectors: Projectors
) -> None:
    _, schema = pg_schema
    seed(app, 6_000)
    end = head(app)

    first = projectors.start(projector_batch_size=str(BATCH))
    wait_until(
        lambda: any(2 * BATCH < p < end for p in positions(engine, schema).values()),
        timeout=60,
        what="a view is part-way",
        check=projectors.check_alive,
    )
    first.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    status = first.wait(30)
    took = time.monotonic() - signalled

    at_stop = positions(engine, schema)
    print(f"\nprojector SIGTERM: exit {status} after {took:.2f} s; positions {at_stop} of {end}")
    assert status == 0, projectors.log(first)[-3000:]
    assert took < Settings().projector_stop_seconds
    assert any(p < end for p in at_stop.values()), "stopped part-way, or the test proved nothing"
    # The seeded log's ids run from 1 without gaps, so a view that stopped between batches sits on
    # a multiple of the batch size (or at the head), and the trail holds exactly the events up to it.
    assert all(p % BATCH == 0 or p == end for p in at_stop.values()), at_stop
    trail = at_stop.get("audit_trail", 0)
    assert count(engine, f'SELECT count(*) FROM "{schema}".audit_trail') == trail
    assert "projector stopped between batches" in projectors.log(first)

    second = projectors.start(projector_batch_size=str(BATCH))
    wait_until(
        all_at(engine, schema, app, [view_class() for view_class in VIEWS]),
        timeout=120,
        what="every view is at the head",
        check=running(projectors, second),
    )
    assert projectors.terminate(second) == 0
    assert_counted_once(engine, schema)
    for process in (first, second):
        assert "Traceback" not in projectors.log(process), projectors.log(process)[-3000:]


def test_a_projector_process_whose_batch_cannot_finish_exits_within_its_bound_keeping_none_of_it(
    pg_schema: tuple[str, str], app: YouthCare, engine: Engine, projectors: Projectors
) -> None:
    _, schema = pg_schema
    seed(app, 1_000)
    process = projectors.start(projector_stop_seconds=str(STOP_SECONDS))
    wait_until(
        lambda: positions(engine, schema).get("audit_trail") == head(app),
        timeout=60,
        what="the trail is at the head",
        check=projectors.check_alive,
    )
    before = positions(engine, schema)["audit_trail"]

    with trail_locked(engine, schema):
        seed(app, 300, seed=1)  # more to apply; the trail's batch waits for the table
        wait_until(lambda: waiting_on_the_trail(engine, schema), timeout=30, what="the projector waits mid-batch")
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        status = process.wait(30)
        took = time.monotonic() - signalled
    time.sleep(1.0)  # the table is free again: the abandoned batch had its chance to commit

    print(f"\nprojector SIGTERM mid-batch: exit {status} after {took:.2f} s (bound {STOP_SECONDS} s)")
    assert status == 1, projectors.log(process)[-3000:]
    assert STOP_SECONDS <= took < STOP_SECONDS + 3
    assert "did not stop within" in projectors.log(process)
    assert positions(engine, schema)["audit_trail"] == before, "none of the unfinished batch was kept"
    assert count(engine, f'SELECT count(*) FROM "{schema}".audit_trail') == before

    again = projectors.start()
    wait_until(
        lambda: positions(engine, schema).get("audit_trail") == head(app),
        timeout=60,
        what="the trail is at the head again",
        check=running(projectors, again),
    )
    assert projectors.terminate(again) == 0
    assert_counted_once(engine, schema)


def test_the_projector_thread_stops_within_its_bound_and_its_batch_then_commits_whole(
    pg_schema: tuple[str, str], app: YouthCare, settings: Settings, engine: Engine
) -> None:
    """In the API process: `stop` returns within its bound even when a batch is stuck; the batch,
    once it can go on, commits whole (or, if the process has ended, not at all)."""
    _, schema = pg_schema
    seed(app, 500)
    projector = Projector(app, ViewStore(app, settings), batch_size=BATCH)
    for view in projector.views:
        projector.run_view_once(view)
    before = projector.position("audit_trail")
    runner = ProjectorThread(projector, idle_timeout=0.2, stop_timeout=STOP_SECONDS)
    try:
        with trail_locked(engine, schema):
            runner.start()
            seed(app, 300, seed=1)
            wait_until(lambda: waiting_on_the_trail(engine, schema), timeout=30, what="the thread waits mid-batch")
            asked = time.monotonic()
            assert runner.stop() is False
            assert STOP_SECONDS <= time.monotonic() - asked < STOP_SECONDS + 1
            assert projector.position("audit_trail") == before
        wait_until(lambda: not runner.is_alive(), timeout=30, what="the thread ends")
        after = projector.position("audit_trail")
        assert after == min(before + BATCH, head(app)), "its batch went on, whole, and it stopped after it"
        with engine.connect() as conn:
            rows = conn.execute(text(f'SELECT count(*) FROM "{schema}".audit_trail WHERE position <= :p'), {"p": after})
            assert rows.scalar_one() == count(
                engine, f'SELECT count(*) FROM "{schema}".youthcare_events WHERE id <= :p', p=after
            )
    finally:
        projector.close()

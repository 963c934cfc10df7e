"""SIGTERM to the server as `make run` starts it: the requests under way finish, new connections
are refused, the embedded projector stops between batches, and the process is gone in bounded time."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.faults import (
    Service,
    Tally,
    intervention,
    open_cases,
    read_back,
    report,
    view_state,
)
from tests.e2e.story import ACCESS_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GRACE = 10  # the Makefile's GRACE: seconds uvicorn gives the requests under way
PROJECTOR_STOP = 5  # YOUTHCARE_PROJECTOR_STOP_SECONDS' default
LOADERS = 4


def _trickled(base_url: str, headers: dict[str, str], case_id: str, note: str, pause: float, half: threading.Event):
    """A write whose body arrives in two halves, `pause` seconds apart: under way for that long."""
    body = json.dumps(intervention(note)).encode()

    def halves() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        half.set()
        time.sleep(pause)
        yield body[len(body) // 2 :]

    return httpx.post(
        f"{base_url}/cases/{case_id}/interventions",
        content=halves(),
        headers={**headers, "Content-Type": "application/json", "Content-Length": str(len(body))},
        timeout=GRACE + 30,
    )


def _load(service: Service, tally: Tally, case_ids: list[str], headers: dict[str, str], worker: int) -> None:
    """Writes one after another until the server stops answering."""
    with httpx.Client(base_url=service.base_url, headers=headers, timeout=30) as client:
        n = 0
        while tally.post(client, case_ids[worker % len(case_ids)], f"load {worker} {n}") is not None:
            n += 1


def _refused_within(base_url: str, seconds: float) -> bool:
    """Whether a new connection is refused within `seconds` (answered ones before that are fine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/healthz", timeout=1)
        except httpx.ConnectError:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_lets_requests_under_way_finish_refuses_new_connections_and_exits_in_bounded_time(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shutdown.db'}"
    service = Service({"YOUTHCARE_DATABASE_URL": url, **ACCESS_ENV}, tmp_path)
    try:
        service.start()
        case_ids, headers = open_cases(service.base_url, 2)
        tally, half = Tally(), threading.Event()
        slow = threading.Thread(
            target=lambda: tally.send(
                "slow", lambda: _trickled(service.base_url, headers, case_ids[0], "slow", 5.0, half)
            )
        )
        loaders = [threading.Thread(target=_load, args=(service, tally, case_ids, headers, n)) for n in range(LOADERS)]
        for thread in (slow, *loaders):
            thread.start()
        assert half.wait(10)
        time.sleep(0.5)  # the load is running; the slow write is half sent
        sent_before = tally.sent

        os.kill(service.server_pid(), signal.SIGTERM)
        signalled = time.monotonic()
        refused = _refused_within(service.base_url, 3.0)
        assert refused and slow.is_alive(), "new connections are refused while the slow write is under way"
        for thread in (slow, *loaders):
            thread.join(GRACE + 30)
        assert service.process is not None
        status = service.process.wait(GRACE + PROJECTOR_STOP + 10)
        took = time.monotonic() - signalled
        log = service.log()
        stopped = view_state(url)

        service.start()
        back = read_back(service, url, headers, case_ids)
    finally:
        service.close()

    stored = back.stored
    figures = tally.figures(stored) | {"exit_seconds": round(took, 2), "make_status": status, "before": sent_before}
    report("sigterm", figures, tmp_path)
    assert tally.statuses and all(200 <= code < 300 for code in tally.statuses), tally.statuses
    assert "slow" in tally.acknowledged, "the write under way at SIGTERM was answered"
    assert took < GRACE, "nothing was stuck, so it did not need the whole grace"
    # uvicorn ends by the signal it was sent (after a clean shutdown), and make says so: status 2.
    assert status == 2 and "] Terminated" in log, (status, log[-500:])
    assert "Application shutdown complete" in log and "projector stopped between batches" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert stopped.trail_whole, stopped  # the projector left no batch half applied
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["unanswered_but_stored"] == 0, "a request cut off was no request under way"
    assert set(stored) == set(tally.acknowledged)
    back.assert_converged()


def test_a_request_stuck_past_the_grace_does_not_hold_the_server_up(tmp_path: Path) -> None:
    """A body that never finishes: after GRACE seconds uvicorn gives up on it, and the process ends."""
    grace = 2
    url = f"sqlite:///{tmp_path / 'stuck.db'}"
    service = Service({"YOUTHCARE_DATABASE_URL": url, **ACCESS_ENV}, tmp_path, make_args=[f"GRACE={grace}"])
    try:
        service.start()
        case_ids, headers = open_cases(service.base_url, 1)
        half, answers = threading.Event(), Tally()
        stuck = threading.Thread(
            target=lambda: answers.send(
                "stuck", lambda: _trickled(service.base_url, headers, case_ids[0], "stuck", 60.0, half)
            ),
            daemon=True,  # its sender sleeps on after the server is gone
        )
        stuck.start()
        assert half.wait(10)

        os.kill(service.server_pid(), signal.SIGTERM)
        signalled = time.monotonic()
        assert service.process is not None
        status = service.process.wait(grace + PROJECTOR_STOP + 10)
        took = time.monotonic() - signalled
        log = service.log()
    finally:
        service.close()

    report("sigterm_stuck", {"grace": grace, "exit_seconds": round(took, 2), "make_status": status}, tmp_path)
    assert grace <= took < grace + 3, took
    assert status == 2 and "] Terminated" in log, (status, log[-500:])
    assert "timeout graceful shutdown exceeded" in log and "Application shutdown complete" in log, log[-3000:]

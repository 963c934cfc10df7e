"""The service as production runs it on PostgreSQL (`make run`, the image): several uvicorn worker
processes and `youthcare projector` in a process of its own, under one supervisor, over real HTTP.

Many clients write at once; every acknowledged write is stored once, the audit trail catches up
by LISTEN/NOTIFY (the projector's idle poll is set far longer than the test waits), GET /metrics
counts every worker's requests whichever worker answers the scrape, and one SIGTERM stops every
process within the grace period.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import postgres_url
from tests.e2e.faults import Service, Tally, fresh_database, open_cases, read_back, report, view_state
from tests.e2e.server import descendants
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]

WORKERS = 2
CLIENTS = 16
WRITES = 10  # each client's
CASES = 4
GRACE = 10  # the Makefile's
CATCH_UP = 5.0  # seconds the audit trail may take to reach the last write (the idle poll is 120 s)


PROJECTOR_STARTS = 30  # seconds: how long after the workers answer the projector process may take to appear


def _shape(supervisor: int) -> dict[str, list[int]]:
    """The processes under the supervisor, by what they are."""
    shape: dict[str, list[int]] = {"uvicorn": [], "workers": [], "projector": []}
    for pid, command in descendants(supervisor).items():
        if "-m uvicorn" in command:
            shape["uvicorn"].append(pid)
        elif "multiprocessing.spawn" in command:
            shape["workers"].append(pid)
        elif command.endswith("api.cli projector"):
            shape["projector"].append(pid)
    return shape


def _running(pids: set[int]) -> list[int]:
    """Those of `pids` still running (a zombie has ended)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running


def _write(base_url: str, headers: dict[str, str], tally: Tally, case_ids: list[str], client: int) -> None:
    """One client's writes, each on a connection of its own, so that both workers take some."""
    for n in range(WRITES):
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
            tally.post(http, case_ids[(client + n) % len(case_ids)], f"client {client} write {n}")


def _counted(base_url: str, admin: dict[str, str]) -> tuple[float, float]:
    """What one scrape (on a connection of its own) says: interventions logged, and answered 200."""
    text = httpx.get(f"{base_url}/metrics", headers=admin, timeout=30).text
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    commands = samples.get(
        ("youthcare_commands_total", frozenset({"command": "log_intervention", "outcome": "success"}.items())), 0.0
    )
    route = {"method": "POST", "route": "/cases/{case_id}/interventions", "status": "200"}
    return commands, samples.get(("youthcare_http_requests_total", frozenset(route.items())), 0.0)


def test_several_workers_and_a_projector_process_store_each_write_once_count_them_all_and_stop_on_one_sigterm(
    tmp_path: Path,
) -> None:
    with fresh_database(postgres_url()) as url:
        env = {
            "YOUTHCARE_DATABASE_URL": url,
            "YOUTHCARE_WORKERS": str(WORKERS),
            "YOUTHCARE_PROJECTOR_IDLE_SECONDS": "120",
            "YOUTHCARE_LOG_FORMAT": "plain",
            **ACCESS_ENV,
        }
        service = Service(env, tmp_path)
        try:
            service.start()
            supervisor = service.server_pid()
            shape = _shape(supervisor)
            started = time.monotonic()  # the supervisor starts the projector once a worker answers
            while not shape["projector"] and time.monotonic() - started < PROJECTOR_STARTS:
                time.sleep(0.1)
                shape = _shape(supervisor)
            case_ids, headers = open_cases(service.base_url, CASES)
            tally = Tally()
            clients = [
                threading.Thread(target=_write, args=(service.base_url, headers, tally, case_ids, n))
                for n in range(CLIENTS)
            ]
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join(300)
            last = max(position for position, _ in tally.acknowledged.values())
            written = time.monotonic()
            while view_state(url).positions.get("audit_trail", 0) < last and time.monotonic() - written < CATCH_UP:
                time.sleep(0.02)
            caught_up = time.monotonic() - written
            back = read_back(service, url, headers, case_ids)
            admin = {"Authorization": f"Bearer {sign_in(service.base_url, 'admin', ADMIN_PASSWORD)}"}
            scrapes = [_counted(service.base_url, admin) for _ in range(8)]

            everyone = set(descendants(supervisor)) | {supervisor}
            assert service.process is not None
            os.kill(supervisor, signal.SIGTERM)
            signalled = time.monotonic()
            status = service.process.wait(GRACE + 20)
            while (left := _running(everyone)) and time.monotonic() - signalled < GRACE:
                time.sleep(0.05)  # multiprocessing's resource tracker ends just after its parent
            took = time.monotonic() - signalled
            log = service.log()
        finally:
            service.close()

    stored = back.stored
    figures = tally.figures(stored) | {
        "workers": len(shape["workers"]),
        "audit_trail_caught_up_seconds": round(caught_up, 3),
        "scrapes": sorted(set(scrapes)),
        "exit_seconds": round(took, 2),
    }
    report("several_workers", figures, tmp_path)
    assert len(shape["uvicorn"]) == 1 and len(shape["workers"]) == WORKERS and len(shape["projector"]) == 1, shape
    assert tally.statuses == {200: CLIENTS * WRITES}, tally.statuses
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert set(stored) == set(tally.acknowledged)
    back.assert_converged()
    assert caught_up < CATCH_UP, "the projector in its own process was woken by the writes, not by its idle poll"
    # Every scrape, whichever worker answered it, counts every worker's writes.
    assert set(scrapes) == {(CLIENTS * WRITES, CLIENTS * WRITES)}, scrapes
    assert took < GRACE, took
    assert not left, f"still running after SIGTERM: {left}"
    assert status == 2 and "] Terminated" in log, (status, log[-500:])
    assert "projector stopped between batches" in log and log.count("Application shutdown complete") == WORKERS
    assert "Traceback" not in log, log[-3000:]

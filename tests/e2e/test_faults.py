"""Faults under load, over real HTTP on PostgreSQL: the server killed with SIGKILL five times, and
the database stopped and started again. Every acknowledged write is stored exactly once.

Each test prints its figures (run with -s) and writes them to <its tmp dir>/<name>.json.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_url
from tests.e2e.faults import (
    Service,
    Tally,
    cluster_unavailable,
    fresh_database,
    intervention,
    open_cases,
    read_back,
    report,
    throwaway_cluster,
)
from tests.e2e.story import ACCESS_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]

CASES = 3
CLIENTS = 6
KILLS = 5


class Load:
    """Clients writing interventions, each note its own, until stopped; a client that gets no
    answer (the server is down) or a 503 waits a little before its next write.

    `keyed`: as a careful client does, each write carries an Idempotency-Key and is sent again,
    with the same key and body, until it has an answer (a 2xx or a refusal); stopping, a client
    finishes the write it has under way first."""

    def __init__(
        self, base_url: str, headers: dict[str, str], case_ids: list[str], tally: Tally, *, keyed: bool = False
    ) -> None:
        self.base_url, self.headers, self.case_ids, self.tally = base_url, headers, case_ids, tally
        self.keyed = keyed
        self.stopping = threading.Event()
        self.observers: list[Callable[[httpx.Response | None, float], None]] = []
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(CLIENTS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(60)

    def _client(self, worker: int) -> None:
        with httpx.Client(base_url=self.base_url, headers=self.headers, timeout=30) as client:
            n = 0
            while not self.stopping.is_set():
                note, case_id = f"client {worker} write {n}", self.case_ids[n % len(self.case_ids)]
                body = intervention(note) if self.keyed else None
                deadline = time.monotonic() + 120
                while True:
                    started = time.monotonic()
                    answer = self.tally.post(client, case_id, note, body)
                    for observe in self.observers:
                        observe(answer, time.monotonic() - started)
                    unanswered = answer is None or answer.status_code >= 500 or answer.status_code == 409
                    if not (self.keyed and unanswered) or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)  # the same write again, with its key
                n += 1
                if answer is None or answer.status_code >= 500:
                    time.sleep(0.05)


def _stored_once(figures: dict[str, object], stored: Counter[str], tally: Tally) -> None:
    assert figures["lost"] == 0, [note for note in tally.acknowledged if not stored[note]]
    assert figures["duplicated"] == 0, [note for note, times in stored.items() if times > 1]
    assert set(stored) <= set(tally.acknowledged) | tally.unanswered, "a stored write nobody sent"
    positions = [position for position, _ in tally.acknowledged.values()]
    assert len(set(positions)) == len(positions), "two acknowledged writes at one position"


def test_the_server_killed_five_times_under_load_loses_and_doubles_no_write(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    moments = random.Random(seed)
    with fresh_database(postgres_url()) as url:
        # A key whose request died with the server is free again after a second or two.
        env = {"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_IDEMPOTENCY_LEASE_SECONDS": "2", **ACCESS_ENV}
        service = Service(env, tmp_path)
        try:
            service.start()
            case_ids, headers = open_cases(service.base_url, CASES)
            tally = Tally()
            downtime = 0.0
            with Load(service.base_url, headers, case_ids, tally, keyed=True):
                for _ in range(KILLS):
                    time.sleep(moments.uniform(1.0, 4.0))  # some writes acknowledged, some under way
                    service.kill()
                    killed = time.monotonic()
                    time.sleep(moments.uniform(0.0, 0.5))
                    service.start()
                    downtime += time.monotonic() - killed
                time.sleep(1.0)  # writes after the last restart, too
            back = read_back(service, url, headers, case_ids)
        finally:
            service.close()

    stored = back.stored
    figures = tally.figures(stored) | {"kills": KILLS, "seed": seed, "down_seconds": round(downtime, 1)}
    report("kill9", figures, tmp_path)
    _stored_once(figures, stored, tally)
    # Each write cut off by a kill was sent again with its key until answered: what the clients
    # were told is stored is exactly what is stored.
    assert set(stored) == set(tally.acknowledged), set(stored) ^ set(tally.acknowledged)
    assert figures["never_acknowledged"] == 0
    assert figures["5xx"] == 0, tally.statuses
    assert len(tally.acknowledged) > 100, "too little load to prove anything"
    back.assert_converged()


@pytest.mark.skipif(cluster_unavailable() is not None, reason=str(cluster_unavailable()))
@pytest.mark.parametrize("mode", ["fast", "immediate"])  # as an operator stops it; as if it crashed
def test_postgresql_stopped_under_load_is_503_with_retry_after_quickly_and_recovers_by_itself(
    tmp_path: Path, mode: str
) -> None:
    with throwaway_cluster() as cluster, fresh_database(cluster.url) as url:
        service = Service({"YOUTHCARE_DATABASE_URL": url, **ACCESS_ENV}, tmp_path)
        try:
            service.start()
            case_ids, headers = open_cases(service.base_url, CASES)
            tally, down = Tally(), threading.Event()
            while_down: list[tuple[int | None, str | None, float]] = []  # status, Retry-After, seconds

            def observe(answer: httpx.Response | None, seconds: float) -> None:
                if down.is_set():
                    status = None if answer is None else answer.status_code
                    retry_after = None if answer is None else answer.headers.get("retry-after")
                    while_down.append((status, retry_after, seconds))

            with Load(service.base_url, headers, case_ids, tally) as load:
                load.observers.append(observe)
                time.sleep(2.0)
                cluster.stop(mode)
                stopped = time.monotonic()
                time.sleep(0.5)  # writes under way when it stopped have had their answers
                down.set()
                time.sleep(3.0)
                readyz_down = httpx.get(f"{service.base_url}/readyz", timeout=10)
                healthz_down = httpx.get(f"{service.base_url}/healthz", timeout=10)
                down.clear()
                cluster.start()
                started = time.monotonic()
                recovered = _first_write_after(tally, started, timeout=30)
                time.sleep(2.0)
            back = read_back(service, url, headers, case_ids)
        finally:
            service.close()

    statuses_down = Counter(str(status) for status, _, _ in while_down)
    slowest = max((seconds for _, _, seconds in while_down), default=0.0)
    stored = back.stored
    figures = tally.figures(stored) | {
        "5xx_other_than_503": sum(n for status, n in tally.statuses.items() if status >= 500 and status != 503),
        "down_seconds": round(started - stopped, 1),
        "writes_while_down": len(while_down),
        "statuses_while_down": dict(statuses_down),
        "slowest_answer_while_down_seconds": round(slowest, 3),
        "readyz_while_down": {"status": readyz_down.status_code, "body": readyz_down.json()},
        "healthz_while_down": healthz_down.status_code,
        "first_acknowledged_write_after_start_seconds": None if recovered is None else round(recovered, 2),
    }
    report(f"postgres_outage_{mode}", figures, tmp_path)
    assert while_down and statuses_down == {"503": len(while_down)}, statuses_down
    assert all(retry_after == "5" for _, retry_after, _ in while_down)
    assert slowest < 2.0, slowest
    assert readyz_down.status_code == 503 and readyz_down.headers["retry-after"] == "5"
    assert readyz_down.json() == {"status": "not ready", "reasons": ["event store unavailable"]}
    assert healthz_down.status_code == 200
    assert recovered is not None and recovered < 10, recovered
    assert set(tally.statuses) <= {200, 503}, tally.statuses  # no 500 at the edges of the outage
    _stored_once(figures, stored, tally)
    back.assert_converged()


def _first_write_after(tally: Tally, moment: float, timeout: float) -> float | None:
    """Seconds from `moment` until the load has a write acknowledged again; None if it never does."""
    before = len(tally.acknowledged)
    deadline = moment + timeout
    while time.monotonic() < deadline:
        if len(tally.acknowledged) > before:
            return time.monotonic() - moment
        time.sleep(0.05)
    return None

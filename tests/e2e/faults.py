"""What the fault tests share: a service they can kill and start again on the same port, a
PostgreSQL database or cluster of their own, and a tally of what clients sent and were told."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.e2e.server import REPO, free_port, wait_until_healthy
from tests.e2e.story import ADMIN_PASSWORD, PASSWORD, sign_in

PG_BIN = Path("/usr/lib/postgresql")


# -- the service ---------------------------------------------------------------------------


class Service:
    """`make run` on one port, started, killed and started again; each start logs to its own file."""

    def __init__(self, env: dict[str, str], folder: Path, *, make_args: list[str] | None = None) -> None:
        self.env = {**os.environ, **env}
        self.make_args = make_args or []
        self.folder = folder
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.folder / f"server-{self.starts}.log"

    def start(self, timeout: float = 60.0) -> None:
        """Start it and wait until /healthz answers."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run", f"PORT={self.port}", *self.make_args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_healthy(self.process, self.base_url, self.log_path, timeout)

    def server_pid(self) -> int:
        """The uvicorn process under `make` (what a supervisor or a container signals)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, f"make has children {children}"
        return int(children[0])

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no cleanup but the kernel's and the database's."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        return "\n".join(
            (self.folder / f"server-{n}.log").read_text(errors="replace") for n in range(1, self.starts + 1)
        )


# -- PostgreSQL ----------------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A database of the test's own on the server of `server_url`; dropped afterwards, with force."""
    name = f"faults_{uuid.uuid4().hex[:12]}"
    admin = create_engine(with_database(server_url, "postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield with_database(server_url, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def scalar(url: str, sql: str) -> Any:
    """One value, read on a connection of its own."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian's layout), if any."""
    versions = sorted((p for p in PG_BIN.glob("*/bin/initdb")), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def cluster_unavailable() -> str | None:
    """Why a throwaway cluster cannot be made here; None when it can."""
    if server_binaries() is None:
        return f"no PostgreSQL server binaries under {PG_BIN}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user for initdb to run as"
    return None


class Cluster:
    """A PostgreSQL cluster of one test's own, on a port of its own, trust authentication.

    initdb refuses to run as root: then every server command runs as the `postgres` user,
    in a folder it owns.
    """

    def __init__(self, folder: Path, binaries: Path) -> None:
        self.folder = folder
        self.binaries = binaries
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.folder / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def is_running(self) -> bool:
        status = subprocess.run(
            [*self._as, str(self.binaries / "pg_ctl"), "-D", str(self.data), "status"], capture_output=True, check=False
        )
        return status.returncode == 0


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A cluster made, started, and at the end stopped and deleted."""
    binaries = server_binaries()
    assert binaries is not None, cluster_unavailable()
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))  # not under pytest's 0700 folders: postgres must reach it
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, binaries)
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


# -- clients and what they were told ---------------------------------------------------------


def intervention(note: str) -> dict[str, Any]:
    return {
        "kind": "counselling",
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "duration_minutes": 30,
        "notes": note,
        "performed_by": "officer",
    }


@dataclass
class Tally:
    """Every write sent, and what became of it as the client saw it.

    Acknowledged: a 2xx answer (its position and version kept). Unanswered: sent, but the connection
    broke before an answer; such a write may or may not be stored, but never twice.
    """

    sent: int = 0
    refused: int = 0  # connections refused: nothing sent
    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)  # note: (position, version)
    unanswered: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    replayed: int = 0  # answers given again from an Idempotency-Key
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def post(
        self, client: httpx.Client, case_id: str, note: str, body: dict[str, Any] | None = None
    ) -> httpx.Response | None:
        """Send one intervention with a note of its own; the answer, or None if there was none.
        Sent again with the same `body`, it carries the note as its Idempotency-Key."""
        headers = {} if body is None else {"Idempotency-Key": note.replace(" ", "-")}
        return self.send(
            note,
            lambda: client.post(f"/cases/{case_id}/interventions", json=body or intervention(note), headers=headers),
        )

    def send(self, note: str, request: Callable[[], httpx.Response]) -> httpx.Response | None:
        """Make the request that writes `note` and keep what became of it. A connection refused
        (the server is down) sent nothing, and is counted apart."""
        try:
            answer = request()
        except httpx.ConnectError:
            with self._guard:
                self.refused += 1
            return None
        except httpx.TransportError:
            with self._guard:
                self.sent += 1
                self.unanswered.add(note)
            return None
        with self._guard:
            self.sent += 1
            self.statuses[answer.status_code] += 1
            if 200 <= answer.status_code < 300:
                body = answer.json()
                self.acknowledged[note] = (body["position"], body["version"])
                self.replayed += answer.headers.get("idempotent-replayed") == "true"
        return answer

    def figures(self, stored: Counter[str]) -> dict[str, Any]:
        """The counts the closing note asks for, given how often each note is stored."""
        lost = [note for note in self.acknowledged if stored[note] == 0]
        return {
            "sent": self.sent,
            "refused_connections": self.refused,
            "acknowledged": len(self.acknowledged),
            "unanswered": len(self.unanswered),
            "unanswered_but_stored": sum(1 for note in self.unanswered if stored[note]),
            "never_acknowledged": len(self.unanswered - set(self.acknowledged)),
            "replayed": self.replayed,
            "stored": sum(stored.values()),
            "duplicated": sum(count - 1 for count in stored.values() if count > 1),
            "lost": len(lost),
            "5xx": sum(n for status, n in self.statuses.items() if status >= 500),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
        }


def stored_notes(base_url: str, headers: dict[str, str], case_ids: list[str]) -> dict[str, list[str]]:
    """Each case's intervention notes, read from the case's own record (not a view)."""
    stored = {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for case_id in case_ids:
            answer = client.get(f"/cases/{case_id}")
            assert answer.status_code == 200, answer.text
            stored[case_id] = [i["notes"] for i in answer.json()["interventions"]]
    return stored


def counted_in_view(base_url: str, headers: dict[str, str], position: int) -> dict[str, int]:
    """Each case's count of interventions as the casework view has it, once it has applied `position`."""
    answer = httpx.get(
        f"{base_url}/cases", params={"consistent_with": position, "limit": 100}, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return {case["id"]: case["interventions"] for case in answer.json()["items"]}


def report(name: str, figures: dict[str, Any], folder: Path) -> None:
    """Print the figures (seen with -s) and keep them beside the test's other files."""
    line = json.dumps(figures, sort_keys=True)
    print(f"\n{name}: {line}")
    (folder / f"{name}.json").write_text(line + "\n")


# -- the service's own state -------------------------------------------------------------------


def open_cases(base_url: str, count: int) -> tuple[list[str], dict[str, str]]:
    """A station, its lead (the headers they sign in with) and `count` cases the lead works."""
    admin = {"Authorization": f"Bearer {sign_in(base_url, 'admin', ADMIN_PASSWORD)}"}
    with httpx.Client(base_url=base_url, headers=admin, timeout=30) as client:
        station = client.post("/stations", json={"name": "S", "kind": "police_care_station", "level": "town"})
        assert station.status_code == 201, station.text
        lead = {"username": "lead", "display_name": "Lead", "password": PASSWORD, "role": "station_lead"}
        made = client.post("/users", json={**lead, "scope_id": station.json()["id"]})
        assert made.status_code == 201, made.text
    headers = {"Authorization": f"Bearer {sign_in(base_url, 'lead', PASSWORD)}"}
    case_ids = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for n in range(count):
            youth = {"full_name": f"Li Ming {n}", "date_of_birth": "2012-03-04", "gender": "female"}
            body = {"station_id": station.json()["id"], "youth": youth, "category": "bullying", "source": "school"}
            case = client.post("/cases", json={**body, "summary": "bullied online"})
            assert case.status_code == 201, case.text
            case_ids.append(case.json()["id"])
    return case_ids, headers


def ready_within(base_url: str, timeout: float) -> httpx.Response:
    """/readyz once it answers 200; its last answer if `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = httpx.get(f"{base_url}/readyz", timeout=5)
            if answer.status_code == 200 or time.monotonic() > deadline:
                return answer
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@dataclass(frozen=True)
class ViewState:
    """Where the views stand against the log, read straight from the database."""

    head: int
    positions: dict[str, int]
    trail_whole: bool  # the audit trail holds every event up to its position and none after

    @property
    def converged(self) -> bool:
        return bool(self.positions) and all(p == self.head for p in self.positions.values()) and self.trail_whole


def view_state(url: str) -> ViewState:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            head = conn.execute(text("SELECT coalesce(max(id), 0) FROM youthcare_events")).scalar_one()
            rows = conn.execute(text('SELECT "view", position FROM youthcare_projections')).all()
            positions = {row.view: int(row.position) for row in rows}
            trail = positions.get("audit_trail", 0)
            events_up_to = conn.execute(text("SELECT count(*) FROM youthcare_events WHERE id <= :p"), {"p": trail})
            rows_up_to = conn.execute(text("SELECT count(*) FROM audit_trail WHERE position <= :p"), {"p": trail})
            rows_after = conn.execute(text("SELECT count(*) FROM audit_trail WHERE position > :p"), {"p": trail})
            whole = events_up_to.scalar_one() == rows_up_to.scalar_one() and rows_after.scalar_one() == 0
    finally:
        engine.dispose()
    return ViewState(int(head), positions, whole)


def converged_within(url: str, timeout: float) -> ViewState:
    """The views' state once every view has reached the head of the log (or when `timeout` s pass)."""
    deadline = time.monotonic() + timeout
    while not (state := view_state(url)).converged and time.monotonic() < deadline:
        time.sleep(0.2)
    return state


@dataclass(frozen=True)
class ReadBack:
    """What the service holds after the faults: each case's notes, the views, and readiness."""

    ready: httpx.Response
    views: ViewState
    notes: dict[str, list[str]]  # case id: its interventions' notes, from the record
    in_view: dict[str, int]  # case id: its interventions as the casework view counts them

    @property
    def stored(self) -> Counter[str]:
        """How often each note is stored, over every case."""
        return Counter(note for notes in self.notes.values() for note in notes)

    def assert_converged(self) -> None:
        """Ready, every view at the head of the log, and the casework view counting what is stored."""
        assert self.ready.status_code == 200, self.ready.text
        assert self.views.converged, self.views
        assert self.in_view == {case_id: len(notes) for case_id, notes in self.notes.items()}


def read_back(service: Service, url: str, headers: dict[str, str], case_ids: list[str]) -> ReadBack:
    """Once the service is ready and its views have caught up (or 60 and 30 s have passed)."""
    ready = ready_within(service.base_url, 60)
    views = converged_within(url, 30)
    notes = stored_notes(service.base_url, headers, case_ids)
    return ReadBack(ready, views, notes, counted_in_view(service.base_url, headers, views.head))

"""The service as a benchmark meets it: started by `make run`, so as production runs it (on
PostgreSQL several uvicorn worker processes and the projector in a process of its own; on SQLite one
process), with a station, its lead, an auditor and cases to work on, in a throwaway PostgreSQL
schema or a temporary SQLite file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from pydantic import SecretStr

from bench.schema import throwaway_schema
from infrastructure.settings import Settings
from tests.e2e.server import running_projector, running_server
from tests.e2e.story import ACCESS_ENV, PASSWORD, admin_cast, sign_in

CASE = {
    "youth": {"full_name": "Bench Youth", "date_of_birth": "2012-03-04", "gender": "female"},
    "category": "truancy",
    "source": "school",
    "summary": "bench",
}
# One intervention; `@N@` makes each request's body its own.
INTERVENTION = (
    '{"kind": "counselling", "occurred_at": "%s", "duration_minutes": 30, "notes": "bench @N@", "performed_by": "lead"}'
)


def intervention_body() -> str:
    return INTERVENTION % datetime.now(timezone.utc).isoformat()


@dataclass
class Service:
    """A running server and who works in it: `lead` writes at `station_id`, `auditor` reads anything."""

    base_url: str
    settings: Settings  # the same store, for writing or reading in process
    env: dict[str, str]
    station_id: str = ""
    lead: dict[str, str] = field(default_factory=dict)
    auditor: dict[str, str] = field(default_factory=dict)
    case_ids: list[str] = field(default_factory=list)
    projector_pid: int | None = None  # `youthcare projector`, when it runs in its own process

    def client(self, headers: dict[str, str], timeout: float = 600) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def open_cases(self, count: int) -> list[str]:
        with self.client(self.lead) as http:
            opened = [http.post("/cases", json={**CASE, "station_id": self.station_id}) for _ in range(count)]
        assert all(a.status_code == 201 for a in opened), [a.text for a in opened if a.status_code != 201][:1]
        return [a.json()["id"] for a in opened]

    def caught_up(self, timeout: float = 3600) -> None:
        """Wait until every view holds the whole log (the server runs with a readiness lag of 0)."""
        deadline = time.monotonic() + timeout
        while httpx.get(f"{self.base_url}/readyz", timeout=30).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the views did not catch up")
            time.sleep(0.2)


def _staff(service: Service) -> None:
    admin = admin_cast(service.base_url).admin
    station = admin.post("/stations", json={"name": "Bench", "kind": "police_care_station", "level": "town"})
    service.station_id = station.json()["id"]
    for username, role, scope in (("lead", "station_lead", service.station_id), ("auditor", "auditor", None)):
        body = {"username": username, "display_name": username, "password": PASSWORD, "role": role}
        answer = admin.post("/users", json=body | ({"scope_id": scope} if scope else {}))
        assert answer.status_code == 201, answer.text
    service.lead = {"Authorization": f"Bearer {sign_in(service.base_url, 'lead', PASSWORD)}"}
    service.auditor = {"Authorization": f"Bearer {sign_in(service.base_url, 'auditor', PASSWORD)}"}
    admin.close()


@contextmanager
def store(database_url: str | None, folder: Path) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Settings and server environment for a fresh store: a throwaway PostgreSQL schema, or (no URL)
    a SQLite file in `folder`."""
    if database_url is None:
        url = f"sqlite:///{folder / 'bench.db'}"
        yield Settings(database_url=SecretStr(url), database_schema=None), {"YOUTHCARE_DATABASE_URL": url}
        return
    with throwaway_schema(database_url) as schema:
        settings = Settings(database_url=SecretStr(database_url), database_schema=schema)
        yield settings, {"YOUTHCARE_DATABASE_URL": database_url, "YOUTHCARE_DATABASE_SCHEMA": schema}


@contextmanager
def running(
    database_url: str | None,
    folder: Path,
    *,
    cases: int = 0,
    extra_env: dict[str, str] | None = None,
    projector: bool = False,
) -> Iterator[Service]:
    """A server on a fresh store (PostgreSQL if a URL is given, else SQLite), staffed, with `cases`
    open; with `projector` (and YOUTHCARE_PROJECTOR=off in `extra_env`), a `youthcare projector` of the
    benchmark's own runs beside it, whose process it can watch."""
    folder.mkdir(parents=True, exist_ok=True)
    with store(database_url, folder) as (settings, env):
        env = {
            **env,
            **ACCESS_ENV,
            "YOUTHCARE_READY_MAX_LAG": "0",
            "YOUTHCARE_LOG_FORMAT": "plain",
            **(extra_env or {}),
        }
        with ExitStack() as stack:
            base_url = stack.enter_context(running_server(env, folder / "server.log"))
            service = Service(base_url, settings, env)
            if projector:
                service.projector_pid = stack.enter_context(running_projector(env, folder / "projector.log")).pid
            _staff(service)
            service.case_ids = service.open_cases(cases)
            yield service

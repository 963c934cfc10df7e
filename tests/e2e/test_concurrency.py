"""Many clients at once over real HTTP: every append acknowledged and stored once, no 5xx, no double pair."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, PASSWORD, admin_cast, sign_in

pytestmark = pytest.mark.e2e

CLIENTS = 8
WRITES_PER_CLIENT = 12
CROWD = 50  # people logging on one busy case at the same moment


def _setup(base_url: str) -> tuple[str, str, dict[str, str]]:
    """A case and a screened volunteer, and the headers of the station lead who works the case."""
    admin = admin_cast(base_url).admin
    station = admin.post("/stations", json={"name": "S", "kind": "police_care_station", "level": "town"}).json()
    lead = {
        "username": "lead",
        "display_name": "Lead",
        "password": PASSWORD,
        "role": "station_lead",
        "scope_id": station["id"],
    }
    assert admin.post("/users", json=lead).status_code == 201
    headers = {"Authorization": f"Bearer {sign_in(base_url, 'lead', PASSWORD)}"}
    case = httpx.post(
        f"{base_url}/cases",
        headers=headers,
        json={
            "station_id": station["id"],
            "youth": {"full_name": "Li Ming", "date_of_birth": "2012-03-04", "gender": "female"},
            "category": "bullying",
            "source": "school",
            "summary": "bullied online",
        },
    ).json()
    volunteer = admin.post("/volunteers", json={"full_name": "Chen", "kind": "veteran_soldier"}).json()
    admin.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": True})
    return case["id"], volunteer["id"], headers


def _log(client: httpx.Client, case_id: str, note: str) -> int:
    response = client.post(
        f"/cases/{case_id}/interventions",
        json={
            "kind": "counselling",
            "occurred_at": datetime.now(timezone.utc).isoformat(),
            "duration_minutes": 30,
            "notes": note,
            "performed_by": "officer",
        },
    )
    return response.status_code


def _stored_notes(base_url: str, case_id: str, headers: dict[str, str]) -> tuple[list[str], int]:
    with httpx.Client(base_url=base_url, headers=headers) as client:
        case = client.get(f"/cases/{case_id}").json()
    return sorted(i["notes"] for i in case["interventions"]), case["version"]


def _crowd(base_url: str, case_id: str, headers: dict[str, str]) -> None:
    """Fifty people log one intervention each on the same case at once: none depends on another,
    so every one is acknowledged (a lost race is retried inside) and stored exactly once."""
    start = threading.Barrier(CROWD)

    def one(worker: int) -> tuple[int, str]:
        note = f"person {worker}"
        with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
            start.wait()
            return _log(client, case_id, note), note

    with ThreadPoolExecutor(CROWD) as pool:
        answers = list(pool.map(one, range(CROWD)))
    assert Counter(status for status, _ in answers) == {200: CROWD}
    notes, version = _stored_notes(base_url, case_id, headers)
    assert notes == sorted(note for _, note in answers)  # each once: none lost, none twice
    assert version == 1 + CROWD


def _hammer(base_url: str, case_id: str, volunteer_id: str, headers: dict[str, str]) -> None:
    def log_interventions(worker: int) -> list[tuple[int, str]]:
        answers = []
        with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
            for n in range(WRITES_PER_CLIENT):
                note = f"worker {worker} write {n}"
                answers.append((_log(client, case_id, note), note))
        return answers

    def match(_: int) -> int:
        with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
            body = {
                "case_id": case_id,
                "volunteer_id": volunteer_id,
                "goals": ["g"],
                "started_on": date.today().isoformat(),
            }
            return client.post("/pairs", json=body).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [a for batch in pool.map(log_interventions, range(CLIENTS)) for a in batch]
        matches = Counter(pool.map(match, range(CLIENTS)))

    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: CLIENTS * WRITES_PER_CLIENT}, statuses  # appends retry a lost race inside
    notes, version = _stored_notes(base_url, case_id, headers)
    assert notes == sorted(note for _, note in answers)
    assert version == 1 + len(answers)
    assert matches[201] == 1 and set(matches) <= {201, 409}, matches


def test_concurrent_clients_on_sqlite(tmp_path: Path) -> None:
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'busy.db'}", **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        _hammer(base_url, *_setup(base_url))


def test_fifty_people_logging_on_one_case_are_all_acknowledged_on_sqlite(tmp_path: Path) -> None:
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'crowd.db'}", **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        case_id, _, headers = _setup(base_url)
        _crowd(base_url, case_id, headers)


@pytest.mark.postgres
def test_fifty_people_logging_on_one_case_are_all_acknowledged_on_postgresql(
    pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = pg_schema
    env = {"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema, **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        case_id, _, headers = _setup(base_url)
        _crowd(base_url, case_id, headers)


@pytest.mark.postgres
def test_concurrent_clients_on_postgresql(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    env = {"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema, **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        _hammer(base_url, *_setup(base_url))

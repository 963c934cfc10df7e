"""The API on the in-memory store, and helpers that make records over HTTP.

Each helper posts through the real endpoints and returns the JSON the API answered, so a
test starts from records built the way a client would build them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr

from api.main import create_app
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access

PROBLEM_JSON = "application/problem+json"


def today() -> date:
    """The service's today (UTC), asked at the moment of use: a run that crosses midnight
    must not compare with the date the test module was imported on."""
    return datetime.now(timezone.utc).date()


STARTED_ON = today() - timedelta(days=30)  # a month back: crossing midnight does not matter to it

STATION = {"name": "Chengguan Police Care Station", "kind": "police_care_station", "level": "town"}
DEPARTMENT = {"name": "District Education Bureau", "kind": "education"}
VOLUNTEER = {"full_name": "Wang Jianguo", "kind": "retired_teacher", "skills": ["maths"], "phone": "138 0000 0000"}
YOUTH = {"full_name": "Zhang Xiaoming", "date_of_birth": "2011-05-02", "gender": "male"}
CASE = {"youth": YOUTH, "category": "truancy", "source": "school", "summary": "Absent from school for three weeks."}
GOALS = ["Read one book a month", "Back in class full time"]


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app on the in-memory store, its lifespan running; requests act as whoever's job they are."""
    with ActingClient(create_app(settings_with_access(Settings(database_url=SecretStr(MEMORY_URL))))) as test_client:
        yield test_client


def created(response: Response, collection: str) -> dict[str, Any]:
    """The body of a 201, after checking its Location and ETag."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/{collection}/{body['id']}"
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


def ok(response: Response) -> dict[str, Any]:
    """The body of a 200, after checking the ETag matches its version."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


def problem(response: Response, status: int) -> dict[str, Any]:
    """The problem+json body of an error, after checking its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:youthcare:problem:")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def version_of(client: TestClient, path: str) -> int:
    version: int = ok(client.get(path))["version"]
    return version


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def create_station(client: TestClient, **changes: Any) -> dict[str, Any]:
    return created(client.post("/stations", json={**STATION, **changes}), "stations")


def create_department(client: TestClient, **changes: Any) -> dict[str, Any]:
    return created(client.post("/departments", json={**DEPARTMENT, **changes}), "departments")


def create_volunteer(client: TestClient, *, screened: bool = True, **changes: Any) -> dict[str, Any]:
    """A registered volunteer, screened (passed) unless told otherwise."""
    volunteer = created(client.post("/volunteers", json={**VOLUNTEER, **changes}), "volunteers")
    if not screened:
        return volunteer
    return ok(client.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": True, "notes": "interviewed"}))


def create_case(client: TestClient, station_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """An open case, at a new station unless one is named."""
    station_id = station_id or create_station(client)["id"]
    return created(client.post("/cases", json={**CASE, "station_id": station_id, **changes}), "cases")


def create_pair(
    client: TestClient, case_id: str | None = None, volunteer_id: str | None = None, **changes: Any
) -> dict[str, Any]:
    """An active pair of a screened volunteer and an open case (new ones unless named)."""
    body = {
        "case_id": case_id or create_case(client)["id"],
        "volunteer_id": volunteer_id or create_volunteer(client)["id"],
        "goals": GOALS,
        "started_on": STARTED_ON.isoformat(),
        **changes,
    }
    return created(client.post("/pairs", json=body), "pairs")


SHARING_CONSENT = {"scope": "all", "granted": True, "given_by": "Zhang Wei (father)", "giver": "guardian"}


def consent_to_sharing(client: TestClient, case_id: str) -> None:
    """The guardian's consent to share with any department, unless the case has one already."""
    if SHARING_CONSENT not in client.get(f"/cases/{case_id}").json()["consents"]:
        assert client.post(f"/cases/{case_id}/consents", json=SHARING_CONSENT).status_code == 200


def create_referral(
    client: TestClient, case_id: str | None = None, department_id: str | None = None, **changes: Any
) -> dict[str, Any]:
    """A pending referral of an open case to an active department (new ones unless named), under the
    guardian's consent to share."""
    case_id = case_id or create_case(client)["id"]
    consent_to_sharing(client, case_id)
    body = {
        "case_id": case_id,
        "to_department_id": department_id or create_department(client)["id"],
        "service": "school re-entry support",
        "reason": "Three weeks of truancy.",
        "respond_by": (today() + timedelta(days=14)).isoformat(),
        **changes,
    }
    return created(client.post("/referrals", json=body), "referrals")


def probe_position(client: TestClient) -> int:
    """Write one harmless event and return its log position.

    Two probes one position apart prove nothing was stored between them.
    """
    position: int = create_department(client, name="Probe Department")["position"]
    return position


def close_case(client: TestClient, case_id: str, *, outcome: str = "Back in school", notes: str = "") -> dict[str, Any]:
    """An officer submits the closure and the station's lead approves it: the closed case."""
    ok(client.post(f"/cases/{case_id}/closure", json={"outcome": outcome, "notes": notes}))
    return ok(client.post(f"/cases/{case_id}/closure/approval", json={"note": ""}))


def adopt_plan(client: TestClient, case_id: str, goals: list[Any] | None = None) -> dict[str, Any]:
    """An officer submits the plan and the station's lead approves it: the case with it in force."""
    ok(client.put(f"/cases/{case_id}/plan", json={"goals": goals or GOALS}))
    return ok(client.post(f"/cases/{case_id}/plan/approval", json={"note": ""}))


def as_(client: Any, role: str, scope: str | None) -> dict[str, str]:
    """Headers that sign a request in as a user with this role and scope (made when first needed)."""
    return {"Authorization": f"Bearer {client.token(role, scope)}"}

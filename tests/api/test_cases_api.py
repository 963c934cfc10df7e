"""Youth cases over HTTP: opening, reading, every piece of case work, closure and reopening."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import (
    CASE,
    YOUTH,
    close_case,
    create_case,
    create_department,
    create_station,
    created,
    now_iso,
    ok,
    problem,
    version_of,
)
from tests.conftest import settings_for

OFFICER = "<an officer of the case's station>"  # filled in by `filled`


def filled(client: TestClient, case: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """`body` with OFFICER replaced by the username of an officer of the case's station."""
    if body.get("case_worker_id") != OFFICER:
        return body
    return {**body, "case_worker_id": officer_of(client, case["station_id"])}


def officer_of(client: Any, station_id: str) -> str:
    client.token("station_officer", station_id)
    username: str = client.usernames[("station_officer", station_id)]
    return username


RISK = {"instrument": "YLS/CMI screening", "score": 18, "level": "medium", "notes": "School and peers."}
CONSENT = {"scope": "education", "granted": True, "given_by": "Zhang Wei (father)", "giver": "guardian"}


def intervention() -> dict[str, Any]:
    return {
        "kind": "home_visit",
        "occurred_at": now_iso(),
        "duration_minutes": 60,
        "notes": "Met the guardian.",
        "performed_by": "officer-li",
    }


# (method, path suffix, body maker, what the answered case shows)
CASE_WORK: list[Any] = [
    pytest.param(
        "post",
        "risk-assessments",
        lambda: RISK,
        lambda c: c["risk_level"] == "medium" and c["risk_assessments"][0]["score"] == 18,
        id="risk",
    ),
    pytest.param(
        "put",
        "plan",
        lambda: {"goals": ["Back in class", "Weekly mentor contact"]},
        lambda c: (
            [g["text"] for g in c["pending_plan"]["goals"]] == ["Back in class", "Weekly mentor contact"]
            and c["plan"] == []
        ),
        id="plan",
    ),
    pytest.param(
        "put",
        "assignment",
        lambda: {"case_worker_id": OFFICER},
        lambda c: c["case_worker_id"].startswith("station-officer-"),
        id="assignment",
    ),
    pytest.param(
        "post",
        "interventions",
        intervention,
        lambda c: [(i["kind"], i["duration_minutes"]) for i in c["interventions"]] == [("home_visit", 60)],
        id="intervention",
    ),
    pytest.param("post", "consents", lambda: CONSENT, lambda c: c["consents"] == [CONSENT], id="consent"),
    pytest.param(
        "post",
        "closure",
        lambda: {"outcome": "Back in school", "notes": "two months clean"},
        lambda c: c["status"] == "open" and c["pending_closure"]["outcome"] == "Back in school",
        id="closure",
    ),
]


def test_opening_a_case_answers_201_with_location_and_the_open_case(client: TestClient) -> None:
    station = create_station(client)

    case = created(client.post("/cases", json={**CASE, "station_id": station["id"]}), "cases")

    assert case["status"] == "open"
    assert case["station_id"] == station["id"]
    assert case["youth"]["full_name"] == YOUTH["full_name"]
    assert case["youth"]["date_of_birth"] == YOUTH["date_of_birth"]
    assert case["category"] == "truancy"
    assert case["risk_level"] is None
    assert (case["plan"], case["interventions"], case["consents"]) == ([], [], [])
    assert case["case_worker_id"] is None
    assert case["outcome"] is None
    assert case["version"] == 1
    assert case["position"] > station["position"]


def test_an_opened_case_reads_back_with_its_etag(client: TestClient) -> None:
    case = create_case(client)

    response = client.get(f"/cases/{case['id']}")

    assert response.headers["etag"] == '"1"'
    assert ok(response) == {key: value for key, value in case.items() if key != "position"}


@pytest.mark.parametrize(("method", "suffix", "body", "shows"), CASE_WORK)
def test_each_piece_of_case_work_answers_200_with_the_changed_case(
    client: TestClient, method: str, suffix: str, body: Callable[[], dict], shows: Callable[[dict], bool]
) -> None:
    case = create_case(client)

    changed = ok(client.request(method, f"/cases/{case['id']}/{suffix}", json=filled(client, case, body())))

    assert shows(changed), changed
    assert changed["version"] == 2
    assert changed["position"] > case["position"]
    assert shows(ok(client.get(f"/cases/{case['id']}")))


def test_positions_increase_with_every_write_to_a_case(client: TestClient) -> None:
    case = create_case(client)
    positions = [case["position"]]

    for method, suffix, body, _ in (param.values for param in CASE_WORK):  # closure comes last
        positions.append(
            ok(client.request(method, f"/cases/{case['id']}/{suffix}", json=filled(client, case, body())))["position"]
        )

    assert positions == sorted(set(positions))
    assert version_of(client, f"/cases/{case['id']}") == len(CASE_WORK) + 1


def test_the_risk_level_is_the_latest_assessments(client: TestClient) -> None:
    case = create_case(client)
    ok(client.post(f"/cases/{case['id']}/risk-assessments", json=RISK))

    latest = ok(client.post(f"/cases/{case['id']}/risk-assessments", json={**RISK, "score": 40, "level": "high"}))

    assert latest["risk_level"] == "high"
    assert [a["level"] for a in latest["risk_assessments"]] == ["medium", "high"]


@pytest.mark.parametrize(("method", "suffix", "body", "shows"), CASE_WORK)
def test_a_closed_case_refuses_further_work(
    client: TestClient, method: str, suffix: str, body: Callable[[], dict], shows: Callable[[dict], bool]
) -> None:
    case = create_case(client)
    close_case(client, case["id"], outcome="Done")

    refused = problem(client.request(method, f"/cases/{case['id']}/{suffix}", json=filled(client, case, body())), 409)

    assert refused["rule"] == "case_closed"
    assert version_of(client, f"/cases/{case['id']}") == 4


def test_a_reopened_case_is_open_again_and_takes_work(client: TestClient) -> None:
    case = create_case(client)
    closed = close_case(client, case["id"], outcome="Done")

    reopened = ok(client.post(f"/cases/{case['id']}/reopening", json={"reason": "New truancy reported."}))

    assert (reopened["status"], reopened["outcome"], reopened["version"]) == ("open", None, 5)
    assert reopened["position"] > closed["position"]
    assert (
        ok(
            client.put(
                f"/cases/{case['id']}/assignment", json={"case_worker_id": officer_of(client, case["station_id"])}
            )
        )["version"]
        == 6
    )


def test_reopening_an_open_case_is_refused(client: TestClient) -> None:
    case = create_case(client)

    refused = problem(client.post(f"/cases/{case['id']}/reopening", json={"reason": "Why not."}), 409)

    assert refused["rule"] == "case_not_closed"
    assert version_of(client, f"/cases/{case['id']}") == 1


def test_a_case_at_a_deactivated_station_is_refused(client: TestClient) -> None:
    station = create_station(client)
    ok(client.post(f"/stations/{station['id']}/deactivation"))

    refused = problem(client.post("/cases", json={**CASE, "station_id": station["id"]}), 409)

    assert refused["rule"] == "station_inactive"


def test_a_case_naming_a_department_as_its_station_is_invalid_input(client: TestClient) -> None:
    department = create_department(client)

    refused = problem(client.post("/cases", json={**CASE, "station_id": department["id"]}), 422)

    assert [e["field"] for e in refused["errors"]] == ["station_id"]
    assert refused["rule"] == "unknown_reference"


def test_a_youth_born_in_the_future_is_invalid_input(client: TestClient) -> None:
    station = create_station(client)
    youth = {**YOUTH, "date_of_birth": (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()}

    refused = problem(client.post("/cases", json={**CASE, "station_id": station["id"], "youth": youth}), 422)

    assert [e["field"] for e in refused["errors"]] == ["youth.date_of_birth"]


def test_an_intervention_dated_in_the_future_is_refused(client: TestClient) -> None:
    case = create_case(client)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()

    response = client.post(f"/cases/{case['id']}/interventions", json={**intervention(), "occurred_at": tomorrow})

    refused = problem(response, 422)

    assert [e["field"] for e in refused["errors"]] == ["occurred_at"]
    assert version_of(client, f"/cases/{case['id']}") == 1


def test_a_case_reads_as_it_stood_at_each_past_version(client: TestClient) -> None:
    case = create_case(client)
    ok(client.post(f"/cases/{case['id']}/risk-assessments", json=RISK))
    close_case(client, case["id"], outcome="Done")

    history = [client.get(f"/cases/{case['id']}", params={"version": v}) for v in (1, 2, 3, 4, 5)]

    assert [ok(r)["version"] for r in history] == [1, 2, 3, 4, 5]
    assert [r.headers["etag"] for r in history] == ['"1"', '"2"', '"3"', '"4"', '"5"']
    assert [ok(r)["risk_level"] for r in history] == [None, "medium", "medium", "medium", "medium"]
    assert [ok(r)["status"] for r in history] == ["open", "open", "open", "open", "closed"]


def test_a_version_beyond_the_current_one_is_not_found(client: TestClient) -> None:
    case = create_case(client)

    body = problem(client.get(f"/cases/{case['id']}", params={"version": 2}), 404)

    assert body["type"] == "urn:youthcare:problem:not_found"


def test_version_zero_is_invalid_input(client: TestClient) -> None:
    case = create_case(client)

    body = problem(client.get(f"/cases/{case['id']}", params={"version": 0}), 422)

    assert [e["field"] for e in body["errors"]] == ["version"]


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("version", [2**31, 2**63, 10**30])
def test_a_version_beyond_what_the_store_keeps_is_invalid_input_before_it_is_looked_for(
    store: str, version: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = create_app(settings_with_access(settings_for(store, tmp_path, request)))
    with ActingClient(app, raise_server_exceptions=False) as client:
        case = create_case(client)

        refused = problem(client.get(f"/cases/{case['id']}", params={"version": version}), 422)
        assert [e["field"] for e in refused["errors"]] == ["version"]

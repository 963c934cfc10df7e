"""Idempotency-Key: a retried command answers as the first did and records nothing new."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.idempotency import IdempotencyKeys
from tests.api.acting import ActingClient
from tests.api.conftest import CASE, create_case, create_station, now_iso, problem


def intervention(note: str = "Visited the family at home.") -> dict[str, Any]:
    return {
        "kind": "home_visit",
        "occurred_at": now_iso(),
        "duration_minutes": 45,
        "notes": note,
        "performed_by": "officer-li",
    }


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def interventions(client: TestClient, case_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/cases/{case_id}").json()["interventions"]
    return found


def test_the_same_key_and_body_answers_the_first_answer_again_and_records_nothing_new(client: TestClient) -> None:
    case = create_case(client)
    key = str(uuid.uuid4())
    body = intervention()
    first = client.post(f"/cases/{case['id']}/interventions", json=body, headers=keyed(key))
    again = client.post(f"/cases/{case['id']}/interventions", json=body, headers=keyed(key))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(interventions(client, case["id"])) == 1


def test_a_creation_replays_its_201_and_location(client: TestClient) -> None:
    station = create_station(client)
    key = str(uuid.uuid4())
    body = {**CASE, "station_id": station["id"]}
    first = client.post("/cases", json=body, headers=keyed(key))
    again = client.post("/cases", json=body, headers=keyed(key))
    assert first.status_code == again.status_code == 201
    assert again.headers["location"] == first.headers["location"]
    assert again.json() == first.json()
    listed = client.get("/cases", params={"station_id": station["id"], "consistent_with": first.json()["position"]})
    assert [c["id"] for c in listed.json()["items"]] == [first.json()["id"]]


def test_the_same_key_with_another_body_is_422_and_changes_nothing(client: TestClient) -> None:
    case = create_case(client)
    key = str(uuid.uuid4())
    client.post(f"/cases/{case['id']}/interventions", json=intervention("first"), headers=keyed(key))
    other = client.post(f"/cases/{case['id']}/interventions", json=intervention("second"), headers=keyed(key))
    assert problem(other, 422)["rule"] == "idempotency_key_reused"
    assert [i["notes"] for i in interventions(client, case["id"])] == ["first"]


def test_the_same_key_on_another_path_is_422(client: TestClient) -> None:
    station = create_station(client)
    first_case, second_case = create_case(client, station["id"]), create_case(client, station["id"])
    key = str(uuid.uuid4())
    body = intervention()
    client.post(f"/cases/{first_case['id']}/interventions", json=body, headers=keyed(key))
    other = client.post(f"/cases/{second_case['id']}/interventions", json=body, headers=keyed(key))
    assert problem(other, 422)["rule"] == "idempotency_key_reused"
    assert interventions(client, second_case["id"]) == []


def test_keys_are_per_user(client: TestClient) -> None:
    """Two people who happen to pick the same key each get their own change."""
    station = create_station(client)
    key = "same-key-for-both"
    body = {**CASE, "station_id": station["id"]}
    mine = client.post("/cases", json=body, headers=keyed(key))
    officer = client.make_user("station_officer", station["id"])
    theirs = client.post("/cases", json=body, headers={**keyed(key), "Authorization": f"Bearer {officer}"})
    assert mine.status_code == 201
    assert theirs.status_code in (201, 409)  # a second case for the same youth may be refused as a duplicate
    if theirs.status_code == 201:
        assert theirs.json()["id"] != mine.json()["id"]
        assert "idempotent-replayed" not in theirs.headers


def test_a_refused_request_lets_its_key_go(client: TestClient) -> None:
    """An answer of 4xx is not kept: sent again once the cause is gone, it runs."""
    case = create_case(client)
    key = str(uuid.uuid4())
    stale = client.post(
        f"/cases/{case['id']}/interventions", json=intervention(), headers={**keyed(key), "If-Match": '"99"'}
    )
    assert stale.status_code == 412
    fresh = client.post(
        f"/cases/{case['id']}/interventions",
        json=intervention(),
        headers={**keyed(str(uuid.uuid4())), "If-Match": f'"{case["version"]}"'},
    )
    assert fresh.status_code == 200
    assert len(interventions(client, case["id"])) == 1


def test_a_malformed_key_is_422_and_changes_nothing(client: TestClient) -> None:
    case = create_case(client)
    for bad in (b"", b"x" * 256, b"with space", b"tab\there", "é".encode(), b'"unclosed'):
        answer = client.post(
            f"/cases/{case['id']}/interventions", json=intervention(), headers={"Idempotency-Key": bad}
        )
        assert problem(answer, 422)["rule"] == "bad_idempotency_key", bad
    assert interventions(client, case["id"]) == []


def test_a_quoted_key_is_the_same_key(client: TestClient) -> None:
    case = create_case(client)
    body = intervention()
    client.post(f"/cases/{case['id']}/interventions", json=body, headers=keyed('"abc-123"'))
    again = client.post(f"/cases/{case['id']}/interventions", json=body, headers=keyed("abc-123"))
    assert again.headers["idempotent-replayed"] == "true"
    assert len(interventions(client, case["id"])) == 1


def test_reads_and_signing_in_ignore_the_key(client: TestClient) -> None:
    case = create_case(client)
    key = str(uuid.uuid4())
    assert client.get(f"/cases/{case['id']}", headers=keyed(key)).status_code == 200
    client.post(f"/cases/{case['id']}/interventions", json=intervention(), headers=keyed(key))
    assert len(interventions(client, case["id"])) == 1


def test_the_header_is_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/cases/{case_id}/interventions"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
    reads = document["paths"]["/cases/{case_id}"]["get"]
    assert not any(p["name"] == "Idempotency-Key" for p in reads.get("parameters", []))


def test_an_answer_not_kept_is_answered_with_the_record_as_it_was_written(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process stopped between the commit and keeping the answer: a retry still records
    nothing new, and gets the record at the version the first request wrote."""
    monkeypatch.setattr(IdempotencyKeys, "keep_answer", lambda *_: None)
    station = create_station(client)
    key = str(uuid.uuid4())
    body = {**CASE, "station_id": station["id"]}
    first = client.post("/cases", json=body, headers=keyed(key))
    client.post(f"/cases/{first.json()['id']}/interventions", json=intervention())  # the case moves on
    again = client.post("/cases", json=body, headers=keyed(key))
    assert (again.status_code, again.headers["location"], again.headers["etag"]) == (
        201,
        first.headers["location"],
        first.headers["etag"],
    )
    assert again.json() == first.json()
    logged_key, logged_body = str(uuid.uuid4()), intervention("x")
    path = f"/cases/{first.json()['id']}/interventions"
    logged = client.post(path, json=logged_body, headers=keyed(logged_key))
    replayed = client.post(path, json=logged_body, headers=keyed(logged_key))
    assert (replayed.status_code, replayed.json()) == (200, logged.json())
    assert len(interventions(client, first.json()["id"])) == 2


def test_after_erasure_a_replay_holds_none_of_the_erased_data(client: ActingClient) -> None:
    """Kept answers are sealed with the case key: erasure shreds them with it."""
    station = create_station(client)
    secret = {**CASE["youth"], "full_name": "Ouyang Mingyue"}
    body = {**CASE, "youth": secret, "station_id": station["id"]}
    key = str(uuid.uuid4())
    first = client.post("/cases", json=body, headers=keyed(key))
    assert "Ouyang Mingyue" in first.text
    case_id = first.json()["id"]
    erasure = {"reason": "purpose fulfilled", "legal_basis": "PIPL art. 47"}
    admin = {"Authorization": f"Bearer {client.token('admin', None)}"}
    assert client.post(f"/cases/{case_id}/erasure", json=erasure, headers=admin).status_code == 200
    again = client.post("/cases", json=body, headers=keyed(key))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert "Ouyang Mingyue" not in again.text
    assert again.json()["youth"]["full_name"] == "[erased]"
    assert again.json()["id"] == case_id and again.json()["version"] == first.json()["version"]

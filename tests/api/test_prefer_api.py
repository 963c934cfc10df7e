"""`Prefer: return=minimal` (RFC 7240): a command answers with what it wrote, not the whole record."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.api.conftest import CASE, create_case, create_station, ok
from tests.api.test_idempotency_api import intervention

MINIMAL = {"Prefer": "return=minimal"}


def test_a_command_preferring_minimal_answers_id_version_and_position_only(client: TestClient) -> None:
    case = create_case(client)
    answer = client.post(f"/cases/{case['id']}/interventions", json=intervention(), headers=MINIMAL)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"id", "version", "position"}
    assert body["id"] == case["id"] and body["version"] == case["version"] + 1
    assert body["position"] > case["position"]
    assert answer.headers["preference-applied"] == "return=minimal"
    assert answer.headers["etag"] == f'"{body["version"]}"'
    # What it wrote is there all the same.
    assert ok(client.get(f"/cases/{case['id']}"))["interventions"][0]["notes"] == "Visited the family at home."


def test_a_command_without_the_preference_answers_the_whole_record_and_applies_none(client: TestClient) -> None:
    case = create_case(client)
    for prefer in ({}, {"Prefer": "return=representation"}, {"Prefer": "respond-async, wait=10"}):
        answer = client.post(f"/cases/{case['id']}/interventions", json=intervention(), headers=prefer)
        assert answer.status_code == 200, answer.text
        assert "interventions" in answer.json()
        assert "preference-applied" not in answer.headers


def test_minimal_is_understood_among_other_preferences_and_quoted(client: TestClient) -> None:
    case = create_case(client)
    for prefer in ('handling=lenient, return="minimal"', "respond-async; wait=5, RETURN=minimal"):
        answer = client.post(f"/cases/{case['id']}/interventions", json=intervention(), headers={"Prefer": prefer})
        assert set(answer.json()) == {"id", "version", "position"}, prefer


def test_a_record_created_preferring_minimal_answers_201_with_its_location(client: TestClient) -> None:
    station = create_station(client)
    answer = client.post("/cases", json={**CASE, "station_id": station["id"]}, headers=MINIMAL)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"id", "version", "position"}
    assert answer.headers["location"] == f"/cases/{body['id']}"
    assert ok(client.get(answer.headers["location"]))["version"] == body["version"]


def test_a_minimal_opening_still_warns_of_a_possible_duplicate(client: TestClient) -> None:
    station = create_station(client)
    client.post("/cases", json={**CASE, "station_id": station["id"]})
    answer = client.post("/cases", json={**CASE, "station_id": station["id"]}, headers=MINIMAL)
    assert answer.status_code == 201, answer.text
    assert answer.json()["warnings"], answer.json()


def test_a_minimal_transfer_request_still_names_the_request(client: TestClient) -> None:
    case = create_case(client)
    other = create_station(client)
    answer = client.post(
        f"/cases/{case['id']}/transfer-requests",
        json={"to_station_id": other["id"], "reason": "The family moved."},
        headers=MINIMAL,
    )
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"id", "version", "position", "request_id"}


def test_a_retried_minimal_command_replays_the_same_minimal_answer(client: TestClient) -> None:
    case = create_case(client)
    headers = {**MINIMAL, "Idempotency-Key": str(uuid.uuid4())}
    body = intervention()
    first = client.post(f"/cases/{case['id']}/interventions", json=body, headers=headers)
    again = client.post(f"/cases/{case['id']}/interventions", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["preference-applied"] == "return=minimal"
    assert len(ok(client.get(f"/cases/{case['id']}"))["interventions"]) == 1


def test_the_document_offers_the_preference_and_the_minimal_answer_on_commands(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/cases/{case_id}/interventions"]["post"]
    assert "Prefer" in [parameter["name"] for parameter in operation["parameters"]]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/WrittenMinimal"} in schema["anyOf"]
    reads = document["paths"]["/cases/{case_id}"]["get"]
    assert "Prefer" not in [parameter["name"] for parameter in reads.get("parameters", [])]

"""Stations and departments over HTTP: register, read, list, rename, deactivate."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    DEPARTMENT,
    STATION,
    create_department,
    create_station,
    created,
    ok,
    problem,
    version_of,
)

ORGANISATIONS = [
    pytest.param("stations", STATION, id="station"),
    pytest.param("departments", DEPARTMENT, id="department"),
]


def test_registering_a_station_answers_201_with_the_new_station(client: TestClient) -> None:
    station = created(client.post("/stations", json=STATION), "stations")

    assert station["name"] == STATION["name"]
    assert station["kind"] == "police_care_station"
    assert station["level"] == "town"
    assert station["parent_id"] is None
    assert station["active"] is True
    assert station["version"] == 1
    assert isinstance(station["position"], int)


def test_registering_a_department_answers_201_with_the_new_department(client: TestClient) -> None:
    department = created(client.post("/departments", json=DEPARTMENT), "departments")

    assert department["name"] == DEPARTMENT["name"]
    assert department["kind"] == "education"
    assert department["active"] is True
    assert department["version"] == 1
    assert isinstance(department["position"], int)


def test_a_station_can_name_an_active_parent_station(client: TestClient) -> None:
    parent = create_station(client, name="District Station", level="district")

    child = create_station(client, parent_id=parent["id"])

    assert child["parent_id"] == parent["id"]


def test_a_station_under_a_deactivated_parent_is_refused(client: TestClient) -> None:
    parent = create_station(client, level="district")
    ok(client.post(f"/stations/{parent['id']}/deactivation"))

    body = problem(client.post("/stations", json={**STATION, "parent_id": parent["id"]}), 409)

    assert body["rule"] == "parent_station_inactive"


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_a_registered_organisation_reads_back_with_its_etag(client: TestClient, collection: str, body: dict) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)

    response = client.get(f"/{collection}/{record['id']}")

    read = ok(response)
    assert response.headers["etag"] == '"1"'
    assert {key: read[key] for key in ("id", "version", "name", "kind", "active")} == {
        "id": record["id"],
        "version": 1,
        "name": body["name"],
        "kind": body["kind"],
        "active": True,
    }


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_the_list_holds_every_registered_organisation_oldest_first(
    client: TestClient, collection: str, body: dict
) -> None:
    first = created(client.post(f"/{collection}", json={**body, "name": "First"}), collection)
    second = created(client.post(f"/{collection}", json={**body, "name": "Second"}), collection)

    response = client.get(f"/{collection}")

    assert response.status_code == 200
    listed = [item for item in response.json()["items"] if item["id"] != client.spare_station()]  # type: ignore[attr-defined]
    assert [item["id"] for item in listed] == [first["id"], second["id"]]
    assert [item["name"] for item in listed] == ["First", "Second"]


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_renaming_answers_the_new_name_version_and_a_later_position(
    client: TestClient, collection: str, body: dict
) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)

    renamed = ok(client.put(f"/{collection}/{record['id']}/name", json={"name": "Renamed"}))

    assert renamed["name"] == "Renamed"
    assert renamed["version"] == 2
    assert renamed["position"] > record["position"]
    assert ok(client.get(f"/{collection}/{record['id']}"))["name"] == "Renamed"


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_deactivating_marks_the_organisation_inactive(client: TestClient, collection: str, body: dict) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)

    deactivated = ok(client.post(f"/{collection}/{record['id']}/deactivation"))

    assert deactivated["active"] is False
    assert deactivated["version"] == 2
    assert deactivated["position"] > record["position"]
    assert ok(client.get(f"/{collection}/{record['id']}"))["active"] is False


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [("put", "name", {"name": "Too late"}), ("post", "deactivation", None)],
    ids=["rename", "deactivate-again"],
)
def test_a_deactivated_organisation_refuses_changes(
    client: TestClient, collection: str, body: dict, method: str, suffix: str, payload: dict | None
) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)
    ok(client.post(f"/{collection}/{record['id']}/deactivation"))

    refused = problem(client.request(method, f"/{collection}/{record['id']}/{suffix}", json=payload), 409)

    assert refused["rule"] == "deactivated"
    assert version_of(client, f"/{collection}/{record['id']}") == 2


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_renaming_to_the_current_name_is_refused(client: TestClient, collection: str, body: dict) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)

    refused = problem(client.put(f"/{collection}/{record['id']}/name", json={"name": body["name"]}), 409)

    assert refused["rule"] == "name_unchanged"
    assert version_of(client, f"/{collection}/{record['id']}") == 1


@pytest.mark.parametrize(("collection", "body"), ORGANISATIONS)
def test_an_organisation_reads_as_it_stood_at_a_past_version(client: TestClient, collection: str, body: dict) -> None:
    record = created(client.post(f"/{collection}", json=body), collection)
    ok(client.put(f"/{collection}/{record['id']}/name", json={"name": "Renamed"}))
    ok(client.post(f"/{collection}/{record['id']}/deactivation"))

    first = client.get(f"/{collection}/{record['id']}", params={"version": 1})
    second = client.get(f"/{collection}/{record['id']}", params={"version": 2})

    assert (ok(first)["name"], ok(first)["active"], first.headers["etag"]) == (body["name"], True, '"1"')
    assert (ok(second)["name"], ok(second)["active"], second.headers["etag"]) == ("Renamed", True, '"2"')
    problem(client.get(f"/{collection}/{record['id']}", params={"version": 4}), 404)


def test_stations_and_departments_are_listed_apart_even_with_the_same_name(client: TestClient) -> None:
    station = create_station(client, name="Youth Care Studio")
    department = create_department(client, name="Youth Care Studio", kind="youth_care_studio")

    assert department["id"] != station["id"]
    seen = {"consistent_with": department["position"]}
    stations = [item["id"] for item in client.get("/stations", params=seen).json()["items"]]
    assert stations == [client.spare_station(), station["id"]]  # type: ignore[attr-defined]
    assert [item["id"] for item in client.get("/departments", params=seen).json()["items"]] == [department["id"]]


def test_a_chinese_name_reads_back_unchanged(client: TestClient) -> None:
    station = create_station(client, name="城关派出所关爱站")

    renamed = ok(client.put(f"/stations/{station['id']}/name", json={"name": "城关关爱站（东）"}))

    assert station["name"] == "城关派出所关爱站"
    assert ok(client.get(f"/stations/{station['id']}"))["name"] == renamed["name"] == "城关关爱站（东）"

"""Lists, views and reports narrowed to the caller's scope inside the query: pages and counts stay right."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.api.acting import ActingClient
from tests.api.conftest import STATION, as_, create_case, create_department, create_pair, create_referral, created


def network(client: ActingClient) -> dict[str, Any]:
    """District R with station A under it and V under A; station B on its own. Cases at each."""
    district = created(client.post("/stations", json={**STATION, "name": "R", "level": "district"}), "stations")
    a = created(client.post("/stations", json={**STATION, "name": "A", "parent_id": district["id"]}), "stations")
    v = created(
        client.post("/stations", json={**STATION, "name": "V", "level": "village", "parent_id": a["id"]}), "stations"
    )
    b = created(client.post("/stations", json={**STATION, "name": "B"}), "stations")
    opened = {
        name: [create_case(client, station["id"]) for _ in range(3)] for name, station in (("A", a), ("V", v), ("B", b))
    }
    cases = {name: [case["id"] for case in made] for name, made in opened.items()}
    head = max(case["position"] for made in opened.values() for case in made)
    return {"R": district["id"], "A": a["id"], "V": v["id"], "B": b["id"], "cases": cases, "head": head}


def every_page(client: ActingClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(
            path, params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) == 1 or (not body["items"] and cursor is None), "a page came back short"
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_an_officer_finds_only_their_stations_cases_page_by_page(client: ActingClient) -> None:
    world = network(client)
    found = every_page(client, "/cases", as_(client, "station_officer", world["A"]), consistent_with=world["head"])

    assert sorted(item["id"] for item in found) == sorted(world["cases"]["A"])


def test_a_coordinator_finds_the_cases_of_their_area_and_a_district_coordinator_all(client: ActingClient) -> None:
    world = network(client)

    area = every_page(client, "/cases", as_(client, "coordinator", world["A"]), consistent_with=world["head"])
    district = every_page(client, "/cases", as_(client, "coordinator", None), consistent_with=world["head"])

    assert sorted(item["id"] for item in area) == sorted(world["cases"]["A"] + world["cases"]["V"])
    assert {item["id"] for item in district} >= {case for cases in world["cases"].values() for case in cases}


def test_a_coordinator_reads_a_case_in_their_area_and_not_one_outside(client: ActingClient) -> None:
    world = network(client)
    headers = as_(client, "coordinator", world["A"])

    assert client.get(f"/cases/{world['cases']['V'][0]}", headers=headers).status_code == 200
    assert client.get(f"/cases/{world['cases']['B'][0]}", headers=headers).status_code == 404


def test_the_audit_trail_of_an_officer_holds_their_stations_events_only(client: ActingClient) -> None:
    world = network(client)

    rows = every_page(client, "/audit-trail", as_(client, "station_officer", world["B"]), consistent_with=world["head"])

    assert rows and {row["station_id"] for row in rows} == {world["B"]}
    assert {row["case_id"] for row in rows} == {*world["cases"]["B"], None}  # None: the station's own events
    assert {row["record_id"] for row in rows if row["case_id"] is None} == {world["B"]}


def test_a_department_officer_sees_the_referrals_waiting_on_their_department_only(client: ActingClient) -> None:
    mine, other = create_department(client, name="Mine"), create_department(client, name="Other")
    waiting = create_referral(client, department_id=mine["id"])
    create_referral(client, department_id=other["id"])
    headers = as_(client, "department_officer", mine["id"])

    board = client.get(
        "/coordination/referrals", params={"consistent_with": waiting["position"] + 1}, headers=headers
    ).json()

    assert [d["department"]["id"] for d in board["departments"]] == [mine["id"]]
    assert [r["referral_id"] for r in board["departments"][0]["awaiting_answer"]] == [waiting["id"]]
    summary = client.get("/coordination/departments", headers=headers).json()["departments"]
    assert [d["department"]["id"] for d in summary] == [mine["id"]]


def test_a_station_leads_report_counts_their_station_only(client: ActingClient) -> None:
    world = network(client)
    year = {"from": f"{date.today().year}-01-01", "to": f"{date.today().year}-12-31", "consistent_with": world["head"]}

    report = client.get("/reports/summary", params=year, headers=as_(client, "station_lead", world["A"])).json()

    assert [section["station"]["id"] for section in report["stations"]] == [world["A"]]
    assert report["district"]["cases_opened"] == 3


def test_a_station_dashboard_and_mentor_load_hold_the_callers_stations(client: ActingClient) -> None:
    world = network(client)
    pair_a = create_pair(client, case_id=world["cases"]["A"][0])
    pair_b = create_pair(client, case_id=world["cases"]["B"][0])
    headers = as_(client, "coordinator", world["A"])

    stations = client.get(
        "/coordination/stations", params={"consistent_with": pair_b["position"]}, headers=headers
    ).json()["stations"]
    mentors = client.get(
        "/coordination/mentors", params={"consistent_with": pair_b["position"]}, headers=headers
    ).json()["volunteers"]

    assert sorted(s["station"]["id"] for s in stations) == sorted([world["A"], world["V"]])
    assert [m["volunteer"]["id"] for m in mentors] == [pair_a["volunteer_id"]]

"""Duplicate youths at registration, and search by ID number: told only what the caller may see."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from infrastructure.logs import Scrubbed
from infrastructure.youth_ids import youth_ids
from tests.api.acting import ActingClient
from tests.api.conftest import CASE, YOUTH, close_case, create_case, create_station, created, problem

ID_NUMBER = "11010120110502003X"
YOUNG = {**YOUTH, "id_number": ID_NUMBER}
ERASURE = {"reason": "purpose fulfilled", "legal_basis": "PIPL art. 47"}


def as_(client: ActingClient, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token(role, scope)}"}


def register(client: ActingClient, station_id: str, youth: dict[str, Any], **extra: Any) -> Any:
    headers = as_(client, "station_officer", station_id)
    return client.post("/cases", json={**CASE, "station_id": station_id, "youth": youth, **extra}, headers=headers)


def test_the_same_id_number_as_an_open_case_of_ones_station_is_refused_with_its_id(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)

    # The same number written another way is the same number.
    refused = problem(register(client, first["station_id"], {**YOUNG, "id_number": "110101-2011 0502 003x"}), 409)

    assert refused["rule"] == "possible_duplicate"
    assert refused["duplicate_case_id"] == first["id"]
    log = client.get("/audit/access-log", params={"record_id": first["id"]}, headers=as_(client, "auditor")).json()
    assert [entry["endpoint"] for entry in log["items"]] == ["POST /cases"]  # naming the case is a read


def test_another_stations_officer_learns_only_that_the_youth_has_an_open_case(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)
    elsewhere = create_station(client, name="Another station")["id"]

    refused = problem(register(client, elsewhere, YOUNG), 409)

    assert refused["rule"] == "possible_duplicate"
    assert "duplicate_case_id" not in refused
    assert first["id"] not in str(refused)


def test_a_sealed_match_is_never_named(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)
    sealing = client.post(f"/cases/{first['id']}/seal", json={"reason": "offence", "legal_basis": "CPL art. 286"})
    assert sealing.status_code == 200, sealing.text

    refused = problem(register(client, first["station_id"], YOUNG), 409)

    assert refused["rule"] == "possible_duplicate"
    assert "duplicate_case_id" not in refused


def test_a_closed_case_does_not_stop_a_new_one(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)
    close_case(client, first["id"], outcome="back in school")

    again = created(register(client, first["station_id"], YOUNG), "cases")

    assert again["second_case"] is False


def test_the_same_name_and_date_of_birth_is_a_warning_naming_only_what_the_caller_may_read(
    client: ActingClient,
) -> None:
    first = create_case(client, youth={**YOUTH, "full_name": "  zhang  XIAOMING "})
    elsewhere = create_station(client, name="Another station")["id"]

    here = created(register(client, first["station_id"], YOUTH), "cases")
    there = created(register(client, elsewhere, YOUTH), "cases")

    assert [(w["rule"], w["case_ids"]) for w in here["warnings"]] == [("same_name_and_date_of_birth", [first["id"]])]
    assert [(w["rule"], w["case_ids"]) for w in there["warnings"]] == [("same_name_and_date_of_birth", [])]
    assert "warnings" not in client.get(f"/cases/{here['id']}").json()


def test_a_deliberate_second_case_is_recorded_with_its_reason(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)
    reason = "new offence while the first case is still open"

    unexplained = problem(register(client, first["station_id"], YOUNG, confirm_new=True), 422)
    second = created(register(client, first["station_id"], YOUNG, confirm_new=True, confirm_reason=reason), "cases")

    assert unexplained["errors"][0]["field"] == "confirm_reason"
    assert (second["second_case"], second["second_case_reason"]) == (True, reason)
    shown = client.get(f"/cases/{second['id']}").json()
    assert (shown["second_case"], shown["second_case_reason"]) == (True, reason)
    assert (first["second_case"], first["second_case_reason"]) == (False, None)
    opened = client.get(f"/cases/{second['id']}/history").json()["events"][0]
    assert opened["data"]["second_case_reason"] == reason


def test_an_erased_youth_no_longer_matches(client: ActingClient) -> None:
    first = create_case(client, youth=YOUNG)
    erasing = client.post(f"/cases/{first['id']}/erasure", json=ERASURE, headers=as_(client, "admin"))
    assert erasing.status_code == 200, erasing.text

    again = created(register(client, first["station_id"], YOUNG), "cases")

    assert "warnings" not in again
    assert stored_rows(client) == [(again["id"],)]


def stored_rows(client: ActingClient) -> list[tuple[str]]:
    with client.front.core.youth_ids.store.reading() as conn:  # type: ignore[union-attr, attr-defined]
        return [(str(row.case_id),) for row in conn.execute(select(youth_ids))]


def test_the_table_holds_no_id_number_name_or_birth_date(client: ActingClient) -> None:
    create_case(client, youth=YOUNG)

    with client.front.core.youth_ids.store.reading() as conn:  # type: ignore[union-attr, attr-defined]
        rows = [tuple(str(value) for value in row) for row in conn.execute(select(youth_ids))]

    assert len(rows) == 1
    stored = " ".join(rows[0]).lower()
    for clear in (ID_NUMBER, "110101", "20110502", YOUTH["full_name"], "xiaoming", "2011-05-02"):
        assert clear.lower() not in stored


def test_search_by_id_number_finds_the_youths_cases_within_the_callers_reach(client: ActingClient) -> None:
    mine = create_case(client, youth=YOUNG)
    create_case(client, station_id=mine["station_id"])  # another youth at the same station
    elsewhere = create_station(client, name="Another station")["id"]
    theirs = created(register(client, elsewhere, YOUNG, confirm_new=True, confirm_reason="moved districts"), "cases")
    lead = as_(client, "station_lead", mine["station_id"])
    query = {"id_number": "110101 2011 0502 003x", "consistent_with": theirs["position"]}

    by_lead = client.get("/cases", params=query, headers=lead)
    by_auditor = client.get("/cases", params=query, headers=as_(client, "auditor"))
    by_other = client.get("/cases", params={**query, "id_number": "110101201105020040"}, headers=lead)

    assert [case["id"] for case in by_lead.json()["items"]] == [mine["id"]]
    assert sorted(case["id"] for case in by_auditor.json()["items"]) == sorted([mine["id"], theirs["id"]])
    assert by_other.json()["items"] == []
    log = client.get("/audit/access-log", headers=as_(client, "auditor")).text
    assert ID_NUMBER not in log and ID_NUMBER.lower() not in log and "003x" not in log.lower()


def test_the_servers_access_log_does_not_keep_a_searched_id_number() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/cases?status=open&ID_NUMBER={ID_NUMBER}&limit=5", "1.1", 200),
        None,
    )

    assert Scrubbed().filter(record)

    assert record.getMessage() == '127.0.0.1:5000 - "GET /cases?status=open&ID_NUMBER=[hidden]&limit=5 HTTP/1.1" 200'

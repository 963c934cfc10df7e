"""Sealed cases: gone for everybody, except a mentor's own pair and a purposed, logged read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from application.views.export import verify_export
from tests.api.acting import ActingClient
from tests.api.conftest import create_department, create_pair, create_referral, problem

SEAL = {"reason": "offence under 18, under five years", "legal_basis": "Criminal Procedure Law art. 286"}


def as_(client: ActingClient, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token(role, scope)}"}


@pytest.fixture
def sealed(client: ActingClient) -> dict[str, Any]:
    """A case with a pair and a referral, sealed by its station's lead."""
    department = create_department(client)
    pair = create_pair(client)
    referral = create_referral(client, case_id=pair["case_id"], department_id=department["id"])
    case_id = pair["case_id"]
    station = client.get(f"/cases/{case_id}").json()["station_id"]
    done = client.post(f"/cases/{case_id}/seal", json=SEAL)
    assert done.status_code == 200, done.text
    assert done.json()["sealed"] is True
    return {
        "case": case_id,
        "pair": pair["id"],
        "volunteer": pair["volunteer_id"],
        "referral": referral["id"],
        "department": department["id"],
        "station": station,
        "position": done.json()["position"],
    }


def everyone(client: ActingClient, world: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        "officer": as_(client, "station_officer", world["station"]),
        "lead": as_(client, "station_lead", world["station"]),
        "coordinator": as_(client, "coordinator"),
        "auditor": as_(client, "auditor"),
        "department": as_(client, "department_officer", world["department"]),
    }


def test_a_sealed_case_its_pair_and_referral_are_not_found_by_anyone(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    paths = [
        f"/cases/{sealed['case']}",
        f"/cases/{sealed['case']}/history",
        f"/cases/{sealed['case']}/timeline",
        f"/pairs/{sealed['pair']}",
        f"/referrals/{sealed['referral']}",
        f"/cases/{sealed['case']}/export",
    ]
    for role, headers in everyone(client, sealed).items():
        for path in paths:
            assert client.get(path, headers=headers).status_code == 404, (role, path)


def test_work_on_a_sealed_case_finds_nothing(client: ActingClient, sealed: dict[str, Any]) -> None:
    lead = everyone(client, sealed)["lead"]

    answer = client.post(f"/cases/{sealed['case']}/reopening", json={"reason": "x"}, headers=lead)

    problem(answer, 404)


def test_the_mentor_keeps_their_pair_and_sees_no_more_than_before(client: ActingClient, sealed: dict[str, Any]) -> None:
    mentor = as_(client, "mentor", sealed["volunteer"])

    pair = client.get(f"/pairs/{sealed['pair']}", headers=mentor)

    assert pair.status_code == 200
    assert "seal" not in pair.json() and "sealed" not in pair.json()
    assert pair.json()["youth"]["full_name"]
    assert client.get(f"/cases/{sealed['case']}", headers=mentor).status_code == 404


def test_an_auditor_reads_a_sealed_case_with_a_purpose_and_it_is_marked_and_logged(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    auditor = as_(client, "auditor")

    answer = client.get(f"/cases/{sealed['case']}", params={"purpose": "court inquiry 2026-118"}, headers=auditor)

    assert answer.status_code == 200
    mark = answer.json()["seal"]
    assert answer.json()["sealed"] is True
    assert (mark["reason"], mark["legal_basis"]) == (SEAL["reason"], SEAL["legal_basis"])
    assert mark["sealed_by"] == client.usernames[("station_lead", sealed["station"])]
    log = client.get("/audit/access-log", params={"record_id": sealed["case"]}, headers=auditor).json()["items"]
    assert (log[0]["sealed"], log[0]["purpose"], log[0]["role"]) == (True, "court inquiry 2026-118", "auditor")
    assert log[1:] and not any(entry["sealed"] for entry in log[1:])  # the lead's reads before the seal


def test_a_coordinator_of_another_area_finds_nothing_even_with_a_purpose(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    elsewhere = client.spare_station()
    headers = as_(client, "coordinator", elsewhere)

    answer = client.get(f"/cases/{sealed['case']}", params={"purpose": "curious"}, headers=headers)

    assert answer.status_code == 404


def test_a_purposed_history_of_a_sealed_pair_and_referral_carries_the_mark(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    coordinator = as_(client, "coordinator")
    for path in (f"/pairs/{sealed['pair']}/history", f"/referrals/{sealed['referral']}"):
        answer = client.get(path, params={"purpose": "annual review"}, headers=coordinator)
        assert answer.status_code == 200, path
        assert answer.json()["sealed"] is True


def test_only_an_auditor_with_a_purpose_exports_a_sealed_case_and_the_file_says_so(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    purposed = {"purpose": "prosecutor's lawful query"}
    assert client.get(f"/cases/{sealed['case']}/export", headers=as_(client, "auditor")).status_code == 404
    coordinator = as_(client, "coordinator")
    assert client.get(f"/cases/{sealed['case']}/export", params=purposed, headers=coordinator).status_code == 403

    exported = client.get(f"/cases/{sealed['case']}/export", params=purposed, headers=as_(client, "auditor"))

    assert exported.status_code == 200
    assert verify_export(exported.content) == []
    assert json.loads(exported.content)["content"]["sealed"]["legal_basis"] == SEAL["legal_basis"]


def test_a_sealed_case_leaves_lists_and_named_rows_but_counts_stay(
    client: ActingClient, sealed: dict[str, Any]
) -> None:
    auditor = as_(client, "auditor")
    at = {"consistent_with": sealed["position"]}

    cases = client.get("/cases", params={**at, "limit": 500}, headers=auditor).json()["items"]
    trail = client.get("/audit-trail", params={**at, "case_id": sealed["case"]}, headers=auditor).json()["items"]
    board = client.get(
        "/coordination/referrals", params={**at, "department_id": sealed["department"]}, headers=auditor
    ).json()
    summary = client.get("/coordination/departments", params=at, headers=auditor).json()["departments"]

    assert sealed["case"] not in {case["id"] for case in cases}
    assert trail == []
    assert board["departments"][0]["awaiting_answer"] == []
    counted = next(d for d in summary if d["department"]["id"] == sealed["department"])
    assert counted["referrals"]["pending"] == 1


def test_unsealing_by_a_coordinator_brings_the_case_back(client: ActingClient, sealed: dict[str, Any]) -> None:
    lead = as_(client, "station_lead", sealed["station"])
    problem(client.post(f"/cases/{sealed['case']}/unsealing", json=SEAL, headers=lead), 404)

    done = client.post(f"/cases/{sealed['case']}/unsealing", json=SEAL, headers=as_(client, "coordinator"))

    assert done.status_code == 200 and done.json()["sealed"] is False
    assert client.get(f"/cases/{sealed['case']}", headers=lead).status_code == 200
    cases = client.get(
        "/cases", params={"consistent_with": done.json()["position"]}, headers=as_(client, "auditor")
    ).json()["items"]
    assert sealed["case"] in {case["id"] for case in cases}


def test_sealing_twice_or_unsealing_an_open_case_is_refused(client: ActingClient, sealed: dict[str, Any]) -> None:
    coordinator = as_(client, "coordinator")
    purposed = {"purpose": "review"}
    assert client.post(f"/cases/{sealed['case']}/unsealing", json=SEAL, headers=coordinator).status_code == 200
    again = client.post(f"/cases/{sealed['case']}/unsealing", json=SEAL, headers=coordinator)
    assert problem(again, 409)["rule"] == "not_sealed"
    assert (
        client.post(f"/cases/{sealed['case']}/seal", json=SEAL, params=purposed, headers=coordinator).status_code == 200
    )
    twice = client.post(f"/cases/{sealed['case']}/seal", json=SEAL, headers=coordinator)
    problem(twice, 404)  # sealed: not found by anyone sealing it again

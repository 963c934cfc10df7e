"""Erasure: the youth's personal data reads as erased everywhere; structure and proof remain."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from application.views.export import verify_export
from tests.api.acting import ActingClient
from tests.api.conftest import YOUTH, create_case, create_pair, create_referral, problem

ERASURE = {"reason": "purpose fulfilled", "legal_basis": "PIPL art. 47"}
SECRET_YOUTH = {**YOUTH, "full_name": "Ouyang Mingyue", "guardian_phone": "139 8765 4321", "school": "No. 7 School"}
NOTE = "told us about the uncle's threats"


def as_(client: ActingClient, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token(role, scope)}"}


@pytest.fixture
def erased(client: ActingClient) -> dict[str, Any]:
    case = create_case(client, youth=SECRET_YOUTH)
    intervention = {
        "kind": "home_visit",
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "duration_minutes": 40,
        "notes": NOTE,
        "performed_by": "officer",
    }
    assert client.post(f"/cases/{case['id']}/interventions", json=intervention).status_code == 200
    pair = create_pair(client, case_id=case["id"])
    session = {
        "held_on": date.today().isoformat(),
        "duration_minutes": 30,
        "mode": "phone",
        "notes": NOTE,
        "progress": 2,
    }
    assert client.post(f"/pairs/{pair['id']}/sessions", json=session).status_code == 200
    referral = create_referral(client, case_id=case["id"], reason=NOTE)
    done = client.post(f"/cases/{case['id']}/erasure", json=ERASURE, headers=as_(client, "admin"))
    assert done.status_code == 200, done.text
    return {"case": case["id"], "pair": pair["id"], "referral": referral["id"], "answer": done.json()}


def test_the_erasure_answer_and_every_read_show_the_personal_data_erased(
    client: ActingClient, erased: dict[str, Any]
) -> None:
    reads = [
        erased["answer"],
        client.get(f"/cases/{erased['case']}").json(),
        client.get(f"/cases/{erased['case']}", params={"version": 1}).json(),
        client.get(f"/cases/{erased['case']}", params={"as_of": "2999-01-01T00:00:00Z"}).json(),
        client.get(f"/cases/{erased['case']}/history").json(),
        client.get(f"/cases/{erased['case']}/timeline").json(),
        client.get(f"/pairs/{erased['pair']}").json(),
        client.get(f"/pairs/{erased['pair']}/history").json(),
        client.get(f"/referrals/{erased['referral']}").json(),
    ]
    for read in reads:
        text = str(read)
        for secret in (SECRET_YOUTH["full_name"], SECRET_YOUTH["guardian_phone"], SECRET_YOUTH["school"], NOTE):
            assert secret not in text, (secret, text[:300])
    case = reads[1]
    assert case["erased"] is True
    assert case["youth"]["full_name"] == "[erased]" and case["youth"]["date_of_birth"] is None
    assert case["interventions"][0]["notes"] == "[erased]"


def test_structure_stays_after_erasure(client: ActingClient, erased: dict[str, Any]) -> None:
    case = client.get(f"/cases/{erased['case']}").json()

    assert (case["category"], case["source"], case["status"]) == ("truancy", "school", "open")
    assert [i["kind"] for i in case["interventions"]] == ["home_visit"]
    assert client.get(f"/pairs/{erased['pair']}").json()["sessions"][0]["duration_minutes"] == 30
    found = client.get(
        "/cases", params={"consistent_with": erased["answer"]["position"]}, headers=as_(client, "auditor")
    ).json()["items"]
    row = next(item for item in found if item["id"] == erased["case"])
    assert row["youth_display_name"] == "[erased]" and row["interventions"] == 1


def test_the_chains_still_verify_and_the_case_file_checks_offline(client: ActingClient, erased: dict[str, Any]) -> None:
    auditor = as_(client, "auditor")
    anchor = client.get("/audit/anchor", params={"consistent_with": erased["answer"]["position"]}, headers=auditor)
    assert anchor.status_code == 200

    assert client.get("/audit/verification", headers=auditor).json()["ok"] is True
    exported = client.get(f"/cases/{erased['case']}/export", headers=auditor)
    assert exported.status_code == 200 and verify_export(exported.content) == []
    assert SECRET_YOUTH["full_name"].encode() not in exported.content


def test_an_erased_case_and_its_records_take_no_more_work(client: ActingClient, erased: dict[str, Any]) -> None:
    attempts = [
        (f"/cases/{erased['case']}/risk-assessments", {"instrument": "i", "score": 1, "level": "low", "notes": "n"}),
        (f"/pairs/{erased['pair']}/pause", {"reason": "r"}),
        (f"/referrals/{erased['referral']}/withdrawal", {"reason": "r"}),
    ]
    for path, body in attempts:
        assert problem(client.post(path, json=body), 409)["rule"] == "case_erased", path
    again = client.post(f"/cases/{erased['case']}/erasure", json=ERASURE, headers=as_(client, "admin"))
    assert problem(again, 409)["rule"] == "case_erased"


def test_only_an_admin_erases(client: ActingClient) -> None:
    case = create_case(client)

    answer = client.post(
        f"/cases/{case['id']}/erasure", json=ERASURE, headers=as_(client, "station_lead", case["station_id"])
    )

    problem(answer, 403)
    assert client.get(f"/cases/{case['id']}").json()["youth"]["full_name"] == YOUTH["full_name"]

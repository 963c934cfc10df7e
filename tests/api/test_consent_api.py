"""Consent gates sharing: no referral without a covering consent, unless a station lead overrides."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.api.acting import ActingClient
from tests.api.conftest import YOUTH, create_case, create_department, problem

TODAY = date.today()


def referral_body(case_id: str, department_id: str, **more: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "to_department_id": department_id,
        "service": "school re-entry support",
        "reason": "Three weeks of truancy.",
        "respond_by": (TODAY + timedelta(days=14)).isoformat(),
        **more,
    }


def consent(client: ActingClient, case_id: str, scope: str, giver: str = "guardian", granted: bool = True) -> None:
    body = {"scope": scope, "granted": granted, "given_by": "Zhang Wei", "giver": giver}
    assert client.post(f"/cases/{case_id}/consents", json=body).status_code == 200


def refused(client: ActingClient, case_id: str, department_id: str) -> dict[str, Any]:
    body = problem(client.post("/referrals", json=referral_body(case_id, department_id)), 409)
    assert body["rule"] == "consent_required"
    return body


def lead(client: ActingClient, case_id: str) -> dict[str, str]:
    station = client.get(f"/cases/{case_id}").json()["station_id"]
    return {"Authorization": f"Bearer {client.token('station_lead', station)}"}


def test_a_referral_without_any_consent_is_refused_and_nothing_is_stored(client: ActingClient) -> None:
    case, department = create_case(client), create_department(client)

    refused(client, case["id"], department["id"])

    auditor = {"Authorization": f"Bearer {client.token('auditor', None)}"}
    made = client.get("/audit-trail", params={"case_id": case["id"]}, headers=auditor).json()["items"]
    assert [row["event_type"] for row in made] == ["case.Opened"]


@pytest.mark.parametrize("scope", ["all", "ALL", "education", "{department}"])
def test_a_consent_covering_the_department_lets_the_referral_through(client: ActingClient, scope: str) -> None:
    case, department = create_case(client), create_department(client, kind="education")
    consent(client, case["id"], scope.format(department=department["id"]))

    made = client.post("/referrals", json=referral_body(case["id"], department["id"]))

    assert made.status_code == 201, made.text
    assert client.get(f"/referrals/{made.json()['id']}").json()["consent"] == {
        "basis": "consent",
        "withdrawn_since": False,
    }


def test_a_consent_for_another_department_does_not_cover_this_one(client: ActingClient) -> None:
    case = create_case(client)
    health, school = create_department(client, kind="health"), create_department(client, kind="education")
    consent(client, case["id"], "health")
    consent(client, case["id"], health["id"])

    refused(client, case["id"], school["id"])


def test_under_14_only_the_guardians_consent_counts(client: ActingClient) -> None:
    young = create_case(client, youth={**YOUTH, "date_of_birth": (TODAY - timedelta(days=365 * 12)).isoformat()})
    department = create_department(client)
    consent(client, young["id"], "all", giver="youth")

    body = refused(client, young["id"], department["id"])

    assert "under 14" in body["detail"]
    consent(client, young["id"], "all", giver="guardian")
    assert client.post("/referrals", json=referral_body(young["id"], department["id"])).status_code == 201


def test_from_14_the_youths_own_consent_counts(client: ActingClient) -> None:
    older = create_case(client, youth={**YOUTH, "date_of_birth": (TODAY - timedelta(days=365 * 15)).isoformat()})
    department = create_department(client)
    consent(client, older["id"], "all", giver="youth")

    assert client.post("/referrals", json=referral_body(older["id"], department["id"])).status_code == 201


def test_withdrawing_consent_stops_new_sharing_and_marks_what_was_shared(client: ActingClient) -> None:
    case, department = create_case(client), create_department(client, kind="education")
    consent(client, case["id"], "education")
    earlier = client.post("/referrals", json=referral_body(case["id"], department["id"])).json()

    consent(client, case["id"], "education", granted=False)

    refused(client, case["id"], department["id"])
    kept = client.get(f"/referrals/{earlier['id']}").json()
    assert kept["status"] == "pending"
    assert kept["consent"] == {"basis": "consent", "withdrawn_since": True}


def test_a_station_lead_may_override_and_the_override_is_recorded(client: ActingClient) -> None:
    case, department = create_case(client), create_department(client)
    override = {"consent_override": {"reason": "risk to life: the hospital needs the history now"}}

    made = client.post(
        "/referrals", json=referral_body(case["id"], department["id"], **override), headers=lead(client, case["id"])
    )

    assert made.status_code == 201, made.text
    assert made.json()["version"] == 2
    read = client.get(f"/referrals/{made.json()['id']}").json()
    assert read["consent"]["basis"] == "override"
    assert read["consent"]["reason"] == override["consent_override"]["reason"]
    assert read["consent"]["by"] == client.usernames[("station_lead", case["station_id"])]
    auditor = {"Authorization": f"Bearer {client.token('auditor', None)}"}
    trail = client.get(
        "/audit-trail",
        params={"record_id": made.json()["id"], "consistent_with": made.json()["position"]},
        headers=auditor,
    ).json()["items"]
    assert [row["event_type"] for row in trail] == ["referral.ConsentOverridden", "referral.Made"]


def test_a_station_officer_may_not_override(client: ActingClient) -> None:
    case, department = create_case(client), create_department(client)
    officer = {"Authorization": f"Bearer {client.token('station_officer', case['station_id'])}"}
    override = {"consent_override": {"reason": "in a hurry"}}

    answer = client.post("/referrals", json=referral_body(case["id"], department["id"], **override), headers=officer)

    problem(answer, 403)


def test_an_override_is_not_recorded_when_consent_covers_the_referral(client: ActingClient) -> None:
    case, department = create_case(client), create_department(client)
    consent(client, case["id"], "all")
    override = {"consent_override": {"reason": "just in case"}}

    made = client.post(
        "/referrals", json=referral_body(case["id"], department["id"], **override), headers=lead(client, case["id"])
    )

    assert made.status_code == 201 and made.json()["version"] == 1
    assert client.get(f"/referrals/{made.json()['id']}").json()["consent"]["basis"] == "consent"

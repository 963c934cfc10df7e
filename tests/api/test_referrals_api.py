"""Referrals over HTTP: making, accepting, declining, noting progress, completing, withdrawing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    close_case,
    consent_to_sharing,
    create_case,
    create_department,
    create_referral,
    created,
    ok,
    probe_position,
    problem,
    today,
    version_of,
)


def referral_body(case_id: str, department_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "to_department_id": department_id,
        "service": "school re-entry support",
        "reason": "Three weeks of truancy.",
        "respond_by": (today() + timedelta(days=14)).isoformat(),
        **changes,
    }


def test_making_a_referral_answers_201_with_a_pending_referral_from_the_cases_station(client: TestClient) -> None:
    case = create_case(client)
    department = create_department(client)
    consent_to_sharing(client, case["id"])

    referral = created(client.post("/referrals", json=referral_body(case["id"], department["id"])), "referrals")

    assert referral["status"] == "pending"
    assert referral["case_id"] == case["id"]
    assert referral["from_station_id"] == case["station_id"]
    assert referral["to_department_id"] == department["id"]
    assert referral["respond_by"] == (today() + timedelta(days=14)).isoformat()
    assert (referral["notes"], referral["outcome"]) == ([], None)
    assert referral["version"] == 1
    assert referral["position"] > department["position"]


def test_a_made_referral_reads_back_with_its_etag(client: TestClient) -> None:
    referral = create_referral(client)

    response = client.get(f"/referrals/{referral['id']}")

    assert response.headers["etag"] == '"1"'
    read = ok(response)
    assert read.pop("consent") == {"basis": "consent", "withdrawn_since": False}
    assert read == {key: value for key, value in referral.items() if key != "position"}


def test_an_accepted_referral_takes_notes_and_is_completed_with_its_outcome(client: TestClient) -> None:
    referral = create_referral(client)
    path = f"/referrals/{referral['id']}"

    accepted = ok(client.post(f"{path}/acceptance"))
    noted = ok(client.post(f"{path}/progress-notes", json={"note": "Class teacher assigned."}))
    completed = ok(client.post(f"{path}/completion", json={"outcome": "Re-enrolled."}))

    assert [(r["status"], r["version"]) for r in (accepted, noted, completed)] == [
        ("accepted", 2),
        ("accepted", 3),
        ("completed", 4),
    ]
    assert completed["notes"] == ["Class teacher assigned."]
    assert completed["outcome"] == "Re-enrolled."
    assert referral["position"] < accepted["position"] < noted["position"] < completed["position"]


def test_a_pending_referral_takes_progress_notes(client: TestClient) -> None:
    referral = create_referral(client)

    noted = ok(client.post(f"/referrals/{referral['id']}/progress-notes", json={"note": "Called the bureau."}))

    assert (noted["status"], noted["notes"], noted["version"]) == ("pending", ["Called the bureau."], 2)


def test_a_declined_referral_keeps_the_reason(client: TestClient) -> None:
    referral = create_referral(client)

    declined = ok(client.post(f"/referrals/{referral['id']}/decline", json={"reason": "Outside our district."}))

    assert (declined["status"], declined["decline_reason"], declined["version"]) == (
        "declined",
        "Outside our district.",
        2,
    )
    assert declined["position"] > referral["position"]


@pytest.mark.parametrize("accept_first", [False, True], ids=["pending", "accepted"])
def test_an_open_referral_can_be_withdrawn(client: TestClient, accept_first: bool) -> None:
    referral = create_referral(client)
    if accept_first:
        ok(client.post(f"/referrals/{referral['id']}/acceptance"))

    withdrawn = ok(client.post(f"/referrals/{referral['id']}/withdrawal", json={"reason": "Family moved."}))

    assert (withdrawn["status"], withdrawn["withdrawal_reason"]) == ("withdrawn", "Family moved.")
    assert withdrawn["version"] == 2 + accept_first


def test_completing_a_pending_referral_is_refused(client: TestClient) -> None:
    referral = create_referral(client)

    refused = problem(client.post(f"/referrals/{referral['id']}/completion", json={"outcome": "Done."}), 409)

    assert refused["rule"] == "referral_not_accepted"
    assert version_of(client, f"/referrals/{referral['id']}") == 1


@pytest.mark.parametrize(
    ("method", "suffix", "body", "rule"),
    [
        ("post", "acceptance", None, "referral_not_pending"),
        ("post", "decline", {"reason": "No capacity."}, "referral_not_pending"),
    ],
    ids=["accept-twice", "decline-after-acceptance"],
)
def test_an_accepted_referral_cannot_be_answered_again(
    client: TestClient, method: str, suffix: str, body: dict | None, rule: str
) -> None:
    referral = create_referral(client)
    ok(client.post(f"/referrals/{referral['id']}/acceptance"))

    refused = problem(client.request(method, f"/referrals/{referral['id']}/{suffix}", json=body), 409)

    assert refused["rule"] == rule
    assert version_of(client, f"/referrals/{referral['id']}") == 2


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("acceptance", None),
        ("decline", {"reason": "x"}),
        ("progress-notes", {"note": "x"}),
        ("completion", {"outcome": "x"}),
        ("withdrawal", {"reason": "x"}),
    ],
)
def test_a_declined_referral_takes_nothing_more(client: TestClient, suffix: str, body: dict | None) -> None:
    referral = create_referral(client)
    ok(client.post(f"/referrals/{referral['id']}/decline", json={"reason": "No capacity."}))

    refused = problem(client.post(f"/referrals/{referral['id']}/{suffix}", json=body), 409)

    assert refused["rule"] == "referral_declined"
    assert version_of(client, f"/referrals/{referral['id']}") == 2


def test_a_referral_to_a_deactivated_department_is_refused_and_stores_nothing(client: TestClient) -> None:
    case = create_case(client)
    department = create_department(client)
    ok(client.post(f"/departments/{department['id']}/deactivation"))
    before = probe_position(client)

    refused = problem(client.post("/referrals", json=referral_body(case["id"], department["id"])), 409)

    assert refused["rule"] == "department_inactive"
    assert probe_position(client) == before + 1


def test_a_referral_of_a_closed_case_is_refused(client: TestClient) -> None:
    case = create_case(client)
    close_case(client, case["id"], outcome="Done")

    refused = problem(client.post("/referrals", json=referral_body(case["id"], create_department(client)["id"])), 409)

    assert refused["rule"] == "case_closed"


def test_a_referral_with_a_response_date_in_the_past_is_invalid(client: TestClient) -> None:
    case = create_case(client)
    department = create_department(client)
    past = (today() - timedelta(days=2)).isoformat()

    refused = problem(client.post("/referrals", json=referral_body(case["id"], department["id"], respond_by=past)), 422)

    assert [e["field"] for e in refused["errors"]] == ["respond_by"]


@pytest.mark.parametrize("field", ["case_id", "to_department_id"])
def test_a_referral_naming_an_unknown_record_is_invalid_input(client: TestClient, field: str) -> None:
    body = referral_body(create_case(client)["id"], create_department(client)["id"])
    body[field] = "00000000-0000-4000-8000-000000000000"

    refused = problem(client.post("/referrals", json=body), 422)

    assert [e["field"] for e in refused["errors"]] == [field]


def test_a_referral_reads_as_it_stood_at_a_past_version(client: TestClient) -> None:
    referral = create_referral(client)
    ok(client.post(f"/referrals/{referral['id']}/acceptance"))
    ok(client.post(f"/referrals/{referral['id']}/progress-notes", json={"note": "Met."}))

    history = [ok(client.get(f"/referrals/{referral['id']}", params={"version": v})) for v in (1, 2, 3)]

    assert [(r["status"], r["notes"]) for r in history] == [("pending", []), ("accepted", []), ("accepted", ["Met."])]
    problem(client.get(f"/referrals/{referral['id']}", params={"version": 4}), 404)
    problem(client.get(f"/referrals/{referral['id']}", params={"version": 0}), 422)

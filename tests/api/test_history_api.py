"""Auditor reads: a record's history with field changes, the case file timeline, and `as_of`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    close_case,
    create_case,
    create_pair,
    create_referral,
    create_volunteer,
    now_iso,
    ok,
    problem,
    today,
)


def intervene(client: TestClient, case_id: str, notes: str) -> dict[str, Any]:
    body = {
        "kind": "home_visit",
        "occurred_at": now_iso(),
        "duration_minutes": 30,
        "notes": notes,
        "performed_by": "li",
    }
    return ok(client.post(f"/cases/{case_id}/interventions", json=body))


def history(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{path}/history", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_case_history_lists_every_event_with_who_when_and_what_changed(client: TestClient) -> None:
    case = create_case(client)
    first = intervene(client, case["id"], "met the father")
    closed = close_case(client, case["id"], outcome="back at school")

    events = history(client, f"/cases/{case['id']}")["events"]

    assert [(e["version"], e["event_type"]) for e in events] == [
        (1, "case.Opened"),
        (2, "case.InterventionLogged"),
        (3, "case.ClosureSubmitted"),
        (4, "case.ClosureApproved"),
        (5, "case.Closed"),
    ]
    assert [e["position"] for e in events][:2] == [case["position"], first["position"]]
    assert events[-1]["position"] == closed["position"]
    lead = client.usernames[("station_lead", case["station_id"])]  # type: ignore[attr-defined]
    officer = client.usernames[("station_officer", case["station_id"])]  # type: ignore[attr-defined]
    assert [e["actor"]["user_id"] for e in events] == [lead, lead, officer, lead, lead]
    assert events[1]["data"]["intervention"]["notes"] == "met the father"
    assert events[1]["changes"] == [
        {"field": "interventions[0]", "before": None, "after": first["interventions"][0]},
    ]
    assert events[3]["data"]["approved_version"] == 3
    assert {c["field"]: (c["before"], c["after"]) for c in events[4]["changes"]} == {
        "status": ("open", "closed"),
        "outcome": (None, "back at school"),
        "closing_notes": (None, ""),
    }
    opened = {c["field"]: c["after"] for c in events[0]["changes"]}
    assert opened["youth"]["full_name"] == "Zhang Xiaoming" and opened["status"] == "open"


def test_a_history_pages_by_version(client: TestClient) -> None:
    case = create_case(client)
    for index in range(5):
        intervene(client, case["id"], f"visit {index}")

    first = history(client, f"/cases/{case['id']}", limit=4)
    rest = history(client, f"/cases/{case['id']}", after_version=first["next_after_version"], limit=4)

    assert [e["version"] for e in first["events"]] == [1, 2, 3, 4]
    assert [e["version"] for e in rest["events"]] == [5, 6] and rest["next_after_version"] is None
    assert rest["events"][0]["changes"][0]["field"] == "interventions[3]"  # diffed against version 4 as stored


@pytest.mark.parametrize("record", ["pairs", "referrals", "volunteers"])
def test_pairs_referrals_and_volunteers_have_histories_too(client: TestClient, record: str) -> None:
    made = {"pairs": create_pair, "referrals": create_referral, "volunteers": create_volunteer}[record](client)

    events = history(client, f"/{record}/{made['id']}")["events"]

    assert len(events) == made["version"]
    assert events[0]["version"] == 1 and events[0]["changes"]


def test_as_of_shows_the_record_as_it_stood_at_that_moment_to_the_microsecond(client: TestClient) -> None:
    case = create_case(client)
    intervene(client, case["id"], "first")
    intervene(client, case["id"], "second")
    events = history(client, f"/cases/{case['id']}")["events"]
    second_at = datetime.fromisoformat(events[1]["occurred_at"])

    def as_of(moment: datetime) -> Any:
        return client.get(f"/cases/{case['id']}", params={"as_of": moment.isoformat()})

    exactly = ok(as_of(second_at))
    assert (exactly["version"], len(exactly["interventions"])) == (2, 1)
    assert exactly["as_of"] == second_at.isoformat() and exactly["modified_at"] == events[1]["occurred_at"]
    just_before = ok(as_of(second_at - timedelta(microseconds=1)))
    assert just_before["version"] == 1
    assert ok(as_of(second_at + timedelta(days=1)))["version"] == 3
    created_at = datetime.fromisoformat(events[0]["occurred_at"])
    assert problem(as_of(created_at - timedelta(microseconds=1)), 404)


def test_as_of_needs_a_zone_and_cannot_come_with_a_version(client: TestClient) -> None:
    case = create_case(client)

    assert problem(client.get(f"/cases/{case['id']}", params={"as_of": "2026-01-01T00:00:00"}), 422)
    both = client.get(f"/cases/{case['id']}", params={"as_of": now_iso(), "version": 1})
    assert problem(both, 422)["rule"] == "version_and_as_of"


def test_the_timeline_merges_the_case_with_its_pairs_and_referrals_in_log_order(client: TestClient) -> None:
    case = create_case(client)
    other = create_case(client)
    pair = create_pair(client, case_id=case["id"])
    intervene(client, case["id"], "after the match")
    referral = create_referral(client, case_id=case["id"])
    create_pair(client, case_id=other["id"])
    session = {"held_on": today().isoformat(), "duration_minutes": 45, "mode": "in_person", "notes": "", "progress": 3}
    last = ok(client.post(f"/pairs/{pair['id']}/sessions", json=session))

    timeline = client.get(f"/cases/{case['id']}/timeline").json()

    seen = [(e["record_type"], e["record_id"], e["version"]) for e in timeline["events"]]
    assert seen == [
        ("case", case["id"], 1),
        ("pair", pair["id"], 1),
        ("case", case["id"], 2),
        ("case", case["id"], 3),  # the guardian's consent to share, before the referral
        ("referral", referral["id"], 1),
        ("pair", pair["id"], 2),
    ]
    positions = [e["position"] for e in timeline["events"]]
    assert positions == sorted(positions) and positions[-1] == last["position"]
    paged = client.get(f"/cases/{case['id']}/timeline", params={"limit": 2, "after_position": positions[1]}).json()
    assert [e["position"] for e in paged["events"]] == positions[2:4]
    assert paged["next_after_position"] == positions[3]


def test_unknown_records_have_no_history_and_no_timeline(client: TestClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert problem(client.get(f"/cases/{missing}/history"), 404)
    assert problem(client.get(f"/cases/{missing}/timeline"), 404)
    volunteer = create_volunteer(client)
    assert problem(client.get(f"/cases/{volunteer['id']}/history"), 404)


def test_verification_and_anchors_over_http(client: TestClient) -> None:
    case = create_case(client)
    last = intervene(client, case["id"], "visit")
    anchor = ok_json(client.get("/audit/anchor", params={"consistent_with": last["position"]}))
    report = ok_json(client.get("/audit/verification"))
    against = ok_json(
        client.get(
            "/audit/verification", params={"anchor_position": anchor["position"], "anchor_link": anchor["log_link"]}
        )
    )
    wrong = ok_json(
        client.get("/audit/verification", params={"anchor_position": anchor["position"], "anchor_link": "0" * 64})
    )

    assert anchor["position"] >= last["position"] and len(anchor["log_link"]) == 64
    assert report["ok"] is True and report["broken"] == [] and report["events_checked"] >= last["position"]
    assert against["ok"] is True and against["anchor"]["matches"] is True
    assert wrong["ok"] is False and wrong["anchor"]["matches"] is False
    assert problem(client.get("/audit/verification", params={"anchor_position": 1}), 422)["rule"] == "half_anchor"


def ok_json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_history_after_the_last_version_is_empty(client: TestClient) -> None:
    case = create_case(client)

    beyond = history(client, f"/cases/{case['id']}", after_version=5)

    assert beyond["events"] == [] and beyond["next_after_version"] is None and beyond["version"] == 1


def test_a_renamed_station_reads_with_its_old_name_as_of_before_the_rename(client: TestClient) -> None:
    station = create_case(client)["station_id"]
    renamed = ok(client.put(f"/stations/{station}/name", json={"name": "Dongcheng Care Station"}))

    events = history(client, f"/stations/{station}")["events"]
    before = ok(client.get(f"/stations/{station}", params={"as_of": events[0]["occurred_at"]}))

    assert [e["event_type"] for e in events] == ["station.Registered", "station.Renamed"]
    assert events[1]["changes"] == [
        {"field": "name", "before": "Chengguan Police Care Station", "after": "Dongcheng Care Station"}
    ]
    assert (before["name"], before["version"]) == ("Chengguan Police Care Station", 1)
    assert renamed["version"] == 2

"""Plans and closures approved by the station's lead against the version submitted; cases
transferred between stations, with access following the case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import (
    GOALS,
    as_,
    close_case,
    create_case,
    create_pair,
    create_referral,
    create_station,
    now_iso,
    ok,
    problem,
    version_of,
)
from tests.conftest import settings_for


def events_of(client: ActingClient, case_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/cases/{case_id}/history")
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def listed(client: ActingClient, path: str, **kwargs: Any) -> dict[str, Any]:
    answer = client.get(path, **kwargs)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def history_types(client: ActingClient, case_id: str) -> list[str]:
    return [e["event_type"] for e in events_of(client, case_id)]


INTERVENTION = {"kind": "home_visit", "duration_minutes": 30, "notes": "", "performed_by": "officer-li"}

# -- approvals


def test_a_plan_takes_effect_only_when_the_lead_approves_the_version_submitted(client: ActingClient) -> None:
    case = create_case(client)
    goals = [{"goal": GOALS[0], "review_on": "2027-01-15"}, GOALS[1]]

    submitted = ok(client.put(f"/cases/{case['id']}/plan", json={"goals": goals}))
    assert submitted["plan"] == [] and submitted["pending_plan"]["version"] == 2
    approved = ok(client.post(f"/cases/{case['id']}/plan/approval", json={"note": "agreed"}))

    assert approved["plan"] == GOALS and approved["pending_plan"] is None
    assert approved["plan_goals"] == [
        {"goal": GOALS[0], "status": "open", "review_on": "2027-01-15"},
        {"goal": GOALS[1], "status": "open", "review_on": None},
    ]
    events = events_of(client, case["id"])
    approval = next(e for e in events if e["event_type"] == "case.PlanApproved")
    assert approval["data"]["approved_version"] == 2
    assert approval["actor"]["role"] == "station_lead"
    assert next(e for e in events if e["event_type"] == "case.PlanSubmitted")["actor"]["role"] == "station_officer"


def test_an_approval_after_the_case_changed_is_409_approval_stale_and_changes_nothing(client: ActingClient) -> None:
    case = create_case(client)
    ok(client.post(f"/cases/{case['id']}/closure", json={"outcome": "Back in school"}))
    ok(client.post(f"/cases/{case['id']}/interventions", json={**INTERVENTION, "occurred_at": now_iso()}))
    version = version_of(client, f"/cases/{case['id']}")

    refused = problem(client.post(f"/cases/{case['id']}/closure/approval", json={"note": ""}), 409)

    assert refused["rule"] == "approval_stale"
    assert version_of(client, f"/cases/{case['id']}") == version
    assert ok(client.get(f"/cases/{case['id']}"))["status"] == "open"
    closed = close_case(client, case["id"])  # submitted again, it is approved
    assert closed["status"] == "closed"


def test_a_lead_may_not_approve_their_own_submission(client: ActingClient) -> None:
    case = create_case(client)
    lead = as_(client, "station_lead", case["station_id"])
    ok(client.put(f"/cases/{case['id']}/plan", json={"goals": GOALS}, headers=lead))

    refused = problem(client.post(f"/cases/{case['id']}/plan/approval", json={"note": ""}, headers=lead), 409)

    assert refused["rule"] == "own_submission"
    assert ok(client.get(f"/cases/{case['id']}"))["plan"] == []


def test_an_officer_may_submit_but_not_approve(client: ActingClient) -> None:
    case = create_case(client)
    officer = as_(client, "station_officer", case["station_id"])
    ok(client.post(f"/cases/{case['id']}/closure", json={"outcome": "Done"}, headers=officer))

    problem(client.post(f"/cases/{case['id']}/closure/approval", json={"note": ""}, headers=officer), 403)
    problem(client.post(f"/cases/{case['id']}/closure/return", json={"note": "no"}, headers=officer), 403)


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_one_person_station_may_approve_its_own_and_the_approval_says_so(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_with_access(settings_for(store, tmp_path, request)).model_copy(
        update={"allow_own_approval": True}
    )
    with ActingClient(create_app(settings)) as client:
        case = create_case(client)
        lead = as_(client, "station_lead", case["station_id"])
        ok(client.post(f"/cases/{case['id']}/closure", json={"outcome": "Done"}, headers=lead))

        closed = ok(client.post(f"/cases/{case['id']}/closure/approval", json={"note": "alone here"}, headers=lead))

        assert closed["status"] == "closed"
        events = events_of(client, case["id"])
        approval = next(e for e in events if e["event_type"] == "case.ClosureApproved")
        assert approval["data"]["own_submission"] is True


def test_a_returned_plan_or_closure_leaves_the_case_as_it_was(client: ActingClient) -> None:
    case = create_case(client)
    ok(client.put(f"/cases/{case['id']}/plan", json={"goals": GOALS}))
    ok(client.post(f"/cases/{case['id']}/closure", json={"outcome": "Done"}))

    assert problem(client.post(f"/cases/{case['id']}/plan/return", json={"note": " "}), 422)
    ok(client.post(f"/cases/{case['id']}/plan/return", json={"note": "Too vague"}))
    returned = ok(client.post(f"/cases/{case['id']}/closure/return", json={"note": "Not yet"}))

    assert (returned["plan"], returned["pending_plan"], returned["pending_closure"]) == ([], None, None)
    assert returned["status"] == "open"
    nothing = problem(client.post(f"/cases/{case['id']}/closure/approval", json={"note": ""}), 409)
    assert nothing["rule"] == "no_pending_closure"


def test_plan_goals_are_reviewed_with_a_status_and_a_date(client: ActingClient) -> None:
    case = create_case(client)
    ok(client.put(f"/cases/{case['id']}/plan", json={"goals": GOALS}))
    ok(client.post(f"/cases/{case['id']}/plan/approval", json={"note": ""}))

    reviewed = ok(
        client.post(
            f"/cases/{case['id']}/plan/goal-reviews",
            json={"goal": GOALS[1], "status": "achieved", "review_on": None, "note": "Full weeks since May."},
        )
    )

    assert [g["status"] for g in reviewed["plan_goals"]] == ["open", "achieved"]
    unknown = problem(
        client.post(f"/cases/{case['id']}/plan/goal-reviews", json={"goal": "Learn to fly", "status": "dropped"}), 422
    )
    assert unknown["rule"] == "unknown_goal"
    assert problem(client.post(f"/cases/{case['id']}/plan/goal-reviews", json={"goal": "x", "status": "late"}), 422)


# -- transfers


def transfer(client: ActingClient, case_id: str, to_station_id: str) -> str:
    body = {"to_station_id": to_station_id, "reason": "The family moved to Beiguan."}
    asked = ok(client.post(f"/cases/{case_id}/transfer-requests", json=body))
    assert asked["pending_transfer"]["to_station_id"] == to_station_id
    request_id: str = asked["request_id"]
    assert asked["pending_transfer"]["request_id"] == request_id
    return request_id


def test_an_accepted_transfer_moves_the_case_its_pairs_and_referrals_and_access_with_them(
    client: ActingClient,
) -> None:
    case = create_case(client)
    old, new = case["station_id"], create_station(client, name="Beiguan")["id"]
    pair = create_pair(client, case["id"])
    referral = create_referral(client, case["id"])
    old_lead, new_lead = as_(client, "station_lead", old), as_(client, "station_lead", new)
    new_officer = as_(client, "station_officer", new)
    old_officer = as_(client, "station_officer", old)  # made now, so it can be the case worker
    worker = client.usernames[("station_officer", old)]
    ok(client.put(f"/cases/{case['id']}/assignment", json={"case_worker_id": worker}))
    request_id = transfer(client, case["id"], new)

    # While it waits, the receiving lead may read the case to decide; the rest of that station may not.
    assert client.get(f"/cases/{case['id']}", headers=new_lead).status_code == 200
    assert client.get(f"/cases/{case['id']}", headers=new_officer).status_code == 404
    assert client.get(f"/pairs/{pair['id']}", headers=new_lead).status_code == 404
    accept = f"/cases/{case['id']}/transfer-requests/{request_id}/acceptance"
    assert problem(client.post(accept, json={"note": ""}, headers=old_lead), 403)
    accepted = ok(client.post(accept, json={"note": "Welcome"}, headers=new_lead))

    assert (accepted["station_id"], accepted["case_worker_id"], accepted["pending_transfer"]) == (new, None, None)
    for path in (f"/cases/{case['id']}", f"/pairs/{pair['id']}", f"/referrals/{referral['id']}"):
        assert client.get(path, headers=old_lead).status_code == 404, path
        assert client.get(path, headers=new_officer).status_code == 200, path
    assert problem(
        client.post(
            f"/cases/{case['id']}/interventions", json={**INTERVENTION, "occurred_at": now_iso()}, headers=old_officer
        ),
        404,
    )
    # The new lead assigns one of their own; the old station's officer is no longer a possible worker.
    stranger = problem(
        client.put(f"/cases/{case['id']}/assignment", json={"case_worker_id": worker}, headers=new_lead), 422
    )
    assert stranger["rule"] == "case_worker_not_at_station"
    mine = client.usernames[("station_officer", new)]
    assigned = ok(client.put(f"/cases/{case['id']}/assignment", json={"case_worker_id": mine}, headers=new_lead))
    assert assigned["case_worker_id"] == mine
    position = accepted["position"]
    found = listed(client, "/cases", params={"consistent_with": position}, headers=new_officer)["items"]
    assert [c["id"] for c in found] == [case["id"]]
    assert listed(client, "/cases", params={"consistent_with": position}, headers=old_lead)["items"] == []
    old_trail = listed(client, "/audit-trail", params={"consistent_with": position}, headers=old_lead)["items"]
    assert case["id"] not in {row["case_id"] for row in old_trail}
    new_trail = listed(client, "/audit-trail", params={"consistent_with": position}, headers=new_lead)["items"]
    assert {row["record_id"] for row in new_trail if row["case_id"] == case["id"]} >= {
        case["id"],
        pair["id"],
        referral["id"],
    }
    # What the old station read before stays in its read log, for its lead to see.
    log = listed(client, "/audit/access-log", headers=old_lead)["items"]
    assert any(case["id"] in entry["record_ids"] for entry in log)


def test_a_case_has_at_most_one_transfer_waiting_which_can_be_declined_or_withdrawn(client: ActingClient) -> None:
    case = create_case(client)
    first, second = create_station(client)["id"], create_station(client)["id"]
    request_id = transfer(client, case["id"], first)

    again = problem(
        client.post(f"/cases/{case['id']}/transfer-requests", json={"to_station_id": second, "reason": "x"}), 409
    )
    assert again["rule"] == "transfer_pending"
    declined = ok(
        client.post(f"/cases/{case['id']}/transfer-requests/{request_id}/decline", json={"note": "Not our area"})
    )
    assert declined["pending_transfer"] is None and declined["station_id"] == case["station_id"]
    stale = problem(
        client.post(f"/cases/{case['id']}/transfer-requests/{request_id}/acceptance", json={"note": ""}), 404
    )  # the lead of `first` no longer has anything to answer, so the case is not theirs to know
    assert stale["type"].endswith("not_found")
    other = transfer(client, case["id"], second)
    withdrawn = ok(client.post(f"/cases/{case['id']}/transfer-requests/{other}/withdrawal", json={"note": ""}))
    assert withdrawn["pending_transfer"] is None
    types = history_types(client, case["id"])
    assert types[-4:] == [
        "case.TransferRequested",
        "case.TransferDeclined",
        "case.TransferRequested",
        "case.TransferWithdrawn",
    ]


def test_transfer_requests_refuse_bad_targets(client: ActingClient) -> None:
    case = create_case(client)
    path = f"/cases/{case['id']}/transfer-requests"

    same = problem(client.post(path, json={"to_station_id": case["station_id"], "reason": "x"}), 422)
    unknown = problem(client.post(path, json={"to_station_id": case["id"], "reason": "x"}), 422)
    blank = problem(client.post(path, json={"to_station_id": create_station(client)["id"], "reason": " "}), 422)

    assert same["rule"] == "same_station"
    assert unknown["rule"] == "unknown_reference"
    assert blank
    assert version_of(client, f"/cases/{case['id']}") == 1


def test_a_wrong_request_id_is_refused(client: ActingClient) -> None:
    case = create_case(client)
    transfer(client, case["id"], create_station(client)["id"])

    refused = problem(
        client.post(f"/cases/{case['id']}/transfer-requests/{case['id']}/withdrawal", json={"note": ""}),
        409,
    )

    assert refused["rule"] == "no_pending_transfer"


def test_a_case_worker_is_an_active_officer_or_lead_of_the_cases_station(client: ActingClient) -> None:
    case = create_case(client)
    path = f"/cases/{case['id']}/assignment"
    elsewhere = create_station(client)["id"]
    as_(client, "station_officer", elsewhere)

    unknown = problem(client.put(path, json={"case_worker_id": "nobody-here"}), 422)
    foreign = problem(client.put(path, json={"case_worker_id": client.usernames[("station_officer", elsewhere)]}), 422)

    assert unknown["rule"] == "unknown_case_worker" and unknown["errors"][0]["field"] == "case_worker_id"
    assert foreign["rule"] == "case_worker_not_at_station"
    assert version_of(client, f"/cases/{case['id']}") == 1
    lead = client.usernames[("station_lead", case["station_id"])]
    assert ok(client.put(path, json={"case_worker_id": lead.upper()}))["case_worker_id"] == lead

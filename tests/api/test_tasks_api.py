"""Each person's work list: what waits on them, oldest first, and only what is theirs."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from tests.api.acting import ActingClient
from tests.api.conftest import (
    GOALS,
    as_,
    create_case,
    create_department,
    create_pair,
    create_referral,
    create_station,
    ok,
    problem,
)


def tasks(client: ActingClient, headers: dict[str, str], position: int) -> list[dict[str, Any]]:
    answer = client.get("/me/tasks", params={"consistent_with": position}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def kinds(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["kind"], item["href"]) for item in items]


def test_a_lead_sees_plans_and_closures_to_approve_oldest_first_and_not_their_own(client: ActingClient) -> None:
    station = create_station(client)["id"]
    first, second, own = (create_case(client, station) for _ in range(3))
    lead = as_(client, "station_lead", station)
    ok(client.put(f"/cases/{first['id']}/plan", json={"goals": GOALS}))
    ok(client.post(f"/cases/{second['id']}/closure", json={"outcome": "Done"}))
    last = ok(client.post(f"/cases/{own['id']}/closure", json={"outcome": "Done"}, headers=lead))

    waiting = tasks(client, lead, last["position"])

    assert kinds(waiting) == [
        ("plan_to_approve", f"/cases/{first['id']}"),
        ("closure_to_approve", f"/cases/{second['id']}"),
    ]
    assert [item["since"] for item in waiting] == sorted(item["since"] for item in waiting)
    assert "waits for your approval" in waiting[0]["title"]
    assert tasks(client, as_(client, "station_officer", station), last["position"]) == []
    done = ok(client.post(f"/cases/{first['id']}/plan/approval", json={"note": ""}))
    assert kinds(tasks(client, lead, done["position"])) == [("closure_to_approve", f"/cases/{second['id']}")]


def test_the_receiving_lead_sees_the_transfer_to_answer_and_the_sender_does_not(client: ActingClient) -> None:
    case = create_case(client)
    to = create_station(client, name="Beiguan")["id"]
    asked = ok(client.post(f"/cases/{case['id']}/transfer-requests", json={"to_station_id": to, "reason": "Moved"}))

    incoming = tasks(client, as_(client, "station_lead", to), asked["position"])

    assert kinds(incoming) == [("transfer_to_answer", f"/cases/{case['id']}")]
    assert incoming[0]["request_id"] == asked["request_id"]
    assert incoming[0]["title"] == "Transfer from Chengguan Police Care Station waits for your answer"
    assert tasks(client, as_(client, "station_lead", case["station_id"]), asked["position"]) == []
    assert tasks(client, as_(client, "station_officer", to), asked["position"]) == []


def test_a_department_sees_the_referrals_it_has_to_answer_until_it_answers(client: ActingClient) -> None:
    mine, other = create_department(client, name="Mine")["id"], create_department(client, name="Other")["id"]
    waiting = create_referral(client, department_id=mine)
    answered = create_referral(client, department_id=mine)
    create_referral(client, department_id=other)
    last = ok(client.post(f"/referrals/{answered['id']}/acceptance"))

    found = tasks(client, as_(client, "department_officer", mine), last["position"])

    assert kinds(found) == [("referral_to_answer", f"/referrals/{waiting['id']}")]
    assert found[0]["title"].endswith("school re-entry support")


def test_overdue_referrals_quiet_pairs_and_sessions_due_appear_as_time_passes(client: ActingClient) -> None:
    case = create_case(client)
    referral = create_referral(client, case["id"])
    pair = create_pair(client, case["id"], started_on=date.today().isoformat())
    session = {"held_on": date.today().isoformat(), "duration_minutes": 45, "mode": "phone", "notes": "", "progress": 3}
    position = ok(client.post(f"/pairs/{pair['id']}/sessions", json=session))["position"]
    officer = as_(client, "station_officer", case["station_id"])
    mentor = as_(client, "mentor", pair["volunteer_id"])
    read_side = client.app.state.front.reads  # type: ignore[attr-defined]
    assert tasks(client, officer, position) == [] and tasks(client, mentor, position) == []

    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=15)  # past respond-by and 14 days
    assert kinds(tasks(client, mentor, position)) == [("session_due", f"/pairs/{pair['id']}")]
    assert kinds(tasks(client, officer, position)) == [("referral_overdue", f"/referrals/{referral['id']}")]

    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=31)  # and 30 days without a session
    followed = tasks(client, officer, position)
    assert kinds(followed) == [
        ("referral_overdue", f"/referrals/{referral['id']}"),
        ("pair_quiet", f"/pairs/{pair['id']}"),
    ]
    coordinator = tasks(client, as_(client, "coordinator", None), position)
    assert {item["href"] for item in coordinator} >= {f"/referrals/{referral['id']}", f"/pairs/{pair['id']}"}
    assert tasks(client, as_(client, "station_officer", create_station(client)["id"]), position) == []


def test_plan_goals_past_their_review_date_are_due(client: ActingClient) -> None:
    case = create_case(client)
    today = datetime.now(timezone.utc).date()
    goals = [{"goal": GOALS[0], "review_on": today.isoformat()}, {"goal": GOALS[1], "review_on": "2099-01-01"}]
    ok(client.put(f"/cases/{case['id']}/plan", json={"goals": goals}))
    approved = ok(client.post(f"/cases/{case['id']}/plan/approval", json={"note": ""}))
    officer = as_(client, "station_officer", case["station_id"])

    due = tasks(client, officer, approved["position"])

    assert kinds(due) == [("goal_review_due", f"/cases/{case['id']}")]
    assert due[0]["title"] == "Plan goal 1 is due for review"
    reviewed = ok(
        client.post(
            f"/cases/{case['id']}/plan/goal-reviews",
            json={"goal": GOALS[0], "status": "open", "review_on": (today + timedelta(days=30)).isoformat()},
        )
    )
    assert tasks(client, officer, reviewed["position"]) == []


def test_the_work_list_is_a_logged_read_and_needs_a_sign_in(client: ActingClient) -> None:
    case = create_case(client)
    ok(client.put(f"/cases/{case['id']}/plan", json={"goals": GOALS}))
    lead = as_(client, "station_lead", case["station_id"])
    position = client.get(f"/cases/{case['id']}").json()["version"]
    del position

    found = client.get("/me/tasks", headers=lead)

    assert found.status_code == 200
    log = client.get("/audit/access-log").json()["items"]
    assert log[0]["endpoint"].endswith("/me/tasks")
    problem(client.get("/me/tasks", headers={"Authorization": "Bearer nope"}), 401)

"""Mentoring pairs over HTTP: matching, sessions, goal progress, pause, resumption, closure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import (
    GOALS,
    STARTED_ON,
    close_case,
    create_case,
    create_pair,
    create_volunteer,
    created,
    ok,
    probe_position,
    problem,
    today,
    version_of,
)

SESSION = {
    "held_on": (today() - timedelta(days=3)).isoformat(),
    "duration_minutes": 45,
    "mode": "in_person",
    "notes": "Homework together.",
    "progress": 3,
}


def match(case_id: str, volunteer_id: str) -> dict[str, Any]:
    return {"case_id": case_id, "volunteer_id": volunteer_id, "goals": GOALS, "started_on": STARTED_ON.isoformat()}


def test_matching_answers_201_with_an_active_pair_and_its_goals_not_started(client: TestClient) -> None:
    case = create_case(client)
    volunteer = create_volunteer(client)

    pair = created(client.post("/pairs", json=match(case["id"], volunteer["id"])), "pairs")

    assert pair["status"] == "active"
    assert (pair["case_id"], pair["volunteer_id"]) == (case["id"], volunteer["id"])
    assert pair["goals"] == [{"goal": goal, "status": "not_started"} for goal in GOALS]
    assert pair["sessions"] == []
    assert pair["started_on"] == STARTED_ON.isoformat()
    assert pair["version"] == 1
    assert pair["position"] > volunteer["position"]


def test_a_matched_pair_reads_back_with_its_etag(client: TestClient) -> None:
    pair = create_pair(client)

    response = client.get(f"/pairs/{pair['id']}")

    assert response.headers["etag"] == '"1"'
    assert ok(response) == {key: value for key, value in pair.items() if key != "position"}


def test_a_logged_session_is_listed_on_the_pair(client: TestClient) -> None:
    pair = create_pair(client)

    logged = ok(client.post(f"/pairs/{pair['id']}/sessions", json=SESSION))

    [shown] = logged["sessions"]
    assert {key: shown[key] for key in SESSION} == SESSION
    assert shown["backfilled"] is True  # held three days before the pair was registered
    assert logged["version"] == 2
    assert logged["position"] > pair["position"]


def test_goal_progress_changes_that_goals_status_only(client: TestClient) -> None:
    pair = create_pair(client)

    updated = ok(
        client.post(
            f"/pairs/{pair['id']}/goal-progress", json={"goal": GOALS[0], "status": "in_progress", "note": "Half way."}
        )
    )

    assert updated["goals"] == [
        {"goal": GOALS[0], "status": "in_progress"},
        {"goal": GOALS[1], "status": "not_started"},
    ]
    assert updated["version"] == 2
    assert updated["position"] > pair["position"]


def test_progress_on_a_goal_the_pair_does_not_have_is_refused(client: TestClient) -> None:
    pair = create_pair(client)

    response = client.post(f"/pairs/{pair['id']}/goal-progress", json={"goal": "Learn to fly", "status": "achieved"})

    refused = problem(response, 422)

    assert [e["field"] for e in refused["errors"]] == ["goal"]
    assert version_of(client, f"/pairs/{pair['id']}") == 1


def test_a_pair_is_paused_resumed_and_closed(client: TestClient) -> None:
    pair = create_pair(client)

    paused = ok(client.post(f"/pairs/{pair['id']}/pause", json={"reason": "Exams."}))
    resumed = ok(client.post(f"/pairs/{pair['id']}/resumption"))
    closed = ok(client.post(f"/pairs/{pair['id']}/closure", json={"reason": "Goals met."}))

    assert [(p["status"], p["version"]) for p in (paused, resumed, closed)] == [
        ("paused", 2),
        ("active", 3),
        ("closed", 4),
    ]
    assert paused["pause_reason"] == "Exams." and closed["closing_reason"] == "Goals met."
    assert pair["position"] < paused["position"] < resumed["position"] < closed["position"]


def test_a_paused_pair_refuses_sessions(client: TestClient) -> None:
    pair = create_pair(client)
    ok(client.post(f"/pairs/{pair['id']}/pause", json={"reason": "Exams."}))

    refused = problem(client.post(f"/pairs/{pair['id']}/sessions", json=SESSION), 409)

    assert refused["rule"] == "pair_paused"
    assert version_of(client, f"/pairs/{pair['id']}") == 2


def test_a_closed_pair_refuses_sessions_goal_progress_pause_and_closure(client: TestClient) -> None:
    pair = create_pair(client)
    ok(client.post(f"/pairs/{pair['id']}/closure", json={"reason": "Moved away."}))
    path = f"/pairs/{pair['id']}"

    rules = [
        problem(client.post(f"{path}/sessions", json=SESSION), 409)["rule"],
        problem(client.post(f"{path}/goal-progress", json={"goal": GOALS[0], "status": "achieved"}), 409)["rule"],
        problem(client.post(f"{path}/pause", json={"reason": "x"}), 409)["rule"],
        problem(client.post(f"{path}/closure", json={"reason": "x"}), 409)["rule"],
    ]

    assert rules == ["pair_closed"] * 4
    assert version_of(client, path) == 2


def test_resuming_an_active_pair_is_refused(client: TestClient) -> None:
    pair = create_pair(client)

    refused = problem(client.post(f"/pairs/{pair['id']}/resumption"), 409)

    assert refused["rule"] == "pair_not_paused"
    assert version_of(client, f"/pairs/{pair['id']}") == 1


def test_matching_an_unscreened_volunteer_is_refused_and_stores_nothing(client: TestClient) -> None:
    case = create_case(client)
    volunteer = create_volunteer(client, screened=False)
    before = probe_position(client)

    refused = problem(client.post("/pairs", json=match(case["id"], volunteer["id"])), 409)

    assert refused["rule"] == "volunteer_not_screened"
    assert probe_position(client) == before + 1


def test_matching_a_deactivated_volunteer_is_refused(client: TestClient) -> None:
    case = create_case(client)
    volunteer = create_volunteer(client)
    ok(client.post(f"/volunteers/{volunteer['id']}/deactivation"))

    refused = problem(client.post("/pairs", json=match(case["id"], volunteer["id"])), 409)

    assert refused["rule"] == "volunteer_inactive"


def test_matching_with_a_closed_case_is_refused(client: TestClient) -> None:
    case = create_case(client)
    close_case(client, case["id"], outcome="Done")

    refused = problem(client.post("/pairs", json=match(case["id"], create_volunteer(client)["id"])), 409)

    assert refused["rule"] == "case_closed"


def test_a_second_open_pair_of_the_same_case_and_volunteer_is_refused(client: TestClient) -> None:
    first = create_pair(client)
    before = probe_position(client)

    refused = problem(client.post("/pairs", json=match(first["case_id"], first["volunteer_id"])), 409)

    assert refused["rule"] == "pair_already_open"
    assert probe_position(client) == before + 1


def test_a_paused_pair_still_blocks_a_second_pair(client: TestClient) -> None:
    first = create_pair(client)
    ok(client.post(f"/pairs/{first['id']}/pause", json={"reason": "Exams."}))

    refused = problem(client.post("/pairs", json=match(first["case_id"], first["volunteer_id"])), 409)

    assert refused["rule"] == "pair_already_open"


def test_after_closure_the_same_case_and_volunteer_may_be_matched_again(client: TestClient) -> None:
    first = create_pair(client)
    ok(client.post(f"/pairs/{first['id']}/closure", json={"reason": "Summer break."}))

    second = create_pair(client, first["case_id"], first["volunteer_id"])

    assert second["id"] != first["id"]
    assert second["status"] == "active"


def test_the_same_volunteer_may_mentor_two_cases(client: TestClient) -> None:
    volunteer = create_volunteer(client)

    first = create_pair(client, volunteer_id=volunteer["id"])
    second = create_pair(client, volunteer_id=volunteer["id"])

    assert first["case_id"] != second["case_id"]


def test_a_pair_reads_as_it_stood_at_a_past_version(client: TestClient) -> None:
    pair = create_pair(client)
    ok(client.post(f"/pairs/{pair['id']}/sessions", json=SESSION))
    ok(client.post(f"/pairs/{pair['id']}/pause", json={"reason": "Exams."}))

    first = ok(client.get(f"/pairs/{pair['id']}", params={"version": 1}))
    second = ok(client.get(f"/pairs/{pair['id']}", params={"version": 2}))

    assert (first["status"], first["sessions"]) == ("active", [])
    assert (second["status"], len(second["sessions"])) == ("active", 1)
    problem(client.get(f"/pairs/{pair['id']}", params={"version": 4}), 404)
    problem(client.get(f"/pairs/{pair['id']}", params={"version": 0}), 422)

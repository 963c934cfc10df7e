"""The volunteer registry over HTTP: register, screen, train, deactivate, reactivate."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import VOLUNTEER, create_volunteer, created, ok, problem, today, version_of

TRAINING = {
    "course": "Mentoring at-risk youth, level 1",
    "completed_on": (today() - timedelta(days=60)).isoformat(),
    "hours": 6,
}


def test_registering_a_volunteer_answers_201_with_an_unscreened_active_volunteer(client: TestClient) -> None:
    volunteer = created(client.post("/volunteers", json=VOLUNTEER), "volunteers")

    assert volunteer["full_name"] == "Wang Jianguo"
    assert volunteer["kind"] == "retired_teacher"
    assert volunteer["skills"] == ["maths"]
    assert volunteer["active"] is True
    assert volunteer["screened"] is False
    assert volunteer["trainings"] == []
    assert volunteer["version"] == 1
    assert isinstance(volunteer["position"], int)


def test_a_registered_volunteer_reads_back_with_its_etag(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)

    response = client.get(f"/volunteers/{volunteer['id']}")

    assert response.headers["etag"] == '"1"'
    assert ok(response) == {key: value for key, value in volunteer.items() if key != "position"}


def test_a_passed_screening_marks_the_volunteer_screened(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)

    screened = ok(client.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": True, "notes": "ok"}))

    assert screened["screened"] is True
    assert screened["screening_notes"] == "ok"
    assert screened["version"] == 2
    assert screened["position"] > volunteer["position"]


def test_a_failed_screening_leaves_the_volunteer_unscreened(client: TestClient) -> None:
    volunteer = create_volunteer(client)

    failed = ok(client.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": False}))

    assert failed["screened"] is False
    assert failed["version"] == 3


def test_a_recorded_training_is_listed_on_the_volunteer(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)

    trained = ok(client.post(f"/volunteers/{volunteer['id']}/trainings", json=TRAINING))

    assert trained["trainings"] == [
        {"course": TRAINING["course"], "completed_on": TRAINING["completed_on"], "hours": 6},
    ]
    assert trained["version"] == 2
    assert trained["position"] > volunteer["position"]


def test_a_training_completed_in_the_future_is_refused_and_not_recorded(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)
    tomorrow = (today() + timedelta(days=2)).isoformat()

    refused = problem(
        client.post(f"/volunteers/{volunteer['id']}/trainings", json={**TRAINING, "completed_on": tomorrow}), 422
    )

    assert [error["field"] for error in refused["errors"]] == ["completed_on"]
    assert refused["rule"] == "dated_in_future"
    assert version_of(client, f"/volunteers/{volunteer['id']}") == 1


def test_deactivating_and_reactivating_a_volunteer_toggles_active(client: TestClient) -> None:
    volunteer = create_volunteer(client)

    deactivated = ok(client.post(f"/volunteers/{volunteer['id']}/deactivation"))
    reactivated = ok(client.post(f"/volunteers/{volunteer['id']}/reactivation"))

    assert (deactivated["active"], deactivated["version"]) == (False, 3)
    assert (reactivated["active"], reactivated["version"]) == (True, 4)
    assert volunteer["position"] < deactivated["position"] < reactivated["position"]
    assert reactivated["screened"] is True


def test_reactivating_an_active_volunteer_is_refused(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)

    refused = problem(client.post(f"/volunteers/{volunteer['id']}/reactivation"), 409)

    assert refused["rule"] == "volunteer_active"
    assert version_of(client, f"/volunteers/{volunteer['id']}") == 1


def test_a_deactivated_volunteer_takes_no_screening_training_or_second_deactivation(client: TestClient) -> None:
    volunteer = create_volunteer(client, screened=False)
    ok(client.post(f"/volunteers/{volunteer['id']}/deactivation"))
    path = f"/volunteers/{volunteer['id']}"

    refusals = [
        client.post(f"{path}/screening", json={"passed": True}),
        client.post(f"{path}/trainings", json=TRAINING),
        client.post(f"{path}/deactivation"),
    ]

    assert [problem(response, 409)["rule"] for response in refusals] == ["volunteer_inactive"] * 3
    assert version_of(client, path) == 2


def test_a_volunteer_reads_as_it_stood_at_a_past_version(client: TestClient) -> None:
    volunteer = create_volunteer(client)
    ok(client.post(f"/volunteers/{volunteer['id']}/trainings", json=TRAINING))

    first = ok(client.get(f"/volunteers/{volunteer['id']}", params={"version": 1}))
    second = ok(client.get(f"/volunteers/{volunteer['id']}", params={"version": 2}))

    assert (first["version"], first["screened"], first["trainings"]) == (1, False, [])
    assert (second["version"], second["screened"], second["trainings"]) == (2, True, [])
    problem(client.get(f"/volunteers/{volunteer['id']}", params={"version": 4}), 404)
    problem(client.get(f"/volunteers/{volunteer['id']}", params={"version": 0}), 422)

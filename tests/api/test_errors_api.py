"""Every error status as problem+json, and that a refused command changes nothing.

404 unknown record, 422 invalid input, 409 rule or lost race, 412 If-Match, 503 failing store.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from domain.common import Actor, Role
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import (
    CASE,
    STATION,
    create_case,
    create_department,
    create_pair,
    create_referral,
    create_station,
    create_volunteer,
    ok,
    probe_position,
    problem,
    version_of,
)
from tests.conftest import settings_for

UNKNOWN = "00000000-0000-4000-8000-000000000000"
RIVAL = Actor(user_id="officer-wu", role=Role.DEPARTMENT_STAFF)
NAIVE_TIME = "2026-11-20T15:30:00"


@pytest.fixture
def ids(client: TestClient) -> dict[str, str]:
    """One record of each kind, by kind."""
    pair = create_pair(client)
    return {
        "station": create_station(client)["id"],
        "department": create_department(client)["id"],
        "volunteer": create_volunteer(client)["id"],
        "case": pair["case_id"],
        "pair": pair["id"],
        "referral": create_referral(client, case_id=pair["case_id"])["id"],
    }


COLLECTIONS = ["stations", "departments", "volunteers", "cases", "pairs", "referrals"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_reading_an_unknown_record_is_404_problem_json(client: TestClient, collection: str) -> None:
    body = problem(client.get(f"/{collection}/{UNKNOWN}"), 404)

    assert body["type"] == "urn:youthcare:problem:not_found"


@pytest.mark.parametrize(
    ("collection", "other"),
    [
        ("cases", "station"),
        ("stations", "department"),
        ("departments", "station"),
        ("volunteers", "case"),
        ("pairs", "case"),
        ("referrals", "pair"),
    ],
)
def test_an_id_of_another_kind_of_record_is_404(
    client: TestClient, ids: dict[str, str], collection: str, other: str
) -> None:
    problem(client.get(f"/{collection}/{ids[other]}"), 404)


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("put", "/stations/{id}/name", {"name": "New"}),
        ("post", "/departments/{id}/deactivation", None),
        ("post", "/volunteers/{id}/reactivation", None),
        ("post", "/cases/{id}/closure", {"outcome": "Done"}),
        ("post", "/pairs/{id}/resumption", None),
        ("post", "/referrals/{id}/acceptance", None),
    ],
)
@pytest.mark.parametrize("target", ["unknown-id", "id-of-another-kind"])
def test_a_command_on_an_unknown_record_is_404_and_stores_nothing(
    client: TestClient, ids: dict[str, str], method: str, path: str, payload: dict | None, target: str
) -> None:
    other_kind = "department" if path.startswith("/stations") else "station"
    record_id = UNKNOWN if target == "unknown-id" else ids[other_kind]
    before = probe_position(client)

    problem(client.request(method, path.format(id=record_id), json=payload), 404)

    assert probe_position(client) == before + 1


# (method, path, json body or raw text, record whose version must not move, fields blamed)
INVALID: list[Any] = [
    pytest.param(
        "post",
        "/cases/{case}/consents",
        {"scope": "s", "granted": True, "given_by": "g", "giver": "guardian", "colour": "red"},
        "case",
        ["colour"],
        id="extra-field",
    ),
    pytest.param(
        "post",
        "/stations",
        {"name": "S", "kind": "police_care_station", "level": "town", "x": 1},
        None,
        ["x"],
        id="extra-field-on-creation",
    ),
    pytest.param(
        "post",
        "/cases/{case}/risk-assessments",
        {"instrument": "i", "score": 1, "level": "extreme"},
        "case",
        ["level"],
        id="wrong-enum",
    ),
    pytest.param("put", "/cases/{case}/assignment", {}, "case", ["case_worker_id"], id="missing-field"),
    pytest.param("put", "/stations/{station}/name", {"name": "x" * 201}, "station", ["name"], id="too-long-text"),
    pytest.param(
        "post", "/referrals/{referral}/progress-notes", {"note": "   "}, "referral", ["note"], id="blank-text"
    ),
    pytest.param(
        "post",
        "/cases/{case}/interventions",
        {"kind": "home_visit", "occurred_at": NAIVE_TIME, "duration_minutes": 30, "performed_by": "li"},
        "case",
        ["occurred_at"],
        id="naive-datetime",
    ),
    pytest.param(
        "post",
        "/pairs/{pair}/sessions",
        {"held_on": "2026-01-01", "duration_minutes": 30, "mode": "phone", "progress": 6},
        "pair",
        ["progress"],
        id="progress-6",
    ),
    pytest.param("post", "/pairs/{pair}/goal-progress", '{"goal": "Read', "pair", ["body"], id="malformed-json"),
    pytest.param("post", "/cases/{case}/reopening", b'\xff\xfe{"reason": "x"}', "case", ["body"], id="not-utf8"),
    pytest.param(
        "post", "/volunteers/{volunteer}/screening", {"passed": "perhaps"}, "volunteer", ["passed"], id="wrong-type"
    ),
    pytest.param(
        "post",
        "/pairs",
        {"case_id": "not-a-uuid", "volunteer_id": UNKNOWN, "goals": ["g"], "started_on": "2026-01-01"},
        None,
        ["case_id"],
        id="bad-uuid-reference",
    ),
    pytest.param("post", "/cases", {**CASE, "station_id": UNKNOWN}, None, ["station_id"], id="unknown-station"),
    pytest.param(
        "post",
        "/cases",
        {**CASE, "youth": {"gender": "male", "date_of_birth": "2011-05-02"}, "station_id": UNKNOWN},
        None,
        ["youth.full_name"],
        id="nested-missing-field",
    ),
]


@pytest.mark.parametrize(("method", "path", "payload", "watched", "fields"), INVALID)
def test_invalid_input_is_422_naming_the_fields_and_changes_nothing(
    client: TestClient,
    ids: dict[str, str],
    method: str,
    path: str,
    payload: Any,
    watched: str | None,
    fields: list[str],
) -> None:
    watched_path = f"/{watched}s/{ids[watched]}" if watched else None
    version = version_of(client, watched_path) if watched_path else None
    before = probe_position(client)
    url = path.format(**ids)
    if isinstance(payload, (str, bytes)):  # raw text, to send JSON that does not parse
        response = client.request(method, url, content=payload, headers={"content-type": "application/json"})
    else:
        response = client.request(method, url, json=payload)

    body = problem(response, 422)

    assert sorted({error["field"] for error in body["errors"]}) == fields
    assert all(error["message"] for error in body["errors"])
    assert probe_position(client) == before + 1
    if watched_path:
        assert version_of(client, watched_path) == version


def test_a_rule_violation_is_409_problem_json_naming_the_rule(client: TestClient, ids: dict[str, str]) -> None:
    body = problem(client.post(f"/pairs/{ids['pair']}/resumption"), 409)

    assert body["rule"] == "pair_not_paused"
    assert body["type"] == "urn:youthcare:problem:pair_not_paused"


STALE_TARGETS = [
    ("put", "/stations/{station}/name", "station", {"name": "Renamed"}),
    ("post", "/departments/{department}/deactivation", "department", None),
    ("post", "/volunteers/{volunteer}/deactivation", "volunteer", None),
    ("post", "/cases/{case}/closure", "case", {"outcome": "Done"}),
    ("post", "/pairs/{pair}/pause", "pair", {"reason": "Exams."}),
    ("post", "/referrals/{referral}/acceptance", "referral", None),
]


# A harmless write per kind, to move a record on past the version a client saw.
MOVE_ON = {
    "station": ("put", "name", {"name": "Moved on"}),
    "department": ("put", "name", {"name": "Moved on"}),
    "volunteer": ("post", "screening", {"passed": True, "notes": "again"}),
    "case": ("post", "risk-assessments", {"instrument": "screening", "score": 3, "level": "low", "notes": ""}),
    "pair": ("post", "goal-progress", {"goal": "Read one book a month", "status": "in_progress"}),
    "referral": ("post", "progress-notes", {"note": "Called."}),
}


@pytest.mark.parametrize(("method", "path", "kind", "payload"), STALE_TARGETS)
def test_a_stale_if_match_is_412_and_the_write_does_not_happen(
    client: TestClient, ids: dict[str, str], method: str, path: str, kind: str, payload: dict | None
) -> None:
    record_path = f"/{kind}s/{ids[kind]}"
    move_method, move_suffix, move_payload = MOVE_ON[kind]
    before = ok(client.request(move_method, f"{record_path}/{move_suffix}", json=move_payload))
    del before["position"]
    current = before["version"]

    response = client.request(method, path.format(**ids), json=payload, headers={"If-Match": '"1"'})

    body = problem(response, 412)
    assert body["current_version"] == current
    assert response.headers["etag"] == f'"{current}"'
    after = ok(client.get(record_path))
    after.pop("consent", None)  # a referral read says on what footing it was made; the command does not
    assert after == before


@pytest.mark.parametrize("if_match", ["1", "abc", '"1", "2"', '"x"', "", '"1"\x1c', '\x0b"1"', b'"1"\xa0'])
def test_a_malformed_if_match_is_invalid_input_and_the_write_does_not_happen(
    client: TestClient, ids: dict[str, str], if_match: str | bytes
) -> None:
    version = version_of(client, f"/cases/{ids['case']}")

    response = client.post(f"/cases/{ids['case']}/closure", json={"outcome": "Done"}, headers={"If-Match": if_match})

    assert [e["field"] for e in problem(response, 422)["errors"]] == ["if-match"]

    assert version_of(client, f"/cases/{ids['case']}") == version


@pytest.mark.parametrize(("method", "path", "kind", "payload"), STALE_TARGETS)
def test_a_matching_if_match_lets_the_write_through(
    client: TestClient, ids: dict[str, str], method: str, path: str, kind: str, payload: dict | None
) -> None:
    current = version_of(client, f"/{kind}s/{ids[kind]}")

    written = ok(client.request(method, path.format(**ids), json=payload, headers={"If-Match": f'"{current}"'}))

    assert written["version"] == current + 1


def test_an_if_match_star_lets_the_write_through(client: TestClient, ids: dict[str, str]) -> None:
    version = version_of(client, f"/cases/{ids['case']}")

    written = ok(client.post(f"/cases/{ids['case']}/closure", json={"outcome": "Done"}, headers={"If-Match": "*"}))

    assert written["version"] == version + 1


def _raced(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch, referral_id: str, path: str, body: dict[str, Any]
) -> Any:
    """Send `body` to `path` of the referral, letting a rival's progress note land between the
    loser's load and its save."""
    application = client.app.state.youthcare  # type: ignore[attr-defined]
    real_save = application._save_linked
    raced: list[UUID] = []

    def let_a_rival_write_first(*records: Any, **kwargs: Any) -> Any:
        if not raced and any(record.id == UUID(referral_id) for record in records):
            raced.append(UUID(referral_id))
            application.note_referral_progress(RIVAL, UUID(referral_id), note="the rival's note")
        return real_save(*records, **kwargs)

    monkeypatch.setattr(application, "_save_linked", let_a_rival_write_first)
    response = client.post(f"/referrals/{referral_id}/{path}", json=body)
    monkeypatch.undo()
    assert raced, "the rival write never ran"
    return response


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_append_that_loses_a_race_is_tried_again_and_both_are_stored(
    store: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ActingClient(create_app(settings_with_access(settings_for(store, tmp_path, request)))) as client:
        referral_id = create_referral(client)["id"]
        response = _raced(client, monkeypatch, referral_id, "progress-notes", {"note": "the loser's note"})
        assert response.status_code == 200, response.text
        stored = ok(client.get(f"/referrals/{referral_id}"))
        assert (stored["version"], stored["notes"]) == (3, ["the rival's note", "the loser's note"])


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_write_that_loses_a_race_is_409_and_only_the_winner_is_stored(
    store: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision (here: declining) depends on the record as it was read, so it is not retried."""
    with ActingClient(create_app(settings_with_access(settings_for(store, tmp_path, request)))) as client:
        referral_id = create_referral(client)["id"]
        response = _raced(client, monkeypatch, referral_id, "decline", {"reason": "no places this term"})
        body = problem(response, 409)
        assert body["type"] == "urn:youthcare:problem:concurrent_write"
        stored = ok(client.get(f"/referrals/{referral_id}"))
        assert (stored["version"], stored["notes"], stored["status"]) == (2, ["the rival's note"], "pending")


@pytest.mark.parametrize(
    ("method", "path", "payload", "table"),
    [
        ("put", "/stations/{id}/name", {"name": "Renamed"}, "youthcare_events"),
        ("post", "/stations/{id}/deactivation", None, "youthcare_events"),
        ("post", "/stations", STATION, "youthcare_events"),
        ("get", "/stations/{id}", None, "youthcare_events"),
        ("get", "/stations", None, "casework_stations"),  # a list reads the casework view, not the events
    ],
    ids=["rename", "deactivate", "register", "read", "list"],
)
def test_a_failing_store_is_503_problem_json_not_500(
    tmp_path: Path, request: pytest.FixtureRequest, method: str, path: str, payload: dict | None, table: str
) -> None:
    settings = settings_for("sqlite", tmp_path, request)
    with ActingClient(create_app(settings_with_access(settings)), raise_server_exceptions=False) as client:
        station = create_station(client)
        with closing(sqlite3.connect(tmp_path / "youthcare.db")) as connection:
            connection.execute(f"DROP TABLE {table}")
            connection.commit()

        response = client.request(method, path.format(id=station["id"]), json=payload)

        body = problem(response, 503)
        # A list reads the view; whether the projector met the missing table first (the view is
        # then behind) or the list's own query did, the client is told to retry.
        kinds = {"store_unavailable", "view_not_ready"} if table != "youthcare_events" else {"store_unavailable"}
        assert body["type"].removeprefix("urn:youthcare:problem:") in kinds
        assert response.headers["retry-after"]


def faulty_app(tmp_path: Path) -> FastAPI:
    """The service with one more route, `/fault`, which fails as no client input should make it."""
    app = create_app(settings_with_access(Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'fault.db'}"))))

    @app.get("/fault")
    def fault() -> None:
        raise RuntimeError("a fault no client caused")

    return app


def test_a_fault_of_the_service_is_problem_json_and_says_the_connection_closes(tmp_path: Path) -> None:
    """The server closes the connection after an unhandled error: the answer says so."""
    with TestClient(faulty_app(tmp_path), raise_server_exceptions=False) as client:
        answer = client.get("/fault")
    problem(answer, 500)
    assert answer.headers["connection"] == "close"


def test_a_fault_of_the_service_still_answers_with_the_request_id(tmp_path: Path) -> None:
    """The id to quote when reporting it: the client's own, or the one its log lines carry."""
    with TestClient(faulty_app(tmp_path), raise_server_exceptions=False) as client:
        traced = client.get("/fault", headers={"X-Request-ID": "fault-trace-1"})
        untraced = client.get("/fault")
    problem(traced, 500)
    assert traced.headers["x-request-id"] == "fault-trace-1"
    problem(untraced, 500)
    assert re.fullmatch(r"[0-9a-f]{32}", untraced.headers["x-request-id"])


@pytest.mark.parametrize(
    ("goals", "fields"),
    [
        (["Back in class", "\x01"], {"goals.1"}),
        ([{"goal": "\x01"}], {"goals.0", "goals.0.goal"}),
        ([{"goal": "Back in class", "status": "nowhere"}], {"goals.0", "goals.0.status"}),
        ([7], {"goals.0"}),
    ],
    ids=["text", "goal's text", "goal's status", "neither"],
)
def test_an_error_in_a_goal_that_is_text_or_a_goal_names_where_it_stands_not_pydantics_union_members(
    client: TestClient, goals: list[Any], fields: set[str]
) -> None:
    case = create_case(client)
    refused = problem(client.put(f"/cases/{case['id']}/plan", json={"goals": goals}), 422)
    assert {e["field"] for e in refused["errors"]} == fields, refused["errors"]

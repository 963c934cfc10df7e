"""What whoever runs the service sees: readiness, metrics, and the log lines of each request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.main import create_app
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import ADMIN_PASSWORD, ActingClient, settings_with_access
from tests.api.conftest import as_, create_case, create_station, problem

MEMORY = Settings(database_url=SecretStr(MEMORY_URL))


def ready_within(client: TestClient, seconds: float = 10.0) -> Any:
    """/readyz's answer once it is 200, or its last answer after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get("/readyz", headers={"Authorization": ""})
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample /metrics shows the admin, by name and labels."""
    answer = client.get("/metrics", headers=as_(client, "admin", None))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def client() -> Iterator[ActingClient]:
    with ActingClient(create_app(settings_with_access(MEMORY))) as test_client:
        yield test_client


# -- readiness


def test_a_fresh_service_is_ready_and_alive_without_a_token(client: ActingClient) -> None:
    ready = ready_within(client)

    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    assert client.get("/healthz", headers={"Authorization": ""}).json() == {"status": "ok"}


def build_views_elsewhere(settings: Settings) -> None:
    """What a `youthcare projector` in another process does: bring every view up to date."""
    application = create_application(settings)
    projector = Projector(application, ViewStore(application, settings))
    try:
        for view in projector.views:
            assert projector.run_view_once(view)
    finally:
        projector.close()
        application.close()


def test_a_view_behind_its_bound_makes_the_service_not_ready_until_the_projector_catches_up(tmp_path: Path) -> None:
    settings = settings_with_access(
        Settings(
            database_url=SecretStr(f"sqlite:///{tmp_path / 'ready.db'}"),
            projector="off",
            ready_max_lag=0,
        )  # type: ignore[call-arg]
    )
    with ActingClient(create_app(settings)) as client:
        never_built = client.get("/readyz", headers={"Authorization": ""})
        assert never_built.status_code == 503
        assert "view audit_trail is being built" in never_built.json()["reasons"]

        build_views_elsewhere(settings)
        assert ready_within(client, 1).status_code == 200

        create_station(client)  # one event the views have not applied: beyond a bound of 0
        behind = client.get("/readyz", headers={"Authorization": ""})
        assert behind.status_code == 503
        assert behind.headers["retry-after"] == "5"
        assert behind.json() == {
            "status": "not ready",
            "reasons": [
                "view audit_trail is behind the event log",
                "view casework is behind the event log",
                "view hash_chain is behind the event log",
            ],
        }

        build_views_elsewhere(settings)
        assert ready_within(client, 1).status_code == 200


def test_a_lag_within_the_bound_keeps_the_service_ready(tmp_path: Path) -> None:
    settings = settings_with_access(
        Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'ready.db'}"), projector="off", ready_max_lag=5)  # type: ignore[call-arg]
    )
    with ActingClient(create_app(settings)) as client:
        build_views_elsewhere(settings)
        create_station(client)

        assert client.get("/readyz", headers={"Authorization": ""}).status_code == 200


# -- metrics


def test_metrics_are_refused_without_a_token_and_to_anyone_but_an_admin(client: ActingClient) -> None:
    refused = client.get("/metrics", headers={"Authorization": ""})
    problem(refused, 401)
    assert refused.headers["www-authenticate"] == "Bearer"
    problem(client.get("/metrics", headers=as_(client, "auditor", None)), 403)
    problem(client.get("/metrics", headers={"Authorization": "Bearer not-a-token"}), 401)

    served = client.get("/metrics", headers=as_(client, "admin", None))
    assert served.status_code == 200
    assert "youthcare_http_requests_total" in served.text


def test_a_listed_address_reads_the_metrics_without_a_token() -> None:
    listed = settings_with_access(
        MEMORY.model_copy(update={"metrics_allow_from": [ip_network("10.1.0.0/16"), ip_network("192.0.2.7")]})
    )
    for address, status in (("192.0.2.7", 200), ("10.1.200.3", 200), ("10.2.0.1", 401), ("192.0.2.8", 401)):
        with TestClient(create_app(listed), client=(address, 4000)) as from_there:
            assert from_there.get("/metrics").status_code == status, address


def test_the_allowed_addresses_are_read_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUTHCARE_METRICS_ALLOW_FROM", "10.1.0.0/16, 192.0.2.7,::1")

    assert Settings().metrics_allow_from == [ip_network("10.1.0.0/16"), ip_network("192.0.2.7"), ip_network("::1")]


def test_commands_events_and_reads_are_counted_by_type_and_outcome(client: ActingClient) -> None:
    station = create_station(client)
    before = samples(client)

    case = create_case(client, station["id"])
    client.get(f"/cases/{case['id']}")
    client.post(f"/stations/{station['id']}/deactivation")
    refused = client.post(f"/stations/{station['id']}/deactivation")  # already inactive

    assert refused.status_code == 409
    after = samples(client)
    for command, outcome in (("open_case", "success"), ("deactivate_station", "refused_by_rule")):
        counted = value(after, "youthcare_commands_total", command=command, outcome=outcome)
        assert counted == value(before, "youthcare_commands_total", command=command, outcome=outcome) + 1
    assert value(after, "youthcare_events_appended_total") >= value(before, "youthcare_events_appended_total") + 2
    assert value(after, "youthcare_read_log_writes_total") > value(before, "youthcare_read_log_writes_total")


def test_a_stale_if_match_and_a_lost_race_are_counted_as_conflicts(client: ActingClient) -> None:
    station = create_station(client)
    path = f"/stations/{station['id']}"
    stale = client.put(f"{path}/name", json={"name": "Renamed"}, headers={"If-Match": '"99"'})
    problem(stale, 412)

    lost_races = 0
    for round_number in range(30):  # racing renames until some lose (each round gives one a chance)

        def rename(n: int, round_number: int = round_number) -> None:
            nonlocal lost_races
            answer = client.put(f"{path}/name", json={"name": f"Station {round_number}-{n}"})
            if answer.status_code == 409 and answer.json()["type"].endswith(":concurrent_write"):
                lost_races += 1

        threads = [threading.Thread(target=rename, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if lost_races >= 1:
            break

    found = samples(client)
    assert value(found, "youthcare_conflicts_total", kind="stale_version") == 1
    assert lost_races >= 1, "no rename lost a race: nothing to count"
    assert value(found, "youthcare_conflicts_total", kind="concurrent_write") == lost_races


def test_sign_in_failures_and_throttles_are_counted(client: ActingClient) -> None:
    admin = as_(client, "admin", None)  # signed in before the failures shut the username out
    for _ in range(5):
        assert client.post("/auth/token", data={"username": "admin", "password": "wrong"}).status_code == 401
    assert client.post("/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 429

    found = samples(client)

    assert client.get("/metrics", headers=admin).status_code == 200
    assert value(found, "youthcare_sign_ins_total", outcome="failure") == 5
    assert value(found, "youthcare_sign_ins_total", outcome="throttled") == 1


def test_requests_are_counted_by_route_template_never_by_path(client: ActingClient) -> None:
    case = create_case(client)
    client.get(f"/cases/{case['id']}")
    client.get(f"/cases/{case['id']}/timeline")
    client.get("/no/such/path/12345")

    answer = client.get("/metrics", headers=as_(client, "admin", None)).text
    found = samples(client)

    assert value(found, "youthcare_http_requests_total", method="GET", route="/cases/{case_id}", status="200") == 1
    assert value(found, "youthcare_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert (
        value(found, "youthcare_http_request_duration_seconds_count", method="GET", route="/cases/{case_id}/timeline")
        == 1
    )
    assert case["id"] not in answer and "12345" not in answer


def test_each_views_position_and_lag_are_shown(client: ActingClient) -> None:
    position = create_station(client)["position"]
    client.get("/audit-trail", params={"consistent_with": position})

    found = samples(client)

    assert value(found, "youthcare_event_store_up") == 1
    for view in ("audit_trail", "casework", "hash_chain"):
        assert (("youthcare_view_position", frozenset({("view", view)}))) in found
        assert (("youthcare_view_lag_events", frozenset({("view", view)}))) in found
    assert value(found, "youthcare_view_position", view="audit_trail") >= position


# -- logs


def server_lines(err: str) -> list[dict[str, Any]]:
    """Each log line parsed, but those of the test's own HTTP client (httpx logs its requests' URLs)."""
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    return [line for line in lines if line["logger"] != "httpx"]


def test_every_log_line_is_json_and_a_requests_lines_carry_its_id_user_and_route(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ActingClient(create_app(settings_with_access(MEMORY))) as client:
        case = create_case(client)
        auditor = as_(client, "auditor", None)
        capsys.readouterr()
        answer = client.get(f"/cases/{case['id']}", headers={"X-Request-ID": "trace-4f2a.9", **auditor})
        auditor_id = client.front.authenticate(auditor["Authorization"].split()[1]).user_id
        made_up = client.get("/healthz", headers={"X-Request-ID": "no spaces or\tcontrols please"})
        err = capsys.readouterr().err

    lines = server_lines(err)  # each line parses
    assert answer.headers["x-request-id"] == "trace-4f2a.9"
    mine = [line for line in lines if line.get("request_id") == "trace-4f2a.9"]
    assert mine and all(line["route"] == "/cases/{case_id}" for line in mine)
    assert all(line["user_id"] == str(auditor_id) for line in mine)
    request_line = next(line for line in mine if line["logger"] == "youthcare.requests")
    assert (request_line["method"], request_line["status"]) == ("GET", 200)
    assert not any(case["id"] in json.dumps(line) for line in lines)  # the route template, not the path

    given = made_up.headers["x-request-id"]
    assert given != "no spaces or\tcontrols please" and len(given) == 32
    assert any(line.get("request_id") == given for line in lines)


def test_plain_logs_for_development_carry_the_request_id_too(capsys: pytest.CaptureFixture[str]) -> None:
    plain = settings_with_access(MEMORY.model_copy(update={"log_format": "plain"}))
    with ActingClient(create_app(plain)) as client:
        capsys.readouterr()
        client.get("/healthz", headers={"X-Request-ID": "plain-1"})
        err = capsys.readouterr().err

    line = next(line for line in err.splitlines() if "plain-1" in line)
    assert line.endswith("[request_id=plain-1 route=/healthz]")
    assert "GET /healthz 200" in line

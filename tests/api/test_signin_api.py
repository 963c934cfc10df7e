"""Signing in: tokens that expire and can be revoked, throttled failures, passwords, user changes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import SecretStr

from api.main import create_app
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import Settings
from tests.api.acting import ADMIN_PASSWORD, USER_PASSWORD, ActingClient, settings_with_access
from tests.api.conftest import problem


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_user(client: ActingClient, username: str, role: str = "auditor", scope: str | None = None) -> dict[str, Any]:
    body = {"username": username, "display_name": username.title(), "password": USER_PASSWORD, "role": role}
    if scope:
        body["scope_id"] = scope
    made = client.post("/users", json=body)
    assert made.status_code == 201, made.text
    user: dict[str, Any] = made.json()
    return user


def sign_in(client: ActingClient, username: str, password: str = USER_PASSWORD) -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def token_of(client: ActingClient, username: str, password: str = USER_PASSWORD) -> str:
    answer = sign_in(client, username, password)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def is_unauthenticated(answer: Any) -> None:
    problem(answer, 401)
    assert answer.headers["www-authenticate"] == "Bearer"


class Clock:
    """The application's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(client: ActingClient) -> Iterator[Clock]:
    application = client.app.state.youthcare  # type: ignore[attr-defined]
    real, fake = application.clock, Clock()
    application.clock = fake
    yield fake
    application.clock = real


def test_sign_in_answers_an_oauth2_bearer_token_that_works(client: ActingClient) -> None:
    new_user(client, "wu.min")

    answer = sign_in(client, "wu.min")

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    assert len(body["access_token"]) >= 40
    me = client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "wu.min" and me.json()["role"] == "auditor"


def test_usernames_sign_in_without_regard_to_case_or_blanks(client: ActingClient) -> None:
    new_user(client, "wu.min")

    assert sign_in(client, "  Wu.Min ").status_code == 200


def test_a_token_is_stored_only_as_a_hash(client: ActingClient) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    store = client.front.signin.db  # type: ignore[attr-defined]

    with store.reading() as conn:
        rows = [tuple(str(value) for value in row) for row in conn.exec_driver_sql("SELECT * FROM auth_sessions")]

    assert rows and not any(token in value for row in rows for value in row)


def test_an_altered_or_unknown_token_is_401(client: ActingClient) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    is_unauthenticated(client.get("/auth/me", headers=bearer(altered)))
    is_unauthenticated(client.get("/auth/me", headers=bearer("x" * 43)))
    is_unauthenticated(client.get("/auth/me", headers={"Authorization": ""}))


def test_logging_out_ends_that_token_only(client: ActingClient) -> None:
    new_user(client, "wu.min")
    first, second = token_of(client, "wu.min"), token_of(client, "wu.min")

    assert client.post("/auth/logout", headers=bearer(first)).status_code == 204

    is_unauthenticated(client.get("/auth/me", headers=bearer(first)))
    assert client.get("/auth/me", headers=bearer(second)).status_code == 200


def test_an_idle_token_expires(client: ActingClient, clock: Clock) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")

    clock.now += timedelta(minutes=29)
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200  # and used: idle starts again
    clock.now += timedelta(minutes=29)
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200
    clock.now += timedelta(minutes=31)
    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))


def test_a_token_in_use_still_ends_at_the_absolute_limit(client: ActingClient, clock: Clock) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")

    for _ in range(28):  # used every 25 minutes, to 11 h 40 min
        clock.now += timedelta(minutes=25)
        assert client.get("/auth/me", headers=bearer(token)).status_code == 200
    clock.now += timedelta(minutes=25)  # 12 h 5 min after sign-in
    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))


@pytest.mark.parametrize(
    ("change", "body"),
    [("disable", None), ("role", {"role": "coordinator"}), ("password", {"password": "brand new password"})],
)
def test_disabling_changing_role_or_resetting_the_password_ends_every_session(
    client: ActingClient, change: str, body: dict[str, Any] | None
) -> None:
    user = new_user(client, "wu.min")
    tokens = [token_of(client, "wu.min") for _ in range(2)]
    path = f"/users/{user['id']}/{change}"

    answer = client.put(path, json=body) if change == "role" else client.post(path, json=body)

    assert answer.status_code == 200, answer.text
    for token in tokens:
        is_unauthenticated(client.get("/auth/me", headers=bearer(token)))


def test_a_disabled_user_cannot_sign_in_and_an_enabled_one_can_again(client: ActingClient) -> None:
    user = new_user(client, "wu.min")
    assert client.post(f"/users/{user['id']}/disable").status_code == 200

    is_unauthenticated(sign_in(client, "wu.min"))

    assert client.post(f"/users/{user['id']}/enable").status_code == 200
    assert sign_in(client, "wu.min").status_code == 200


def test_an_admin_cannot_disable_themselves(client: ActingClient) -> None:
    admin = next(u for u in client.get("/users").json()["items"] if u["username"] == "admin")

    token = token_of(client, "admin", ADMIN_PASSWORD)
    signed = {"Authorization": f"Bearer {token}"}

    body = problem(client.post(f"/users/{admin['id']}/disable", headers=signed), 409)
    assert body["rule"] == "self_disable"
    assert client.get("/auth/me", headers=signed).status_code == 200  # the refusal ended none of their sessions


def test_changing_ones_own_password_needs_the_current_one(client: ActingClient) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    change = {"current_password": "not my password", "new_password": "my new password!"}

    refused = problem(client.post("/auth/password", json=change, headers=bearer(token)), 422)
    assert refused["errors"][0]["field"] == "current_password"

    change["current_password"] = USER_PASSWORD
    assert client.post("/auth/password", json=change, headers=bearer(token)).status_code == 200
    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))
    assert sign_in(client, "wu.min", "my new password!").status_code == 200
    is_unauthenticated(sign_in(client, "wu.min", USER_PASSWORD))


@pytest.mark.parametrize(
    ("password", "rule"),
    [("short pass", "password_too_short"), ("Wu.Min", "password_too_short"), ("wu.min.wu.min", "password_is_username")],
)
def test_a_password_is_at_least_12_characters_and_not_the_username(
    client: ActingClient, password: str, rule: str
) -> None:
    body = {"username": "wu.min.wu.min", "display_name": "Wu", "password": password, "role": "auditor"}

    refused = problem(client.post("/users", json=body), 422)

    assert refused["rule"] == rule and refused["errors"][0]["field"] == "password"
    assert all(u["username"] != "wu.min.wu.min" for u in client.get("/users").json()["items"])


def test_a_password_with_blanks_and_no_letters_of_any_kind_is_fine(client: ActingClient) -> None:
    body = {"username": "wu.min", "display_name": "Wu", "password": "  一二三 四五六 七八九  ", "role": "auditor"}

    assert client.post("/users", json=body).status_code == 201
    assert sign_in(client, "wu.min", "  一二三 四五六 七八九  ").status_code == 200


def test_a_username_is_taken_once(client: ActingClient) -> None:
    new_user(client, "wu.min")
    body = {"username": "WU.MIN", "display_name": "Other", "password": USER_PASSWORD, "role": "auditor"}

    assert problem(client.post("/users", json=body), 409)["rule"] == "username_taken"


@pytest.mark.parametrize(
    ("role", "scope", "rule"),
    [
        ("station_officer", None, "scope_required"),
        ("auditor", "station", "scope_not_allowed"),
        ("department_officer", "station", "unknown_reference"),  # a station is not a department
        ("mentor", "unknown", "unknown_reference"),
    ],
)
def test_a_role_takes_the_scope_it_needs_and_no_other(
    client: ActingClient, role: str, scope: str | None, rule: str
) -> None:
    station = client.spare_station()
    scopes = {None: None, "station": station, "unknown": "00000000-0000-4000-8000-000000000000"}
    body = {"username": "wu.min", "display_name": "Wu", "password": USER_PASSWORD, "role": role}
    if scopes[scope]:
        body["scope_id"] = scopes[scope]

    assert problem(client.post("/users", json=body), 422)["rule"] == rule


def test_user_changes_are_events_naming_the_admin(client: ActingClient) -> None:
    user = new_user(client, "wu.min")
    client.put(f"/users/{user['id']}/role", json={"role": "coordinator"})
    last = client.post(f"/users/{user['id']}/disable").json()["position"]

    trail = client.get("/audit-trail", params={"record_id": user["id"], "consistent_with": last}).json()["items"]

    assert [row["event_type"] for row in trail] == ["user.Disabled", "user.RoleChanged", "user.Created"]
    assert {row["actor"]["user_id"] for row in trail} == {"admin"}
    assert all("password" not in row["summary"].lower() or "reset" in row["summary"] for row in trail)


def test_no_password_hash_goes_into_the_event_log(client: ActingClient) -> None:
    new_user(client, "wu.min")
    recorder = client.app.state.youthcare.recorder  # type: ignore[attr-defined]

    stored = b"".join(n.state for n in recorder.select_notifications(1, limit=10_000))

    assert b"argon2" not in stored and USER_PASSWORD.encode() not in stored


# -- failed sign-ins


def test_five_failures_close_sign_in_for_that_username_even_with_the_right_password(
    client: ActingClient, clock: Clock
) -> None:
    new_user(client, "wu.min")
    for _ in range(5):
        is_unauthenticated(sign_in(client, "wu.min", "wrong password here"))

    closed = sign_in(client, "wu.min")
    problem(closed, 429)
    assert 1 <= int(closed.headers["retry-after"]) <= 15 * 60
    declared = client.get("/openapi.json").json()["paths"]["/auth/token"]["post"]["responses"]
    assert "application/problem+json" in declared["429"]["content"], "the document says sign-in may answer 429"
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 200  # other usernames are not closed

    clock.now += timedelta(minutes=15, seconds=1)
    assert sign_in(client, "wu.min").status_code == 200


def test_failures_are_recorded_with_the_username_as_typed_and_the_address(client: ActingClient) -> None:
    sign_in(client, "Wu.Min ", "wrong password here")
    sign_in(client, "nobody-at-all", "wrong password here")

    with client.front.signin.db.reading() as conn:  # type: ignore[attr-defined]
        rows = conn.exec_driver_sql("SELECT username, username_key, address FROM auth_failures").all()

    assert [tuple(row) for row in rows] == [
        ("Wu.Min ", "wu.min", "testclient"),
        ("nobody-at-all", "nobody-at-all", "testclient"),
    ]


def test_failures_before_a_successful_sign_in_do_not_count_after_it(client: ActingClient) -> None:
    new_user(client, "wu.min")
    for _ in range(4):
        sign_in(client, "wu.min", "wrong password here")
    assert sign_in(client, "wu.min").status_code == 200

    for _ in range(4):
        sign_in(client, "wu.min", "wrong password here")

    assert sign_in(client, "wu.min").status_code == 200


def test_an_unknown_username_and_a_wrong_password_answer_alike_in_about_the_same_time() -> None:
    settings = settings_with_access(Settings(database_url=SecretStr(MEMORY_URL)))
    settings = settings.model_copy(update={"password_hash_time_cost": 2, "password_hash_memory_kib": 19456})
    with ActingClient(create_app(settings)) as client:
        new_user(client, "wu.min")

        def timed(username: str) -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            answer = sign_in(client, username, "wrong password here")
            return time.perf_counter() - started, answer.json()

        unknown = [timed(f"nobody-{n}") for n in range(5)]
        wrong = [timed(f"{' ' * n}wu.min") for n in range(5)]  # under 5 failures: never throttled

    assert {str(body) for _, body in unknown} == {str(body) for _, body in wrong}
    slow, fast = statistics.median(t for t, _ in unknown), statistics.median(t for t, _ in wrong)
    # Both verify an argon2 hash; answering an unknown name at once would be ~20 times quicker.
    assert 1 / 3 < slow / fast < 3, (slow, fast)

"""A signed-in user is known to the server between requests, and still every change to them counts at once."""

from __future__ import annotations

from tests.api.acting import ActingClient
from tests.api.test_signin_api import bearer, is_unauthenticated, new_user, token_of


def test_a_token_in_use_stops_working_at_once_when_the_users_role_changes(client: ActingClient) -> None:
    user = new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    assert client.get("/auth/me", headers=bearer(token)).json()["role"] == "auditor"

    changed = client.put(f"/users/{user['id']}/role", json={"role": "coordinator"})

    assert changed.status_code == 200, changed.text
    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))
    assert client.get("/auth/me", headers=bearer(token_of(client, "wu.min"))).json()["role"] == "coordinator"


def test_a_token_in_use_stops_working_at_once_when_the_user_is_disabled(client: ActingClient) -> None:
    user = new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200

    assert client.post(f"/users/{user['id']}/disable").status_code == 200

    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))
    is_unauthenticated(client.get("/audit-trail", headers=bearer(token)))


def test_a_token_in_use_stops_working_at_once_when_revoked_elsewhere(client: ActingClient) -> None:
    new_user(client, "wu.min")
    token = token_of(client, "wu.min")
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200

    client.front.signin.revoke(token, client.front.clock())  # another process's sign-out, say

    is_unauthenticated(client.get("/auth/me", headers=bearer(token)))

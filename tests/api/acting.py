"""A test client that signs each request in as the person whose job it is.

The API tests of records and views are about what a command or a query does, not about
who may send it (tests/api/test_access*.py are). So a request sent without an
Authorization header goes out as the user the access policy would expect to send it:
the admin for the registry, the lead of the record's station for casework (an officer of it
for plans and closures, which the lead approves), the lead of the receiving station for a
transfer's answer, the officer of the referral's department for answers, an auditor for views
and audit reads. Users are
made through the real API the first time they are needed and their tokens are kept.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from fastapi.testclient import TestClient
from pydantic import SecretStr

from application.errors import NotFound
from application.front import Front
from infrastructure.settings import Settings

ADMIN_PASSWORD = "admin password for tests"
USER_PASSWORD = "user password for tests"
# Cheap argon2 for tests only (production refuses these numbers).
FAST_HASHING: dict[str, Any] = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8}
TEST_ACCESS: dict[str, Any] = {**FAST_HASHING, "bootstrap_admin_password": SecretStr(ADMIN_PASSWORD)}

REGISTRY = re.compile(r"^/(stations|departments|volunteers)(/|$)")
CASE = re.compile(r"^/cases/(?P<id>[^/]+)(?P<rest>/.*)?$")
PAIR = re.compile(r"^/pairs/(?P<id>[^/]+)(?P<rest>/.*)?$")
REFERRAL = re.compile(r"^/referrals/(?P<id>[^/]+)(?P<rest>/.*)?$")
ANSWERS = {"/acceptance", "/decline", "/progress-notes", "/completion"}
SUBMISSIONS = {"/plan", "/closure"}  # an officer submits, the lead approves
TRANSFER_ANSWER = re.compile(r"^/transfer-requests/[^/]+/(acceptance|decline)$")


def settings_with_access(settings: Settings) -> Settings:
    """`settings` with the test admin's bootstrap password and cheap hashing."""
    return settings.model_copy(update=TEST_ACCESS)


class ActingClient(TestClient):
    """A TestClient whose requests without Authorization are signed in as the right person."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens: dict[tuple[str, str | None], str] = {}
        self.usernames: dict[tuple[str, str | None], str] = {}
        self._serial = itertools.count(2)
        self._spare_station: str | None = None

    @property
    def front(self) -> Front:
        front: Front = self.app.state.front  # type: ignore[attr-defined]
        return front

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        headers = dict(kwargs.pop("headers", None) or {})
        if not any(key.lower() == "authorization" for key in headers) and not str(url).startswith("/auth/token"):
            role, scope = self.acting_for(method.upper(), urlsplit(str(url)).path, kwargs.get("json"))
            headers["Authorization"] = f"Bearer {self.token(role, scope)}"
        response = super().request(method, url, *args, headers=headers, **kwargs)
        if method.upper() == "POST" and str(url) == "/referrals" and response.status_code == 201:
            # Whoever answers it is made now, not in the middle of a later step of the test.
            self.token("department_officer", response.json()["to_department_id"])
        return response

    # -- who sends what

    def acting_for(self, method: str, path: str, body: Any) -> tuple[str, str | None]:
        if REGISTRY.match(path) or path.startswith("/users"):
            return "admin", None
        if path == "/cases" and method == "POST":
            return "station_lead", self._station_of("station", _field(body, "station_id"))
        if path in ("/pairs", "/referrals") and method == "POST":
            return "station_lead", self._station_of("case", _field(body, "case_id"))
        for pattern, kind in ((CASE, "case"), (PAIR, "pair"), (REFERRAL, "referral")):
            found = pattern.match(path)
            if found is None:
                continue
            rest = found.group("rest") or ""
            if kind == "case" and rest == "/export":
                return "auditor", None
            if kind == "case" and rest == "/unsealing":
                return "coordinator", None
            if kind == "referral" and method == "POST" and rest in ANSWERS:
                return "department_officer", self._department_of(found.group("id"))
            if kind == "case" and rest in SUBMISSIONS:
                return "station_officer", self._station_of(kind, found.group("id"))
            if kind == "case" and TRANSFER_ANSWER.match(rest):
                facts = self._facts("case", found.group("id"))
                receiving = facts.transfer_to if facts is not None else None
                return "station_lead", str(receiving) if receiving else self.spare_station()
            return "station_lead", self._station_of(kind, found.group("id"))
        return "auditor", None  # views, search, audit

    def _station_of(self, kind: str, record_id: str | None) -> str:
        facts = self._facts(kind, record_id)
        return str(facts.station_id) if facts is not None and facts.station_id else self.spare_station()

    def _department_of(self, referral_id: str) -> str | None:
        facts = self._facts("referral", referral_id)
        if facts is None or facts.department_id is None:
            return None
        return str(facts.department_id)

    def _facts(self, kind: str, record_id: str | None) -> Any:
        try:
            return self.front.facts(kind, UUID(str(record_id)))
        except (ValueError, NotFound):
            return None

    # -- users and tokens

    def token(self, role: str, scope: str | None) -> str:
        if role == "department_officer" and scope is None:
            role, scope = "auditor", None  # an unknown referral: anyone gets the same 404
        key = (role, scope)
        if key not in self._tokens:
            if role == "admin":
                self._tokens[key] = self.sign_in("admin", ADMIN_PASSWORD)
            else:
                self._tokens[key] = self.make_user(role, scope)
        return self._tokens[key]

    def sign_in(self, username: str, password: str) -> str:
        answer = super().request("POST", "/auth/token", data={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def make_user(self, role: str, scope: str | None, username: str | None = None) -> str:
        """A new user with this role and scope, signed in: their token."""
        username = username or f"{role.replace('_', '-')}-{next(self._serial)}"
        self.usernames[(role, scope)] = username
        body = {"username": username, "display_name": username, "password": USER_PASSWORD, "role": role}
        if scope is not None:
            body["scope_id"] = scope
        made = super().request(
            "POST", "/users", json=body, headers={"Authorization": f"Bearer {self.token('admin', None)}"}
        )
        assert made.status_code == 201, made.text
        return self.sign_in(username, USER_PASSWORD)

    def __enter__(self) -> ActingClient:
        super().__enter__()
        # The users every test needs are made up front, so that their events are not
        # written in the middle of a test counting positions.
        spare = self.spare_station()
        for role, scope in (("admin", None), ("auditor", None), ("station_lead", spare), ("station_officer", spare)):
            self.token(role, scope)
        return self

    def spare_station(self) -> str:
        """A station for requests that name none that exists (so the answer is about the input)."""
        if self._spare_station is None:
            made = self.post(
                "/stations", json={"name": "Spare station", "kind": "police_care_station", "level": "town"}
            )
            assert made.status_code == 201, made.text
            self._spare_station = str(made.json()["id"])
        return self._spare_station


def _field(body: Any, name: str) -> str | None:
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    if isinstance(body, dict) and isinstance(body.get(name), str):
        try:
            return str(UUID(body[name]))
        except ValueError:
            return None
    return None

"""Every endpoint of the OpenAPI document × every role × a record in scope and one out of scope.

The expected answers are written out here by hand, from the issue's table of roles, not
read from the policy the service enforces: a change to either that the other does not
share fails this test, and so does an endpoint missing from the table below.

The world: station A lies under a district station R; station B does not. Each of A and B
has a case, a screened volunteer paired with it, a department and a referral to it. The
users are bound to A's side: an officer and a lead of A, the mentor of A's pair, an officer
of A's department, a coordinator of R's area, an auditor and an admin.

Commands on existing records carry a stale `If-Match`, so one that the policy lets through
answers 412 and changes nothing; a refused one answers 403 or 404 first. A work list answers
200 to each role that may read it, and shows the side's record only to those who reach it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.api.acting import ADMIN_PASSWORD, USER_PASSWORD, ActingClient
from tests.api.conftest import CASE, GOALS, SHARING_CONSENT, STATION, VOLUNTEER

ROLES = {
    "O": "station_officer",
    "L": "station_lead",
    "M": "mentor",
    "D": "department_officer",
    "C": "coordinator",
    "A": "auditor",
    "X": "admin",
}
EVERYONE = "OLMDCAX"
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/auth/token")}
TODAY = date.today()
_serial = itertools.count(1)


@dataclass(frozen=True)
class Expect:
    """Who may (in scope; `anywhere`: out of scope too) and who may know the record at all."""

    ok: int
    may: str
    anywhere: str = ""
    knows: str = EVERYONE  # in scope; roles outside it get 404
    knows_anywhere: str = EVERYONE  # out of scope
    record: bool = True  # about a record named in the path
    out_refused: int | None = None  # a create naming a record out of scope: what the `may` roles get
    shows: str | None = None  # a list: the side's record it must show to `may` in scope, `anywhere` out of it

    def listed(self, role: str, in_scope: bool) -> bool:
        return role in (self.may if in_scope else self.anywhere)

    def answer(self, role: str, in_scope: bool) -> int:
        if not self.record:
            if role not in self.may:
                return 403
            if not in_scope and self.out_refused is not None:
                return self.out_refused
            return self.ok
        allowed, known = (self.may, self.knows) if in_scope else (self.anywhere, self.knows_anywhere)
        if role in allowed:
            return self.ok
        return 403 if role in known else 404


def listing(ok: int, may: str) -> Expect:
    return Expect(ok, may, record=False)


def work_list(may: str, anywhere: str, shows: str) -> Expect:
    """A list narrowed to the caller's reach: the side's record is in it for those who reach it."""
    return Expect(200, may, anywhere, record=False, shows=shows)


CASE_KNOWN = dict(knows="OLCA", knows_anywhere="A")
PAIR_KNOWN = dict(knows="OLCAM", knows_anywhere="A")
REFERRAL_KNOWN = dict(knows="OLCAD", knows_anywhere="A")
VOLUNTEER_KNOWN = dict(knows="XACOLM", knows_anywhere="XACOL")
USER_KNOWN = dict(knows="XA", knows_anywhere="XA")


def case_work(may: str = "OL") -> Expect:
    return Expect(412, may, **CASE_KNOWN)


TRANSFER_ANSWER = Expect(412, "L", knows="LA", knows_anywhere="OLCA")

EXPECTED: dict[tuple[str, str], Expect] = {
    ("GET", "/auth/me"): listing(200, EVERYONE),
    ("GET", "/me/tasks"): listing(200, EVERYONE),
    ("POST", "/auth/logout"): listing(204, EVERYONE),
    ("POST", "/auth/password"): listing(422, EVERYONE),  # the current password sent is wrong
    ("GET", "/metrics"): listing(200, "X"),
    ("POST", "/users"): listing(201, "X"),
    ("GET", "/users"): listing(200, "XA"),
    ("GET", "/users/{user_id}"): Expect(200, "XA", "XA", **USER_KNOWN),
    ("PUT", "/users/{user_id}/role"): Expect(200, "X", "X", **USER_KNOWN),
    ("POST", "/users/{user_id}/disable"): Expect(200, "X", "X", **USER_KNOWN),
    ("POST", "/users/{user_id}/enable"): Expect(200, "X", "X", **USER_KNOWN),
    ("POST", "/users/{user_id}/password"): Expect(200, "X", "X", **USER_KNOWN),
    ("POST", "/stations"): listing(201, "X"),
    ("GET", "/stations"): listing(200, EVERYONE),
    ("GET", "/stations/{station_id}"): Expect(200, EVERYONE, EVERYONE),
    ("GET", "/stations/{station_id}/history"): Expect(200, "XCA", "XCA"),
    ("PUT", "/stations/{station_id}/name"): Expect(412, "X", "X"),
    ("POST", "/stations/{station_id}/deactivation"): Expect(412, "X", "X"),
    ("POST", "/departments"): listing(201, "X"),
    ("GET", "/departments"): listing(200, EVERYONE),
    ("GET", "/departments/{department_id}"): Expect(200, EVERYONE, EVERYONE),
    ("GET", "/departments/{department_id}/history"): Expect(200, "XCA", "XCA"),
    ("PUT", "/departments/{department_id}/name"): Expect(412, "X", "X"),
    ("POST", "/departments/{department_id}/deactivation"): Expect(412, "X", "X"),
    ("POST", "/volunteers"): listing(201, "X"),
    ("GET", "/volunteers"): work_list("XACOLM", "XACOL", "volunteer_id"),  # a mentor: their own record only
    ("GET", "/volunteers/{volunteer_id}"): Expect(200, "XACOLM", "XACOL", **VOLUNTEER_KNOWN),
    ("GET", "/volunteers/{volunteer_id}/history"): Expect(200, "XCA", "XCA", **VOLUNTEER_KNOWN),
    ("POST", "/volunteers/{volunteer_id}/screening"): Expect(412, "X", "X", **VOLUNTEER_KNOWN),
    ("POST", "/volunteers/{volunteer_id}/trainings"): Expect(412, "X", "X", **VOLUNTEER_KNOWN),
    ("POST", "/volunteers/{volunteer_id}/deactivation"): Expect(412, "X", "X", **VOLUNTEER_KNOWN),
    ("POST", "/volunteers/{volunteer_id}/reactivation"): Expect(412, "X", "X", **VOLUNTEER_KNOWN),
    ("POST", "/cases"): Expect(201, "OL", record=False, out_refused=403),  # station B is not theirs
    ("GET", "/cases"): listing(200, "OLCA"),
    ("GET", "/cases/{case_id}"): Expect(200, "OLCA", "A", **CASE_KNOWN),
    ("GET", "/cases/{case_id}/timeline"): Expect(200, "OLCA", "A", **CASE_KNOWN),
    ("GET", "/cases/{case_id}/history"): Expect(200, "OLCA", "A", **CASE_KNOWN),
    ("GET", "/cases/{case_id}/export"): Expect(200, "A", "A", **CASE_KNOWN),
    ("POST", "/cases/{case_id}/risk-assessments"): case_work(),
    ("PUT", "/cases/{case_id}/plan"): case_work(),
    ("POST", "/cases/{case_id}/plan/approval"): case_work("L"),
    ("POST", "/cases/{case_id}/plan/return"): case_work("L"),
    ("POST", "/cases/{case_id}/plan/goal-reviews"): case_work(),
    ("PUT", "/cases/{case_id}/assignment"): case_work("L"),
    ("POST", "/cases/{case_id}/interventions"): case_work(),
    ("POST", "/cases/{case_id}/consents"): case_work(),
    ("POST", "/cases/{case_id}/closure"): case_work(),
    ("POST", "/cases/{case_id}/closure/approval"): case_work("L"),
    ("POST", "/cases/{case_id}/closure/return"): case_work("L"),
    ("POST", "/cases/{case_id}/transfer-requests"): case_work(),
    # In scope: B's case waiting to move to A, whose lead answers (and so may know of it);
    # out of scope: A's case waiting to move to B.
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/acceptance"): TRANSFER_ANSWER,
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/decline"): TRANSFER_ANSWER,
    # In scope: A's case waiting to move to B, which A withdraws; out of scope: B's case.
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/withdrawal"): case_work(),
    ("POST", "/cases/{case_id}/reopening"): case_work(),
    ("POST", "/cases/{case_id}/seal"): case_work("LC"),
    ("POST", "/cases/{case_id}/erasure"): Expect(412, "X", "X", knows="OLCAX", knows_anywhere="AX"),
    ("POST", "/cases/{case_id}/unsealing"): case_work("C"),
    ("POST", "/pairs"): Expect(201, "OL", record=False, out_refused=422),  # case B is unknown to them
    ("GET", "/pairs"): work_list("OLCAM", "A", "pair_id"),
    ("GET", "/pairs/{pair_id}"): Expect(200, "OLCAM", "A", **PAIR_KNOWN),
    ("GET", "/pairs/{pair_id}/history"): Expect(200, "OLCA", "A", **PAIR_KNOWN),
    ("POST", "/pairs/{pair_id}/sessions"): Expect(412, "OLM", **PAIR_KNOWN),
    ("POST", "/pairs/{pair_id}/goal-progress"): Expect(412, "OLM", **PAIR_KNOWN),
    ("POST", "/pairs/{pair_id}/pause"): Expect(412, "OL", **PAIR_KNOWN),
    ("POST", "/pairs/{pair_id}/resumption"): Expect(412, "OL", **PAIR_KNOWN),
    ("POST", "/pairs/{pair_id}/closure"): Expect(412, "OL", **PAIR_KNOWN),
    ("POST", "/referrals"): Expect(201, "OL", record=False, out_refused=422),
    ("GET", "/referrals"): work_list("OLCAD", "A", "referral_id"),
    ("GET", "/referrals/{referral_id}"): Expect(200, "OLCAD", "A", **REFERRAL_KNOWN),
    ("GET", "/referrals/{referral_id}/history"): Expect(200, "OLCA", "A", **REFERRAL_KNOWN),
    ("POST", "/referrals/{referral_id}/acceptance"): Expect(412, "D", **REFERRAL_KNOWN),
    ("POST", "/referrals/{referral_id}/decline"): Expect(412, "D", **REFERRAL_KNOWN),
    ("POST", "/referrals/{referral_id}/progress-notes"): Expect(412, "D", **REFERRAL_KNOWN),
    ("POST", "/referrals/{referral_id}/completion"): Expect(412, "D", **REFERRAL_KNOWN),
    ("POST", "/referrals/{referral_id}/withdrawal"): Expect(412, "OL", **REFERRAL_KNOWN),
    ("GET", "/audit-trail"): listing(200, "OLCA"),
    ("GET", "/audit/verification"): listing(200, "A"),
    ("GET", "/audit/anchor"): listing(200, "A"),
    ("GET", "/audit/access-log"): listing(200, "AL"),
    ("GET", "/coordination/referrals"): listing(200, "OLCAD"),
    ("GET", "/coordination/departments"): listing(200, "CAD"),
    ("GET", "/coordination/stations"): listing(200, "OLCA"),
    ("GET", "/coordination/mentors"): listing(200, "OLCA"),
    ("GET", "/reports/summary"): listing(200, "LCA"),
}

SESSION = {"held_on": TODAY.isoformat(), "duration_minutes": 45, "mode": "in_person", "notes": "n", "progress": 3}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/auth/password"): {"current_password": "not the password at all", "new_password": "x" * 20},
    ("PUT", "/users/{user_id}/role"): {"role": "coordinator"},
    ("POST", "/users/{user_id}/password"): {"password": "a fresh password here"},
    ("POST", "/stations"): STATION,
    ("PUT", "/stations/{station_id}/name"): {"name": "Renamed"},
    ("POST", "/departments"): {"name": "Bureau", "kind": "education"},
    ("PUT", "/departments/{department_id}/name"): {"name": "Renamed"},
    ("POST", "/volunteers"): VOLUNTEER,
    ("POST", "/volunteers/{volunteer_id}/screening"): {"passed": True, "notes": "again"},
    ("POST", "/volunteers/{volunteer_id}/trainings"): {"course": "c", "completed_on": "2026-01-05", "hours": 2},
    ("POST", "/cases/{case_id}/risk-assessments"): {"instrument": "i", "score": 3, "level": "low", "notes": ""},
    ("PUT", "/cases/{case_id}/plan"): {"goals": ["g"]},
    ("POST", "/cases/{case_id}/interventions"): {
        "kind": "counselling",
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "duration_minutes": 30,
        "notes": "n",
        "performed_by": "p",
    },
    ("POST", "/cases/{case_id}/consents"): SHARING_CONSENT,
    ("POST", "/cases/{case_id}/closure"): {"outcome": "done"},
    ("POST", "/cases/{case_id}/plan/approval"): {"note": ""},
    ("POST", "/cases/{case_id}/plan/return"): {"note": "vague"},
    ("POST", "/cases/{case_id}/plan/goal-reviews"): {"goal": "g", "status": "achieved"},
    ("POST", "/cases/{case_id}/closure/approval"): {"note": ""},
    ("POST", "/cases/{case_id}/closure/return"): {"note": "not yet"},
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/acceptance"): {"note": ""},
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/decline"): {"note": "no room"},
    ("POST", "/cases/{case_id}/transfer-requests/{request_id}/withdrawal"): {"note": ""},
    ("POST", "/cases/{case_id}/reopening"): {"reason": "again"},
    ("POST", "/cases/{case_id}/seal"): {"reason": "offence", "legal_basis": "CPL art. 286"},
    ("POST", "/cases/{case_id}/erasure"): {"reason": "purpose fulfilled", "legal_basis": "PIPL art. 47"},
    ("POST", "/cases/{case_id}/unsealing"): {"reason": "new offence", "legal_basis": "CPL art. 286"},
    ("POST", "/pairs/{pair_id}/sessions"): SESSION,
    ("POST", "/pairs/{pair_id}/goal-progress"): {"goal": GOALS[0], "status": "in_progress", "note": ""},
    ("POST", "/pairs/{pair_id}/pause"): {"reason": "holiday"},
    ("POST", "/pairs/{pair_id}/closure"): {"reason": "done"},
    ("POST", "/referrals/{referral_id}/decline"): {"reason": "no"},
    ("POST", "/referrals/{referral_id}/progress-notes"): {"note": "n"},
    ("POST", "/referrals/{referral_id}/completion"): {"outcome": "done"},
    ("POST", "/referrals/{referral_id}/withdrawal"): {"reason": "no"},
}
QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/reports/summary"): {"from": f"{TODAY.year}-01-01", "to": f"{TODAY.year}-12-31"},
    ("GET", "/pairs"): {"limit": 500},
    ("GET", "/referrals"): {"limit": 500},
    ("GET", "/volunteers"): {"limit": 500},
}


class World:
    """Records on both sides and a user per role, made through the API."""

    def __init__(self, client: ActingClient) -> None:
        self.client = client
        admin = {"Authorization": f"Bearer {client.token('admin', None)}"}
        self.admin = admin
        district = self._made("/stations", {**STATION, "name": "District", "level": "district"}, admin)
        self.side = {
            True: self._side(self._made("/stations", {**STATION, "name": "A", "parent_id": district}, admin)),
            False: self._side(self._made("/stations", {**STATION, "name": "B"}, admin)),
        }
        side = self.side[True]
        scopes = {
            "O": side["station_id"],
            "L": side["station_id"],
            "M": side["volunteer_id"],
            "D": side["department_id"],
            "C": district,
            "A": None,
            "X": None,
        }
        self.tokens = {letter: self._user(ROLES[letter], scopes[letter]) for letter in ROLES}
        self.tokens["X"] = client.token("admin", None)
        self.officer = self.client_username("O")
        # A case on each side waiting to move to the other: (case id, request id).
        self.moving = {True: self._moving(True), False: self._moving(False)}

    def _moving(self, from_a: bool) -> tuple[str, str]:
        here, there = self.side[from_a]["station_id"], self.side[not from_a]["station_id"]
        lead = {"Authorization": f"Bearer {self._user('station_lead', here)}"}
        case = self._made("/cases", {**CASE, "station_id": here}, lead)
        asked = self.client.post(
            f"/cases/{case}/transfer-requests", json={"to_station_id": there, "reason": "moved"}, headers=lead
        )
        assert asked.status_code == 200, asked.text
        return case, asked.json()["request_id"]

    def _made(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        answer = self.client.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        made: str = answer.json()["id"]
        return made

    def _user(self, role: str, scope: str | None, username: str | None = None) -> str:
        username = username or f"matrix-{role}-{next(_serial)}"
        body = {"username": username, "display_name": username, "password": USER_PASSWORD, "role": role}
        if scope is not None:
            body["scope_id"] = scope
        self._made("/users", body, self.admin)
        return self.client.sign_in(username, USER_PASSWORD)

    def volunteer(self) -> str:
        volunteer = self._made("/volunteers", VOLUNTEER, self.admin)
        screened = self.client.post(f"/volunteers/{volunteer}/screening", json={"passed": True}, headers=self.admin)
        assert screened.status_code == 200, screened.text
        return volunteer

    def _side(self, station: str) -> dict[str, str]:
        lead = {"Authorization": f"Bearer {self._user('station_lead', station)}"}
        department = self._made("/departments", {"name": f"Bureau {station[:4]}", "kind": "education"}, self.admin)
        volunteer = self.volunteer()
        case = self._made("/cases", {**CASE, "station_id": station}, lead)
        consented = self.client.post(f"/cases/{case}/consents", json=SHARING_CONSENT, headers=lead)
        assert consented.status_code == 200, consented.text
        pair = {"case_id": case, "volunteer_id": volunteer, "goals": GOALS, "started_on": TODAY.isoformat()}
        referral = {
            "case_id": case,
            "to_department_id": department,
            "service": "s",
            "reason": "r",
            "respond_by": (TODAY + timedelta(days=7)).isoformat(),
        }
        return {
            "station_id": station,
            "department_id": department,
            "volunteer_id": volunteer,
            "case_id": case,
            "pair_id": self._made("/pairs", pair, lead),
            "referral_id": self._made("/referrals", referral, lead),
        }

    def target_user(self, operation: tuple[str, str]) -> str:
        """A fresh user for each request about a user, so no request sees another's change."""
        username = f"target-{next(_serial)}"
        body = {"username": username, "display_name": "T", "password": USER_PASSWORD, "role": "auditor"}
        made = self._made("/users", body, self.admin)
        if operation[1].endswith("/enable"):
            assert self.client.post(f"/users/{made}/disable", headers=self.admin).status_code == 200
        return made

    def body(self, operation: tuple[str, str], in_scope: bool) -> Any:
        side = self.side[in_scope]
        if operation == ("POST", "/users"):
            return {
                "username": f"new-{next(_serial)}",
                "display_name": "N",
                "password": USER_PASSWORD,
                "role": "auditor",
            }
        if operation == ("POST", "/cases"):
            return {**CASE, "station_id": side["station_id"]}
        if operation == ("POST", "/pairs"):
            return {
                "case_id": side["case_id"],
                "volunteer_id": self.volunteer(),
                "goals": GOALS,
                "started_on": TODAY.isoformat(),
            }
        if operation == ("PUT", "/cases/{case_id}/assignment"):  # an officer of A, whoever assigns
            return {"case_worker_id": self.officer}
        if operation == ("POST", "/cases/{case_id}/transfer-requests"):
            return {"to_station_id": self.side[not in_scope]["station_id"], "reason": "moved"}
        if operation == ("POST", "/referrals"):
            return {
                "case_id": side["case_id"],
                "to_department_id": side["department_id"],
                "service": "s",
                "reason": "r",
                "respond_by": (TODAY + timedelta(days=7)).isoformat(),
            }
        return BODIES.get(operation)

    def token_for(self, letter: str, operation: tuple[str, str]) -> str:
        if operation == ("POST", "/auth/logout"):  # a session of its own to end
            username = self.client_username(letter)
            return self.client.sign_in(username, ADMIN_PASSWORD if username == "admin" else USER_PASSWORD)
        return self.tokens[letter]

    def client_username(self, letter: str) -> str:
        me = self.client.get("/auth/me", headers={"Authorization": f"Bearer {self.tokens[letter]}"})
        username: str = me.json()["username"]
        return username

    def send(self, letter: str, operation: tuple[str, str], in_scope: bool) -> Any:
        method, template = operation
        params = dict(self.side[in_scope])
        if "{user_id}" in template:
            params["user_id"] = self.target_user(operation)
        if "{request_id}" in template:
            withdrawing = template.endswith("/withdrawal")
            params["case_id"], params["request_id"] = self.moving[in_scope == withdrawing]
        headers = {"Authorization": f"Bearer {self.token_for(letter, operation)}"}
        if method in ("POST", "PUT") and "{" in template and not template.startswith(("/users", "/auth")):
            headers["If-Match"] = '"999"'
        return self.client.request(
            method,
            template.format(**params),
            json=self.body(operation, in_scope),
            params=QUERIES.get(operation),
            headers=headers,
        )


def operations(client: ActingClient) -> list[tuple[str, str]]:
    document = client.get("/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )


def test_every_endpoint_answers_every_role_in_and_out_of_scope_as_the_table_says(client: ActingClient) -> None:
    listed = [operation for operation in operations(client) if operation not in PUBLIC]
    assert sorted(set(listed) - EXPECTED.keys()) == [], "endpoints with no row in the access table"
    assert sorted(EXPECTED.keys() - set(listed)) == [], "rows for endpoints that no longer exist"
    world = World(client)
    head = client.front.core.recorder.max_notification_id()
    auditor = {"Authorization": f"Bearer {world.tokens['A']}"}
    assert client.get("/audit/anchor", params={"consistent_with": head}, headers=auditor).status_code == 200
    assert client.get("/pairs", params={"consistent_with": head}, headers=auditor).status_code == 200
    wrong: list[str] = []
    cells = 0
    for operation in listed:
        expect = EXPECTED[operation]
        for letter in ROLES:
            for in_scope in (True, False):
                answer = world.send(letter, operation, in_scope)
                cells += 1
                wanted = expect.answer(letter, in_scope)
                where = f"{operation[0]} {operation[1]} as {ROLES[letter]} {'in' if in_scope else 'out of'} scope"
                if answer.status_code != wanted:
                    wrong.append(f"{where}: {answer.status_code}, expected {wanted}: {answer.text[:160]}")
                elif expect.shows is not None and wanted == 200:
                    shown = world.side[in_scope][expect.shows] in {item["id"] for item in answer.json()["items"]}
                    if shown != expect.listed(letter, in_scope):
                        wrong.append(f"{where}: the side's {expect.shows} {'shown' if shown else 'missing'}")
    assert wrong == [], "\n".join(wrong)
    assert cells == len(listed) * len(ROLES) * 2


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_an_endpoint_without_a_valid_token_is_401_with_www_authenticate(
    client: ActingClient, method: str, path: str
) -> None:
    filled = path.format(
        user_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        station_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        department_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        volunteer_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        case_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        pair_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        referral_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        request_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
    )
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        answer = client.request(method, filled, headers=headers, json={})
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.headers["content-type"].startswith("application/problem+json")

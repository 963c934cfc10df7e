"""The end-to-end story, driven over real HTTP against a running server, by the people who do it.

An admin registers the station, department and volunteer and makes the users; a station
officer opens and works the case; the mentor logs sessions; the department officer answers
the referral; a coordinator reads the views and an auditor the trail, the timeline, the
verification, the export and the read log. Each signs in with their own password.

Used by the e2e tests and by bench/story.py, which times it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from application.views.export import verify_export

TODAY = date.today()
ADMIN_PASSWORD = "admin password for the story"
PASSWORD = "a password for the story"
# The first start makes `admin`; cheap hashing keeps the story quick (production refuses it).
ACCESS_ENV = {
    "YOUTHCARE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "YOUTHCARE_PASSWORD_HASH_TIME_COST": "1",
    "YOUTHCARE_PASSWORD_HASH_MEMORY_KIB": "8",
}
ROLES = ("officer", "lead", "mentor", "department", "coordinator", "auditor", "receiver")
_runs = itertools.count(1)


def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


def _post(client: httpx.Client, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    return _ok(client.post(path, json=body or {}), status)


def sign_in(base_url: str, username: str, password: str) -> str:
    answer = httpx.post(f"{base_url}/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@dataclass
class Cast:
    """The people of the story: each role's username and token, and a client per role."""

    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)
    writes: list[dict[str, Any]] = field(default_factory=list)
    transport: httpx.BaseTransport | None = None  # how the clients send (default: plain HTTP)

    def __getattr__(self, role: str) -> httpx.Client:
        clients = self.__dict__.get("clients", {})
        if role not in clients:
            raise AttributeError(role)
        client: httpx.Client = clients[role]
        return client

    def join(self, role: str, username: str, token: str) -> None:
        self.tokens[role], self.usernames[role] = token, username
        client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            transport=self.transport,
        )
        client.event_hooks["response"].append(_recording(self.writes, username))
        self.clients[role] = client

    def moved_to(self, base_url: str) -> Cast:
        """The same people (same tokens) talking to a server at another address."""
        moved = Cast(base_url, writes=self.writes, transport=self.transport)
        for role, token in self.tokens.items():
            moved.join(role, self.usernames[role], token)
        return moved

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _recording(writes: list[dict[str, Any]], username: str) -> Any:
    def hook(response: httpx.Response) -> None:
        if response.request.method in ("POST", "PUT") and response.status_code in (200, 201):
            response.read()
            body = response.json()
            if "position" in body:
                writes.append(
                    {"id": body["id"], "version": body["version"], "position": body["position"], "by": username}
                )

    return hook


def admin_cast(base_url: str, transport: httpx.BaseTransport | None = None) -> Cast:
    cast = Cast(base_url, transport=transport)
    cast.join("admin", "admin", sign_in(base_url, "admin", ADMIN_PASSWORD))
    return cast


def _make_users(cast: Cast, station: str, department: str, volunteer: str, receiving: str) -> None:
    run = next(_runs)
    scopes = {
        "receiver": ("station_lead", receiving),
        "officer": ("station_officer", station),
        "lead": ("station_lead", station),
        "mentor": ("mentor", volunteer),
        "department": ("department_officer", department),
        "coordinator": ("coordinator", None),
        "auditor": ("auditor", None),
    }
    for role, (role_name, scope) in scopes.items():
        username = f"{role}-{run}"
        body = {"username": username, "display_name": username.title(), "password": PASSWORD, "role": role_name}
        if scope is not None:
            body["scope_id"] = scope
        _post(cast.admin, "/users", body, 201)
        cast.join(role, username, sign_in(cast.base_url, username, PASSWORD))


def run_story(cast: Cast) -> dict[str, str]:
    """Register, open, assess, plan, intervene, mentor, refer, close. Returns the record ids."""
    client = cast.admin
    station = _post(
        client,
        "/stations",
        {"name": "Chengguan Police Care Station", "kind": "police_care_station", "level": "town"},
        201,
    )
    bureau = _post(client, "/departments", {"name": "District Education Bureau", "kind": "education"}, 201)
    volunteer = _post(
        client,
        "/volunteers",
        {"full_name": "Wang Jianguo", "kind": "retired_teacher", "skills": ["maths", "calligraphy"]},
        201,
    )
    _post(client, f"/volunteers/{volunteer['id']}/screening", {"passed": True, "notes": "interview passed"})
    beiguan = _post(
        client, "/stations", {"name": "Beiguan Care Station", "kind": "police_care_station", "level": "town"}, 201
    )
    _make_users(cast, station["id"], bureau["id"], volunteer["id"], beiguan["id"])

    client = cast.officer

    case = _post(
        client,
        "/cases",
        {
            "station_id": station["id"],
            "youth": {
                "full_name": "Zhang Xiaoming",
                "date_of_birth": "2011-05-02",
                "gender": "male",
                "guardian_name": "Zhang Wei",
                "guardian_phone": "139 0000 0000",
                "school": "No. 3 Middle School",
            },
            "category": "truancy",
            "source": "school",
            "summary": "Absent for three weeks.",
        },
        201,
    )
    case_path = f"/cases/{case['id']}"
    _post(
        client,
        f"{case_path}/risk-assessments",
        {"instrument": "screening", "score": 18, "level": "medium", "notes": "school and peers"},
    )
    _ok(client.put(f"{case_path}/plan", json={"goals": ["Back in class", "Weekly mentor contact"]}), 200)
    _post(cast.lead, f"{case_path}/plan/approval", {"note": "agreed"})
    for kind in ("home_visit", "counselling"):
        _post(
            client,
            f"{case_path}/interventions",
            {
                "kind": kind,
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "duration_minutes": 60,
                "notes": f"{kind} done",
                "performed_by": "officer-li",
            },
        )

    pair = _post(
        client,
        "/pairs",
        {
            "case_id": case["id"],
            "volunteer_id": volunteer["id"],
            "goals": ["Read one book a month"],
            "started_on": (TODAY - timedelta(days=14)).isoformat(),
        },
        201,
    )
    for days_ago in (10, 5, 0):
        _post(
            cast.mentor,
            f"/pairs/{pair['id']}/sessions",
            {
                "held_on": (TODAY - timedelta(days=days_ago)).isoformat(),
                "duration_minutes": 45,
                "mode": "in_person",
                "notes": "homework together",
                "progress": 3,
            },
        )

    consent = {"scope": "education", "granted": True, "given_by": "Zhang Wei (father)", "giver": "guardian"}
    _post(client, f"{case_path}/consents", consent)
    referral = _post(
        client,
        "/referrals",
        {
            "case_id": case["id"],
            "to_department_id": bureau["id"],
            "service": "school re-entry",
            "reason": "truancy",
            "respond_by": (TODAY + timedelta(days=7)).isoformat(),
        },
        201,
    )
    referral_path = f"/referrals/{referral['id']}"
    _post(cast.department, f"{referral_path}/acceptance")
    _post(cast.department, f"{referral_path}/progress-notes", {"note": "class teacher assigned"})
    _post(cast.department, f"{referral_path}/completion", {"outcome": "re-enrolled"})
    submitted = _post(client, f"{case_path}/closure", {"outcome": "attending school again", "notes": ""})
    waiting = _view(cast.lead, "/me/tasks", submitted["position"])["items"]
    assert [(t["kind"], t["href"]) for t in waiting] == [("closure_to_approve", case_path)]
    _post(cast.lead, f"{case_path}/closure/approval", {"note": "agreed: two months of full attendance"})
    moved = transfer_a_case(cast, station["id"], beiguan["id"])
    return {
        "station": station["id"],
        "department": bureau["id"],
        "volunteer": volunteer["id"],
        "case": case["id"],
        "pair": pair["id"],
        "referral": referral["id"],
        "receiving_station": beiguan["id"],
        "moved_case": moved,
    }


def transfer_a_case(cast: Cast, station: str, receiving: str) -> str:
    """A second youth's family moves: the officer asks Beiguan to take the case, Beiguan's lead
    finds it on their work list, reads it and accepts; the old station no longer finds it."""
    youth = {"full_name": "Li Xiaohong", "date_of_birth": "2012-09-14", "gender": "female"}
    case = _post(
        cast.officer,
        "/cases",
        {"station_id": station, "youth": youth, "category": "family_crisis", "source": "family", "summary": "s"},
        201,
    )
    path = f"/cases/{case['id']}"
    asked = _post(cast.officer, f"{path}/transfer-requests", {"to_station_id": receiving, "reason": "family moved"})
    waiting = _view(cast.receiver, "/me/tasks", asked["position"])["items"]
    assert [(t["kind"], t["href"], t["request_id"]) for t in waiting] == [
        ("transfer_to_answer", path, asked["request_id"])
    ]
    assert _ok(cast.receiver.get(path), 200)["youth"]["full_name"] == "Li Xiaohong"
    accepted = _post(cast.receiver, f"{path}/transfer-requests/{asked['request_id']}/acceptance", {"note": "welcome"})
    assert accepted["station_id"] == receiving
    assert cast.officer.get(path).status_code == 404
    assert _view(cast.receiver, "/me/tasks", accepted["position"])["items"] == []
    made: str = case["id"]
    return made


def check_story(cast: Cast, ids: dict[str, str]) -> None:
    """Each person reads back what they may, and sees the state the story left it in."""
    client = cast.admin
    station = _ok(client.get(f"/stations/{ids['station']}"), 200)
    assert (station["kind"], station["active"]) == ("police_care_station", True)
    department = _ok(client.get(f"/departments/{ids['department']}"), 200)
    assert (department["kind"], department["active"]) == ("education", True)
    volunteer = _ok(client.get(f"/volunteers/{ids['volunteer']}"), 200)
    assert volunteer["screened"] is True and volunteer["version"] == 2
    assert client.get(f"/cases/{ids['case']}").status_code == 404, "an admin sees no case content"

    case = _ok(cast.officer.get(f"/cases/{ids['case']}"), 200)
    assert case["status"] == "closed" and case["outcome"] == "attending school again"
    assert case["risk_level"] == "medium"
    assert case["plan"] == ["Back in class", "Weekly mentor contact"]
    assert [i["kind"] for i in case["interventions"]] == ["home_visit", "counselling"]
    assert case["youth"]["full_name"] == "Zhang Xiaoming" and case["station_id"] == ids["station"]
    # Opened, assessed, a plan (submitted, approved, adopted), two interventions, consent, and a
    # closure (submitted, approved, closed).
    assert case["version"] == 11

    pair = _ok(cast.mentor.get(f"/pairs/{ids['pair']}"), 200)
    assert pair["status"] == "active" and len(pair["sessions"]) == 3
    assert pair["case_id"] == ids["case"] and pair["volunteer_id"] == ids["volunteer"]
    assert pair["youth"] == {
        "full_name": "Zhang Xiaoming",
        "age": _age(date(2011, 5, 2)),
        "school": "No. 3 Middle School",
        "guardian_name": "Zhang Wei",
        "guardian_phone": "139 0000 0000",
        "plan_goals": ["Back in class", "Weekly mentor contact"],
    }
    assert cast.mentor.get(f"/cases/{ids['case']}").status_code == 404, "a mentor reads the pair, not the case"

    referral = _ok(cast.department.get(f"/referrals/{ids['referral']}"), 200)
    assert referral["status"] == "completed" and referral["outcome"] == "re-enrolled"
    assert referral["notes"] == ["class teacher assigned"]
    assert referral["from_station_id"] == ids["station"] and referral["to_department_id"] == ids["department"]
    assert set(referral["youth"]) == {"full_name", "age", "school", "guardian_name", "guardian_phone", "plan_goals"}
    assert cast.department.get(f"/pairs/{ids['pair']}").status_code == 404

    before_closing = _ok(cast.coordinator.get(f"/cases/{ids['case']}", params={"version": 9}), 200)
    assert (
        before_closing["status"] == "open" and before_closing["pending_closure"]["outcome"] == "attending school again"
    )
    moved = _ok(cast.receiver.get(f"/cases/{ids['moved_case']}"), 200)
    assert moved["station_id"] == ids["receiving_station"]
    assert cast.officer.get(f"/cases/{ids['moved_case']}").status_code == 404
    head = max(write["position"] for write in cast.writes)
    listed = _view(cast.officer, "/stations", head)["items"]
    assert ids["station"] in [s["id"] for s in listed]
    # Each finds their own work in the lists, and only theirs.
    assert [p["id"] for p in _view(cast.mentor, "/pairs", head)["items"]] == [ids["pair"]]
    assert [r["id"] for r in _view(cast.department, "/referrals", head)["items"]] == [ids["referral"]]
    assert [v["id"] for v in _view(cast.mentor, "/volunteers", head)["items"]] == [ids["volunteer"]]
    assert _view(cast.receiver, "/pairs", head)["items"] == []


def _age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def _view(client: httpx.Client, path: str, position: int, **params: Any) -> dict[str, Any]:
    response = client.get(path, params={"consistent_with": position, **params})
    assert response.status_code == 200, f"GET {path}: {response.text}"
    body: dict[str, Any] = response.json()
    assert body["position"] >= position
    return body


def whole_audit_trail(client: httpx.Client, position: int, **filters: Any) -> list[dict[str, Any]]:
    """Every page of the audit trail, newest first, in small pages to exercise the cursor."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 7, **filters} | ({"cursor": cursor} if cursor else {})
        page = _view(client, "/audit-trail", position, **params)
        rows.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def check_views(cast: Cast, ids: dict[str, str]) -> None:
    """The audit trail holds every event once, in order, naming who did it; the coordination views agree."""
    writes = cast.writes
    head = max(write["position"] for write in writes)
    client = cast.coordinator
    trail = whole_audit_trail(cast.auditor, head)
    positions = [row["position"] for row in trail]
    assert positions == sorted(set(positions), reverse=True), "newest first, each event once"
    by_position = {row["position"]: row for row in trail}
    for write in writes:
        row = by_position[write["position"]]
        assert (row["record_id"], row["record_version"]) == (write["id"], write["version"])
        assert row["actor"]["user_id"] == write["by"], (row, write)
    versions: dict[str, list[int]] = {}
    for row in reversed(trail):
        versions.setdefault(row["record_id"], []).append(row["record_version"])
    for record_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{record_id}: versions {seen}"
    latest = {w["id"]: max(x["version"] for x in writes if x["id"] == w["id"]) for w in writes}
    assert all(len(versions[record_id]) == version for record_id, version in latest.items())
    others = {row["record_type"] for row in trail if row["record_id"] not in latest}
    assert others <= {"pair_slot", "user"}, others
    roles = {row["actor"]["user_id"]: row["actor"]["role"] for row in trail}
    assert roles[cast.usernames["officer"]] == "station_officer" and roles[cast.usernames["mentor"]] == "mentor"
    assert roles[cast.usernames["department"]] == "department_officer"

    case_rows = whole_audit_trail(client, head, case_id=ids["case"])
    assert {row["record_type"] for row in case_rows} == {"case", "pair", "pair_slot", "referral"}
    assert len(case_rows) == sum(1 for row in trail if row["case_id"] == ids["case"])
    assert all(row["station_id"] == ids["station"] for row in case_rows)

    found = _view(client, "/cases", head, station_id=ids["station"])["items"]
    case = next(item for item in found if item["id"] == ids["case"])
    assert (case["status"], case["risk_level"], case["category"]) == ("closed", "medium", "truancy")
    assert (case["interventions"], case["active_pairs"], case["open_referrals"]) == (2, 1, 0)
    assert case["station"] == {"id": ids["station"], "name": "Chengguan Police Care Station"}

    board = _view(client, "/coordination/referrals", head, department_id=ids["department"])["departments"]
    assert board == [
        {
            "department": {"id": ids["department"], "name": "District Education Bureau"},
            "awaiting_answer": [],
            "in_progress": [],
            "overdue": [],
        }
    ]
    departments = _view(client, "/coordination/departments", head)["departments"]
    bureau = next(d for d in departments if d["department"]["id"] == ids["department"])
    assert bureau["referrals"]["completed"] == 1 and bureau["answered"] == 1
    assert bureau["median_hours_to_answer"] is not None

    stations = _view(client, "/coordination/stations", head)["stations"]
    station = next(s for s in stations if s["station"]["id"] == ids["station"])
    assert station["open_cases"] == 0
    this_month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert station["interventions_by_month"][this_month] == {"home_visit": 1, "counselling": 1}
    assert station["referrals_out_by_status"]["completed"] == 1

    mentors = _view(client, "/coordination/mentors", head)["volunteers"]
    mentor = next(m for m in mentors if m["volunteer"]["id"] == ids["volunteer"])
    assert (mentor["active_pairs"], mentor["sessions_last_30_days"]) == (1, 3)
    assert mentor["last_session_on"] == TODAY.isoformat() and mentor["pairs_without_recent_session"] == []

    year = {"from": f"{TODAY.year}-01-01", "to": f"{TODAY.year}-12-31", "station": ids["station"]}
    report = _view(client, "/reports/summary", head, **year)
    section = report["stations"][0]
    assert section["station"]["id"] == ids["station"]
    assert (section["cases_opened"], section["cases_closed"], section["interventions"]) == (1, 1, 2)
    assert (section["pairs_started"], section["pairs_active"], section["volunteers_active"]) == (1, 1, 1)
    assert [(r["department"]["id"], r["made"]) for r in section["referrals_by_department"]] == [(ids["department"], 1)]
    csv_answer = client.get("/reports/summary", params=year, headers={"Accept": "text/csv"})
    assert csv_answer.status_code == 200 and csv_answer.headers["content-type"].startswith("text/csv")
    assert f"station,{ids['station']},Chengguan Police Care Station,cases_opened,,,1" in csv_answer.text


def check_audit(cast: Cast, ids: dict[str, str]) -> None:
    """The case file's timeline matches the audit trail, the chains verify, the export checks, and
    the read log shows who read the case's records."""
    head = max(write["position"] for write in cast.writes)
    client = cast.auditor
    case_rows = whole_audit_trail(client, head, case_id=ids["case"])
    timeline = cast.officer.get(f"/cases/{ids['case']}/timeline", params={"limit": 5000}).json()["events"]
    expected = sorted(
        (r["position"], r["record_id"], r["record_version"]) for r in case_rows if r["record_type"] != "pair_slot"
    )
    assert [(e["position"], e["record_id"], e["version"]) for e in timeline] == expected
    anchor = client.get("/audit/anchor", params={"consistent_with": head}).json()
    report = client.get(
        "/audit/verification", params={"anchor_position": anchor["position"], "anchor_link": anchor["log_link"]}
    ).json()
    assert report["ok"] is True and report["broken"] == [] and report["anchor"]["matches"] is True
    exported = client.get(f"/cases/{ids['case']}/export")
    assert exported.status_code == 200 and verify_export(exported.content) == []
    assert report["read_log"]["ok"] is True and report["read_log"]["entries"] > 0
    assert cast.mentor.get(f"/pairs/{ids['pair']}", params={"purpose": "weekly visit"}).status_code == 200
    reads = client.get("/audit/access-log", params={"record_id": ids["pair"], "limit": 500}).json()["items"]
    assert (cast.usernames["mentor"], "weekly visit") in {(read["user"], read["purpose"]) for read in reads}
    assert all(ids["pair"] in read["record_ids"] for read in reads)
    assert cast.officer.get("/audit/access-log").status_code == 403
    lead_view = cast.lead.get("/audit/access-log", params={"limit": 500}).json()["items"]
    assert lead_view and all(ids["station"] in read["station_ids"] for read in lead_view)

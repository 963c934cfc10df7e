"""The end-to-end story, driven over real HTTP against a running server.

Used by the e2e tests and by bench/story.py, which times it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from application.views.export import verify_export

TODAY = date.today()


def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


def _post(client: httpx.Client, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    return _ok(client.post(path, json=body or {}), status)


def run_story(client: httpx.Client) -> dict[str, str]:
    """Register, open, assess, plan, intervene, mentor, refer, close. Returns the record ids."""
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
            client,
            f"/pairs/{pair['id']}/sessions",
            {
                "held_on": (TODAY - timedelta(days=days_ago)).isoformat(),
                "duration_minutes": 45,
                "mode": "in_person",
                "notes": "homework together",
                "progress": 3,
            },
        )

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
    _post(client, f"{referral_path}/acceptance")
    _post(client, f"{referral_path}/progress-notes", {"note": "class teacher assigned"})
    _post(client, f"{referral_path}/completion", {"outcome": "re-enrolled"})
    _post(client, f"{case_path}/closure", {"outcome": "attending school again", "notes": ""})
    return {
        "station": station["id"],
        "department": bureau["id"],
        "volunteer": volunteer["id"],
        "case": case["id"],
        "pair": pair["id"],
        "referral": referral["id"],
    }


def check_story(client: httpx.Client, ids: dict[str, str]) -> None:
    """Read every record back and check the state the story left it in."""
    station = _ok(client.get(f"/stations/{ids['station']}"), 200)
    assert (station["kind"], station["active"]) == ("police_care_station", True)
    department = _ok(client.get(f"/departments/{ids['department']}"), 200)
    assert (department["kind"], department["active"]) == ("education", True)
    volunteer = _ok(client.get(f"/volunteers/{ids['volunteer']}"), 200)
    assert volunteer["screened"] is True and volunteer["version"] == 2

    case = _ok(client.get(f"/cases/{ids['case']}"), 200)
    assert case["status"] == "closed" and case["outcome"] == "attending school again"
    assert case["risk_level"] == "medium"
    assert case["plan"] == ["Back in class", "Weekly mentor contact"]
    assert [i["kind"] for i in case["interventions"]] == ["home_visit", "counselling"]
    assert case["youth"]["full_name"] == "Zhang Xiaoming" and case["station_id"] == ids["station"]
    assert case["version"] == 6

    pair = _ok(client.get(f"/pairs/{ids['pair']}"), 200)
    assert pair["status"] == "active" and len(pair["sessions"]) == 3
    assert pair["case_id"] == ids["case"] and pair["volunteer_id"] == ids["volunteer"]

    referral = _ok(client.get(f"/referrals/{ids['referral']}"), 200)
    assert referral["status"] == "completed" and referral["outcome"] == "re-enrolled"
    assert referral["notes"] == ["class teacher assigned"]
    assert referral["from_station_id"] == ids["station"] and referral["to_department_id"] == ids["department"]

    before_closing = _ok(client.get(f"/cases/{ids['case']}", params={"version": 5}), 200)
    assert before_closing["status"] == "open"
    listed = client.get("/stations").json()["items"]
    assert ids["station"] in [s["id"] for s in listed]


def record_writes(client: httpx.Client) -> list[dict[str, Any]]:
    """Collect every acknowledged write the client makes: record id, version and log position."""
    writes: list[dict[str, Any]] = []

    def hook(response: httpx.Response) -> None:
        if response.request.method in ("POST", "PUT") and response.status_code in (200, 201):
            response.read()
            body = response.json()
            writes.append({"id": body["id"], "version": body["version"], "position": body["position"]})

    client.event_hooks["response"].append(hook)
    return writes


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


def check_views(client: httpx.Client, ids: dict[str, str], writes: list[dict[str, Any]]) -> None:
    """The audit trail holds every event once, in order, with its actor; the coordination views agree."""
    head = max(write["position"] for write in writes)
    trail = whole_audit_trail(client, head)
    positions = [row["position"] for row in trail]
    assert positions == sorted(set(positions), reverse=True), "newest first, each event once"
    by_position = {row["position"]: row for row in trail}
    for write in writes:
        row = by_position[write["position"]]
        assert (row["record_id"], row["record_version"]) == (write["id"], write["version"])
        assert row["actor"] == {"user_id": "dev-admin", "role": "administrator"}
    versions: dict[str, list[int]] = {}
    for row in reversed(trail):
        versions.setdefault(row["record_id"], []).append(row["record_version"])
    for record_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{record_id}: versions {seen}"
    latest = {w["id"]: max(x["version"] for x in writes if x["id"] == w["id"]) for w in writes}
    assert all(len(versions[record_id]) == version for record_id, version in latest.items())
    others = {row["record_type"] for row in trail if row["record_id"] not in latest}
    assert others <= {"pair_slot"}, others

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
    assert f"station,{ids['station']},Chengguan Police Care Station,cases_opened,,1" in csv_answer.text


def check_audit(client: httpx.Client, ids: dict[str, str], writes: list[dict[str, Any]]) -> None:
    """The case file's timeline matches the audit trail, the chains verify, and the export checks."""
    head = max(write["position"] for write in writes)
    case_rows = whole_audit_trail(client, head, case_id=ids["case"])
    timeline = client.get(f"/cases/{ids['case']}/timeline", params={"limit": 5000}).json()["events"]
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

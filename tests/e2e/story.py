"""The end-to-end story, driven over real HTTP against a running server.

Used by the e2e tests and by bench/story.py, which times it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

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

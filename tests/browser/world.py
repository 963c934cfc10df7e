"""A small district for the browser tests, made over the API by its admin: stations, a department,
a screened volunteer, a user of every role (Chinese names, as the district has them), and one case
with a plan waiting for its lead, a mentoring pair and a referral waiting for the department.

Each browser test module adds what its own path needs through `World.api(role)`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from tests.e2e.story import ADMIN_PASSWORD, PASSWORD, sign_in

TODAY = date.today()
_serial = itertools.count(1)

PEOPLE = {
    "officer": ("station_officer", "station", "李警官"),
    "lead": ("station_lead", "station", "周所长"),
    "receiver": ("station_lead", "receiving", "孙所长"),
    "mentor": ("mentor", "volunteer", "王建国"),
    "department": ("department_officer", "department", "赵老师"),
    "coordinator": ("coordinator", None, "陈协调"),
    "auditor": ("auditor", None, "刘审计"),
}


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201)), f"{response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


@dataclass
class World:
    base_url: str
    ids: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def api(self, role: str) -> httpx.Client:
        """An API client signed in as the world's person of `role` (or `admin`)."""
        if role not in self.clients:
            username = "admin" if role == "admin" else self.usernames[role]
            token = sign_in(self.base_url, username, ADMIN_PASSWORD if role == "admin" else PASSWORD)
            self.clients[role] = httpx.Client(
                base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        return self.clients[role]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def make_world(base_url: str) -> World:
    world = World(base_url)
    admin = world.api("admin")
    run = next(_serial)
    station = ok(
        admin.post("/stations", json={"name": f"城关派出所关爱站{run}", "kind": "police_care_station", "level": "town"})
    )
    receiving = ok(
        admin.post("/stations", json={"name": f"北关关爱站{run}", "kind": "police_care_station", "level": "town"})
    )
    department = ok(admin.post("/departments", json={"name": f"区教育局{run}", "kind": "education"}))
    volunteer = ok(
        admin.post("/volunteers", json={"full_name": "王建国", "kind": "retired_teacher", "skills": ["书法", "数学"]})
    )
    ok(admin.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": True, "notes": "面谈通过"}))
    world.ids.update(
        station=station["id"], receiving=receiving["id"], department=department["id"], volunteer=volunteer["id"]
    )
    for role, (role_name, scope, display_name) in PEOPLE.items():
        username = f"{role}{run}"
        body: dict[str, Any] = {
            "username": username,
            "display_name": display_name,
            "password": PASSWORD,
            "role": role_name,
        }
        if scope is not None:
            body["scope_id"] = world.ids[scope]
        ok(admin.post("/users", json=body))
        world.usernames[role] = username

    officer = world.api("officer")
    case = ok(
        officer.post(
            "/cases",
            json={
                "station_id": station["id"],
                "youth": {
                    "full_name": "张小明",
                    "date_of_birth": "2011-05-02",
                    "gender": "male",
                    "guardian_name": "张伟",
                    "guardian_phone": "139 0000 0000",
                    "school": "第三中学",
                },
                "category": "truancy",
                "source": "school",
                "summary": "连续三周未到校。",
            },
        )
    )
    world.ids["case"] = case["id"]
    ok(officer.put(f"/cases/{case['id']}/plan", json={"goals": ["回到课堂", "每周与帮扶人联系"]}))
    pair = ok(
        officer.post(
            "/pairs",
            json={
                "case_id": case["id"],
                "volunteer_id": volunteer["id"],
                "goals": ["每月读一本书"],
                "started_on": (TODAY - timedelta(days=20)).isoformat(),
            },
        )
    )
    world.ids["pair"] = pair["id"]
    ok(
        officer.post(
            f"/cases/{case['id']}/consents",
            json={"scope": "education", "granted": True, "given_by": "张伟（父亲）", "giver": "guardian"},
        )
    )
    referral = ok(
        officer.post(
            "/referrals",
            json={
                "case_id": case["id"],
                "to_department_id": department["id"],
                "service": "复学辅导",
                "reason": "逃学",
                "respond_by": (TODAY + timedelta(days=7)).isoformat(),
            },
        )
    )
    world.ids["referral"] = referral["id"]
    return world

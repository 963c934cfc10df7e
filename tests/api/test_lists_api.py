"""Work lists: pairs, referrals, volunteers, stations, departments and the coordination views,
filtered, narrowed to each caller's reach, a page at a time.

Every read passes `consistent_with`, as a client that wants to see its own writes would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from api.main import create_app
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import (
    create_case,
    create_department,
    create_pair,
    create_referral,
    create_station,
    create_volunteer,
    ok,
    probe_position,
    problem,
)
from tests.conftest import settings_for

SEAL = {"reason": "offence under 18, under five years", "legal_basis": "Criminal Procedure Law art. 286"}


def as_(client: ActingClient, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token(role, scope)}"}


def listed(
    client: ActingClient, path: str, position: int, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    response = client.get(path, params={"consistent_with": position, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def all_pages(
    client: ActingClient,
    path: str,
    position: int,
    key: str = "items",
    headers: dict[str, str] | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every item of a list, read `limit` at a time; each page but the last is full."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = listed(client, path, position, headers, **params, **({"cursor": cursor} if cursor else {}))
        items.extend(page[key])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page[key]) == params["limit"]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def token(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# -- pairs


def test_pairs_are_filtered_by_case_volunteer_station_and_status(client: ActingClient) -> None:
    station = create_station(client)
    case = create_case(client, station_id=station["id"])
    volunteer = create_volunteer(client)
    first = create_pair(client, case_id=case["id"])
    second = create_pair(client, case_id=case["id"], volunteer_id=volunteer["id"])
    elsewhere = create_pair(client, volunteer_id=volunteer["id"])
    position = ok(client.post(f"/pairs/{first['id']}/closure", json={"reason": "moved away"}))["position"]

    by_case = listed(client, "/pairs", position, case_id=case["id"])["items"]
    assert set(ids(by_case)) == {first["id"], second["id"]}
    assert set(ids(listed(client, "/pairs", position, volunteer_id=volunteer["id"])["items"])) == {
        second["id"],
        elsewhere["id"],
    }
    assert set(ids(listed(client, "/pairs", position, station_id=station["id"])["items"])) == {
        first["id"],
        second["id"],
    }
    [closed] = listed(client, "/pairs", position, case_id=case["id"], status="closed")["items"]
    assert (closed["id"], closed["status"], closed["case_id"]) == (first["id"], "closed", case["id"])
    assert closed["closed_at"] is not None and closed["station"] == {"id": station["id"], "name": station["name"]}
    named = next(item for item in by_case if item["id"] == second["id"])
    assert named["volunteer"] == {"id": volunteer["id"], "display_name": volunteer["full_name"]}
    assert "youth" not in named and "youth_display_name" not in named


def test_paging_through_pairs_gives_every_pair_once_in_order(client: ActingClient) -> None:
    station = create_station(client)
    made = [create_pair(client, case_id=create_case(client, station_id=station["id"])["id"]) for _ in range(5)]
    position = probe_position(client)

    paged = all_pages(client, "/pairs", position, station_id=station["id"], limit=2)

    assert sorted(ids(paged)) == sorted(pair["id"] for pair in made)
    assert len(paged) == 5  # all start on the same day: the id breaks the tie, no gap, no repeat
    assert paged == listed(client, "/pairs", position, station_id=station["id"], limit=5)["items"]


def test_a_station_officer_lists_only_their_stations_pairs_and_a_mentor_only_their_own(
    client: ActingClient,
) -> None:
    mine = create_pair(client)
    theirs = create_pair(client)
    also_mentored = create_pair(client, volunteer_id=mine["volunteer_id"])
    position = probe_position(client)
    station = client.front.facts("case", UUID(mine["case_id"])).station_id

    officer = listed(client, "/pairs", position, as_(client, "station_officer", str(station)))["items"]
    mentor = listed(client, "/pairs", position, as_(client, "mentor", mine["volunteer_id"]))["items"]
    auditor = listed(client, "/pairs", position, as_(client, "auditor"), limit=500)["items"]

    assert ids(officer) == [mine["id"]]
    assert set(ids(mentor)) == {mine["id"], also_mentored["id"]}
    assert {mine["id"], theirs["id"], also_mentored["id"]} <= set(ids(auditor))
    lead = as_(client, "station_lead", str(station))
    assert listed(client, "/pairs", position, lead, case_id=theirs["case_id"])["items"] == []


def test_a_department_officer_may_not_list_pairs(client: ActingClient) -> None:
    department = create_department(client)

    assert problem(client.get("/pairs", headers=as_(client, "department_officer", department["id"])), 403)


# -- referrals


def test_referrals_are_filtered_by_department_status_and_case(client: ActingClient) -> None:
    department = create_department(client)
    case = create_case(client)
    waiting = create_referral(client, case_id=case["id"], department_id=department["id"])
    accepted = create_referral(client, department_id=department["id"])
    other = create_referral(client, case_id=case["id"])
    position = ok(client.post(f"/referrals/{accepted['id']}/acceptance"))["position"]

    to_department = listed(client, "/referrals", position, department_id=department["id"])["items"]
    assert ids(to_department) == [accepted["id"], waiting["id"]]  # newest first
    assert ids(listed(client, "/referrals", position, case_id=case["id"])["items"]) == [other["id"], waiting["id"]]
    pending = listed(client, "/referrals", position, department_id=department["id"], status="pending")["items"]
    assert ids(pending) == [waiting["id"]]
    item = to_department[0]
    assert item["department"] == {"id": department["id"], "name": department["name"]}
    assert (item["status"], item["service"], item["overdue"]) == ("accepted", "school re-entry support", None)
    assert item["answered_at"] is not None and item["respond_by"] == accepted["respond_by"]
    assert "reason" not in item and "youth" not in item


def test_the_overdue_filter_keeps_what_the_referral_board_calls_overdue(client: ActingClient) -> None:
    department = create_department(client)
    waiting = create_referral(client, department_id=department["id"])
    accepted = create_referral(client, department_id=department["id"])
    position = ok(client.post(f"/referrals/{accepted['id']}/acceptance"))["position"]
    read_side = client.front.reads
    mine = {"department_id": department["id"]}

    assert listed(client, "/referrals", position, overdue=True, **mine)["items"] == []
    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=15)  # respond-by (14 days) has passed
    [late] = listed(client, "/referrals", position, overdue=True, **mine)["items"]
    assert (late["id"], late["overdue"]) == (waiting["id"], "no answer by the respond-by date")
    assert ids(listed(client, "/referrals", position, overdue=False, **mine)["items"]) == [accepted["id"]]

    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=31)
    both = listed(client, "/referrals", position, overdue=True, **mine)["items"]
    board = listed(client, "/coordination/referrals", position, **mine)["departments"][0]["overdue"]
    assert set(ids(both)) == {r["referral_id"] for r in board} == {waiting["id"], accepted["id"]}
    tighter = listed(client, "/referrals", position, overdue=True, overdue_after_days=60, **mine)
    assert ids(tighter["items"]) == [waiting["id"]] and tighter["overdue_after_days"] == 60


def test_a_department_officer_lists_only_referrals_to_their_department(client: ActingClient) -> None:
    department = create_department(client)
    mine = create_referral(client, department_id=department["id"])
    theirs = create_referral(client)
    position = probe_position(client)
    officer = as_(client, "department_officer", department["id"])

    assert ids(listed(client, "/referrals", position, officer)["items"]) == [mine["id"]]
    assert listed(client, "/referrals", position, officer, department_id=theirs["to_department_id"])["items"] == []
    station = client.front.facts("referral", UUID(theirs["id"])).station_id
    by_station = listed(client, "/referrals", position, as_(client, "station_officer", str(station)))["items"]
    assert ids(by_station) == [theirs["id"]]


def test_paging_through_referrals_gives_every_referral_once(client: ActingClient) -> None:
    department = create_department(client)
    case = create_case(client)
    made = [create_referral(client, case_id=case["id"], department_id=department["id"]) for _ in range(5)]
    position = probe_position(client)

    paged = all_pages(client, "/referrals", position, department_id=department["id"], limit=2)

    assert ids(paged) == [referral["id"] for referral in reversed(made)]


# -- volunteers


def test_volunteers_are_listed_by_name_and_filtered(client: ActingClient) -> None:
    names = ["Zhao Lan", "Li Ming", "Chen Hua", "Li Ming"]
    made = [create_volunteer(client, full_name=name, kind="university_student") for name in names]
    unscreened = create_volunteer(client, screened=False, full_name="Qian Wei", kind="university_student")
    position = ok(client.post(f"/volunteers/{made[0]['id']}/deactivation"))["position"]
    students = {"kind": "university_student"}

    everyone = all_pages(client, "/volunteers", position, limit=2, **students)
    assert [item["display_name"] for item in everyone] == ["Chen Hua", "Li Ming", "Li Ming", "Qian Wei", "Zhao Lan"]
    assert sorted(ids(everyone)) == sorted(ids([*made, unscreened]))
    assert ids(listed(client, "/volunteers", position, screened=False, **students)["items"]) == [unscreened["id"]]
    assert ids(listed(client, "/volunteers", position, active=False, **students)["items"]) == [made[0]["id"]]
    assert "phone" not in everyone[0] and everyone[0]["screened"] is True


def test_a_mentor_lists_only_their_own_volunteer_record(client: ActingClient) -> None:
    volunteer = create_volunteer(client)
    create_volunteer(client)
    position = probe_position(client)

    mentor = listed(client, "/volunteers", position, as_(client, "mentor", volunteer["id"]), limit=500)

    assert ids(mentor["items"]) == [volunteer["id"]]


# -- sealed cases


def test_pairs_and_referrals_of_a_sealed_case_are_left_out_but_its_mentor_keeps_the_pair(
    client: ActingClient,
) -> None:
    department = create_department(client)
    pair = create_pair(client)
    referral = create_referral(client, case_id=pair["case_id"], department_id=department["id"])
    station = str(client.front.facts("case", UUID(pair["case_id"])).station_id)
    before = probe_position(client)
    officer = as_(client, "department_officer", department["id"])
    assert ids(listed(client, "/pairs", before, case_id=pair["case_id"])["items"]) == [pair["id"]]
    assert ids(listed(client, "/referrals", before, officer)["items"]) == [referral["id"]]
    sealed = client.post(f"/cases/{pair['case_id']}/seal", json=SEAL)
    assert sealed.status_code == 200, sealed.text
    position = sealed.json()["position"]
    readers = [
        as_(client, "station_officer", station),
        as_(client, "station_lead", station),
        as_(client, "coordinator"),
        as_(client, "auditor"),
    ]

    for headers in readers:
        assert listed(client, "/pairs", position, headers, case_id=pair["case_id"])["items"] == []
        assert listed(client, "/referrals", position, headers, case_id=pair["case_id"])["items"] == []
    assert listed(client, "/referrals", position, officer)["items"] == []
    mentor = listed(client, "/pairs", position, as_(client, "mentor", pair["volunteer_id"]))["items"]
    assert ids(mentor) == [pair["id"]] and "sealed" not in mentor[0]


# -- stations, departments and the coordination views


def test_stations_and_departments_page_oldest_first_reading_as_their_records(client: ActingClient) -> None:
    stations = [create_station(client, name=f"Station {n}") for n in range(3)]
    departments = [create_department(client, name=f"Bureau {n}") for n in range(3)]
    position = ok(client.put(f"/stations/{stations[1]['id']}/name", json={"name": "Renamed"}))["position"]

    paged = all_pages(client, "/stations", position, limit=2)
    assert ids(paged) == [client.spare_station(), *ids(stations)]
    assert paged[2] == ok(client.get(f"/stations/{stations[1]['id']}"))
    departments_paged = all_pages(client, "/departments", position, limit=2)
    assert ids(departments_paged) == ids(departments)
    assert departments_paged[0] == ok(client.get(f"/departments/{departments[0]['id']}"))


VIEWS = [
    ("/coordination/referrals", "departments", "department", "name"),
    ("/coordination/departments", "departments", "department", "name"),
    ("/coordination/stations", "stations", "station", "name"),
    ("/coordination/mentors", "volunteers", "volunteer", "display_name"),
]


@pytest.mark.parametrize(("path", "key", "row", "name"), VIEWS)
def test_the_coordination_views_page_their_rows_by_name(
    client: ActingClient, path: str, key: str, row: str, name: str
) -> None:
    for letter in "BAC":
        department = create_department(client, name=f"Bureau {letter}")
        station = create_station(client, name=f"Station {letter}")
        case = create_case(client, station_id=station["id"])
        create_pair(
            client, case_id=case["id"], volunteer_id=create_volunteer(client, full_name=f"Mentor {letter}")["id"]
        )
        create_referral(client, case_id=case["id"], department_id=department["id"])
    position = probe_position(client)

    whole = listed(client, path, position, limit=500)
    paged = all_pages(client, path, position, key, limit=1)

    assert whole["next_cursor"] is None
    assert paged == whole[key] and len(paged) >= 3
    names = [item[row][name] for item in paged]
    assert names == sorted(names)  # the in-memory store compares text as Python does
    assert len(listed(client, path, position, limit=2)[key]) == 2


# -- bad cursors and the read log

LISTS = [
    "/pairs",
    "/referrals",
    "/volunteers",
    "/stations",
    "/departments",
    "/coordination/referrals",
    "/coordination/departments",
    "/coordination/stations",
    "/coordination/mentors",
]
BAD_CURSORS = [
    "not a cursor",
    token(["2026-01-01"]),
    token([12, "00000000-0000-4000-8000-000000000000"]),
    token([2**70, "00000000-0000-4000-8000-000000000000"]),
    token([["2026-01-01"], "00000000-0000-4000-8000-000000000000"]),
    token(["2026-01-01", 12]),
    token({"a": 1}),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_this_service_did_not_make_is_422(client: ActingClient, path: str, cursor: str) -> None:
    assert problem(client.get(path, params={"cursor": cursor}), 422)["rule"] == "bad_cursor"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/cases", {"sort": "interventions", "cursor": token([2**70, "00000000-0000-4000-8000-000000000000"])}),
        ("/cases", {"sort": "opened_at", "cursor": token([12, "00000000-0000-4000-8000-000000000000"])}),
        ("/audit-trail", {"cursor": token([2**70])}),
        ("/audit-trail", {"cursor": token(["12"])}),
        ("/audit/access-log", {"cursor": token([2**64])}),
    ],
)
def test_a_cursor_value_of_the_wrong_type_or_size_is_422_on_every_paged_list(
    client: ActingClient, path: str, params: dict[str, Any]
) -> None:
    assert problem(client.get(path, params=params), 422)["rule"] == "bad_cursor"


def test_listing_pairs_referrals_and_volunteers_is_in_the_read_log(client: ActingClient) -> None:
    pair = create_pair(client)
    referral = create_referral(client, case_id=pair["case_id"])
    position = probe_position(client)
    auditor = as_(client, "auditor")

    for path, shown in (
        ("/pairs", pair["id"]),
        ("/referrals", referral["id"]),
        ("/volunteers", pair["volunteer_id"]),
    ):
        listed(client, path, position, auditor, limit=500)
        log = client.get("/audit/access-log", params={"record_id": shown}, headers=auditor).json()["items"]
        assert [entry["endpoint"] for entry in log if entry["endpoint"] == f"GET {path}"] == [f"GET {path}"]


# -- the same on the stores that keep views in SQL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stored_client(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[ActingClient]:
    with ActingClient(create_app(settings_with_access(settings_for(request.param, tmp_path, request)))) as client:
        yield client


def test_every_list_pages_filters_and_refuses_bad_cursors_on_sqlite_and_postgresql(
    stored_client: ActingClient,
) -> None:
    client = stored_client
    department = create_department(client)
    pairs = [create_pair(client) for _ in range(3)]
    referrals = [create_referral(client, case_id=pair["case_id"], department_id=department["id"]) for pair in pairs]
    position = ok(client.post(f"/referrals/{referrals[0]['id']}/acceptance"))["position"]
    client.front.reads.clock = lambda: datetime.now(timezone.utc) + timedelta(days=31)
    mine = {"department_id": department["id"]}

    for path, key in [*((path, "items") for path in LISTS[:5]), *((path, key) for path, key, _, _ in VIEWS)]:
        whole = listed(client, path, position, limit=500)
        assert all_pages(client, path, position, key, limit=1) == whole[key], path
        big = token([2**70, "00000000-0000-4000-8000-000000000000"])
        assert problem(client.get(path, params={"cursor": big}), 422)["rule"] == "bad_cursor"
    assert set(ids(all_pages(client, "/pairs", position, limit=2))) == {pair["id"] for pair in pairs}
    overdue = listed(client, "/referrals", position, overdue=True, **mine)["items"]
    assert ids(overdue) == [referral["id"] for referral in reversed(referrals)]
    later = listed(client, "/referrals", position, overdue=True, overdue_after_days=60, **mine)["items"]
    assert ids(later) == [referral["id"] for referral in reversed(referrals[1:])]
    big = token([2**70, "00000000-0000-4000-8000-000000000000"])
    assert problem(client.get("/cases", params={"sort": "interventions", "cursor": big}), 422)["rule"] == "bad_cursor"

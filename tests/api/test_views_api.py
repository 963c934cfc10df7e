"""The read-side endpoints over the in-memory store, their projector running in the app.

Every read passes `consistent_with` (the position a write answered), as a client that
wants to see its own writes would.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import (
    STATION,
    close_case,
    create_case,
    create_department,
    create_pair,
    create_referral,
    create_station,
    create_volunteer,
    now_iso,
    ok,
    problem,
    today,
)


def view(client: TestClient, path: str, position: int, **params: Any) -> dict[str, Any]:
    response = client.get(path, params={"consistent_with": position, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def intervention(client: TestClient, case_id: str, kind: str = "home_visit", at: str | None = None) -> int:
    body = {"kind": kind, "occurred_at": at or now_iso(), "duration_minutes": 30, "notes": "n", "performed_by": "li"}
    position: int = ok(client.post(f"/cases/{case_id}/interventions", json=body))["position"]
    return position


def all_pages(client: TestClient, path: str, position: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = view(client, path, position, **params, **({"cursor": cursor} if cursor else {}))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


# -- audit trail


def test_the_audit_trail_files_pair_and_referral_events_under_their_case(client: TestClient) -> None:
    case = create_case(client)
    other = create_case(client)
    pair = create_pair(client, case_id=case["id"])
    referral = create_referral(client, case_id=case["id"])
    position = intervention(client, other["id"])

    rows = all_pages(client, "/audit-trail", position, case_id=case["id"])

    assert {(row["record_type"], row["record_id"]) for row in rows} >= {
        ("case", case["id"]),
        ("pair", pair["id"]),
        ("referral", referral["id"]),
    }
    assert {row["record_type"] for row in rows} == {"case", "pair", "pair_slot", "referral"}
    assert all(row["case_id"] == case["id"] for row in rows)


def test_the_audit_trail_is_newest_first_and_pages_without_gaps_or_repeats(client: TestClient) -> None:
    case = create_case(client)
    positions = [intervention(client, case["id"]) for _ in range(5)]

    everything = all_pages(client, "/audit-trail", positions[-1])
    in_pages = all_pages(client, "/audit-trail", positions[-1], limit=2)

    assert [row["position"] for row in in_pages] == [row["position"] for row in everything]
    assert [row["position"] for row in everything] == sorted((row["position"] for row in everything), reverse=True)
    assert everything[0]["position"] == positions[-1]


def test_the_audit_trail_filters_by_record_event_type_station_department_and_time(client: TestClient) -> None:
    station = create_station(client)
    case = create_case(client, station_id=station["id"])
    department = create_department(client)
    referral = create_referral(client, case_id=case["id"], department_id=department["id"])
    position = intervention(client, case["id"])

    by_record = view(client, "/audit-trail", position, record_id=referral["id"])["items"]
    assert [(r["event_type"], r["record_version"]) for r in by_record] == [("referral.Made", 1)]
    by_type = view(client, "/audit-trail", position, event_type="case.InterventionLogged")["items"]
    assert [r["position"] for r in by_type] == [position]
    by_department = view(client, "/audit-trail", position, department_id=department["id"])["items"]
    assert {r["record_type"] for r in by_department} == {"department", "referral"}
    by_station = view(client, "/audit-trail", position, station_id=station["id"])["items"]
    assert {r["record_type"] for r in by_station} == {"station", "case", "referral"}
    by_actor = view(client, "/audit-trail", position, actor="someone-else")["items"]
    assert by_actor == []
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    assert view(client, "/audit-trail", position, **{"from": later})["items"] == []
    assert len(view(client, "/audit-trail", position, to=later)["items"]) == position


def test_audit_summaries_name_kinds_and_organisations_but_not_the_youth(client: TestClient) -> None:
    case = create_case(client)
    create_pair(client, case_id=case["id"])
    position = intervention(client, case["id"], kind="legal_education")

    summaries = [row["summary"] for row in view(client, "/audit-trail", position)["items"]]

    assert "Intervention: legal education, 30 min, by li" in summaries
    assert any(s.startswith("Case opened at “Chengguan Police Care Station”") for s in summaries)
    assert not any("Zhang" in s or "Wang" in s for s in summaries)


def test_bad_audit_queries_are_422(client: TestClient) -> None:
    assert problem(client.get("/audit-trail", params={"limit": 0}), 422)
    assert problem(client.get("/audit-trail", params={"limit": 501}), 422)
    assert problem(client.get("/audit-trail", params={"cursor": "not-a-cursor"}), 422)["rule"] == "bad_cursor"
    assert problem(client.get("/audit-trail", params={"from": "2026-01-01T00:00:00"}), 422)  # no time zone
    upside_down = {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    assert problem(client.get("/audit-trail", params=upside_down), 422)["rule"] == "empty_range"
    assert problem(client.get("/audit-trail", params={"consistent_with": -1}), 422)
    unwritten = problem(client.get("/audit-trail", params={"consistent_with": 10**9}), 422)
    assert unwritten["rule"] == "unknown_position"


# -- case search


def test_case_search_shows_counters_and_filters_on_them(client: TestClient) -> None:
    station = create_station(client)
    busy = create_case(client, station_id=station["id"])
    quiet = create_case(client, station_id=station["id"], category="runaway")
    create_pair(client, case_id=busy["id"])
    create_referral(client, case_id=busy["id"])
    intervention(client, busy["id"])
    assessed = client.post(
        f"/cases/{busy['id']}/risk-assessments",
        json={"instrument": "screening", "score": 30, "level": "high", "notes": ""},
    )
    position = ok(assessed)["position"]

    found = view(client, "/cases", position, station_id=station["id"])["items"]
    counters = {c["id"]: (c["interventions"], c["active_pairs"], c["open_referrals"], c["risk_level"]) for c in found}
    assert counters == {busy["id"]: (1, 1, 1, "high"), quiet["id"]: (0, 0, 0, None)}
    assert [c["id"] for c in view(client, "/cases", position, category="runaway")["items"]] == [quiet["id"]]
    assert [c["id"] for c in view(client, "/cases", position, risk_level="high")["items"]] == [busy["id"]]
    assert view(client, "/cases", position, status="closed")["items"] == []
    named = view(client, "/cases", position, name="xiaoM", station_id=station["id"])["items"]
    assert {c["id"] for c in named} == {busy["id"], quiet["id"]}


def test_case_search_sorts_and_pages_every_case_exactly_once(client: TestClient) -> None:
    station = create_station(client)
    cases = [create_case(client, station_id=station["id"])["id"] for _ in range(7)]
    position = 0
    for index, case_id in enumerate(cases):
        for _ in range(index % 3):
            position = intervention(client, case_id)

    paged = all_pages(client, "/cases", position, station_id=station["id"], sort="-interventions", limit=3)

    assert sorted(c["id"] for c in paged) == sorted(cases)
    counts = [c["interventions"] for c in paged]
    assert counts == sorted(counts, reverse=True)
    by_opening = all_pages(client, "/cases", position, station_id=station["id"], sort="opened_at", limit=2)
    assert [c["id"] for c in by_opening] == cases


def test_a_closed_case_shows_as_closed_with_its_date(client: TestClient) -> None:
    case = create_case(client)
    closed = close_case(client, case["id"], outcome="done")

    found = view(client, "/cases", closed["position"], status="closed")["items"]

    assert [c["id"] for c in found] == [case["id"]]
    assert found[0]["closed_at"] is not None


def test_bad_case_searches_are_422(client: TestClient) -> None:
    assert problem(client.get("/cases", params={"sort": "youth_display_name"}), 422)
    assert problem(client.get("/cases", params={"status": "sealed"}), 422)
    assert problem(client.get("/cases", params={"cursor": "WzFd"}), 422)["rule"] == "bad_cursor"


# -- coordination


def test_the_referral_board_sorts_referrals_by_what_they_wait_for(client: TestClient) -> None:
    department = create_department(client)
    waiting = create_referral(client, department_id=department["id"])
    accepted = create_referral(client, department_id=department["id"])
    position = ok(client.post(f"/referrals/{accepted['id']}/acceptance"))["position"]

    board = view(client, "/coordination/referrals", position, department_id=department["id"])["departments"]

    assert len(board) == 1
    assert [r["referral_id"] for r in board[0]["awaiting_answer"]] == [waiting["id"]]
    assert [r["referral_id"] for r in board[0]["in_progress"]] == [accepted["id"]]
    assert board[0]["overdue"] == []


def test_referrals_become_overdue_as_time_passes(client: TestClient) -> None:
    department = create_department(client)
    waiting = create_referral(client, department_id=department["id"])
    accepted = create_referral(client, department_id=department["id"])
    position = ok(client.post(f"/referrals/{accepted['id']}/acceptance"))["position"]
    read_side = client.app.state.front.reads  # type: ignore[attr-defined]

    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=15)  # respond-by (14 days) has passed
    board = view(client, "/coordination/referrals", position, department_id=department["id"])["departments"][0]
    assert [(r["referral_id"], r["overdue"]) for r in board["overdue"]] == [
        (waiting["id"], "no answer by the respond-by date")
    ]
    assert board["overdue"][0]["age_days"] >= 15

    read_side.clock = lambda: datetime.now(timezone.utc) + timedelta(days=31)
    board = view(client, "/coordination/referrals", position, department_id=department["id"])["departments"][0]
    assert {r["referral_id"] for r in board["overdue"]} == {waiting["id"], accepted["id"]}
    tighter = view(client, "/coordination/referrals", position, overdue_after_days=60)["departments"]
    mine = next(d for d in tighter if d["department"]["id"] == department["id"])
    assert [r["referral_id"] for r in mine["overdue"]] == [waiting["id"]]

    summary = view(client, "/coordination/departments", position)["departments"]
    counted = next(d for d in summary if d["department"]["id"] == department["id"])
    assert counted["overdue"] == 2 and counted["referrals"]["pending"] == 1 and counted["referrals"]["accepted"] == 1


def test_departments_show_counts_and_the_median_time_to_answer(client: TestClient) -> None:
    department = create_department(client)
    for answer in ("acceptance", "decline"):
        referral = create_referral(client, department_id=department["id"])
        body = {"reason": "not ours"} if answer == "decline" else None
        position = ok(client.post(f"/referrals/{referral['id']}/{answer}", json=body))["position"]

    summary = view(client, "/coordination/departments", position)["departments"]
    mine = next(d for d in summary if d["department"]["id"] == department["id"])

    assert (mine["referrals"]["accepted"], mine["referrals"]["declined"], mine["answered"]) == (1, 1, 2)
    assert 0 <= mine["median_hours_to_answer"] < 1


def test_the_station_dashboard_counts_open_cases_by_risk_and_interventions_by_month(client: TestClient) -> None:
    station = create_station(client)
    case = create_case(client, station_id=station["id"])
    create_case(client, station_id=station["id"])
    ok(
        client.post(
            f"/cases/{case['id']}/risk-assessments",
            json={"instrument": "screening", "score": 5, "level": "low", "notes": ""},
        )
    )
    intervention(client, case["id"], kind="counselling")
    position = intervention(client, case["id"], kind="counselling")

    stations = view(client, "/coordination/stations", position)["stations"]
    mine = next(s for s in stations if s["station"]["id"] == station["id"])

    assert mine["open_cases_by_risk"] == {"low": 1, "medium": 0, "high": 0, "unassessed": 1}
    assert mine["interventions_by_month"] == {datetime.now(timezone.utc).strftime("%Y-%m"): {"counselling": 2}}


def test_mentor_load_flags_pairs_without_a_recent_session(client: TestClient) -> None:
    volunteer = create_volunteer(client)
    quiet = create_pair(client, volunteer_id=volunteer["id"])  # started 30 days ago, no session yet
    lively = create_pair(client, volunteer_id=volunteer["id"])
    session = {"held_on": today().isoformat(), "duration_minutes": 45, "mode": "in_person", "notes": "", "progress": 3}
    position = ok(client.post(f"/pairs/{lively['id']}/sessions", json=session))["position"]

    strict = view(client, "/coordination/mentors", position, contact_days=20)["volunteers"]
    mine = next(v for v in strict if v["volunteer"]["id"] == volunteer["id"])
    assert (mine["active_pairs"], mine["sessions_last_30_days"], mine["last_session_on"]) == (2, 1, today().isoformat())
    assert [p["pair_id"] for p in mine["pairs_without_recent_session"]] == [quiet["id"]]
    assert mine["pairs_without_recent_session"][0]["days_without_session"] == 30

    lenient = view(client, "/coordination/mentors", position)["volunteers"]  # default: 30 days
    assert next(v for v in lenient if v["volunteer"]["id"] == volunteer["id"])["pairs_without_recent_session"] == []


# -- report


def test_the_period_report_counts_by_station_and_for_the_district(client: TestClient) -> None:
    station = create_station(client)
    case = create_case(client, station_id=station["id"])
    create_case(client)  # another station
    create_pair(client, case_id=case["id"])
    create_referral(client, case_id=case["id"])
    position = intervention(client, case["id"], kind="tutoring")
    day = today()
    this_day = {"from": day.isoformat(), "to": day.isoformat()}

    report = view(client, "/reports/summary", position, **this_day)
    mine = view(client, "/reports/summary", position, station=station["id"], **this_day)["stations"]

    assert report["district"]["cases_opened"] == 2 and report["district"]["volunteers_screened"] == 1
    assert [s["station"]["id"] for s in mine] == [station["id"]]
    section = mine[0]
    assert (section["cases_opened"], section["interventions_by_kind"]) == (1, {"tutoring": 1})
    assert (section["pairs_started"], section["pairs_active"], section["pairs_closed"]) == (0, 1, 0)  # started 30 d ago
    assert [r["made"] for r in section["referrals_by_department"]] == [1]
    yesterday = (day - timedelta(days=1)).isoformat()
    before = view(client, "/reports/summary", position, **{"from": yesterday, "to": yesterday})
    assert before["district"]["cases_opened"] == 0


def test_the_period_report_comes_as_csv_when_asked(client: TestClient) -> None:
    position = create_case(client)["position"]
    params = {"from": today().isoformat(), "to": today().isoformat(), "consistent_with": position}

    answer = client.get("/reports/summary", params=params, headers={"Accept": "text/csv"})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    lines = answer.text.splitlines()
    assert answer.content.startswith("\ufeff".encode())  # so spreadsheets read UTF-8
    assert lines[0] == "\ufefffrom,to,scope,station_id,station_name,figure,item,item_id,value"
    assert f"{today()},{today()},district,,,cases_opened,,,1" in lines


def test_report_csv_neutralises_formulas_and_names_departments_by_id(client: TestClient) -> None:
    station = create_station(client, name='=HYPERLINK("http://x")')
    twins = [create_department(client, name="Education Bureau") for _ in range(2)]
    case = create_case(client, station["id"])
    last = [create_referral(client, case_id=case["id"], department_id=twin["id"]) for twin in twins][-1]
    params = {"from": today().isoformat(), "to": today().isoformat(), "consistent_with": last["position"]}

    text = client.get("/reports/summary", params=params, headers={"Accept": "text/csv"}).text

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    named = [row for row in rows if row[3] == station["id"]]
    assert named and {row[4] for row in named} == {'\'=HYPERLINK("http://x")'}
    made = {row[7] for row in named if row[5] == "referrals_made"}
    assert made == {twin["id"] for twin in twins}


def test_the_twice_yearly_report_can_be_asked_for_by_its_half_year(client: TestClient) -> None:
    position = create_case(client)["position"]
    half = f"{today().year}H{1 if today().month <= 6 else 2}"

    report = view(client, "/reports/summary", position, period=half)

    assert (report["from"], report["to"]) == (
        (f"{today().year}-01-01", f"{today().year}-06-30")
        if half.endswith("1")
        else (f"{today().year}-07-01", f"{today().year}-12-31")
    )
    assert report["district"]["cases_opened"] >= 1
    both = {"period": half, "from": today().isoformat(), "to": today().isoformat()}
    assert problem(client.get("/reports/summary", params=both), 422)["rule"] == "period_and_range"
    problem(client.get("/reports/summary", params={"period": "2026H3"}), 422)


def test_a_report_period_must_be_a_real_range(client: TestClient) -> None:
    backwards = {"from": today().isoformat(), "to": (today() - timedelta(days=1)).isoformat()}
    assert problem(client.get("/reports/summary", params=backwards), 422)["rule"] == "empty_range"
    assert problem(client.get("/reports/summary", params={"from": today().isoformat()}), 422)


def test_control_characters_are_refused_in_bodies_and_view_filters(client: TestClient) -> None:
    named = problem(client.post("/stations", json={**STATION, "name": "Chengguan\u0000 Station"}), 422)
    assert named["errors"][0]["field"] == "name"
    goals = problem(client.put(f"/cases/{create_case(client)['id']}/plan", json={"goals": ["ok", "bad\u0007"]}), 422)
    assert goals["errors"][0]["field"] == "goals"
    for path, params in (
        ("/audit-trail", {"actor": "li\u0000"}),
        ("/audit-trail", {"event_type": "case.\u0000"}),
        ("/cases", {"name": "\u0000"}),
        ("/cases", {"case_worker_id": "x\u001b"}),
        ("/cases", {"cursor": "\u0000"}),
    ):
        assert problem(client.get(path, params=params), 422)
    assert ok(client.put(f"/cases/{create_case(client)['id']}/plan", json={"goals": ["two\tcolumns\nand lines"]}))

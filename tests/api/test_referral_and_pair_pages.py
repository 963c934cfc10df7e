"""Edges of the referral and mentoring pages the browser tests do not reach: an overdue referral
(which takes a clock moved on), a lead's referral without consent, a forged page cursor, and
pages a role may not use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from api.pages.web import SESSION_COOKIE, csrf_token
from tests.api.acting import ActingClient
from tests.api.conftest import create_case, create_department, create_pair, create_referral, ok


def _signed_in(client: ActingClient, role: str, scope: str | None) -> str:
    """Sign the client's pages in as a user of `role`; the token, for the forms' CSRF field."""
    token = client.token(role, scope)
    client.cookies.set(SESSION_COOKIE, token)
    return token


def _view_caught_up(client: ActingClient, position: int) -> None:
    assert client.get("/referrals", params={"consistent_with": position}).status_code == 200


def test_an_overdue_referral_is_said_to_be_overdue_in_words_and_found_by_the_filter(client: ActingClient) -> None:
    department = create_department(client)
    late = create_referral(client, department_id=department["id"], service="心理辅导")
    _view_caught_up(client, late["position"])
    client.front.reads.clock = lambda: datetime.now(timezone.utc) + timedelta(days=15)  # past its answer-by date
    _signed_in(client, "department_officer", department["id"])

    page = client.get("/ui/referrals")
    assert page.status_code == 200
    waiting = page.text.split('id="waiting"')[1].split('id="others"')[0]
    assert "心理辅导" in waiting and "已逾期" in waiting and "已过答复期限，仍未答复" in waiting

    only_late = client.get("/ui/referrals", params={"overdue": "yes"})
    assert "心理辅导" in only_late.text and 'id="waiting"' not in only_late.text
    assert "心理辅导" not in client.get("/ui/referrals", params={"overdue": "no"}).text


def test_a_lead_refers_without_consent_giving_the_reason_and_the_referral_shows_it(client: ActingClient) -> None:
    case = create_case(client)
    department = create_department(client, kind="health")
    station = ok(client.get(f"/cases/{case['id']}"))["station_id"]
    token = _signed_in(client, "station_lead", station)
    form = client.get("/ui/referrals/new", params={"case_id": case["id"]})
    assert "未经同意转介的理由" in form.text

    answer = client.post(
        "/ui/referrals/new",
        data={
            "csrf": csrf_token(token),
            "case_id": case["id"],
            "to_department_id": department["id"],
            "service": "急诊心理评估",
            "reason": "孩子有自伤言语。",
            "respond_by": (datetime.now(timezone.utc).date() + timedelta(days=2)).isoformat(),
            "consent_override.reason": "情况紧急，联系不上监护人。",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    shown = client.get(answer.headers["location"])
    assert "转介已发出。" in shown.text
    assert "所长未经同意转介，理由：情况紧急，联系不上监护人。" in shown.text


def test_an_officer_is_not_offered_the_consent_override(client: ActingClient) -> None:
    case = create_case(client)
    station = ok(client.get(f"/cases/{case['id']}"))["station_id"]
    _signed_in(client, "station_officer", station)
    form = client.get("/ui/referrals/new", params={"case_id": case["id"]})
    assert form.status_code == 200
    assert "未经同意转介的理由" not in form.text


def test_a_forged_page_cursor_is_a_missing_page_not_a_failure(client: ActingClient) -> None:
    case = create_case(client)
    _signed_in(client, "station_officer", ok(client.get(f"/cases/{case['id']}"))["station_id"])
    for path in ("/ui/referrals", "/ui/pairs"):
        answer = client.get(path, params={"cursor": "not-a-cursor"})
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert client.get(path).status_code == 200


def test_pages_a_role_may_not_use_answer_with_a_page_saying_so(client: ActingClient) -> None:
    pair = create_pair(client)
    volunteer = pair["volunteer_id"]
    _signed_in(client, "mentor", volunteer)
    refused = client.get("/ui/pairs/new", params={"case_id": pair["case_id"]})
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert client.get("/ui/referrals/new", params={"case_id": pair["case_id"]}).status_code == 403
    mine = client.get(f"/ui/pairs/{pair['id']}")
    assert mine.status_code == 200
    assert "暂停结对" not in mine.text  # pausing and closing are for station staff
    assert "记录一次帮教" in mine.text


def test_a_pause_sent_over_a_newer_pair_shows_what_changed_and_keeps_the_typed_reason(client: ActingClient) -> None:
    pair = create_pair(client)
    station = ok(client.get(f"/cases/{pair['case_id']}"))["station_id"]
    token = _signed_in(client, "station_lead", station)
    loaded = client.get(f"/ui/pairs/{pair['id']}")
    assert f'name="version" value="{pair["version"]}"' in loaded.text
    goal = pair["goals"][0]["goal"]
    ok(client.post(f"/pairs/{pair['id']}/goal-progress", json={"goal": goal, "status": "dropped"}))

    form = {"csrf": csrf_token(token), "version": str(pair["version"]), "action": "pause", "reason": "孩子住院一个月。"}
    answer = client.post(f"/ui/pairs/{pair['id']}/status", data=form)
    assert answer.status_code == 409
    assert 'id="conflict-title"' in answer.text and "dropped" in answer.text
    assert "孩子住院一个月。" in answer.text
    assert ok(client.get(f"/pairs/{pair['id']}"))["status"] == "active"


def test_a_mentors_goal_form_carries_no_version_so_it_never_asks_for_history_they_may_not_read(
    client: ActingClient,
) -> None:
    pair = create_pair(client)
    token = _signed_in(client, "mentor", pair["volunteer_id"])
    assert 'name="version"' not in client.get(f"/ui/pairs/{pair['id']}/goals", params={"goal": 0}).text
    goal = pair["goals"][0]["goal"]
    ok(client.post(f"/pairs/{pair['id']}/goal-progress", json={"goal": goal, "status": "dropped"}))

    form = {"csrf": csrf_token(token), "goal": goal, "status": "achieved", "note": "读完了整本书。"}
    answer = client.post(f"/ui/pairs/{pair['id']}/goals", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert ok(client.get(f"/pairs/{pair['id']}"))["goals"][0]["status"] == "achieved"


def test_the_pair_page_speaks_english_to_an_english_reader(client: ActingClient) -> None:
    pair = create_pair(client)
    _signed_in(client, "mentor", pair["volunteer_id"])
    page = client.get(f"/ui/pairs/{pair['id']}", headers={"Accept-Language": "en-GB"})
    assert "Log a session" in page.text and "Zhang Xiaoming" in page.text
    session = client.get(f"/ui/pairs/{pair['id']}/session", headers={"Accept-Language": "en-GB"})
    assert "Save this session" in session.text and "3: a little progress" in session.text

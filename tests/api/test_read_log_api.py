"""The read log: every read of a minor's record is logged with who, when, where and why."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests.api.acting import ActingClient
from tests.api.conftest import create_case, create_pair, create_referral, problem


def auditor(client: ActingClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token('auditor', None)}"}


def access_log(client: ActingClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/audit/access-log", params={"limit": 500, **params}, headers=auditor(client))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_reading_a_case_logs_who_when_where_which_record_and_endpoint(client: ActingClient) -> None:
    case = create_case(client)
    lead = client.usernames[("station_lead", case["station_id"])]

    assert client.get(f"/cases/{case['id']}").status_code == 200

    [entry] = access_log(client, record_id=case["id"])
    assert (entry["user"], entry["role"], entry["address"]) == (lead, "station_lead", "testclient")
    assert entry["endpoint"] == f"GET /cases/{case['id']}"
    assert entry["record_ids"] == [case["id"]] and entry["station_ids"] == [case["station_id"]]
    assert entry["purpose"] is None and entry["sealed"] is False


@pytest.mark.parametrize("how", ["query", "header"])
def test_a_stated_purpose_is_kept_with_the_read_in_any_script(client: ActingClient, how: str) -> None:
    case = create_case(client)
    purpose = "法院调查 court inquiry #12"
    if how == "query":
        answer = client.get(f"/cases/{case['id']}", params={"purpose": purpose})
    else:
        answer = client.get(f"/cases/{case['id']}", headers={"X-Purpose": quote(purpose)})
    assert answer.status_code == 200

    [entry] = access_log(client, record_id=case["id"])
    assert entry["purpose"] == purpose


@pytest.mark.parametrize("header", ["%FF%FE", "%0Anew line", "x" * 1600])
def test_a_purpose_that_is_not_utf8_text_is_invalid_and_nothing_is_read(client: ActingClient, header: str) -> None:
    case = create_case(client)

    body = problem(client.get(f"/cases/{case['id']}", headers={"X-Purpose": header}), 422)

    assert body["errors"][0]["field"].lower() in {"x-purpose", "purpose"}
    assert access_log(client, record_id=case["id"]) == []


def test_pairs_referrals_histories_timelines_and_searches_are_logged(client: ActingClient) -> None:
    pair = create_pair(client)
    referral = create_referral(client, case_id=pair["case_id"])
    case_id = pair["case_id"]
    reads = [
        f"/pairs/{pair['id']}",
        f"/referrals/{referral['id']}",
        f"/cases/{case_id}/history",
        f"/cases/{case_id}/timeline",
        f"/pairs/{pair['id']}/history",
    ]
    for path in reads:
        assert client.get(path).status_code == 200, path
    position = referral["position"]
    assert client.get("/cases", params={"consistent_with": position}, headers=auditor(client)).status_code == 200

    endpoints = [entry["endpoint"] for entry in access_log(client, record_id=case_id)]

    assert endpoints[0] == "GET /cases"  # newest first
    assert {f"GET {path}" for path in reads} <= set(endpoints)


def test_a_read_that_cannot_be_logged_is_not_served(client: ActingClient) -> None:
    case = create_case(client)
    with client.front.signin.db.transaction() as conn:  # type: ignore[attr-defined]
        conn.execute(text("DROP TABLE access_log_refs"))

    answer = client.get(f"/cases/{case['id']}")

    body = problem(answer, 503)
    assert "case" not in answer.text or body["type"] == "urn:youthcare:problem:store_unavailable"
    assert case["youth"]["full_name"] not in answer.text


def test_a_station_lead_sees_the_reads_of_their_stations_records_only(client: ActingClient) -> None:
    mine, theirs = create_case(client), create_case(client)
    client.get(f"/cases/{mine['id']}")
    client.get(f"/cases/{theirs['id']}")
    lead = {"Authorization": f"Bearer {client.token('station_lead', mine['station_id'])}"}

    items = client.get("/audit/access-log", params={"limit": 500}, headers=lead).json()["items"]

    assert items and all(mine["station_id"] in item["station_ids"] for item in items)
    assert theirs["id"] not in {record for item in items for record in item["record_ids"]}


def test_the_access_log_filters_by_user_and_time_and_pages(client: ActingClient) -> None:
    case = create_case(client)
    for _ in range(5):
        client.get(f"/cases/{case['id']}")
    lead = client.usernames[("station_lead", case["station_id"])]

    first = client.get("/audit/access-log", params={"user": lead, "limit": 2}, headers=auditor(client)).json()
    second = client.get(
        "/audit/access-log", params={"user": lead, "limit": 10, "cursor": first["next_cursor"]}, headers=auditor(client)
    ).json()

    seqs = [item["seq"] for item in first["items"] + second["items"]]
    assert len(seqs) == 5 and seqs == sorted(seqs, reverse=True)
    later = first["items"][0]["at"]
    assert access_log(client, user=lead, **{"from": later}) == first["items"][:1]


def test_the_read_log_chain_verifies_and_an_edited_entry_breaks_it(client: ActingClient) -> None:
    case = create_case(client)
    for _ in range(3):
        client.get(f"/cases/{case['id']}")
    verified = client.get("/audit/verification", headers=auditor(client)).json()
    assert verified["ok"] is True and verified["read_log"]["ok"] is True

    with client.front.signin.db.transaction() as conn:  # type: ignore[attr-defined]
        conn.execute(text("UPDATE access_log SET username = 'someone-else' WHERE seq = 2"))

    broken = client.get("/audit/verification", headers=auditor(client)).json()
    assert broken["ok"] is False
    assert (broken["read_log"]["ok"], broken["read_log"]["first_broken"]) == (False, 2)

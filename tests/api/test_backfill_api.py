"""Work done before its record was registered: taken within the backfill window, shown as backfilled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import create_case, create_pair, ok, problem, today, version_of


def intervention(occurred_at: datetime) -> dict[str, Any]:
    return {
        "kind": "home_visit",
        "occurred_at": occurred_at.isoformat(),
        "duration_minutes": 60,
        "notes": "The first home visit, the night of the incident.",
        "performed_by": "officer-li",
    }


def session(days_ago: int) -> dict[str, Any]:
    held_on = (today() - timedelta(days=days_ago)).isoformat()
    return {"held_on": held_on, "duration_minutes": 45, "mode": "in_person", "notes": "Met.", "progress": 3}


def opened_at(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["created_at"])


def test_an_intervention_before_the_case_was_opened_is_taken_and_shown_as_backfilled(client: TestClient) -> None:
    case = create_case(client)
    night = opened_at(case) - timedelta(days=2)

    logged = ok(client.post(f"/cases/{case['id']}/interventions", json=intervention(night)))
    ok(client.post(f"/cases/{case['id']}/interventions", json=intervention(datetime.now(timezone.utc))))

    early, current = ok(client.get(f"/cases/{case['id']}"))["interventions"]
    assert logged["interventions"][0]["backfilled"] is True
    assert (early["backfilled"], datetime.fromisoformat(early["occurred_at"])) == (True, night)
    assert datetime.fromisoformat(early["recorded_at"]) >= opened_at(case)
    assert current["backfilled"] is False
    timeline = ok_json(client.get(f"/cases/{case['id']}/timeline"))["events"]
    marks = [(e["event_type"], e.get("backfilled"), e.get("dated")) for e in timeline]
    assert marks[1:] == [
        ("case.InterventionLogged", True, night.isoformat()),
        ("case.InterventionLogged", None, None),
    ]


def test_an_intervention_before_the_backfill_window_is_refused(client: TestClient) -> None:
    case = create_case(client)
    too_early = opened_at(case) - timedelta(days=90, minutes=1)

    refused = problem(client.post(f"/cases/{case['id']}/interventions", json=intervention(too_early)), 409)

    assert refused["rule"] == "before_backfill_window"
    assert version_of(client, f"/cases/{case['id']}") == 1


def test_a_session_follows_the_same_rule_as_an_intervention(client: TestClient) -> None:
    pair = create_pair(client)

    refused = problem(client.post(f"/pairs/{pair['id']}/sessions", json=session(91)), 409)
    ok(client.post(f"/pairs/{pair['id']}/sessions", json=session(90)))
    ok(client.post(f"/pairs/{pair['id']}/sessions", json=session(0)))

    assert refused["rule"] == "before_backfill_window"
    sessions = ok(client.get(f"/pairs/{pair['id']}"))["sessions"]
    assert [(s["held_on"], s["backfilled"]) for s in sessions] == [
        ((today() - timedelta(days=90)).isoformat(), True),
        (today().isoformat(), False),
    ]
    assert all(s["recorded_at"] for s in sessions)


@pytest.fixture
def narrow_client() -> Iterator[TestClient]:
    """The API with YOUTHCARE_BACKFILL_DAYS=0: nothing dated before its record was registered."""
    settings = Settings(database_url=SecretStr(MEMORY_URL), backfill_days=0)
    with ActingClient(create_app(settings_with_access(settings))) as test_client:
        yield test_client


def test_the_window_is_a_setting(narrow_client: TestClient) -> None:
    case = create_case(narrow_client)
    pair = create_pair(narrow_client)
    an_hour_early = opened_at(case) - timedelta(hours=1)

    intervention_refused = problem(
        narrow_client.post(f"/cases/{case['id']}/interventions", json=intervention(an_hour_early)), 409
    )
    session_refused = problem(narrow_client.post(f"/pairs/{pair['id']}/sessions", json=session(1)), 409)

    assert intervention_refused["rule"] == session_refused["rule"] == "before_backfill_window"


def ok_json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body

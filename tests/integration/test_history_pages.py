"""Pages of a history and of a timeline read only the page, yet say exactly what the whole record says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from application.app import YouthCare
from application.history import changes
from application.presenters import present
from domain.mentoring_pair import GoalStatus, MentoringPair, SessionMode
from domain.youth_case import InterventionKind, PlanGoalStatus, RiskLevel, YouthCase
from tests.integration.test_application import (
    LEAD,
    STAFF,
    TODAY,
    adopt_plan,
    close_case,
    open_case,
    screened_volunteer,
    station,
)


def intervene(app: YouthCare, case_id: UUID, notes: str) -> None:
    app.log_intervention(
        STAFF,
        case_id,
        kind=InterventionKind.HOME_VISIT,
        occurred_at=datetime.now(timezone.utc) - timedelta(minutes=1),
        duration_minutes=30,
        notes=notes,
        performed_by="li",
    )


def worked_case(app: YouthCare) -> tuple[UUID, UUID]:
    """A case with events of many kinds (lists appended to, fields set and cleared), and its pair."""
    case_id = open_case(app, station(app))
    intervene(app, case_id, "first visit")
    app.assess_risk(STAFF, case_id, instrument="YLS", score=12, level=RiskLevel.MEDIUM, notes="")
    adopt_plan(app, case_id, ["back to school", "see a counsellor"])
    pair_id = app.match_pair(
        STAFF, case_id=case_id, volunteer_id=screened_volunteer(app), goals=["reading"], started_on=TODAY
    ).id
    for index in range(4):
        intervene(app, case_id, f"visit {index}")
        session = {"held_on": TODAY, "duration_minutes": 40, "notes": f"s{index}", "progress": 3}
        app.log_session(STAFF, pair_id, mode=SessionMode.IN_PERSON, **session)
    app.update_goal(STAFF, pair_id, goal="reading", status=GoalStatus.IN_PROGRESS, note="a book a week")
    app.review_goal(STAFF, case_id, goal="back to school", status=PlanGoalStatus.ACHIEVED, note="")
    app.assess_risk(STAFF, case_id, instrument="YLS", score=4, level=RiskLevel.LOW, notes="better")
    app.record_consent(STAFF, case_id, scope="education", granted=True, given_by="the mother")
    close_case(app, case_id, outcome="back at school")
    app.reopen_case(LEAD, case_id, reason="truant again")
    intervene(app, case_id, "after reopening")
    return case_id, pair_id


def replayed_changes(app: YouthCare, kind: type[Any], record_id: UUID) -> list[list[dict[str, Any]]]:
    """Each version's changes as the whole record at each version, diffed with the one before, says."""
    found: list[list[dict[str, Any]]] = []
    before: dict[str, Any] = {}
    version: int = app.repository.get(record_id).version
    for at in range(1, version + 1):
        after = present(app.repository.get(record_id, version=at))
        found.append(changes(before, after))
        before = after
    return found


def test_every_page_of_a_history_shows_what_replaying_the_whole_record_shows(app: YouthCare) -> None:
    case_id, pair_id = worked_case(app)

    for kind, record_id in ((YouthCase, case_id), (MentoringPair, pair_id)):
        whole = replayed_changes(app, kind, record_id)
        everything = app.history(kind, record_id, limit=len(whole))["events"]
        assert [entry["changes"] for entry in everything] == whole
        for size in (1, 2, 5):
            for after in range(len(whole)):
                page = app.history(kind, record_id, after_version=after, limit=size)
                assert page["events"] == everything[after : after + size]
                assert page["version"] == len(whole)
                assert page["next_after_version"] == (after + size if after + size < len(whole) else None)


def test_a_logged_intervention_changes_only_its_own_item_however_many_came_before(app: YouthCare) -> None:
    case_id, _ = worked_case(app)
    version: int = app.repository.get(case_id).version

    last = app.history(YouthCase, case_id, after_version=version - 1, limit=1)["events"]

    assert [change["field"] for change in last[0]["changes"]] == ["interventions[5]"]
    assert last[0]["changes"][0]["after"]["notes"] == "after reopening"


def test_a_timeline_read_page_by_page_is_the_whole_timeline(app: YouthCare) -> None:
    case_id, pair_id = worked_case(app)
    related = [(MentoringPair, pair_id)]
    whole = app.timeline(case_id, related, limit=10_000)
    assert whole["next_after_position"] is None

    for size in (1, 3, 7):
        pages, after = [], 0
        while True:
            page = app.timeline(case_id, related, after_position=after, limit=size)
            pages += page["events"]
            if page["next_after_position"] is None:
                break
            assert len(page["events"]) == size
            after = page["next_after_position"]
        assert pages == whole["events"]
    positions = [entry["position"] for entry in whole["events"]]
    assert positions == sorted(positions)
    assert len(positions) == app.repository.get(case_id).version + app.repository.get(pair_id).version

"""Records kept in memory between requests (the aggregate cache) read as the store holds them:
after a refused or conflicting command, after another process's writes, after an erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import pytest

from application.app import YouthCare
from application.errors import ConcurrentWrite, StaleVersion
from domain.common import ERASED, RuleViolation
from domain.youth_case import Intervention, InterventionKind, YouthCase
from infrastructure.erasure import Eraser
from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.conftest import settings_for
from tests.integration.test_application import STAFF, open_case, station

NAME = "Zhang Xiaoming"  # the youth open_case registers
VISIT = Intervention(InterventionKind.HOME_VISIT, datetime.now(timezone.utc), 30, "never stored", "officer-li")


def log(app: YouthCare, case_id: UUID, notes: str, expected_version: int | None = None) -> int:
    return app.log_intervention(
        STAFF,
        case_id,
        kind="home_visit",
        occurred_at=datetime.now(timezone.utc),
        duration_minutes=30,
        notes=notes,
        performed_by="officer-li",
        expected_version=expected_version,
    ).version


def notes_of(app: YouthCare, case_id: UUID) -> list[str]:
    return [i["notes"] for i in app.get_case(case_id)["interventions"]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """One store that two application instances (two API processes, in effect) share."""
    return settings_for(request.param, tmp_path, request, snapshot_interval=3)


@pytest.fixture
def two(shared: Settings) -> Iterator[tuple[YouthCare, YouthCare]]:
    first, second = create_application(shared), create_application(shared)
    yield first, second
    second.close()
    first.close()


def test_records_are_kept_in_memory_by_default(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    app.get_case(case_id)
    assert app.repository.cache is not None
    assert app.repository.cache.get(case_id).id == case_id


def test_a_command_refused_half_way_leaves_the_record_as_stored(app: YouthCare) -> None:
    case_id = open_case(app, station(app))
    log(app, case_id, "first visit")

    def log_then_refuse(case: YouthCase) -> None:
        case.log_intervention(actor=STAFF, intervention=VISIT, now=datetime.now(timezone.utc))
        raise RuleViolation("refused after changing the record", rule="test")

    with pytest.raises(RuleViolation):
        app._change(YouthCase, case_id, None, log_then_refuse)
    assert notes_of(app, case_id) == ["first visit"]
    assert app.get_case(case_id)["version"] == 2


def test_a_save_that_loses_the_race_leaves_each_process_reading_the_stored_state(
    two: tuple[YouthCare, YouthCare],
) -> None:
    first, second = two
    case_id = open_case(first, station(first))
    loaded = first._load_for_write(YouthCase, case_id, None)  # kept by the first process, then changed
    log(second, case_id, "from the second process")
    loaded.log_intervention(actor=STAFF, intervention=VISIT, now=datetime.now(timezone.utc))
    with pytest.raises(ConcurrentWrite):
        first._save(loaded)
    assert notes_of(first, case_id) == ["from the second process"]
    assert notes_of(second, case_id) == ["from the second process"]


def test_each_process_sees_the_others_writes_to_a_record_it_keeps(two: tuple[YouthCare, YouthCare]) -> None:
    first, second = two
    case_id = open_case(first, station(first))
    for n in range(4):  # past the snapshot interval, each process in turn
        log(first if n % 2 == 0 else second, case_id, f"visit {n}")
    expected = [f"visit {n}" for n in range(4)]
    assert notes_of(first, case_id) == expected
    assert notes_of(second, case_id) == expected
    with pytest.raises(StaleVersion):
        log(first, case_id, "stale", expected_version=4)
    assert log(second, case_id, "current", expected_version=5) == 6
    assert notes_of(first, case_id)[-1] == "current"


def test_after_erasure_a_read_in_the_same_process_shows_the_erased_form(
    app: YouthCare, store_settings: Settings
) -> None:
    case_id = open_case(app, station(app))
    log(app, case_id, "the stepfather hit him")
    assert app.get_case(case_id)["youth"]["full_name"] == NAME  # now kept in memory, decrypted
    app.erase_case(STAFF, case_id, reason="purpose over", legal_basis="PIPL 47")
    _eraser(app, store_settings).erase(case_id)
    case = app.get_case(case_id)
    assert case["youth"]["full_name"] == ERASED
    assert notes_of(app, case_id) == [ERASED]


def test_after_erasure_by_another_process_a_record_it_kept_reads_erased(
    two: tuple[YouthCare, YouthCare], shared: Settings
) -> None:
    first, second = two
    case_id = open_case(first, station(first))
    log(first, case_id, "the stepfather hit him")
    assert second.get_case(case_id)["youth"]["full_name"] == NAME  # the second process keeps it decrypted
    first.erase_case(STAFF, case_id, reason="purpose over", legal_basis="PIPL 47")
    _eraser(first, shared).erase(case_id)
    assert second.get_case(case_id)["youth"]["full_name"] == ERASED
    assert notes_of(second, case_id) == [ERASED]


def test_with_the_cache_off_nothing_is_kept(tmp_path: Path) -> None:
    app = create_application(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}", aggregate_cache_size=0))  # type: ignore[arg-type]
    try:
        case_id = open_case(app, station(app))
        assert app.get_case(case_id)["version"] == 1
        assert app.repository.cache is None
    finally:
        app.close()


def _eraser(app: YouthCare, settings: Settings) -> Eraser:
    return Eraser(app, ViewStore(app, settings), app.mapper.keys)  # type: ignore[attr-defined]


def test_a_write_from_elsewhere_between_the_access_check_and_the_command_is_kept(
    two: tuple[YouthCare, YouthCare],
) -> None:
    first, second = two
    case_id = open_case(first, station(first))
    with first.one_command():
        first.get_case(case_id)  # the access check's load: the command's load trusts it
        log(second, case_id, "from the second process")
        assert log(first, case_id, "from the first process") == 3  # lost the race once, tried again
    assert notes_of(first, case_id) == ["from the second process", "from the first process"]
    assert notes_of(second, case_id) == ["from the second process", "from the first process"]


def test_a_snapshot_taken_from_the_saved_record_reads_as_its_events_replayed(shared: Settings) -> None:
    app = create_application(shared)  # snapshots every 3 events
    replaying = create_application(shared.model_copy(update={"snapshot_interval": 0, "aggregate_cache_size": 0}))
    try:
        case_id = open_case(app, station(app))
        app.assess_risk(STAFF, case_id, instrument="screening", score=18, level="medium", notes="at school")
        for n in range(5):
            log(app, case_id, f"visit {n}")
        app.record_consent(STAFF, case_id, scope="all", granted=True, given_by="Mother", giver="guardian")
        stored = app.snapshots.get(case_id, desc=True, limit=1)  # type: ignore[union-attr]
        assert [s.originator_version for s in stored] == [6]
        for version in (3, 6, 8):
            assert app.read_record(YouthCase, case_id, version=version) == replaying.read_record(
                YouthCase, case_id, version=version
            )
    finally:
        replaying.close()
        app.close()


def test_a_snapshot_keeps_its_notes_sealed_and_reads_them_erased_once_the_key_is_gone(shared: Settings) -> None:
    app = create_application(shared.model_copy(update={"aggregate_cache_size": 0}))
    try:
        case_id = open_case(app, station(app))
        log(app, case_id, "the stepfather hit him")
        log(app, case_id, "a second visit")  # version 3: a snapshot
        assert app.snapshots is not None
        stored = app.snapshots.recorder.select_events(case_id)
        assert [s.originator_version for s in stored] == [3]
        assert b"stepfather" not in stored[0].state and NAME.encode() not in stored[0].state
        assert notes_of(app, case_id) == ["the stepfather hit him", "a second visit"]
        app.mapper.keys.destroy(case_id)  # type: ignore[attr-defined]
        case = app.get_case(case_id)  # from the snapshot, its key destroyed
        assert [i["notes"] for i in case["interventions"]] == [ERASED, ERASED]
        assert case["youth"]["full_name"] == ERASED
    finally:
        app.close()

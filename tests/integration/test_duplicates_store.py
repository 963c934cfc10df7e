"""Duplicate youths on every store: the index is written with the case, read through the case's state,
emptied by the erasure, and two registrations of one youth at once do not both get through."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from api.cli import rotate_keys
from application.app import YouthCare
from application.errors import InvalidValue, PossibleDuplicate
from domain.common import Actor, Role
from infrastructure.erasure import Eraser
from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from infrastructure.youth_ids import YouthIds, youth_ids
from tests.conftest import settings_for
from tests.integration.test_application import close_case

STAFF = Actor("officer-1", Role.STATION_OFFICER)
ADMIN = Actor("admin", Role.ADMIN)
YOUTH = {
    "full_name": "Li Xiaohua",
    "date_of_birth": date(2012, 3, 4),
    "gender": "female",
    "id_number": "1101012012030400 1X",
}


@pytest.fixture
def station(app: YouthCare) -> UUID:
    return app.register_station(ADMIN, name="Station", kind="police_care_station", level="town").id


def open_case(app: YouthCare, station: UUID, **extra: Any) -> Any:
    youth = {**YOUTH, **extra.pop("youth", {})}
    return app.open_case(
        STAFF, station_id=station, youth=youth, category="truancy", source="school", summary="s", **extra
    )


def index(app: YouthCare) -> YouthIds:
    assert isinstance(app.youth_ids, YouthIds)
    return app.youth_ids


def rows(app: YouthCare) -> list[Any]:
    with index(app).store.reading() as conn:
        return list(conn.execute(select(youth_ids)))


def test_an_open_case_of_the_same_id_number_refuses_a_second_and_nothing_is_stored(
    app: YouthCare, station: UUID
) -> None:
    first = open_case(app, station).id
    head = app.recorder.max_notification_id()

    with pytest.raises(PossibleDuplicate) as caught:
        open_case(app, station, youth={"id_number": "110101-2012-0304-001x", "full_name": "Someone Else"})

    assert caught.value.matches == [first]
    assert app.recorder.max_notification_id() == head
    assert [row.case_id for row in rows(app)] == [first]


def test_closing_frees_the_youth_and_reopening_binds_them_again(app: YouthCare, station: UUID) -> None:
    first = open_case(app, station).id
    close_case(app, first, outcome="done")
    second = open_case(app, station).id
    close_case(app, second, outcome="done")
    app.reopen_case(STAFF, first, reason="again")

    with pytest.raises(PossibleDuplicate) as caught:
        open_case(app, station)

    assert caught.value.matches == [first]


def test_a_confirmed_second_case_is_recorded_and_needs_a_reason(app: YouthCare, station: UUID) -> None:
    first = open_case(app, station).id

    with pytest.raises(InvalidValue) as unexplained:
        open_case(app, station, confirm_new=True)
    second = open_case(app, station, confirm_new=True, confirm_reason="a second offence")

    assert unexplained.value.field == "confirm_reason"
    assert second.record["second_case_reason"] == "a second offence"
    assert app.get_case(second.id)["second_case"] is True
    assert app.get_case(first)["second_case"] is False
    assert app.cases_with_id_number("11010120120304001x") == [first, second.id]
    stored = app.recorder.select_events(second.id)[0].state
    assert b"a second offence" not in stored  # encrypted under the case's key, like every note


def test_the_same_name_and_birth_date_warns_and_the_id_number_is_searched_exactly(
    app: YouthCare, station: UUID
) -> None:
    first = open_case(app, station).id

    similar = open_case(app, station, youth={"id_number": None, "full_name": " li  XIAOHUA"})

    assert similar.record["warnings"][0]["case_ids"] == [first]
    assert app.cases_with_id_number("110101201203040011") == []


def test_the_erasure_drops_the_youths_hashes(app: YouthCare, station: UUID, store_settings: Settings) -> None:
    first = open_case(app, station).id
    app.erase_case(ADMIN, first, reason="purpose over", legal_basis="PIPL 47")
    Eraser(app, ViewStore(app, store_settings), app.mapper.keys).erase(first)  # type: ignore[attr-defined]

    again = open_case(app, station)

    assert app.cases_with_id_number(YOUTH["id_number"]) == [again.id]
    assert [row.case_id for row in rows(app)] == [again.id]


@pytest.fixture
def slow_check(app: YouthCare) -> Iterator[None]:
    """The check takes a while, so two registrations surely overlap."""
    original = app._open_cases

    def slowly(case_ids: list[UUID]) -> list[UUID]:
        found = original(case_ids)
        time.sleep(0.3)
        return found

    app._open_cases = slowly  # type: ignore[method-assign]
    yield
    app._open_cases = original  # type: ignore[method-assign]


def test_two_registrations_of_one_youth_at_once_do_not_both_get_through(
    app: YouthCare, station: UUID, slow_check: None
) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def register() -> None:
        start.wait()
        try:
            open_case(app, station)
            outcomes.append("opened")
        except PossibleDuplicate:
            outcomes.append("refused")

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["opened", "refused"]
    assert len(rows(app)) == 1


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_the_master_key_is_rotated_the_youth_is_still_found(
    store: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(store, tmp_path, request)
    new = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    before = create_application(settings)
    try:
        station = before.register_station(ADMIN, name="S", kind="police_care_station", level="town").id
        first = open_case(before, station).id
        hashes = [tuple(row) for row in rows(before)]
    finally:
        before.close()
    monkeypatch.setenv("YOUTHCARE_NEW_MASTER_KEY", new)

    assert rotate_keys(settings, io.StringIO()) == 0

    after = create_application(settings.model_copy(update={"master_key": SecretStr(new)}))
    try:
        assert [tuple(row) for row in rows(after)] != hashes
        assert after.cases_with_id_number(YOUTH["id_number"]) == [first]
        with pytest.raises(PossibleDuplicate):
            open_case(after, station)
    finally:
        after.close()

"""After erasure no byte of the youth's name, the guardian's phone or a note is left in the store:
the SQLite files (database and write-ahead log, free pages included) or a pg_dump; the chains
still verify; the same after the views are rebuilt. And a wrong master key stops the start."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from api.cli import rotate_keys
from application.access.principal import Caller
from application.front import Front
from domain.common import Role
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource, InterventionKind
from infrastructure.front import create_front
from infrastructure.keys import KeyProblem
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import ADMIN_PASSWORD, FAST_HASHING
from tests.conftest import settings_for

NAME, PHONE, NOTE = "Ximen Chuixue", "13912345678", "the stepfather hit him on Tuesday"
SECRETS = [NAME.encode(), PHONE.encode(), NOTE.encode(), NAME.encode("utf-16-le")]


def signed_in(front: Front, username: str) -> Caller:
    return Caller(principal=front.authenticate(front.sign_in(username, ADMIN_PASSWORD, None)["access_token"]))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_for(request.param, tmp_path, request, snapshot_interval=2).model_copy(update=FAST_HASHING)


@pytest.fixture
def world(settings: Settings) -> Iterator[dict[str, Any]]:
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    front = create_front(settings, projector)
    front.bootstrap_admin(ADMIN_PASSWORD)
    admin = signed_in(front, "admin")
    station = front.register_station(admin, name="S", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN)
    department = front.register_department(admin, name="D", kind=DepartmentKind.EDUCATION)
    volunteer = front.register_volunteer(admin, full_name="Volunteer Wang", kind="retired_teacher", skills=[])
    front.screen_volunteer(admin, volunteer.id, passed=True, notes="ok", expected_version=None)
    front.create_user(
        admin, username="lead", display_name="L", password=ADMIN_PASSWORD, role=Role.STATION_LEAD, scope_id=station.id
    )
    lead = signed_in(front, "lead")
    youth = {"full_name": NAME, "date_of_birth": date(2011, 2, 3), "gender": "male", "guardian_phone": PHONE}
    case = front.open_case(
        lead, station_id=station.id, youth=youth, category=CaseCategory.OTHER, source=CaseSource.FAMILY, summary=NOTE
    ).id
    for _ in range(3):  # past the snapshot interval
        front.log_intervention(
            lead,
            case,
            expected_version=None,
            kind=InterventionKind.HOME_VISIT,
            occurred_at=datetime.now(timezone.utc),
            duration_minutes=30,
            notes=NOTE,
            performed_by="lead",
        )
    front.record_consent(
        lead, case, expected_version=None, scope="all", granted=True, given_by="Mother", giver="guardian"
    )
    pair = front.match_pair(lead, case_id=case, volunteer_id=volunteer.id, goals=[NOTE], started_on=date.today())
    front.log_session(
        lead,
        pair.id,
        expected_version=None,
        held_on=date.today(),
        duration_minutes=20,
        mode="phone",
        notes=NOTE,
        progress=2,
    )
    front.make_referral(
        lead,
        case_id=case,
        to_department_id=department.id,
        service="school",
        reason=NOTE,
        respond_by=date.today() + timedelta(days=5),
    )
    catch_up(projector)
    yield {"app": app, "front": front, "projector": projector, "case": case, "admin": admin, "settings": settings}
    projector.close()
    app.close()


def catch_up(projector: Projector) -> None:
    for view in projector.views:
        projector.run_view_once(view)


def stored_bytes(settings: Settings) -> bytes:
    """Every byte the store keeps: the SQLite files, or a dump of the PostgreSQL schema."""
    url = make_url(settings.database_url.get_secret_value())
    if url.get_backend_name() == "sqlite":
        database = Path(str(url.database))
        return b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    dump = ["pg_dump", "-h", url.host or "127.0.0.1", "-U", url.username or "postgres", "-d", str(url.database)]
    return subprocess.run([*dump, "-n", str(settings.database_schema)], capture_output=True, check=True).stdout


def test_before_erasure_the_secrets_are_stored_only_in_the_views(world: dict[str, Any]) -> None:
    stored = stored_bytes(world["settings"])
    # The case's name is in the casework view (for search); notes and the phone are nowhere in clear.
    assert NAME.encode() in stored
    assert PHONE.encode() not in stored and NOTE.encode() not in stored


def test_after_erasure_no_byte_of_the_secrets_is_left_and_the_chains_verify(world: dict[str, Any]) -> None:
    front: Front = world["front"]
    front.erase_case(world["admin"], world["case"], reason="purpose over", legal_basis="PIPL 47", expected_version=None)
    catch_up(world["projector"])
    auditor_role = Caller(principal=dataclasses.replace(world["admin"].principal, role=Role.AUDITOR))

    assert front.verification(auditor_role, None)["ok"] is True
    stored = stored_bytes(world["settings"])
    assert [secret for secret in SECRETS if secret in stored] == []

    for view in world["projector"].views:
        world["projector"].rebuild(view)
    stored = stored_bytes(world["settings"])
    assert [secret for secret in SECRETS if secret in stored] == []
    assert front.verification(auditor_role, None)["ok"] is True


def test_a_master_key_that_does_not_open_the_case_keys_stops_the_start(world: dict[str, Any]) -> None:
    other = SecretStr("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    with pytest.raises(KeyProblem, match="does not open the case keys"):
        create_application(world["settings"].model_copy(update={"master_key": other}))


def test_a_malformed_master_key_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'x.db'}"), master_key=SecretStr("short"))
    with pytest.raises(KeyProblem, match="32 bytes in base64"):
        create_application(settings)


def test_rotating_the_master_key_rewraps_the_case_keys_and_leaves_the_events(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    new = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    settings: Settings = world["settings"]
    recorder = world["app"].recorder
    before = [n.state for n in recorder.select_notifications(1, limit=10_000)]
    monkeypatch.setenv("YOUTHCARE_NEW_MASTER_KEY", new)

    assert rotate_keys(settings, io.StringIO()) == 0

    assert [n.state for n in recorder.select_notifications(1, limit=10_000)] == before
    with pytest.raises(KeyProblem):
        create_application(settings)  # the old key opens nothing now
    rotated = create_application(settings.model_copy(update={"master_key": SecretStr(new)}))
    try:
        assert rotated.get_case(world["case"])["youth"]["full_name"] == NAME
    finally:
        rotated.close()

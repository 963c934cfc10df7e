"""Sealing and consent through the front door on every store: the views leave a sealed case out,
a purposed read finds it and is logged as sealed, and sharing waits for consent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.access.principal import Caller
from application.errors import NotFound
from application.front import Front
from application.views.case_search import CaseFilter, CaseSort
from domain.common import Role, RuleViolation
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource
from infrastructure.front import create_front
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import ADMIN_PASSWORD, FAST_HASHING

YOUTH = {"full_name": "Li Hua", "date_of_birth": date(2011, 3, 4), "gender": "female"}


@pytest.fixture
def world(store_settings: Settings) -> Iterator[dict[str, Any]]:
    settings = store_settings.model_copy(update=FAST_HASHING)
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    front = create_front(settings, projector)
    front.bootstrap_admin(ADMIN_PASSWORD)
    admin = signed_in(front, "admin")
    station = front.register_station(admin, name="S", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN).id
    department = front.register_department(admin, name="D", kind=DepartmentKind.EDUCATION).id
    callers = {}
    for username, role, scope in (
        ("lead", Role.STATION_LEAD, station),
        ("coordinator", Role.COORDINATOR, None),
        ("auditor", Role.AUDITOR, None),
    ):
        front.create_user(
            admin, username=username, display_name=username, password=ADMIN_PASSWORD, role=role, scope_id=scope
        )
        callers[username] = signed_in(front, username)
    case = front.open_case(
        callers["lead"],
        station_id=station,
        youth=YOUTH,
        category=CaseCategory.OFFENCE,
        source=CaseSource.POLICE_INCIDENT,
        summary="s",
    ).id
    yield {"front": front, "projector": projector, "case": case, "department": department, **callers}
    projector.close()
    app.close()


def signed_in(front: Front, username: str, purpose: str | None = None) -> Caller:
    token = front.sign_in(username, ADMIN_PASSWORD, None)["access_token"]
    return Caller(principal=front.authenticate(token), purpose=purpose)


def search(front: Front, caller: Caller) -> list[UUID]:
    found = front.search_cases(
        caller,
        CaseFilter(),
        sort=CaseSort("opened_at"),
        descending=True,
        limit=500,
        cursor=None,
        consistent_with=None,
    )
    return [UUID(item["id"]) for item in found["items"]]


def catch_up(world: dict[str, Any]) -> None:
    projector = world["projector"]
    for view in projector.views:
        projector.run_view_once(view)


def test_a_sealed_case_is_gone_from_search_and_reads_until_a_purposed_read(world: dict[str, Any]) -> None:
    front: Front = world["front"]
    front.seal_case(world["lead"], world["case"], reason="r", legal_basis="b", expected_version=None)
    catch_up(world)

    assert world["case"] not in search(front, world["auditor"])
    with pytest.raises(NotFound):
        front.get_case(world["auditor"], world["case"], version=None, as_of=None)
    purposed = Caller(principal=world["auditor"].principal, purpose="lawful query")
    read = front.get_case(purposed, world["case"], version=None, as_of=None)
    assert read["sealed"] is True and read["seal"]["legal_basis"] == "b"
    entry = front.read_log.page(
        record_id=world["case"], username="auditor", start=None, end=None, stations=None, limit=5, cursor=None
    )["items"][0]
    assert (entry["sealed"], entry["purpose"]) == (True, "lawful query")

    front.unseal_case(world["coordinator"], world["case"], reason="r", legal_basis="b", expected_version=None)
    catch_up(world)
    assert world["case"] in search(front, world["auditor"])


def test_sharing_waits_for_a_covering_consent(world: dict[str, Any]) -> None:
    front: Front = world["front"]
    referral = {
        "case_id": world["case"],
        "to_department_id": world["department"],
        "service": "s",
        "reason": "r",
        "respond_by": date.today() + timedelta(days=3),
    }
    with pytest.raises(RuleViolation) as refused:
        front.make_referral(world["lead"], **referral)
    assert refused.value.rule == "consent_required"

    front.record_consent(
        world["lead"],
        world["case"],
        expected_version=None,
        scope="education",
        granted=True,
        given_by="m",
        giver="guardian",
    )

    assert front.make_referral(world["lead"], **referral).version == 1

"""A client generated with openapi-python-client from the running service's own document drives the story.

The generator cannot share the project's environment (it pins an older Typer than the command line
uses), so it gets one of its own, `.venv-codegen`, made once from `client-generator.txt`.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest

from tests.e2e.server import REPO, running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD, PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REQUIREMENTS = Path(__file__).with_name("client-generator.txt")
GENERATOR_ENV = REPO / ".venv-codegen"
PACKAGE = "youthcare_client"
T = TypeVar("T")


def generator_bin() -> Path:
    """The generator's own environment, made (or remade, when the pin changed) from the pin."""
    stamp = GENERATOR_ENV / "requirements.txt"
    if not stamp.exists() or stamp.read_text() != REQUIREMENTS.read_text():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(GENERATOR_ENV)], check=True)
        pip = [str(GENERATOR_ENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]
        subprocess.run(pip, check=True)
        stamp.write_text(REQUIREMENTS.read_text())
    return GENERATOR_ENV / "bin"


def generate(document: Path, into: Path) -> str:
    """Generate the client package at `into`; the generator's output (its warnings, if any)."""
    tools = generator_bin()
    done = subprocess.run(
        [str(tools / "openapi-python-client"), "generate", "--path", str(document)]
        + ["--output-path", str(into), "--meta", "none"],
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},  # its ruff formats the code
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[tuple[str, ModuleType]]:
    """The running service's base URL, and the client generated from its document."""
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        document = tmp_path / "openapi.json"
        document.write_bytes(httpx.get(f"{base_url}/openapi.json").content)
        output = generate(document, tmp_path / "client" / PACKAGE)
        warnings = [line for line in output.splitlines() if "warning" in line.lower()]
        assert warnings == [], output  # no endpoint skipped, no schema the generator could not read
        sys.path.insert(0, str(tmp_path / "client"))
        try:
            yield base_url, importlib.import_module(PACKAGE)
        finally:
            sys.path.remove(str(tmp_path / "client"))
            for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
                del sys.modules[name]


class Generated:
    """The generated package's modules by short name: `api.cases.open_case`, `models.CaseWritten`."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def __getattr__(self, model: str) -> Any:
        return getattr(self.models, model)


def typed(answer: Any, model: type[T]) -> T:
    """The parsed answer, once it is the documented model (a Problem or None says what went wrong)."""
    assert isinstance(answer, model), f"expected {model.__name__}, got {answer!r}"
    return answer


def test_a_client_generated_from_the_document_drives_the_story(generated: tuple[str, ModuleType]) -> None:
    base_url, package = generated
    g = Generated(package)
    m = g.models
    today = date.today()

    def sign_in(username: str, password: str) -> Any:
        token = typed(
            g.op("sign_in", "sign_in").sync(
                client=package.Client(base_url=base_url), body=m.BodySignIn(username=username, password=password)
            ),
            m.TokenAnswer,
        )
        assert token.token_type == "bearer" and token.expires_in > 0
        return package.AuthenticatedClient(base_url=base_url, token=token.access_token)

    admin = sign_in("admin", ADMIN_PASSWORD)
    organisation = "stations_and_departments"
    station = typed(
        g.op(organisation, "register_station").sync(
            client=admin,
            body=m.RegisterStation(
                name="Chengguan Care Station", kind=m.StationKind.POLICE_CARE_STATION, level=m.StationLevel.TOWN
            ),
        ),
        m.StationWritten,
    )
    assert isinstance(station.id, UUID) and station.kind is m.StationKind.POLICE_CARE_STATION
    assert station.active is True and isinstance(station.created_at, datetime) and station.version == 1
    bureau = typed(
        g.op(organisation, "register_department").sync(
            client=admin, body=m.RegisterDepartment(name="Education Bureau", kind=m.DepartmentKind.EDUCATION)
        ),
        m.DepartmentWritten,
    )
    volunteer = typed(
        g.op("volunteers", "register_volunteer").sync(
            client=admin,
            body=m.RegisterVolunteer(full_name="Wang Jianguo", kind=m.VolunteerKind.RETIRED_TEACHER, skills=["maths"]),
        ),
        m.VolunteerWritten,
    )
    screened = typed(
        g.op("volunteers", "screen_volunteer").sync(
            volunteer.id, client=admin, body=m.Screening(passed=True, notes="interview passed")
        ),
        m.VolunteerWritten,
    )
    assert screened.screened is True and screened.skills == ["maths"] and screened.version == 2

    people: dict[str, Any] = {}
    for name, role, scope in (
        ("officer", m.UserRole.STATION_OFFICER, station.id),
        ("lead", m.UserRole.STATION_LEAD, station.id),
        ("mentor", m.UserRole.MENTOR, volunteer.id),
        ("department", m.UserRole.DEPARTMENT_OFFICER, bureau.id),
        ("coordinator", m.UserRole.COORDINATOR, None),
        ("auditor", m.UserRole.AUDITOR, None),
    ):
        body = m.CreateUser(username=name, display_name=name.title(), password=PASSWORD, role=role)
        if scope is not None:
            body.scope_id = str(scope)
        user = typed(g.op("users", "create_user").sync(client=admin, body=body), m.UserWritten)
        assert user.role.value == role.value and user.scope_id == scope and user.active is True
        people[name] = sign_in(name, PASSWORD)

    officer = people["officer"]
    youth = m.YouthDetails(
        full_name="Zhang Xiaoming", date_of_birth=date(2011, 5, 2), gender=m.Gender.MALE, school="No. 3 Middle School"
    )
    case = typed(
        g.op("cases", "open_case").sync(
            client=officer,
            body=m.OpenCase(
                station_id=station.id,
                youth=youth,
                category=m.CaseCategory.TRUANCY,
                source=m.CaseSource.SCHOOL,
                summary="Absent for three weeks.",
            ),
        ),
        m.CaseWritten,
    )
    assert case.status is m.CaseStatus.OPEN and case.station_id == station.id
    assert case.youth.full_name == "Zhang Xiaoming" and case.youth.date_of_birth == date(2011, 5, 2)
    assert case.opened_by.user_id == "officer" and case.opened_by.role is m.Role.STATION_OFFICER
    assert case.risk_level is None and case.pending_plan is None and case.seal is None
    worked = typed(
        g.op("cases", "log_intervention").sync(
            case.id,
            client=officer,
            body=m.InterventionBody(
                kind=m.InterventionKind.HOME_VISIT,
                occurred_at=datetime.now(timezone.utc),
                duration_minutes=60,
                notes="home visit done",
                performed_by="officer-li",
            ),
        ),
        m.CaseWritten,
    )
    intervention = worked.interventions[0]
    assert intervention.kind is m.InterventionKind.HOME_VISIT and intervention.backfilled is False
    assert isinstance(intervention.occurred_at, datetime) and worked.position > case.position

    pair = typed(
        g.op("mentoring", "match_pair").sync(
            client=officer,
            body=m.MatchPair(
                case_id=case.id,
                volunteer_id=volunteer.id,
                goals=["Read a book a month"],
                started_on=today - timedelta(days=7),
            ),
        ),
        m.PairWritten,
    )
    assert pair.status is m.PairStatus.ACTIVE and pair.goals[0].goal == "Read a book a month"
    session = typed(
        g.op("mentoring", "log_session").sync(
            pair.id,
            client=people["mentor"],
            body=m.SessionBody(
                held_on=today, duration_minutes=45, mode=m.SessionMode.IN_PERSON, notes="homework", progress=3
            ),
        ),
        m.PairWritten,
    )
    assert session.sessions[0].held_on == today and session.sessions[0].mode is m.SessionMode.IN_PERSON

    consented = typed(
        g.op("cases", "record_consent").sync(
            case.id,
            client=officer,
            body=m.ConsentBody(scope="education", granted=True, given_by="Zhang Wei", giver=m.ConsentGiver.GUARDIAN),
        ),
        m.CaseWritten,
    )
    assert consented.consents[0].giver is m.ConsentGiver.GUARDIAN and consented.consents[0].granted is True
    referral = typed(
        g.op("referrals", "make_referral").sync(
            client=officer,
            body=m.MakeReferral(
                case_id=case.id,
                to_department_id=bureau.id,
                service="school re-entry",
                reason="truancy",
                respond_by=today + timedelta(days=7),
            ),
        ),
        m.ReferralWritten,
    )
    assert referral.status is m.ReferralStatus.PENDING and referral.respond_by == today + timedelta(days=7)
    department = people["department"]
    accepted = typed(g.op("referrals", "accept_referral").sync(referral.id, client=department), m.ReferralWritten)
    assert accepted.status is m.ReferralStatus.ACCEPTED
    completed = typed(
        g.op("referrals", "complete_referral").sync(
            referral.id, client=department, body=m.Completion(outcome="re-enrolled")
        ),
        m.ReferralWritten,
    )
    assert completed.status is m.ReferralStatus.COMPLETED and completed.outcome == "re-enrolled"
    read = typed(g.op("referrals", "get_referral").sync(referral.id, client=department), m.ReferralRead)
    assert read.youth.full_name == "Zhang Xiaoming" and isinstance(read.youth.age, int)
    assert read.consent.basis == "consent"

    coordinator, head = people["coordinator"], completed.position
    cases = typed(
        g.op("cases", "search_cases").sync(client=coordinator, station_id=station.id, consistent_with=head), m.CasePage
    )
    found = cases.items[0]
    assert found.id == case.id and found.station.name == "Chengguan Care Station"
    assert (found.interventions, found.active_pairs, found.open_referrals) == (1, 1, 0)
    assert found.category is m.CaseCategory.TRUANCY and isinstance(found.opened_at, datetime)
    board = typed(g.op("coordination", "departments").sync(client=coordinator, consistent_with=head), m.DepartmentsView)
    load = next(item for item in board.departments if item.department.id == bureau.id)
    assert load.answered == 1 and isinstance(load.median_hours_to_answer, float)
    mentors = typed(g.op("coordination", "mentors").sync(client=coordinator, consistent_with=head), m.MentorsView)
    assert mentors.volunteers[0].last_session_on == today and mentors.volunteers[0].sessions_last_30_days == 1

    auditor = people["auditor"]
    history = typed(g.op("cases", "get_case_history").sync(case.id, client=auditor), m.History)
    assert [event.event_type for event in history.events][:2] == ["case.Opened", "case.InterventionLogged"]
    assert history.events[0].actor.role is m.Role.STATION_OFFICER and history.next_after_version is None
    trail = typed(
        g.op("audit", "audit_trail").sync(client=auditor, case_id=case.id, consistent_with=head), m.AuditTrailPage
    )
    assert {row.record_type for row in trail.items} >= {"case", "pair", "referral"}
    assert all(isinstance(row.record_version, int) and row.case_id == case.id for row in trail.items)
    verified = typed(g.op("audit", "verification").sync(client=auditor), m.Verification)
    assert verified.ok is True and verified.broken == [] and verified.read_log.ok is True

    me = typed(g.op("sign_in", "me").sync(client=people["mentor"]), m.UserRecord)
    assert me.username == "mentor" and me.role is m.Role.MENTOR and me.scope_id == volunteer.id
    tasks = typed(g.op("work_list", "my_tasks").sync(client=people["lead"], consistent_with=head), m.TaskList)
    assert isinstance(tasks.position, int) and tasks.items == []
    ready = typed(g.op("service", "readyz").sync(client=package.Client(base_url=base_url)), m.Ready)
    assert ready.status == "ready"

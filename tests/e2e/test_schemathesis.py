"""Schemathesis against the running service: generated requests, valid and not, to every
operation of its OpenAPI document, signed in as the roles whose work it is and as others,
then chains of them along the document's links (a case opened, then worked on). None may
answer 5xx, and every answer must be one the document declares: its status, its media type
and its schema.

A small world is made first (stations, a department, a screened volunteer, users of every
role, cases, a pair, a referral, a pending transfer), and generated ids are often swapped for
its ids, so that requests reach real records rather than stopping at 404.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD, PASSWORD, admin_cast, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = 20261127
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
VALID_EXAMPLES = 12  # per operation, as the role whose work it is
INVALID_EXAMPLES = 10  # the same, with input the document forbids
OTHER_ROLE_EXAMPLES = 4  # per operation, as a role that may not do it
SCENARIOS = 60  # stateful: chains of linked operations, per seed
SCENARIO_REQUESTS = 600  # stateful: at least this many requests, with as many seeds as that takes
SCENARIO_STEPS = 8
AT_LEAST = 2000  # requests in all
DEADLINE_SECONDS = 240
CAST_ACCOUNTS = r"^/users/\{user_id\}/|^/auth/(password|logout)$"


@dataclass
class Tally:
    """Every request sent, by status; the failures found (each kind once per operation); the time left."""

    deadline: float
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    def by_class(self) -> dict[str, int]:
        classes: Counter[str] = Counter()
        for status, count in self.statuses.items():
            classes[f"{status // 100}xx"] += count
        return dict(sorted(classes.items()))

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def check(
        self, case: schemathesis.Case, response: schemathesis.Response, role: str, headers: dict[str, str]
    ) -> None:
        """Count the answer and run the checks on it; a failure is kept, not raised, so the run goes on."""
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as found:
            for failure in found.exceptions:
                key = (case.operation.label, failure.title)
                self.failures.setdefault(key, f"{role}: {found.message}")

    def report(self) -> str:
        return "\n\n".join(f"{label}: {title}\n{text}" for (label, title), text in self.failures.items())


@dataclass
class World:
    """The records made before the run, and a token per role."""

    base_url: str
    passwords: dict[str, str]  # role: the password of the user of that name
    tokens: dict[str, str]
    known: dict[str, list[str]]  # parameter or field name: real ids to try in its place

    def headers(self, role: str, operation: Any) -> dict[str, str]:
        """The role's sign-in; a fresh one for `/auth/*`, where logging out or a new password ends it."""
        if operation.path.startswith("/auth/"):
            return {"Authorization": f"Bearer {sign_in(self.base_url, role, self.passwords[role])}"}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def _made(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _build_world(base_url: str) -> World:
    admin = admin_cast(base_url).admin
    tokens = {"admin": admin.headers["Authorization"].removeprefix("Bearer ")}

    def registry(path: str, body: dict[str, Any]) -> str:
        made: str = _made(admin.post(path, json=body))["id"]
        return made

    station = registry("/stations", {"name": "Chengguan Station", "kind": "police_care_station", "level": "town"})
    receiving = registry("/stations", {"name": "Beiguan Station", "kind": "police_care_station", "level": "town"})
    department = registry("/departments", {"name": "Education Bureau", "kind": "education"})
    volunteer = registry("/volunteers", {"full_name": "Wang Jianguo", "kind": "retired_teacher"})
    _made(admin.post(f"/volunteers/{volunteer}/screening", json={"passed": True}))
    users = {
        "officer": ("station_officer", station),
        "lead": ("station_lead", station),
        "receiver": ("station_lead", receiving),
        "mentor": ("mentor", volunteer),
        "department": ("department_officer", department),
        "coordinator": ("coordinator", None),
        "auditor": ("auditor", None),
    }
    user_ids = []
    for name, (role, scope) in users.items():
        body = {"username": name, "display_name": name.title(), "password": PASSWORD, "role": role}
        user_ids.append(_made(admin.post("/users", json=body | ({"scope_id": scope} if scope else {})))["id"])
        tokens[name] = sign_in(base_url, name, PASSWORD)
    # Users the generated requests may disable, reassign or give a new password: not the cast's.
    targets = [
        _made(
            admin.post(
                "/users", json={"username": f"target-{n}", "display_name": "T", "password": PASSWORD, "role": "auditor"}
            )
        )["id"]
        for n in range(2)
    ]

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {tokens['lead']}"}) as lead:
        cases = []
        for full_name in ("Zhang Xiaoming", "Li Xiaohong"):
            youth = {"full_name": full_name, "date_of_birth": "2011-05-02", "gender": "male"}
            body = {"station_id": station, "youth": youth, "category": "truancy", "source": "school", "summary": "s"}
            cases.append(_made(lead.post("/cases", json=body))["id"])
        consent = {"scope": "education", "granted": True, "given_by": "Zhang Wei", "giver": "guardian"}
        _made(lead.post(f"/cases/{cases[0]}/consents", json=consent))
        started = (date.today() - timedelta(days=7)).isoformat()
        pair = _made(
            lead.post(
                "/pairs", json={"case_id": cases[0], "volunteer_id": volunteer, "goals": ["g"], "started_on": started}
            )
        )["id"]
        referral = _made(
            lead.post(
                "/referrals",
                json={
                    "case_id": cases[0],
                    "to_department_id": department,
                    "service": "school",
                    "reason": "truancy",
                    "respond_by": (date.today() + timedelta(days=7)).isoformat(),
                },
            )
        )["id"]
        asked = _made(
            lead.post(f"/cases/{cases[1]}/transfer-requests", json={"to_station_id": receiving, "reason": "moved"})
        )
    known = {
        "station_id": [station, receiving],
        "to_station_id": [receiving, station],
        "station": [station],
        "department_id": [department],
        "to_department_id": [department],
        "volunteer_id": [volunteer],
        "case_id": cases,
        "record_id": [cases[0], pair, referral],
        "pair_id": [pair],
        "referral_id": [referral],
        "request_id": [asked["request_id"]],
        "user_id": targets,
        "scope_id": [station, department, volunteer],
    }
    passwords = {"admin": ADMIN_PASSWORD} | {name: PASSWORD for name in users}
    return World(base_url, passwords, tokens, known)


# -- who sends what

REGISTRY = ("/users", "/stations", "/departments", "/volunteers")
REFERRAL_ANSWERS = ("/acceptance", "/decline", "/progress-notes", "/completion")


def _role_for(method: str, path: str) -> str:
    """The user whose work the operation is."""
    if path.startswith(REGISTRY):
        return "admin"
    if path.startswith("/referrals/") and method == "POST" and path.endswith(REFERRAL_ANSWERS):
        return "department"
    if path.startswith("/cases/{case_id}/transfer-requests/{request_id}/") and not path.endswith("/withdrawal"):
        return "receiver"
    if path in ("/cases/{case_id}/plan", "/cases/{case_id}/closure"):
        return "officer"  # an officer submits, the lead approves
    if path.endswith(("/sessions", "/goal-progress")):
        return "mentor"
    if path.endswith("/export") or path.startswith("/audit"):
        return "auditor"
    if path.endswith("/unsealing") or path.startswith(("/coordination", "/reports")):
        return "coordinator"
    return "lead"


def _other_role_for(method: str, path: str) -> str:
    """Someone else: an officer for the admin's work, the admin for everyone else's."""
    return "officer" if _role_for(method, path) == "admin" else "admin"


# -- steering generated ids to the world's records


def _steer(schema: Any, world: World) -> None:
    """Swap generated values of id parameters and body fields for the world's ids, often."""

    def swapped(values: Any) -> st.SearchStrategy[Any]:
        if not isinstance(values, dict):
            return st.just(values)
        return st.fixed_dictionaries(
            {
                name: st.sampled_from([*world.known[name], value]) if name in world.known else st.just(value)
                for name, value in values.items()
            }
        )

    for hook in ("flatmap_path_parameters", "flatmap_query", "flatmap_body"):
        schema.hooks.register_hook_with_name(lambda _context, values: swapped(values), hook)


# -- sending


def _sender(world: World, tally: Tally) -> Callable[[schemathesis.Case, str], None]:
    def send(case: schemathesis.Case, role: str) -> None:
        headers = world.headers(role, case.operation)
        tally.check(case, case.call(headers=headers), role, headers)

    return send


def _each_operation(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def _run_operations(schema: Any, world: World, tally: Tally) -> None:
    """Each operation with valid and invalid input as its role, and valid input as someone else."""
    send = _sender(world, tally)
    for operation in _each_operation(schema):
        method, path = operation.method.upper(), operation.path
        rounds = [
            (_role_for(method, path), GenerationMode.POSITIVE, VALID_EXAMPLES),
            (_role_for(method, path), GenerationMode.NEGATIVE, INVALID_EXAMPLES),
            (_other_role_for(method, path), GenerationMode.POSITIVE, OTHER_ROLE_EXAMPLES),
        ]
        for role, mode, examples in rounds:
            if tally.out_of_time():
                raise TimeoutError(f"out of time before {role} {method} {path} ({mode.value})")

            @seed(SEED)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def generated(case: schemathesis.Case) -> None:
                send(case, role)  # noqa: B023 - run at once, in this turn

            with suppress(Unsatisfiable):  # no input of this operation breaks its document (`GET /healthz` takes none)
                generated()


def _run_scenarios(schema: Any, world: World, tally: Tally) -> None:
    """Chains of operations along the links, each step sent as the role whose work it is."""

    # The cast's own accounts stay out of the chains' reach: a link from a list of users to a new
    # password, a role or a disabling would end the sign-ins every later step is sent with.
    chained = schema.exclude(path_regex=CAST_ACCOUNTS)

    class Scenarios(chained.as_state_machine()):  # type: ignore[misc]
        def call(self, case: schemathesis.Case, **kwargs: Any) -> schemathesis.Response:
            if tally.out_of_time():
                raise TimeoutError("out of time in the stateful scenarios")
            role = _role_for(case.operation.method.upper(), case.operation.path)
            headers = world.headers(role, case.operation)
            response = case.call(headers=headers, **kwargs)
            tally.check(case, response, role, headers)
            return response

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            pass  # checked as it was answered

    started, attempt = tally.sent, 0
    while tally.sent - started < SCENARIO_REQUESTS and not tally.out_of_time():
        # Hypothesis replays steps it drew before and expects the same answers; a live service that
        # has moved on since gives others, and it gives up (Flaky). That is no fault of the service:
        # its answers were checked as they came, so the scenarios go on from another seed.
        attempt += 1
        try:
            run_state_machine_as_test(
                seed(SEED + attempt)(Scenarios),
                settings=settings(
                    max_examples=SCENARIOS,
                    stateful_step_count=SCENARIO_STEPS,
                    deadline=None,
                    database=None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except Flaky:
            continue


def _sweep(env: dict[str, str], tmp_path: Path) -> None:
    with running_server({**env, **ACCESS_ENV}, tmp_path / "server.log") as base_url:
        world = _build_world(base_url)
        tally = Tally(deadline=time.monotonic() + DEADLINE_SECONDS)
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        _steer(schema, world)
        links = sum(
            len(response.get("links", {}))
            for item in schema.raw_schema["paths"].values()
            for operation in item.values()
            for response in operation.get("responses", {}).values()
        )
        _run_operations(schema, world, tally)
        after_operations = tally.sent
        _run_scenarios(schema, world, tally)
    print(
        f"\nschemathesis: {tally.sent} requests ({after_operations} per operation, "
        f"{tally.sent - after_operations} in linked scenarios over the document's {links} links); "
        f"by status class {tally.by_class()}; by status {dict(sorted(tally.statuses.items()))}"
    )
    assert not tally.failures, tally.report()
    assert tally.sent >= AT_LEAST, tally.by_class()
    assert not any(status >= 500 for status in tally.statuses), tally.statuses
    assert links >= 300, links


def test_generated_requests_to_the_service_on_sqlite_get_declared_answers_and_no_5xx(tmp_path: Path) -> None:
    _sweep({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'schemathesis.db'}"}, tmp_path)


@pytest.mark.postgres
def test_generated_requests_to_the_service_on_postgresql_get_declared_answers_and_no_5xx(
    pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = pg_schema
    _sweep({"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema}, tmp_path)

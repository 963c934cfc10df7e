"""Every answer the story gets from a running server fits the schema its OpenAPI document declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.contract import Contract
from tests.e2e.server import running_server
from tests.e2e.story import (
    ACCESS_ENV,
    ADMIN_PASSWORD,
    Cast,
    check_audit,
    check_story,
    check_views,
    run_story,
)

pytestmark = pytest.mark.e2e

# What the story and the reads after it must have reached, at the least: each kind of answer once.
MUST_CHECK = {
    ("POST", "/auth/token", "200"),
    ("GET", "/auth/me", "200"),
    ("GET", "/healthz", "200"),
    ("GET", "/readyz", "200"),
    ("GET", "/metrics", "200"),
    ("POST", "/users", "201"),
    ("GET", "/users", "200"),
    ("POST", "/stations", "201"),
    ("GET", "/stations/{station_id}", "200"),
    ("POST", "/volunteers/{volunteer_id}/screening", "200"),
    ("POST", "/cases", "201"),
    ("GET", "/cases/{case_id}", "200"),
    ("GET", "/cases/{case_id}/history", "200"),
    ("GET", "/cases/{case_id}/timeline", "200"),
    ("GET", "/cases/{case_id}/export", "200"),
    ("POST", "/cases/{case_id}/transfer-requests", "200"),
    ("POST", "/pairs", "201"),
    ("GET", "/pairs/{pair_id}", "200"),
    ("POST", "/referrals", "201"),
    ("GET", "/referrals/{referral_id}", "200"),
    ("GET", "/me/tasks", "200"),
    ("GET", "/cases", "200"),
    ("GET", "/pairs", "200"),
    ("GET", "/referrals", "200"),
    ("GET", "/volunteers", "200"),
    ("GET", "/stations", "200"),
    ("GET", "/departments", "200"),
    ("GET", "/audit-trail", "200"),
    ("GET", "/audit/verification", "200"),
    ("GET", "/audit/anchor", "200"),
    ("GET", "/audit/access-log", "200"),
    ("GET", "/coordination/referrals", "200"),
    ("GET", "/coordination/departments", "200"),
    ("GET", "/coordination/stations", "200"),
    ("GET", "/coordination/mentors", "200"),
    ("GET", "/reports/summary", "200"),
}


class RecordedCast(Cast):
    """The story's people, with every answer they get kept to be checked."""

    def __init__(self, base_url: str, answers: list[httpx.Response]) -> None:
        super().__init__(base_url)
        self.answers = answers

    def join(self, role: str, username: str, token: str) -> None:
        super().join(role, username, token)
        self.clients[role].event_hooks["response"].append(self._keep)

    def _keep(self, response: httpx.Response) -> None:
        response.read()
        self.answers.append(response)


def _signed_in(base_url: str, answers: list[httpx.Response]) -> RecordedCast:
    with httpx.Client(base_url=base_url) as client:
        answer = client.post("/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    answers.append(answer)
    cast = RecordedCast(base_url, answers)
    cast.join("admin", "admin", answer.json()["access_token"])
    return cast


def _more_reads(cast: RecordedCast, ids: dict[str, str]) -> None:
    """What the story itself does not read: histories, accounts and the service's own routes."""
    for kind, key in (("stations", "station"), ("departments", "department"), ("volunteers", "volunteer")):
        cast.admin.get(f"/{kind}/{ids[key]}/history")
        cast.admin.get(f"/{kind}")
    for path in (f"/cases/{ids['case']}/history", f"/pairs/{ids['pair']}/history"):
        cast.auditor.get(path)
    cast.department.get(f"/referrals/{ids['referral']}/history")
    cast.officer.get("/cases", params={"status": "closed"})
    cast.officer.get(f"/cases/{ids['case']}", params={"version": 3})
    users = cast.admin.get("/users").json()["items"]
    cast.admin.get(f"/users/{users[0]['id']}")
    for role in ("admin", "mentor", "lead", "department"):
        cast.clients[role].get("/auth/me")
        cast.clients[role].get("/me/tasks")
    for path in ("/healthz", "/readyz", "/metrics"):
        cast.admin.get(path)


def test_every_answer_of_the_story_fits_the_schema_the_document_declares(tmp_path: Path) -> None:
    _story_fits_the_document({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}"}, tmp_path)


@pytest.mark.postgres
def test_every_answer_fits_the_document_on_postgresql(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    _story_fits_the_document({"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema}, tmp_path)


def _story_fits_the_document(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, **ACCESS_ENV}
    answers: list[httpx.Response] = []
    with running_server(env, tmp_path / "server.log") as base_url:
        contract = Contract(httpx.get(f"{base_url}/openapi.json").json())
        cast = _signed_in(base_url, answers)
        ids = run_story(cast)
        check_story(cast, ids)
        check_views(cast, ids)
        check_audit(cast, ids)
        _more_reads(cast, ids)
        cast.close()

    problems: list[str] = []
    succeeded = 0
    for answer in answers:
        if not 200 <= answer.status_code < 300 or answer.status_code == 204:
            continue
        succeeded += 1
        media_type = answer.headers["content-type"]
        body: Any = answer.json() if "json" in media_type else answer.text
        problems += contract.problems(
            answer.request.method, answer.request.url.path, answer.status_code, media_type, body
        )
    assert problems == [], "\n".join(problems[:30])
    assert succeeded >= 90
    assert contract.checked >= MUST_CHECK, sorted(MUST_CHECK - contract.checked)


def test_the_contract_refuses_an_answer_its_model_does_not_describe() -> None:
    """The check itself can fail: a field too many, one missing, or one of the wrong type."""
    from api.main import create_app

    contract = Contract(create_app().openapi())
    health = ("GET", "/healthz", 200, "application/json")
    assert contract.problems(*health, {"status": "ok"}) == []
    assert contract.problems(*health, {"status": "ok", "uptime": 3})
    assert contract.problems(*health, {})
    assert contract.problems(*health, {"status": 1})
    token = ("POST", "/auth/token", 200, "application/json")
    assert contract.problems(*token, {"access_token": "t", "token_type": "bearer", "expires_in": 60}) == []
    assert contract.problems(*token, {"access_token": "t", "token_type": "bearer", "expires_in": "soon"})
    assert contract.problems("GET", "/healthz", 201, "application/json", {"status": "ok"})

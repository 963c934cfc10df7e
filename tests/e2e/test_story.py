"""The whole story over real HTTP, against a server started like `make run`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_projector, running_server
from tests.e2e.story import ACCESS_ENV, PASSWORD, admin_cast, check_audit, check_story, check_views, run_story, sign_in

pytestmark = pytest.mark.e2e


def _story_survives_a_restart(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, **ACCESS_ENV}
    with running_server(env, tmp_path / "server-1.log") as base_url:
        cast = admin_cast(base_url)
        ids = run_story(cast)
        check_story(cast, ids)
        check_views(cast, ids)
        check_audit(cast, ids)
        cast.close()
    with running_server(env, tmp_path / "server-2.log") as base_url:
        cast = cast.moved_to(base_url)  # sessions outlive a restart
        check_story(cast, ids)
        check_views(cast, ids)
        check_audit(cast, ids)
        cast.close()


def test_the_story_runs_over_http_on_sqlite(tmp_path: Path) -> None:
    _story_survives_a_restart({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}"}, tmp_path)


@pytest.mark.postgres
def test_the_story_runs_over_http_on_postgresql(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    _story_survives_a_restart({"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema}, tmp_path)


@pytest.mark.postgres
def test_the_story_runs_with_the_projector_in_its_own_process(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    env = {
        "YOUTHCARE_DATABASE_URL": url,
        "YOUTHCARE_DATABASE_SCHEMA": schema,
        "YOUTHCARE_PROJECTOR": "off",
        **ACCESS_ENV,
    }
    with running_server(env, tmp_path / "server.log") as base_url, running_projector(env, tmp_path / "projector.log"):
        cast = admin_cast(base_url)
        ids = run_story(cast)
        check_views(cast, ids)
        check_audit(cast, ids)
        cast.close()


def test_a_view_that_cannot_catch_up_in_time_answers_503_with_retry_after(tmp_path: Path) -> None:
    env = {
        "YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "YOUTHCARE_PROJECTOR": "off",  # and no projector process: the views never move
        "YOUTHCARE_CONSISTENCY_WAIT_SECONDS": "0.3",
        **ACCESS_ENV,
    }
    with running_server(env, tmp_path / "server.log") as base_url:
        cast = admin_cast(base_url)
        auditor = {"username": "auditor", "display_name": "A", "password": PASSWORD, "role": "auditor"}
        assert cast.admin.post("/users", json=auditor).status_code == 201
        client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {sign_in(base_url, 'auditor', PASSWORD)}"}
        )
        station = cast.admin.post("/stations", json={"name": "S", "kind": "police_care_station", "level": "town"})
        position = station.json()["position"]
        answer = client.get("/audit-trail", params={"consistent_with": position})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:youthcare:problem:view_not_ready"
        never_built = client.get("/audit-trail")  # no projector has ever run: the view does not exist
        assert never_built.status_code == 503 and never_built.json()["type"] == "urn:youthcare:problem:view_not_ready"

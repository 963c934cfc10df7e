"""The whole story over real HTTP, against a server started like `make run`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.story import check_story, run_story

pytestmark = pytest.mark.e2e


def _story_survives_a_restart(env: dict[str, str], tmp_path: Path) -> None:
    with running_server(env, tmp_path / "server-1.log") as base_url, httpx.Client(base_url=base_url) as client:
        ids = run_story(client)
        check_story(client, ids)
    with running_server(env, tmp_path / "server-2.log") as base_url, httpx.Client(base_url=base_url) as client:
        check_story(client, ids)


def test_the_story_runs_over_http_on_sqlite(tmp_path: Path) -> None:
    _story_survives_a_restart({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}"}, tmp_path)


@pytest.mark.postgres
def test_the_story_runs_over_http_on_postgresql(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    _story_survives_a_restart({"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema}, tmp_path)

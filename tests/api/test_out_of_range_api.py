"""A value the database cannot hold (a number beyond a column's range) is the request's fault: a
422 naming the rule, never the 503 that tells the client to retry what will fail again. The edge's
bounds keep such values out (tests/api/test_query_integers_api.py); this is the net under them,
where the event store and the views are read."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from api.main import create_app
from application.errors import OutOfRange
from application.views.casework import Casework
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import problem
from tests.conftest import settings_for


@pytest.mark.postgres
def test_a_number_beyond_the_stores_range_is_bad_input_where_the_views_and_the_log_are_read(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with ActingClient(create_app(settings_with_access(settings_for("postgres", tmp_path, request)))) as client:
        state = client.app.state  # type: ignore[attr-defined]
        reads = state.front.reads
        with pytest.raises(OutOfRange), reads._view(Casework.name, reads.source.head()) as (conn, _):
            conn.execute(text("SELECT CAST(:n AS integer)"), {"n": 2**40})
        with pytest.raises(OutOfRange), state.youthcare._store():
            state.youthcare.recorder.select_events(uuid4(), limit=2**70)


def test_out_of_range_is_answered_as_invalid_input(tmp_path: Path) -> None:
    app = create_app(settings_with_access(Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'range.db'}"))))

    @app.get("/out-of-range")
    def out_of_range() -> None:
        raise OutOfRange()

    with TestClient(app) as client:
        refused = problem(client.get("/out-of-range"), 422)
    assert refused["rule"] == "out_of_range"
    assert [e["field"] for e in refused["errors"]] == ["request"]

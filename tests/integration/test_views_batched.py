"""A view built in batches holds exactly what it holds when its events are applied one at a time.

Batches keep the rows they change in memory and write each table once at the end; one event at a
time, with everything forgotten after each, every event reads back what the one before wrote. Both
are built from the same seeded log (bench.seed: every kind of record, a realistic mix) on each store
that writes to disk, and compared table by table, row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from application.app import YouthCare
from application.views import VIEWS
from application.views.base import View
from bench.seed import seed
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.conftest import settings_for

EVENTS = 700


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[YouthCare, Settings]]:
    settings = settings_for(request.param, tmp_path, request)
    app = create_application(settings)
    seed(app, EVENTS)
    yield app, settings
    app.close()


def one_at_a_time(view_class: type[View]) -> View:
    """The view, forgetting all it remembered after each batch (of one event)."""

    class Forgetful(view_class):  # type: ignore[valid-type, misc]
        def flush(self, conn: Connection) -> None:
            super().flush(conn)
            self.forget()

    return Forgetful()


def built(app: YouthCare, settings: Settings, view: View, batch_size: int) -> dict[str, list[tuple[Any, ...]]]:
    runner = Projector(app, ViewStore(app, settings), views=[view], batch_size=batch_size)
    try:
        runner.rebuild(view)
        with runner.store.reading() as conn:
            return view.dump(conn)
    finally:
        runner.close()


@pytest.mark.parametrize("view_class", VIEWS, ids=[view.name for view in VIEWS])
def test_a_view_built_in_batches_holds_the_same_rows_as_one_built_event_by_event(
    seeded: tuple[YouthCare, Settings], view_class: type[View]
) -> None:
    app, settings = seeded
    in_batches = built(app, settings, view_class(), batch_size=500)
    event_by_event = built(app, settings, one_at_a_time(view_class), batch_size=1)
    assert sum(len(rows) for rows in in_batches.values()) > EVENTS / 2  # the log did reach the view
    for table, rows in event_by_event.items():
        assert in_batches[table] == rows, table

"""The read log's chain holds on every store, whatever an entry carries: on PostgreSQL the database
makes each link, and the links it makes are the ones the verification recomputes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from application.access.read_log import GENESIS, ReadEntry, next_link
from application.front import Front
from infrastructure.front import create_front
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import FAST_HASHING


@pytest.fixture
def front(store_settings: Settings) -> Iterator[Front]:
    settings = store_settings.model_copy(update=FAST_HASHING)
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    yield create_front(settings, projector)
    projector.close()
    app.close()


def entry(n: int, **changes: object) -> ReadEntry:
    fields: dict[str, object] = {
        "at": datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=timezone.utc),
        "username": f"reader-{n}",
        "role": "auditor",
        "endpoint": "GET /cases/{case_id}",
        "address": "127.0.0.1",
        "purpose": None,
        **changes,
    }
    return ReadEntry(**fields)  # type: ignore[arg-type]


def test_entries_with_records_stations_purposes_and_any_words_verify(front: Front) -> None:
    entries = [
        entry(1),
        entry(2, records=frozenset({uuid.uuid4(), uuid.uuid4()}), stations=frozenset({uuid.uuid4()}), sealed=True),
        entry(3, purpose='复核 "转介" 材料 — review\\n', address=None, username="张伟"),
        entry(4, records=frozenset({uuid.uuid4()})),
    ]

    seqs = [front.read_log.append(e) for e in entries]

    assert seqs == [1, 2, 3, 4]
    verified = front.read_log.verify()
    assert verified["ok"] is True and verified["entries"] == 4
    link = GENESIS
    for seq, made in enumerate(entries, start=1):
        link = next_link(link, made, seq)
    assert verified["head"] == link  # the same chain a reader recomputes from the entries as written
    page = front.read_log.page(
        record_id=None, username=None, start=None, end=None, stations=None, limit=10, cursor=None
    )
    shown = {item["seq"]: item for item in page["items"]}
    assert shown[3]["purpose"] == entries[2].purpose and shown[3]["user"] == "张伟"
    assert shown[2]["record_ids"] == sorted(str(r) for r in entries[1].records)
    assert shown[2]["station_ids"] == [str(s) for s in entries[1].stations]

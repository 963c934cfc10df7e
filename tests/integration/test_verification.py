"""Tampering with the stored events directly, on SQLite and PostgreSQL: verify names the link.

On PostgreSQL the append-only trigger is disabled first, as someone with the owner's
rights could; a test also checks that without that, the trigger refuses the change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from application.app import YouthCare
from application.views.hash_chain import HashChain
from application.views.read_side import ReadPolicy, ReadSide
from application.views.verification import Anchor, Verification
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.conftest import settings_for
from tests.integration.test_application import (
    STAFF,
    consent_to_sharing,
    department,
    open_case,
    screened_volunteer,
    station,
)

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Tampered:
    """A store with a small worked log, its chain linked, and a raw connection to tamper with it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: YouthCare = create_application(settings)
        self.projector = Projector(self.app, ViewStore(self.app, settings), views=[HashChain()])
        self.engine: Engine = create_engine(settings.database_url.get_secret_value())
        schema = settings.database_schema
        self.table = f'"{schema}".youthcare_events' if schema else "youthcare_events"
        self.postgres = self.engine.dialect.name == "postgresql"

    def work(self) -> None:
        case_id = open_case(self.app, station(self.app))
        self.app.assess_risk(STAFF, case_id, instrument="screening", score=12, level="medium", notes="")
        self.app.match_pair(
            STAFF, case_id=case_id, volunteer_id=screened_volunteer(self.app), goals=["g"], started_on=TODAY
        )
        consent_to_sharing(self.app, case_id)
        referral = self.app.make_referral(
            STAFF, case_id=case_id, to_department_id=department(self.app), service="s", reason="r", respond_by=TODAY
        )
        self.app.accept_referral(STAFF, referral.id)
        self.link()

    def link(self) -> None:
        assert self.projector.run_view_once(self.projector.views[0])

    def verify(self, anchor: Anchor | None = None) -> Verification:
        read_side = ReadSide(self.projector, ReadPolicy(), clock=self.app.clock)
        return read_side.verification(self.app.recorder, anchor)

    def rows(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    text(f"SELECT id, originator_id, originator_version, topic, state FROM {self.table} ORDER BY id")
                )
            )

    def tamper(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(text(f"ALTER TABLE {self.table} DISABLE TRIGGER USER"))
            conn.execute(text(sql.format(table=self.table)), params)
            if self.postgres:
                conn.execute(text(f"ALTER TABLE {self.table} ENABLE TRIGGER USER"))

    def close(self) -> None:
        self.projector.close()
        self.app.close()
        self.engine.dispose()


TODAY = __import__("datetime").date.today()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tampered]:
    tampered = Tampered(settings_for(request.param, tmp_path, request))
    try:
        tampered.work()
        yield tampered
    finally:
        tampered.close()


def broken(report: Verification) -> set[tuple[str, UUID, int, int]]:
    return {(link.chain, link.record_id, link.version, link.position) for link in report.broken}


def originator(row: Any) -> UUID:
    raw = row.originator_id  # as the driver hands it back: a uuid, or 16 bytes on SQLite
    return UUID(bytes=bytes(raw)) if isinstance(raw, (bytes, memoryview)) else UUID(str(raw))


def test_an_untouched_store_verifies(store: Tampered) -> None:
    report = store.verify()

    assert report.ok and report.broken == []
    assert report.events == len(store.rows()) == report.linked_to
    assert report.unlinked_events == 0


def test_changed_bytes_are_named_by_record_version_and_position(store: Tampered) -> None:
    victim = store.rows()[4]
    store.tamper(
        "UPDATE {table} SET state = :state WHERE id = :id",
        state=bytes(victim.state) + b" ",
        id=victim.id,
    )

    report = store.verify()

    assert not report.ok
    assert broken(report) == {
        ("record", originator(victim), victim.originator_version, victim.id),
        ("log", originator(victim), victim.originator_version, victim.id),
    }


def test_a_deleted_event_is_named(store: Tampered) -> None:
    victim = store.rows()[6]
    store.tamper("DELETE FROM {table} WHERE id = :id", id=victim.id)

    report = store.verify()

    assert ("record", originator(victim), victim.originator_version, victim.id) in broken(report)
    assert ("log", originator(victim), victim.originator_version, victim.id) in broken(report)
    assert len(broken(report)) == 2  # later links of other records still hold


def test_a_forged_event_is_named(store: Tampered) -> None:
    model = store.rows()[5]
    latest = max(row.originator_version for row in store.rows() if originator(row) == originator(model))
    store.tamper(
        "INSERT INTO {table} (id, originator_id, originator_version, topic, state) VALUES (0, :o, :v, :t, :s)",
        o=model.originator_id,
        v=latest + 1,
        t=model.topic,
        s=model.state,
    )

    report = store.verify()

    assert broken(report) == {
        ("record", originator(model), latest + 1, 0),
        ("log", originator(model), latest + 1, 0),
    }


def test_two_swapped_events_are_named(store: Tampered) -> None:
    rows = store.rows()
    first, second = rows[3], rows[8]
    assert originator(first) != originator(second)
    swap = "UPDATE {table} SET topic = :t, state = :s WHERE id = :id"
    store.tamper(swap, t=second.topic, s=second.state, id=first.id)
    store.tamper(swap, t=first.topic, s=first.state, id=second.id)

    report = store.verify()

    assert broken(report) == {
        ("record", originator(first), first.originator_version, first.id),
        ("record", originator(second), second.originator_version, second.id),
        ("log", originator(first), first.originator_version, first.id),
    }


def test_an_anchor_shows_a_change_even_after_the_chain_was_relinked(store: Tampered) -> None:
    anchor = ReadSide(store.projector, ReadPolicy(), clock=store.app.clock).anchor()
    assert anchor is not None
    assert store.verify(anchor).ok
    victim = store.rows()[2]
    store.tamper("UPDATE {table} SET state = :state WHERE id = :id", state=bytes(victim.state) + b" ", id=victim.id)

    store.projector.rebuild(store.projector.views[0])  # someone recomputes every link over the changed log

    assert store.verify().ok  # the links alone now agree with the changed log
    against_anchor = store.verify(anchor)
    assert not against_anchor.ok and against_anchor.anchor is not None
    assert against_anchor.anchor["matches"] is False


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_events(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tampered = Tampered(settings_for("postgres", tmp_path, request))
    try:
        tampered.work()
        for sql in ("UPDATE {table} SET topic = topic", "DELETE FROM {table}", "TRUNCATE {table}"):
            with pytest.raises(DBAPIError, match="append-only"), tampered.engine.begin() as conn:
                conn.execute(text(sql.format(table=tampered.table)))
        assert tampered.verify().ok
    finally:
        tampered.close()


def test_youthcare_verify_exits_non_zero_and_names_the_link(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tampered = Tampered(settings_for("sqlite", tmp_path, request))
    try:
        tampered.work()
        env = {**os.environ, "YOUTHCARE_DATABASE_URL": tampered.settings.database_url.get_secret_value()}
        youthcare = str(Path(sys.executable).with_name("youthcare"))
        anchor = subprocess.run([youthcare, "anchor"], env=env, capture_output=True, text=True, timeout=60)
        assert anchor.returncode == 0, anchor.stderr
        (tmp_path / "anchor.json").write_text(anchor.stdout)
        assert json.loads(anchor.stdout)["position"] == len(tampered.rows())
        clean = subprocess.run([youthcare, "verify"], env=env, capture_output=True, text=True, timeout=60)
        assert clean.returncode == 0 and clean.stdout.endswith("ok\n"), clean.stdout + clean.stderr

        victim = tampered.rows()[1]
        tampered.tamper("DELETE FROM {table} WHERE id = :id", id=victim.id)
        failed = subprocess.run(
            [youthcare, "verify", "--anchor", str(tmp_path / "anchor.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert failed.returncode == 1
        assert f"BROKEN record chain: record {originator(victim)} version 1 at position {victim.id}" in failed.stdout
        assert "DOES NOT MATCH" in failed.stdout
    finally:
        tampered.close()


# -- keyed links: what nobody with only database access can make


def test_every_event_the_service_wrote_has_a_valid_keyed_link(store: Tampered) -> None:
    report = store.app.links.verify(store.app.recorder)  # type: ignore[union-attr]

    assert report.ok and report.events == len(store.rows())


def test_an_event_appended_straight_into_the_table_fails_verify_though_its_plain_links_hold(
    store: Tampered,
) -> None:
    last = store.rows()[-1]
    store.tamper(
        "INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (:o, :v, :t, :s)",
        o=last.originator_id,
        v=last.originator_version + 1,
        t=last.topic,
        s=last.state,
    )
    store.link()  # the projector links it into the plain chains as if genuine

    plain = store.verify()
    keyed = store.app.links.verify(store.app.recorder)  # type: ignore[union-attr]

    assert plain.ok, "the unkeyed chains cannot tell"
    assert [(p["version"], p["problem"]) for p in keyed.problems] == [
        (last.originator_version + 1, "no keyed link: not written by the service")
    ]


def test_an_event_rewritten_in_place_fails_its_keyed_link(store: Tampered) -> None:
    target = store.rows()[1]
    store.tamper("UPDATE {table} SET state = :s WHERE id = :i", s=bytes(target.state) + b" ", i=target.id)

    keyed = store.app.links.verify(store.app.recorder)  # type: ignore[union-attr]

    assert {(p["position"], p["problem"]) for p in keyed.problems} >= {
        (target.id, "the keyed link does not match the event as stored")
    }


def test_verification_reports_its_progress_up_to_the_head_of_the_log(store: Tampered) -> None:
    seen: list[tuple[int, int]] = []
    read_side = ReadSide(store.projector, ReadPolicy(), clock=store.app.clock)

    report = read_side.verification(store.app.recorder, progress=lambda position, head: seen.append((position, head)))

    head = store.app.recorder.max_notification_id()
    assert report.ok and seen and seen[-1] == (head, head)

"""Idempotency keys in the store, on every store: claimed, done in the transaction of the events,
taken over once their lease lapses, and sealed with the case key."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from uuid import UUID, uuid4

import pytest
from sqlalchemy import update

from application import idempotency
from application.app import YouthCare
from application.idempotency import Claim
from domain.youth_case import YouthCase
from infrastructure.idempotency import Answer, Done, IdempotencyKeys, KeyInUse, KeyReused, KeyTakenOver, keys
from tests.integration.test_application import STAFF, open_case, station

USER = uuid4()


def key_store(app: YouthCare) -> IdempotencyKeys:
    store = app.idempotency_keys
    assert isinstance(store, IdempotencyKeys)
    return store


def log_intervention(app: YouthCare, case_id: UUID, asked: idempotency.Request) -> None:
    with idempotency.carrying(asked):
        app.log_intervention(
            STAFF,
            case_id,
            kind="home_visit",
            occurred_at=datetime.now(timezone.utc),
            duration_minutes=30,
            notes="visit",
            performed_by="officer-li",
        )


def interventions(app: YouthCare, case_id: UUID) -> int:
    return len(app.repository.get(case_id).interventions)


def logged_under(app: YouthCare, key: str) -> tuple[UUID, Claim]:
    """A new case, and an intervention logged on it under `key`."""
    case_id = open_case(app, station(app))
    claim = key_store(app).claim(USER, key, "d")
    assert isinstance(claim, Claim)
    log_intervention(app, case_id, idempotency.Request(key=key, claim=claim))
    return case_id, claim


def lapse(store: IdempotencyKeys, key: str) -> None:
    with store.store.transaction() as conn:
        conn.execute(update(keys).where(keys.c.key == key).values(lease_until=time.time() - 1))


def test_a_claimed_key_is_in_use_until_its_command_saves_then_done(app: YouthCare) -> None:
    store = key_store(app)
    case_id = open_case(app, station(app))
    claim = store.claim(USER, "k1", "digest-1")
    assert isinstance(claim, Claim)
    with pytest.raises(KeyInUse):
        store.claim(USER, "k1", "digest-1")
    with pytest.raises(KeyReused):
        store.claim(USER, "k1", "another digest")
    log_intervention(app, case_id, idempotency.Request(key="k1", claim=claim))
    assert claim.wrote is not None and claim.wrote[0] == case_id
    done = store.claim(USER, "k1", "digest-1")
    assert isinstance(done, Done)
    assert (done.record_id, done.version, done.answer) == (case_id, claim.wrote[1], None)
    assert isinstance(store.claim(uuid4(), "k1", "digest-1"), Claim)  # another user's key of the same name


def test_a_key_and_its_events_commit_together_so_a_lapsed_claim_taken_over_saves_nothing(app: YouthCare) -> None:
    store = key_store(app)
    case_id = open_case(app, station(app))
    first = store.claim(USER, "k2", "d")
    assert isinstance(first, Claim)
    lapse(store, "k2")  # its process stopped answering, so to speak
    second = store.claim(USER, "k2", "d")
    assert isinstance(second, Claim) and second.token != first.token
    before = interventions(app, case_id)
    with pytest.raises(KeyTakenOver):
        log_intervention(app, case_id, idempotency.Request(key="k2", claim=first))
    assert interventions(app, case_id) == before  # the events went back with the key
    log_intervention(app, case_id, idempotency.Request(key="k2", claim=second))
    assert interventions(app, case_id) == before + 1


def test_a_released_key_runs_again(app: YouthCare) -> None:
    store = key_store(app)
    claim = store.claim(USER, "k3", "d")
    assert isinstance(claim, Claim)
    store.release(claim)
    assert isinstance(store.claim(USER, "k3", "d"), Claim)


def test_a_kept_answer_opens_until_the_case_is_erased(app: YouthCare) -> None:
    store = key_store(app)
    case_id, claim = logged_under(app, "k4")
    answer = Answer(status=200, headers={"etag": '"2"'}, body=b'{"youth": {"full_name": "Zhang Xiaoming"}}')
    store.keep_answer(claim, answer)
    with store.store.reading() as conn:
        stored = bytes(conn.execute(keys.select().where(keys.c.key == "k4")).one().answer)
    assert b"Zhang" not in stored  # sealed, not plain
    done = store.claim(USER, "k4", "d")
    assert isinstance(done, Done) and done.answer == answer
    store.ring.destroy(case_id)
    store.ring._keys.pop(case_id, None)  # noqa: SLF001 - as a fresh process would find it
    erased = store.claim(USER, "k4", "d")
    assert isinstance(erased, Done) and erased.answer is None  # shredded with the case key


def test_a_key_kept_past_its_time_counts_as_none(app: YouthCare) -> None:
    store = key_store(app)
    claim = store.claim(USER, "k5", "d")
    assert isinstance(claim, Claim)
    with store.store.transaction() as conn:
        conn.execute(update(keys).where(keys.c.key == "k5").values(created_at=time.time() - store.keep_seconds - 1))
    again = store.claim(USER, "k5", "another digest")  # even with another request: the old key is gone
    assert isinstance(again, Claim) and again.token != claim.token


def test_the_case_of_a_key_is_the_case_a_command_wrote(app: YouthCare) -> None:
    store = key_store(app)
    case_id, _ = logged_under(app, "k6")
    with store.store.reading() as conn:
        row = conn.execute(keys.select().where(keys.c.key == "k6")).one()
    assert row.case_id == case_id
    assert isinstance(app.repository.get(case_id), YouthCase)

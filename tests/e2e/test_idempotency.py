"""Idempotency-Key over real HTTP: every command of the story sent twice answers twice the same and
records once; many threads racing one key make one change and get one answer."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, admin_cast, check_audit, check_story, check_views, run_story
from tests.e2e.test_concurrency import _setup, _stored_notes

pytestmark = pytest.mark.e2e

# Headers that differ between two answers by design: when, which request, and the replay's own mark.
PER_ANSWER = {"date", "server", "x-request-id", "idempotent-replayed", "content-length", "connection"}


@dataclass
class SendingTwice(httpx.BaseTransport):
    """Sends every signed-in POST and PUT with a fresh Idempotency-Key, then again with the same
    key, and checks the second answer is the first one replayed."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    replayed: int = 0
    mismatches: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in ("POST", "PUT") or "authorization" not in request.headers:
            return self.inner.handle_request(request)
        request.headers["Idempotency-Key"] = str(uuid.uuid4())
        request.read()
        first = self.inner.handle_request(request)
        first.read()
        if not 200 <= first.status_code < 300:
            return first  # a refusal is not kept: sending it again would run it again
        again = self.inner.handle_request(request)
        again.read()
        self.replayed += 1
        shown = f"{request.method} {request.url.path}"
        if again.headers.get("idempotent-replayed") != "true":
            self.mismatches.append(f"{shown}: not marked as replayed ({again.status_code} {again.text[:200]})")
        elif (again.status_code, again.content, _kept(again)) != (first.status_code, first.content, _kept(first)):
            self.mismatches.append(
                f"{shown}: {first.status_code} {_kept(first)} then {again.status_code} {_kept(again)}"
            )
        return first


def _kept(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_ANSWER}


def _story_sent_twice(env: dict[str, str], tmp_path: Path) -> None:
    transport = SendingTwice()
    with running_server({**env, **ACCESS_ENV}, tmp_path / "server.log") as base_url:
        cast = admin_cast(base_url, transport)
        ids = run_story(cast)
        check_story(cast, ids)  # versions and counts: nothing was recorded twice
        check_views(cast, ids)
        check_audit(cast, ids)
        cast.close()
    assert transport.mismatches == []
    assert transport.replayed >= 30, transport.replayed  # the story's commands, each sent twice


def test_every_command_of_the_story_sent_twice_is_answered_the_same_on_sqlite(tmp_path: Path) -> None:
    _story_sent_twice({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'twice.db'}"}, tmp_path)


@pytest.mark.postgres
def test_every_command_of_the_story_sent_twice_is_answered_the_same_on_postgresql(
    pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = pg_schema
    _story_sent_twice({"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema}, tmp_path)


KEYS = 12
THREADS_PER_KEY = 6


def _race(base_url: str) -> Counter[str]:
    """Six threads send each of twelve keys at once, retrying while the key is in use: each key
    makes one intervention, and every thread of a key ends with the same answer."""
    case_id, _, headers = _setup(base_url)
    start = threading.Barrier(KEYS * THREADS_PER_KEY)
    bodies = {
        f"key-{n}": {
            "kind": "counselling",
            "occurred_at": datetime.now(timezone.utc).isoformat(),
            "duration_minutes": 20,
            "notes": f"raced under key {n}",
            "performed_by": "officer",
        }
        for n in range(KEYS)
    }
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def one(worker: int) -> tuple[str, int, bytes, str]:
        key = f"key-{worker % KEYS}"
        with httpx.Client(base_url=base_url, timeout=60, headers={**headers, "Idempotency-Key": key}) as client:
            start.wait()
            deadline = time.monotonic() + 60
            while True:
                answer = client.post(f"/cases/{case_id}/interventions", json=bodies[key])
                with lock:
                    seen["sent"] += 1
                    seen[str(answer.status_code)] += 1
                    seen["replayed"] += answer.headers.get("idempotent-replayed") == "true"
                if answer.status_code != 409 or time.monotonic() > deadline:
                    return key, answer.status_code, answer.content, answer.headers["etag"]
                assert answer.json()["rule"] == "idempotency_key_in_use" and answer.headers["retry-after"] == "1"
                time.sleep(0.05)  # shorter than Retry-After: the test wants the race, not the wait

    with ThreadPoolExecutor(KEYS * THREADS_PER_KEY) as pool:
        answers = list(pool.map(one, range(KEYS * THREADS_PER_KEY)))

    assert {status for _, status, _, _ in answers} == {200}
    for key in bodies:
        of_key = {(content, etag) for k, _, content, etag in answers if k == key}
        assert len(of_key) == 1, f"{key}: {len(of_key)} different answers"
    notes, version = _stored_notes(base_url, case_id, headers)
    assert notes == sorted(body["notes"] for body in bodies.values())  # one change per key, none twice
    assert version == 1 + KEYS
    assert seen["replayed"] == KEYS * THREADS_PER_KEY - KEYS
    assert not any(status.startswith("5") for status in seen)
    return seen


def test_threads_racing_keys_make_one_change_per_key_on_sqlite(tmp_path: Path) -> None:
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'race.db'}", **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        print("raced keys on SQLite:", dict(_race(base_url)))


@pytest.mark.postgres
def test_threads_racing_keys_make_one_change_per_key_on_postgresql(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    url, schema = pg_schema
    env = {"YOUTHCARE_DATABASE_URL": url, "YOUTHCARE_DATABASE_SCHEMA": schema, **ACCESS_ENV}
    with running_server(env, tmp_path / "server.log") as base_url:
        print("raced keys on PostgreSQL:", dict(_race(base_url)))

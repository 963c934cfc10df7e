"""Idempotency keys in the database, beside the events they produced.

One row per user and key:
- claimed (in a transaction of its own) before the command runs, with the digest of the request
  and a lease, so a second request with the key while the first runs is told to wait;
- marked done in the transaction that stores the command's events (`complete`), with the record
  and version it wrote, so the key and its events commit together or not at all;
- given the answer the client got, once it is made (`keep_answer`), sealed with AES-GCM under
  the key of the case it concerns (destroyed at erasure, which shreds the answer with the case)
  or, for records of no case, under a key derived from the master key.

A request that ends without saving anything (refused, or a command that records nothing) lets
its claim go, so a retry runs again. Rows older than the time to keep are removed as new keys
are claimed, and an old row found under a key counts as none.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from application.idempotency import Claim
from domain.youth_case import YouthCase
from infrastructure.keys import NONCE_BYTES, KeyRing
from infrastructure.links import derive
from infrastructure.view_store import ViewStore

metadata = MetaData()

keys = Table(
    "youthcare_idempotency_keys",
    metadata,
    Column("user_id", Uuid, nullable=False),
    Column("key", String(255), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("token", String(32), nullable=False),
    Column("created_at", Float, nullable=False, index=True),
    Column("lease_until", Float, nullable=False),
    Column("record_id", Uuid),  # set in the transaction of the events: the key is done
    Column("version", Integer),
    Column("position", BigInteger),
    Column("case_id", Uuid),  # the case whose key seals the answer, if any
    Column("answer", LargeBinary),
    PrimaryKeyConstraint("user_id", "key"),
)

PURGE_EVERY = 600.0  # seconds between removals of old keys, per process


class KeyReused(Exception):
    """The key was used for a different request (422)."""


class KeyInUse(Exception):
    """A request with the key is still being served (409, Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("a request with this Idempotency-Key is still being served")
        self.retry_after = retry_after


class KeyTakenOver(Exception):
    """This request's claim lapsed and another request took the key: its events are not kept (409)."""


@dataclass(frozen=True)
class Answer:
    """The first answer, to give again: status, the headers that matter, and the body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Done:
    """A key already done: its answer, or, when the answer was not kept (the process stopped
    between the commit and keeping it, or the case was erased since), what it wrote."""

    answer: Answer | None
    record_id: UUID
    version: int
    position: int


class IdempotencyKeys:
    """Claims, completes and answers from idempotency keys (see the module's docstring)."""

    def __init__(self, store: ViewStore, master: bytes, ring: KeyRing, *, keep_hours: float, lease_seconds: float):
        self.store = store
        self.ring = ring
        self.keep_seconds = keep_hours * 3600
        self.lease_seconds = lease_seconds
        self._own = AESGCM(derive(master, b"idempotent answers"))
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    def create_tables(self) -> None:
        with self.store.transaction() as conn:
            metadata.create_all(conn)

    # -- before the command

    def claim(self, user_id: UUID, key: str, digest: str) -> Claim | Done:
        """Claim `key` for this request, or say what became of the request that used it first."""
        now = time.time()
        self._purge_now_and_then(now)
        token = secrets.token_hex(16)
        row = {
            "user_id": user_id,
            "key": key,
            "digest": digest,
            "token": token,
            "created_at": now,
            "lease_until": now + self.lease_seconds,
        }
        with self.store.transaction() as conn:
            conn.execute(self._insert_if_absent(row))
            found = conn.execute(select(keys).where(keys.c.user_id == user_id, keys.c.key == key)).one()
            if found.token == token:
                return Claim(user_id=user_id, key=key, token=token)
            if found.created_at < now - self.keep_seconds:  # kept long enough: the key is free again
                return self._take_over(conn, found, row)
            if found.digest != digest:
                raise KeyReused("this Idempotency-Key was used for a different request")
            if found.record_id is not None:
                return Done(self._open(found), found.record_id, found.version, found.position)
            if found.lease_until > now:
                raise KeyInUse(retry_after=1)
            return self._take_over(conn, found, row)  # its request stopped without an answer

    def _insert_if_absent(self, row: dict[str, Any]) -> Any:
        dialect = postgresql if self.store.dialect == "postgresql" else sqlite
        return dialect.insert(keys).values(**row).on_conflict_do_nothing(index_elements=["user_id", "key"])

    def _take_over(self, conn: Any, found: Any, row: dict[str, Any]) -> Claim:
        held = [keys.c.user_id == found.user_id, keys.c.key == found.key, keys.c.token == found.token]
        if found.record_id is None:  # done meanwhile by the request it would take over from: not taken
            held.append(keys.c.record_id.is_(None))
        taken = conn.execute(
            update(keys)
            .where(*held)
            .values(**row, record_id=None, version=None, position=None, case_id=None, answer=None)
        )
        if taken.rowcount != 1:  # another request took it over first
            raise KeyInUse(retry_after=1)
        return Claim(user_id=row["user_id"], key=row["key"], token=row["token"])

    @staticmethod
    def _held_by(claim: Claim) -> tuple[Any, ...]:
        """The row of `claim`'s key, as long as this claim holds it."""
        return (keys.c.user_id == claim.user_id, keys.c.key == claim.key, keys.c.token == claim.token)

    # -- inside the command's transaction

    def complete(
        self, claim: Claim, record: Aggregate, save: Callable[[], list[Recording[UUID]]]
    ) -> list[Recording[UUID]]:
        """Save, with the key marked done by what the command wrote, in the transaction that stores
        its events. A claim that lapsed and was taken over refuses before anything is saved."""
        mine = self._held_by(claim)
        with self.store.transaction() as conn:  # the saving transaction: the datastore nests
            marked = conn.execute(update(keys).where(*mine).values(record_id=record.id, version=record.version))
            if marked.rowcount != 1:
                raise KeyTakenOver("this request's Idempotency-Key was taken over by a later request")
            recordings = save()
            positions = [r.notification.id for r in recordings if r.domain_event.originator_id == record.id]
            case_id = record.id if isinstance(record, YouthCase) else self.ring.case_of(record.id)
            conn.execute(update(keys).where(*mine).values(position=max(positions), case_id=case_id))
        claim.wrote, claim.case_id = (record.id, record.version), case_id
        return recordings

    # -- after the command

    def keep_answer(self, claim: Claim, answer: Answer) -> None:
        """Keep the answer the client is about to get, sealed (see the module's docstring)."""
        sealed = self._seal(claim.case_id, claim, answer)
        if sealed is None:
            return
        with self.store.transaction() as conn:
            conn.execute(update(keys).where(*self._held_by(claim)).values(answer=sealed))

    def release(self, claim: Claim) -> None:
        """Let the key go: the request was refused, or failed after saving; a retry runs again."""
        with self.store.transaction() as conn:
            conn.execute(delete(keys).where(*self._held_by(claim)))

    # -- sealing answers

    def _cipher(self, case_id: UUID | None) -> AESGCM | None:
        if case_id is None:
            return self._own
        key = self.ring.key_for(case_id)
        return None if key is None else AESGCM(key)

    @staticmethod
    def _aad(user_id: UUID, key: str) -> bytes:
        return b"idempotent answer|" + user_id.bytes + b"|" + key.encode()

    def _seal(self, case_id: UUID | None, claim: Claim, answer: Answer) -> bytes | None:
        cipher = self._cipher(case_id)
        if cipher is None:  # the case was erased in the meantime
            return None
        plain = json.dumps({"status": answer.status, "headers": answer.headers}).encode() + b"\n" + answer.body
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + cipher.encrypt(nonce, plain, self._aad(claim.user_id, claim.key))

    def _open(self, found: Any) -> Answer | None:
        if found.answer is None:
            return None
        cipher = self._cipher(found.case_id)
        if cipher is None:  # erased: the answer went with the case key
            return None
        sealed = bytes(found.answer)
        plain = cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._aad(found.user_id, found.key))
        head, _, body = plain.partition(b"\n")
        meta = json.loads(head)
        return Answer(status=int(meta["status"]), headers=dict(meta["headers"]), body=body)

    # -- keeping the table small

    def _purge_now_and_then(self, now: float) -> None:
        with self._purge_lock:
            if now - self._last_purge < PURGE_EVERY:
                return
            self._last_purge = now
        with self.store.transaction() as conn:
            conn.execute(delete(keys).where(keys.c.created_at < now - self.keep_seconds))

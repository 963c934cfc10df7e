"""Keyed record links: HMAC-SHA256 over each stored event, made in the command's own transaction.

`keyed(n) = HMAC(key, keyed(n-1) | record id | version | topic | state as stored)`, per record.
The key is derived from the master key, which the database never holds, so an event appended
straight into the events table, or one rewritten there with every unkeyed hash recomputed,
has no valid keyed link: `verify` names it. The unkeyed hash chains (the `hash_chain` view)
stay as they are, for anchors and for case files checked offline, where no key is at hand.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import ApplicationRecorder, Recording
from eventsourcing_sqlalchemy.datastore import transactions
from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table, Uuid, insert, select

from application.base import each_notification
from infrastructure.view_store import ViewStore

GENESIS = bytes(32)
KEPT_LINKS = 10_000  # records whose newest committed link this process keeps, to skip reading it back

metadata = MetaData()

links = Table(
    "youthcare_links",
    metadata,
    Column("record_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("link", String(64), nullable=False),
    PrimaryKeyConstraint("record_id", "version"),
)


def derive(master: bytes, purpose: bytes) -> bytes:
    """A key for one purpose, from the master key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"youthcare " + purpose).derive(master)


def keyed_link(key: bytes, previous: bytes, record_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    message = b"|".join([previous, record_id.bytes, str(version).encode(), topic.encode(), state])
    return hmac.new(key, message, hashlib.sha256).digest()


@dataclass
class KeyedVerification:
    events: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events_checked": self.events, "problems": self.problems[:100]}


class KeyedLinks:
    """Writes each saved event's keyed link in the saving transaction, and checks them all."""

    def __init__(self, store: ViewStore, master: bytes) -> None:
        self.store = store
        self._key = derive(master, b"record links")
        # Each record's newest link this process committed: (version, link). Links are never
        # changed once committed, so one kept here is the stored one; a link not yet committed
        # waits in `_written` (per thread) until `committed` says its transaction is.
        self._newest: dict[UUID, tuple[int, bytes]] = {}
        self._written = threading.local()

    def create_tables(self) -> None:
        with self.store.transaction() as conn:
            metadata.create_all(conn)

    def transaction(self) -> AbstractContextManager[Any]:
        return self.store.transaction()

    def link(self, recordings: Sequence[Recording[UUID]]) -> None:
        """Within the transaction that stores `recordings` (see BaseApp._save_linked)."""
        rows: list[dict[str, Any]] = []
        last: dict[UUID, bytes] = {}
        self._written.rows = rows
        with self.store.transaction() as conn:  # the same transaction: the datastore nests
            for recording in recordings:
                stored = recording.notification
                record_id, version = UUID(str(stored.originator_id)), stored.originator_version
                previous = last.get(record_id)
                if previous is None:
                    previous = self._previous(conn, record_id, version)
                link = keyed_link(self._key, previous, record_id, version, stored.topic, stored.state)
                last[record_id] = link
                rows.append({"record_id": record_id, "version": version, "link": link.hex()})
            if rows:
                conn.execute(insert(links), rows)

    def committed(self) -> None:
        """The transaction holding this thread's last `link` has committed: keep its links."""
        rows = getattr(self._written, "rows", None) or []
        self._written.rows = None
        if transactions.get(None) is not None:
            return  # an outer transaction holds them still: it may roll back
        if len(self._newest) + len(rows) > KEPT_LINKS:
            self._newest.clear()  # a bound, not a policy: the next link of each is read back once
        for row in rows:
            self._newest[row["record_id"]] = (row["version"], bytes.fromhex(row["link"]))

    def _previous(self, conn: Any, record_id: UUID, version: int) -> bytes:
        if version == 1:
            return GENESIS
        kept = self._newest.get(record_id)
        if kept is not None and kept[0] == version - 1:
            return kept[1]
        found = conn.execute(
            select(links.c.link).where(links.c.record_id == record_id, links.c.version == version - 1)
        ).scalar()
        return bytes.fromhex(found) if found else GENESIS  # a gap shows up in verify

    def verify(self, recorder: ApplicationRecorder) -> KeyedVerification:
        """Recompute every event's keyed link from the events as stored, and compare."""
        report = KeyedVerification()
        expected: dict[UUID, bytes] = {}
        with self.store.reading() as conn:
            stored_links = {(row.record_id, row.version): row.link for row in conn.execute(select(links))}
        for event in each_notification(recorder):
            report.events += 1
            record_id, version = UUID(str(event.originator_id)), event.originator_version
            previous = expected.get(record_id, GENESIS)
            link = keyed_link(self._key, previous, record_id, version, event.topic, event.state)
            expected[record_id] = link
            found = stored_links.get((record_id, version))
            if found is None:
                report.problems.append(self._problem(event, "no keyed link: not written by the service"))
            elif found != link.hex():
                report.problems.append(self._problem(event, "the keyed link does not match the event as stored"))
        return report

    @staticmethod
    def _problem(event: Any, problem: str) -> dict[str, Any]:
        return {
            "record_id": str(event.originator_id),
            "version": event.originator_version,
            "position": event.id,
            "problem": problem,
        }

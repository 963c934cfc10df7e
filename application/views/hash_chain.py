"""Hash chains over the event log, as stored: one per record, and one over the whole log.

Each event's link hashes the bytes the store holds (id, version, topic, state), so it
stays valid when later work encrypts or erases personal data inside `state` by
replacing keys rather than bytes. Changing, deleting, inserting or reordering stored
events afterwards breaks a link that `verify` recomputes.

    record link  = sha256(previous record link | record id | version | topic | state)
    log link     = sha256(previous log link | position | record link)

The first link of each chain follows 32 zero bytes. Links are kept in `youthcare_chain`,
written by the projector like any view, so exactly once and in log order.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification, StoredEvent
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    func,
    insert,
    select,
)

from application.views.base import Batch, View

metadata = MetaData()

chain = Table(
    "youthcare_chain",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("record_id", Uuid, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("record_link", String(64), nullable=False),
    Column("log_link", String(64), nullable=False),
    Index("youthcare_chain_record", "record_id", "record_version", unique=True),
)

GENESIS = bytes(32)


def record_link(previous: bytes, stored: StoredEvent) -> bytes:
    topic = stored.topic.encode()
    digest = hashlib.sha256(previous)
    digest.update(UUID(str(stored.originator_id)).bytes)
    digest.update(int(stored.originator_version).to_bytes(8, "big"))
    digest.update(len(topic).to_bytes(4, "big") + topic)
    digest.update(stored.state)
    return digest.digest()


def log_link(previous: bytes, position: int, link: bytes) -> bytes:
    return hashlib.sha256(previous + position.to_bytes(8, "big") + link).digest()


class HashChain(View):
    name = "hash_chain"
    version = 1
    metadata = metadata
    decodes = False  # it hashes the bytes as stored

    def __init__(self) -> None:
        self._record_heads: dict[UUID, bytes] = {}
        self._log_head: bytes | None = None
        self._rows: list[dict[str, Any]] = []

    def process(self, conn: Connection, event: DomainEvent, position: int) -> None:
        raise TypeError("the hash chain hashes events as stored: use process_stored")

    def prepare(self, conn: Connection, batch: Batch) -> None:
        """The last link of every record this batch continues, in one query rather than one per record."""
        unknown: set[UUID] = set()
        for stored, _ in batch:
            record_id = UUID(str(stored.originator_id))
            if record_id not in self._record_heads:
                if stored.originator_version == 1:  # a record starting in this batch starts its chain
                    self._record_heads[record_id] = GENESIS
                else:
                    unknown.add(record_id)
        if not unknown:
            return
        for record_id in unknown:
            self._record_heads[record_id] = GENESIS
        latest = (
            select(chain.c.record_id, func.max(chain.c.record_version).label("version"))
            .where(chain.c.record_id.in_(unknown))
            .group_by(chain.c.record_id)
            .subquery()
        )
        found = select(chain.c.record_id, chain.c.record_link).join(
            latest, and_(chain.c.record_id == latest.c.record_id, chain.c.record_version == latest.c.version)
        )
        for record_id, link in conn.execute(found):
            self._record_heads[record_id] = bytes.fromhex(link)

    def process_stored(self, conn: Connection, stored: Notification, event: DomainEvent | None) -> None:
        position = stored.id
        record_id = UUID(str(stored.originator_id))
        link = record_link(self._record_head(conn, record_id), stored)
        head = log_link(self._head(conn), position, link)
        self._record_heads[record_id] = link
        self._log_head = head
        self._rows.append(
            {
                "position": position,
                "record_id": record_id,
                "record_version": stored.originator_version,
                "record_link": link.hex(),
                "log_link": head.hex(),
            }
        )

    def flush(self, conn: Connection) -> None:
        if self._rows:
            conn.execute(insert(chain), self._rows)
            self._rows = []
        if len(self._record_heads) > 100_000:
            self._record_heads.clear()

    def forget(self) -> None:
        self._record_heads.clear()
        self._log_head = None
        self._rows = []

    def _record_head(self, conn: Connection, record_id: UUID) -> bytes:
        if record_id not in self._record_heads:
            last = conn.execute(
                select(chain.c.record_link)
                .where(chain.c.record_id == record_id)
                .order_by(chain.c.record_version.desc())
                .limit(1)
            ).scalar_one_or_none()
            self._record_heads[record_id] = bytes.fromhex(last) if last else GENESIS
        return self._record_heads[record_id]

    def _head(self, conn: Connection) -> bytes:
        if self._log_head is None:
            last = conn.execute(
                select(chain.c.log_link).order_by(chain.c.position.desc()).limit(1)
            ).scalar_one_or_none()
            self._log_head = bytes.fromhex(last) if last else GENESIS
        return self._log_head

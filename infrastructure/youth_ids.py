"""Who a case is about, as keyed hashes: how a youth registered twice is found without their ID number.

Each case's row holds HMAC-SHA256 of the youth's normalised ID number and of their normalised
name with date of birth, under a key derived from the master key (which the database never
holds), so the table alone gives nobody an ID number, not even by trying every possible one.
The row is written in the transaction that stores the case's Opened event, and deleted by the
erasure: an erased youth is found no more.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, MetaData, String, Table, Uuid, delete, insert, select, text, update

from application.app import YouthCare
from domain.youth_case import Youth, YouthCase
from infrastructure.keys import KeyRing
from infrastructure.links import derive
from infrastructure.persistence import advisory_key
from infrastructure.view_store import ViewStore

metadata = MetaData()

youth_ids = Table(
    "youthcare_youth_ids",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("id_hash", String(64), index=True),  # NULL: the youth's ID number was not given
    Column("name_dob_hash", String(64), nullable=False, index=True),
)

_NOT_IN_AN_ID = re.compile(r"[\s\-]+")


def normal_id_number(id_number: str) -> str:
    """The ID number as compared: no spaces or hyphens, upper case (the check letter X)."""
    return _NOT_IN_AN_ID.sub("", unicodedata.normalize("NFKC", id_number)).upper()


def normal_name(full_name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", full_name).casefold().split())


def _cases(conn: Connection, column: Any, value: str) -> list[UUID]:
    return list(conn.execute(select(youth_ids.c.case_id).where(column == value)).scalars())


class Registration:
    """One case being registered: the open transaction, holding the youth's ID number's lock."""

    def __init__(self, conn: Connection, id_hash: str | None, name_dob_hash: str) -> None:
        self._conn = conn
        self.id_hash = id_hash
        self.name_dob_hash = name_dob_hash

    def cases_with_id(self) -> list[UUID]:
        if self.id_hash is None:
            return []
        return list(
            self._conn.execute(select(youth_ids.c.case_id).where(youth_ids.c.id_hash == self.id_hash)).scalars()
        )

    def cases_with_name_and_birth(self) -> list[UUID]:
        found = select(youth_ids.c.case_id).where(youth_ids.c.name_dob_hash == self.name_dob_hash)
        return list(self._conn.execute(found).scalars())

    def add(self, case_id: UUID) -> None:
        self._conn.execute(
            insert(youth_ids).values(case_id=case_id, id_hash=self.id_hash, name_dob_hash=self.name_dob_hash)
        )


class YouthIds:
    """The keyed hashes of each case's youth, in the event store's database."""

    def __init__(self, store: ViewStore, master: bytes) -> None:
        self.store = store
        self._key = derive(master, b"youth ids")

    def create_tables(self) -> None:
        with self.store.transaction() as conn:
            metadata.create_all(conn)

    def _hash(self, kind: bytes, value: str) -> str:
        return hmac.new(self._key, kind + b"|" + value.encode(), hashlib.sha256).hexdigest()

    def id_hash(self, id_number: str) -> str | None:
        normal = normal_id_number(id_number)
        return self._hash(b"id", normal) if normal else None

    def _hashes(self, youth: Youth) -> tuple[str | None, str]:
        """The keyed hashes of the youth's ID number (if given) and of their name with date of birth."""
        id_hash = self.id_hash(youth.id_number) if youth.id_number else None
        return id_hash, self._hash(b"name-dob", f"{normal_name(youth.full_name)}|{youth.date_of_birth.isoformat()}")

    @contextmanager
    def registering(self, youth: Youth) -> Iterator[Registration]:
        """A transaction to check for the youth and add their case in. The case's events are saved
        inside it (the datastore nests), so the row commits with them or not at all. On PostgreSQL
        it holds a lock on the ID number's hash until it commits: a second registration of the
        same youth waits, then finds the first (on SQLite and in memory, writers take turns anyway)."""
        id_hash, name_dob = self._hashes(youth)
        with self.store.transaction() as conn:
            if id_hash is not None and conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(f"youth-id:{id_hash}")})
            yield Registration(conn, id_hash, name_dob)

    def cases_with_id_number(self, id_number: str) -> list[UUID]:
        """The cases whose youth has this ID number (erased ones no longer have any)."""
        id_hash = self.id_hash(id_number)
        if id_hash is None:
            return []
        with self.store.reading() as conn:
            return _cases(conn, youth_ids.c.id_hash, id_hash)

    def rekey(self, new_master: bytes, youth_of: Callable[[UUID], Youth]) -> int:
        """Hash every youth again under a key derived from a new master key (its rotation), in the
        caller's transaction when there is one; how many. `youth_of` reads a case's youth."""
        fresh = YouthIds(self.store, new_master)
        with self.store.transaction() as conn:
            found = list(conn.execute(select(youth_ids.c.case_id)).scalars())
            for case_id in found:
                hashes = fresh._hashes(youth_of(case_id))
                conn.execute(
                    update(youth_ids)
                    .where(youth_ids.c.case_id == case_id)
                    .values(id_hash=hashes[0], name_dob_hash=hashes[1])
                )
        self._key = fresh._key
        return len(found)

    def forget(self, case_id: UUID) -> None:
        """Drop the case's hashes (erasure), in the caller's transaction when there is one."""
        with self.store.transaction() as conn:
            conn.execute(delete(youth_ids).where(youth_ids.c.case_id == case_id))


def rotate_master(app: YouthCare, new_master: bytes) -> int:
    """Re-hash every youth and re-wrap every case key under a new master key, in one transaction
    (the youths are read under the old key first); how many case keys were wrapped."""
    index, ring = app.youth_ids, app.mapper.keys  # type: ignore[attr-defined]
    assert isinstance(index, YouthIds) and isinstance(ring, KeyRing), "build the application with create_application"
    with index.store.transaction():
        index.rekey(new_master, lambda case_id: app.record(YouthCase, case_id).youth)
        return ring.rewrap(new_master)

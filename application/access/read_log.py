"""The read log: who read which records, when, from where and why. Append-only and hash-chained.

`link(n) = sha256(link(n-1) | canonical entry n)`, over a gapless sequence, so an entry
changed, removed, inserted or reordered afterwards breaks every link from there on.
Two writers racing for the same sequence number: one wins, the other retries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError
from sqlalchemy import Connection, and_, exists, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from application.access.tables import Database, access_log, access_log_refs, schema_prefix
from application.views.base import utc
from application.views.filtering import where_between
from application.views.paging import decode_cursor, encode_cursor

GENESIS = "0" * 64
APPEND_TRIES = 20
APPEND_LOCK = 0x7963_7265_6164_6C6F  # the PostgreSQL advisory lock appends take ("ycreadlo")
# Keys under which an answer names a record it shows, and those that name a station.
RECORD_KEYS = {"id", "case_id", "pair_id", "referral_id", "volunteer_id", "record_id"}
STATION_KEYS = {"station_id", "from_station_id"}


@dataclass(frozen=True)
class ReadEntry:
    at: datetime
    username: str
    role: str
    endpoint: str
    address: str | None
    purpose: str | None
    records: frozenset[UUID] = field(default_factory=frozenset)
    stations: frozenset[UUID] = field(default_factory=frozenset)
    sealed: bool = False

    def canonical(self, seq: int) -> bytes:
        return f"[{seq},{self.after_seq()}".encode()

    def after_seq(self) -> str:
        """The canonical form after `[<seq>,`: what the database completes once it knows the seq."""
        body = [
            utc(self.at).isoformat(),
            self.username,
            self.role,
            self.endpoint,
            self.address,
            self.purpose,
            self.sealed,
            sorted(str(r) for r in self.records),
            sorted(str(s) for s in self.stations),
        ]
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))[1:]


def next_link(previous: str, entry: ReadEntry, seq: int) -> str:
    return hashlib.sha256(previous.encode() + b"|" + entry.canonical(seq)).hexdigest()


def shown(answer: Any) -> tuple[frozenset[UUID], frozenset[UUID]]:
    """Every record id and station id an answer carries, wherever it is nested."""
    records: set[UUID] = set()
    stations: set[UUID] = set()

    def walk(value: Any, key: str | None, parent: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k), key)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, key, parent)
        elif isinstance(value, (str, UUID)) and key is not None:
            is_station = key in STATION_KEYS or (key == "id" and parent == "station")
            if is_station or key in RECORD_KEYS:
                try:
                    found = value if isinstance(value, UUID) else UUID(value)
                except ValueError:
                    return
                (stations if is_station else records).add(found)

    walk(answer, None, None)
    return frozenset(records), frozenset(stations)


class ReadLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, entry: ReadEntry) -> int:
        """Write one entry at the end of the chain; its sequence number."""
        for _ in range(APPEND_TRIES):
            try:
                with self.db.transaction() as conn:
                    if conn.dialect.name == "postgresql":  # writers take turns rather than race and retry
                        return _append_in_postgres(conn, entry)
                    last = conn.execute(
                        select(access_log.c.seq, access_log.c.link).order_by(access_log.c.seq.desc()).limit(1)
                    ).first()
                    seq = (last.seq + 1) if last else 1
                    link = next_link(last.link if last else GENESIS, entry, seq)
                    conn.execute(
                        insert(access_log).values(
                            seq=seq,
                            at=entry.at,
                            username=entry.username,
                            role=entry.role,
                            endpoint=entry.endpoint,
                            address=entry.address,
                            purpose=entry.purpose,
                            sealed=entry.sealed,
                            link=link,
                        )
                    )
                    refs = [{"seq": seq, "kind": "record", "ref_id": r} for r in entry.records]
                    refs += [{"seq": seq, "kind": "station", "ref_id": s} for s in entry.stations]
                    if refs:
                        conn.execute(insert(access_log_refs), refs)
                    return seq
            except (IntegrityError, RecordConflictError):
                continue  # another writer took this sequence number: read the new end and go again
        raise RuntimeError("the read log is too busy to append to")

    def page(
        self,
        *,
        record_id: UUID | None,
        username: str | None,
        start: datetime | None,
        end: datetime | None,
        stations: Iterable[UUID] | None,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        """Entries newest first; `stations` (when given) keeps those that showed their records."""
        query = select(access_log).order_by(access_log.c.seq.desc()).limit(limit + 1)
        if record_id is not None:
            query = query.where(_refers(access_log.c.seq, "record", [record_id]))
        if username is not None:
            query = query.where(access_log.c.username == username)
        if stations is not None:
            query = query.where(_refers(access_log.c.seq, "station", list(stations)))
        query = where_between(query, access_log.c.at, start, end, "to")
        if cursor is not None:
            (before,) = decode_cursor(cursor, int)
            query = query.where(access_log.c.seq < before)
        with self.db.reading() as conn:
            rows = conn.execute(query).all()
            page = rows[:limit]
            refs = _refs_of(conn, [row.seq for row in page])
        items = [
            {
                "seq": row.seq,
                "at": utc(row.at).isoformat(),
                "user": row.username,
                "role": row.role,
                "endpoint": row.endpoint,
                "address": row.address,
                "purpose": row.purpose,
                "sealed": row.sealed,
                "record_ids": sorted(str(r) for r in refs.get(row.seq, {}).get("record", [])),
                "station_ids": sorted(str(r) for r in refs.get(row.seq, {}).get("station", [])),
                "link": row.link,
            }
            for row in page
        ]
        return {"items": items, "next_cursor": encode_cursor(page[-1].seq) if len(rows) > limit else None}

    def verify(self) -> dict[str, Any]:
        """Recompute the chain from the first entry; the first entry whose link does not hold."""
        previous, expected_seq, checked = GENESIS, 1, 0
        with self.db.reading() as conn:
            while True:
                rows = conn.execute(
                    select(access_log).where(access_log.c.seq >= expected_seq).order_by(access_log.c.seq).limit(1000)
                ).all()
                if not rows:
                    break
                refs = _refs_of(conn, [row.seq for row in rows])
                for row in rows:
                    if row.seq != expected_seq:
                        return _broken(checked, expected_seq, "an entry is missing")
                    entry = ReadEntry(
                        at=row.at,
                        username=row.username,
                        role=row.role,
                        endpoint=row.endpoint,
                        address=row.address,
                        purpose=row.purpose,
                        records=frozenset(refs.get(row.seq, {}).get("record", [])),
                        stations=frozenset(refs.get(row.seq, {}).get("station", [])),
                        sealed=bool(row.sealed),
                    )
                    link = next_link(previous, entry, row.seq)
                    if link != row.link:
                        return _broken(checked, row.seq, "the entry or its link was changed")
                    previous, expected_seq, checked = link, row.seq + 1, checked + 1
            total = conn.execute(select(func.count()).select_from(access_log)).scalar() or 0
        if total != checked:
            return _broken(checked, expected_seq, "entries out of sequence")
        return {"ok": True, "entries": checked, "first_broken": None, "problem": None, "head": previous}


def _append_in_postgres(conn: Connection, entry: ReadEntry) -> int:
    """One call does it all (application.access.tables.READ_LOG_APPEND); the text columns lose
    their NULs on the way in, as `ViewText` drops them."""

    def kept(value: str | None) -> str | None:
        return value.replace("\x00", "") if value is not None else None

    call = text(
        f"SELECT {schema_prefix(conn)}youthcare_read_log_append(:turn, :rest, :at, :username, :role, :endpoint,"
        " :address, :purpose, :sealed, CAST(:records AS uuid[]), CAST(:stations AS uuid[]))"
    )
    seq = conn.execute(
        call,
        {
            "turn": APPEND_LOCK,
            "rest": entry.after_seq(),
            "at": entry.at,
            "username": kept(entry.username),
            "role": kept(entry.role),
            "endpoint": kept(entry.endpoint),
            "address": kept(entry.address),
            "purpose": kept(entry.purpose),
            "sealed": entry.sealed,
            "records": [str(r) for r in entry.records],
            "stations": [str(s) for s in entry.stations],
        },
    ).scalar_one()
    return int(seq)


def _broken(checked: int, seq: int, problem: str) -> dict[str, Any]:
    return {"ok": False, "entries": checked, "first_broken": seq, "problem": problem, "head": None}


def _refers(seq_column: Any, kind: str, ids: list[UUID]) -> Any:
    return exists(
        select(access_log_refs.c.seq).where(
            and_(
                access_log_refs.c.seq == seq_column,
                access_log_refs.c.kind == kind,
                access_log_refs.c.ref_id.in_(ids),
            )
        )
    )


def _refs_of(conn: Connection, seqs: list[int]) -> dict[int, dict[str, list[UUID]]]:
    found: dict[int, dict[str, list[UUID]]] = {}
    if not seqs:
        return found
    for row in conn.execute(select(access_log_refs).where(access_log_refs.c.seq.in_(seqs))):
        found.setdefault(row.seq, {}).setdefault(row.kind, []).append(row.ref_id)
    return found

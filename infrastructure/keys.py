"""Keys: the master key from the settings, and one key per case, wrapped by it and kept in the database.

A case key encrypts the personal data of the case, its pairs and its referrals (AES-256-GCM).
It is kept only wrapped (AES-GCM under the master key, the case id as associated data), so the
database alone opens nothing. Destroying it is erasure: what it encrypted can never be read
again, while the ciphertext, and so every hash chain over the events, stays as it was.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, Table, Uuid, insert, select, update
from sqlalchemy.engine import make_url

from application.access.tables import Database
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12

metadata = MetaData()

case_keys = Table(
    "case_keys",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("wrapped", LargeBinary),  # nonce + AES-GCM(master, case key); NULL once destroyed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
)

# Pairs and referrals are encrypted with the key of their case.
record_cases = Table(
    "record_cases",
    metadata,
    Column("record_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False),
)


class KeyProblem(Exception):
    """The master key is missing, malformed, or does not open this database's case keys."""


def master_key(settings: Settings) -> bytes:
    """The master key: `YOUTHCARE_MASTER_KEY` (base64 of 32 bytes); in development, one made
    once and kept in a file beside the SQLite database (or `var/`); for `memory://`, a fresh one."""
    if settings.master_key is not None:
        try:
            key = base64.b64decode(settings.master_key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyProblem("YOUTHCARE_MASTER_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)")
        return key
    if settings.environment == "production":  # the settings refuse this already; kept as a guard
        raise KeyProblem("YOUTHCARE_MASTER_KEY must be set in production")
    url = settings.database_url.get_secret_value()
    if url == MEMORY_URL:
        return secrets.token_bytes(KEY_BYTES)
    return _development_key(_key_file(url))


def _key_file(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).expanduser().parent / "master.key"
    return Path("var") / "master.key"


def _development_key(path: Path) -> bytes:
    if not path.exists():
        # Written whole to a file of our own, then linked into place: two processes starting
        # together (the API and the projector) end up with the same key, never half a one.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    key = base64.b64decode(path.read_text().strip())
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{path} does not hold a 32-byte key")
    return key


@dataclass
class CaseKey:
    case_id: UUID
    key: bytes | None  # None: destroyed (the case's personal data is erased)


class KeyRing:
    """Case keys: made with the case, looked up for its pairs and referrals, destroyed at erasure."""

    def __init__(self, db: Database, master: bytes) -> None:
        self.db = db
        self._master = AESGCM(master)
        self._keys: dict[UUID, CaseKey] = {}
        self._cases: dict[UUID, UUID] = {}
        self._lock = threading.Lock()

    def create_tables(self) -> None:
        with self.db.transaction() as conn:
            metadata.create_all(conn)

    def check_master(self) -> None:
        """Open one stored case key: a master key that cannot is a start-up error, not a failed read later."""
        with self.db.reading() as conn:
            row = conn.execute(
                select(case_keys.c.case_id, case_keys.c.wrapped).where(case_keys.c.wrapped.is_not(None)).limit(1)
            ).first()
        if row is not None:
            try:
                self._unwrap(row.case_id, bytes(row.wrapped))
            except InvalidTag:
                raise KeyProblem(
                    "YOUTHCARE_MASTER_KEY does not open the case keys in this database: "
                    "give the key the data was written with"
                ) from None

    # -- which case a record belongs to

    def remember_case(self, record_id: UUID, case_id: UUID) -> None:
        """Note that a pair or referral is encrypted with its case's key."""
        if self._cases.get(record_id) == case_id:
            return
        with self.db.transaction() as conn:
            found = conn.execute(select(record_cases.c.case_id).where(record_cases.c.record_id == record_id)).first()
            if found is None:
                conn.execute(insert(record_cases).values(record_id=record_id, case_id=case_id))
        self._cases[record_id] = case_id

    def case_of(self, record_id: UUID) -> UUID | None:
        if record_id in self._cases:
            return self._cases[record_id]
        with self.db.reading() as conn:
            found = conn.execute(select(record_cases.c.case_id).where(record_cases.c.record_id == record_id)).scalar()
        if found is not None:
            self._cases[record_id] = found
        return found

    def records_of(self, case_id: UUID) -> list[UUID]:
        with self.db.reading() as conn:
            return list(
                conn.execute(select(record_cases.c.record_id).where(record_cases.c.case_id == case_id)).scalars()
            )

    # -- keys

    def key_for(self, case_id: UUID, *, create: bool = False) -> bytes | None:
        """The case's key; made (and stored) on first use when `create`; None once destroyed."""
        cached = self._keys.get(case_id)
        if cached is not None:
            return cached.key
        with self._lock:
            with self.db.reading() as conn:
                row = conn.execute(select(case_keys).where(case_keys.c.case_id == case_id)).first()
            if row is None:
                if not create:
                    raise KeyProblem(f"case {case_id} has no key")
                key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
                with self.db.transaction() as conn:
                    conn.execute(
                        insert(case_keys).values(
                            case_id=case_id, wrapped=self._wrap(case_id, key), created_at=datetime.now(timezone.utc)
                        )
                    )
                self._keys[case_id] = CaseKey(case_id, key)
                return key
            found = None if row.wrapped is None else self._unwrap(case_id, bytes(row.wrapped))
            self._keys[case_id] = CaseKey(case_id, found)
            return found

    def forget(self, case_id: UUID) -> None:
        """Drop the case's key from memory: the next use reads it from the database again (where
        another process may have destroyed it). A key known to be destroyed stays known."""
        found = self._keys.get(case_id)
        if found is not None and found.key is not None:
            self._keys.pop(case_id, None)

    def destroy(self, case_id: UUID) -> None:
        """Erase the case key for good (its wrapped bytes are overwritten with NULL), in the
        caller's transaction when there is one (the datastore nests)."""
        with self.db.transaction() as conn:
            conn.execute(
                update(case_keys)
                .where(case_keys.c.case_id == case_id)
                .values(wrapped=None, destroyed_at=datetime.now(timezone.utc))
            )
        self._keys[case_id] = CaseKey(case_id, None)

    def rewrap(self, new_master: bytes) -> int:
        """Wrap every live case key under a new master key (the events are not touched)."""
        fresh = AESGCM(new_master)
        count = 0
        with self.db.transaction() as conn:
            for row in conn.execute(select(case_keys).where(case_keys.c.wrapped.is_not(None))).all():
                key = self._unwrap(row.case_id, bytes(row.wrapped))
                nonce = secrets.token_bytes(NONCE_BYTES)
                wrapped = nonce + fresh.encrypt(nonce, key, _key_aad(row.case_id))
                conn.execute(update(case_keys).where(case_keys.c.case_id == row.case_id).values(wrapped=wrapped))
                count += 1
        self._master = fresh
        return count

    def _wrap(self, case_id: UUID, key: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, key, _key_aad(case_id))

    def _unwrap(self, case_id: UUID, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _key_aad(case_id))


def _key_aad(case_id: UUID) -> bytes:
    return b"youthcare-case-key|" + case_id.bytes

"""Passwords, sign-in sessions and the throttle on failed sign-ins.

Tokens are random and opaque; only their sha256 is stored, so a copy of the database
does not hold a usable token. A session ends when it is revoked, when it has been idle
too long, or when it is too old, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Connection, func, insert, select, update

from application.access.principal import Principal
from application.access.tables import Database, credentials, failures, sessions
from domain.common import InvalidValue

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# A session's last-seen time is written at most this often: a read need not be a write.
TOUCH_EVERY = timedelta(seconds=30)
SIGNED_IN_KEPT = 10_000  # sessions whose user this process keeps at once


@dataclass(frozen=True)
class SignInRules:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)


def check_new_password(password: str, username: str) -> None:
    """At least 12 characters and not the username; no composition rules (NIST SP 800-63B)."""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", rule="password_too_short", field="password"
        )
    if length > MAX_PASSWORD_LENGTH:
        raise InvalidValue(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters", rule="password_too_long", field="password"
        )
    if password.strip().lower() == username.strip().lower():
        raise InvalidValue("the password must not be the username", rule="password_is_username", field="password")


class Passwords:
    """argon2id hashes through pwdlib. The cost is a setting: lower it only for tests."""

    def __init__(self, *, time_cost: int = 2, memory_kib: int = 19456) -> None:
        self._hash = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1),))
        # Verified against when the username is unknown, so both answers take about as long.
        self._decoy = self._hash.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, stored: str | None) -> bool:
        if stored is None:
            self._hash.verify(password, self._decoy)
            return False
        return self._hash.verify(password, stored)


class SignedIn:
    """Who each live session's token stands for, kept in this process so that a request need not
    load the user's record: looked up only after the session itself was found live, and for at
    most `kept_for`. The users' changes that matter (role, scope, disabling) end their sessions in
    the same transaction, so a live session's user does not change under it."""

    def __init__(self, kept_for: timedelta = TOUCH_EVERY, most: int = SIGNED_IN_KEPT) -> None:
        self.kept_for = kept_for
        self.most = most
        self._known: dict[str, tuple[Principal, datetime]] = {}

    def get(self, token: str, user_id: UUID, now: datetime) -> Principal | None:
        found = self._known.get(token_digest(token))
        if found is None:
            return None
        principal, since = found
        if principal.user_id != user_id or not since <= now < since + self.kept_for:
            return None
        return principal

    def keep(self, token: str, principal: Principal, now: datetime) -> None:
        if len(self._known) >= self.most:
            self._known.clear()  # a bound, not a policy: the next requests load their users again
        self._known[token_digest(token)] = (principal, now)

    def forget(self, token: str) -> None:
        self._known.pop(token_digest(token), None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SignInStore:
    """Credentials, sessions and failures in the database."""

    def __init__(self, db: Database, rules: SignInRules) -> None:
        self.db = db
        self.rules = rules

    # -- credentials

    def password_hash(self, user_id: UUID) -> str | None:
        with self.db.reading() as conn:
            found = conn.execute(select(credentials.c.password_hash).where(credentials.c.user_id == user_id)).scalar()
        return str(found) if found is not None else None

    def set_password_hash(self, user_id: UUID, password_hash: str, now: datetime) -> None:
        with self.db.transaction() as conn:
            self.write_password_hash(conn, user_id, password_hash, now)

    @staticmethod
    def write_password_hash(conn: Connection, user_id: UUID, password_hash: str, now: datetime) -> None:
        changed = conn.execute(
            update(credentials)
            .where(credentials.c.user_id == user_id)
            .values(password_hash=password_hash, changed_at=now)
        )
        if changed.rowcount == 0:
            conn.execute(insert(credentials).values(user_id=user_id, password_hash=password_hash, changed_at=now))

    # -- sessions

    def issue(self, user_id: UUID, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            conn.execute(
                insert(sessions).values(
                    token_hash=token_digest(token), user_id=user_id, created_at=now, last_seen_at=now
                )
            )
        return token

    def resolve(self, token: str, now: datetime) -> UUID | None:
        """The user a live token belongs to, noting it was used; None for any other token."""
        digest = token_digest(token)
        with self.db.reading() as conn:
            row = conn.execute(select(sessions).where(sessions.c.token_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return None
        created, last_seen = _aware(row.created_at, now), _aware(row.last_seen_at, now)
        if now >= created + self.rules.absolute or now >= last_seen + self.rules.idle:
            return None
        if now - last_seen >= TOUCH_EVERY:
            with self.db.transaction() as conn:
                conn.execute(update(sessions).where(sessions.c.token_hash == digest).values(last_seen_at=now))
        user_id: UUID = row.user_id
        return user_id

    def revoke(self, token: str, now: datetime) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.token_hash == token_digest(token), sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def revoke_all(self, user_id: UUID, now: datetime) -> int:
        with self.db.transaction() as conn:
            return self.end_sessions(conn, user_id, now)

    @staticmethod
    def end_sessions(conn: Connection, user_id: UUID, now: datetime) -> int:
        """Revoke every live session of the user in the transaction of `conn`; how many."""
        live = update(sessions).where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        done = conn.execute(live.values(revoked_at=now))
        return int(done.rowcount or 0)

    # -- failed sign-ins

    def record_failure(self, key: str, typed: str, address: str | None, now: datetime) -> None:
        """A failed sign-in: the username as typed, and as compared (`key`)."""
        with self.db.transaction() as conn:
            conn.execute(insert(failures).values(username_key=key[:200], username=typed[:200], address=address, at=now))

    def locked_until(self, key: str, user_id: UUID, now: datetime) -> datetime | None:
        """When sign-in for this username opens again, if too many recent failures closed it.

        Failures count within the window and after the user's last successful sign-in.
        """
        since = now - self.rules.failure_window
        with self.db.reading() as conn:
            last_success = conn.execute(
                select(func.max(sessions.c.created_at)).where(sessions.c.user_id == user_id)
            ).scalar()
            if last_success is not None:
                since = max(since, _aware(last_success, now))
            recent = (
                conn.execute(
                    select(failures.c.at)
                    .where(failures.c.username_key == key[:200], failures.c.at > since)
                    .order_by(failures.c.at)
                )
                .scalars()
                .all()
            )
        if len(recent) < self.rules.max_failures:
            return None
        # Open again once enough of them have aged out of the window.
        return _aware(recent[-self.rules.max_failures], now) + self.rules.failure_window


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment

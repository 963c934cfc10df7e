"""Idempotency keys, as the application sees them.

A request that carries an `Idempotency-Key` first claims the key for its user (the API does that,
in a transaction of its own). The command then runs as usual; when it saves, the claim is marked
done in the very transaction that stores its events, with the record and version it wrote. So the
key and the events it produced commit together or not at all: a retry after a crash either finds
the key done (and is answered from it) or finds no events (and runs again).

The claim travels with the request in a context variable, from the API's middleware through the
front door to `BaseApp._save_linked`, without every command passing it along.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording


@dataclass
class Claim:
    """A key this request holds: `token` tells its claim from a later one that took it over."""

    user_id: UUID
    key: str
    token: str
    wrote: tuple[UUID, int] | None = None  # the record and version the command saved, once it has
    case_id: UUID | None = None  # the case of that record, if any: its key seals the kept answer


@dataclass
class Request:
    """What one request knows of its key: the key and the digest of what was asked; the claim
    once the caller is known. Mutable, so every thread that serves the request sees one object."""

    key: str
    asked: Any = field(default_factory=hashlib.sha256)  # the digest of what was asked, fed as it arrives
    claim: Claim | None = None
    replayed: bool = False

    @property
    def digest(self) -> str:
        return str(self.asked.hexdigest())


_current: ContextVar[Request | None] = ContextVar("youthcare_idempotency", default=None)


def current() -> Request | None:
    """The key of the request being served, if it carries one."""
    return _current.get()


@contextmanager
def carrying(request: Request) -> Iterator[Request]:
    """Serve a request that carries a key (the API's middleware)."""
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)


class Keys(Protocol):
    """The store of keys, as the application calls it: inside the saving transaction."""

    def complete(
        self, claim: Claim, record: Aggregate, save: Callable[[], list[Recording[UUID]]]
    ) -> list[Recording[UUID]]: ...

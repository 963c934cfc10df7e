"""The signed-in person a request acts for."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.common import Actor, Role


@dataclass(frozen=True)
class Principal:
    """A user as they stand when their request is served: role and scope decide access."""

    user_id: UUID
    username: str
    display_name: str
    role: Role
    scope_id: UUID | None

    @property
    def actor(self) -> Actor:
        """What events record of them: the username (stable, readable) and the role acted in."""
        return Actor(user_id=self.username, role=self.role)


@dataclass(frozen=True)
class Caller:
    """Who makes a request and what the read log needs to know of it."""

    principal: Principal
    endpoint: str = "-"
    address: str | None = None
    purpose: str | None = None

    @property
    def actor(self) -> Actor:
        return self.principal.actor

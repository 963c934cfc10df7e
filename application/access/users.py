"""Commands and queries for users: the records behind sign-in (passwords are kept elsewhere)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.base import BaseApp, Written
from application.errors import NotFound
from domain.common import Actor, Role
from domain.organisation import Department, Station
from domain.user import SCOPE_KIND, User, user_id_for
from domain.volunteer import Volunteer

SCOPE_RECORDS: dict[str, type[Aggregate]] = {"station": Station, "department": Department, "volunteer": Volunteer}


class UserService(BaseApp):
    def create_user(
        self, actor: Actor, *, username: str, display_name: str, role: Role, scope_id: UUID | None
    ) -> Written:
        """A new user; the username is taken once and for all."""
        user = User.create(actor=actor, username=username, display_name=display_name, role=role, scope_id=scope_id)
        self._check_scope(role, scope_id)
        return self._save(user)

    def change_role(self, actor: Actor, user_id: UUID, *, role: Role, scope_id: UUID | None) -> Written:
        user = self._load(User, user_id)
        self._check_scope(role, scope_id)
        user.change_role(actor=actor, role=role, scope_id=scope_id)
        return self._save(user)

    def disable_user(self, actor: Actor, user_id: UUID) -> Written:
        return self._change(User, user_id, None, lambda u: u.disable(actor=actor))

    def enable_user(self, actor: Actor, user_id: UUID) -> Written:
        return self._change(User, user_id, None, lambda u: u.enable(actor=actor))

    def note_password_reset(self, actor: Actor, user_id: UUID) -> Written:
        return self._change(User, user_id, None, lambda u: u.reset_password(actor=actor))

    def note_password_changed(self, actor: Actor, user_id: UUID) -> Written:
        return self._change(User, user_id, None, lambda u: u.change_password(actor=actor))

    def user(self, user_id: UUID) -> User:
        return self._load(User, user_id)

    def user_named(self, username: str) -> User | None:
        try:
            return self._load(User, user_id_for(username))
        except NotFound:
            return None

    def get_user(self, user_id: UUID) -> dict[str, Any]:
        return self._read(User, user_id, None)

    def list_users(self) -> list[dict[str, Any]]:
        """Every user, in the order they were created."""
        return [self.get_user(i) for i in self._all_created(User, "Created")]

    def has_users(self) -> bool:
        return bool(self._all_created(User, "Created"))

    def _check_scope(self, role: Role, scope_id: UUID | None) -> None:
        kind = SCOPE_KIND.get(role)
        if kind is not None and scope_id is not None:
            self._referenced(SCOPE_RECORDS[kind], scope_id, "scope_id")

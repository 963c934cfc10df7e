"""A user of the service: who they are, the role they act in and the part of the network it covers.

Passwords are not part of this record: the event log keeps everything forever, so password
hashes live in a credentials table of their own. Resets and changes are still events, so
the audit trail shows who reset whose password and when.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.common import Actor, InvalidValue, Role, RuleViolation, require_text

_USER_NAMESPACE = UUID("6f1d3c52-8a4e-4b0f-9c57-2b8e1f0a7d31")
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,62}$"

# Which kind of record a role's scope names. Roles missing here take no scope.
SCOPE_KIND: dict[Role, str] = {
    Role.STATION_OFFICER: "station",
    Role.STATION_LEAD: "station",
    Role.MENTOR: "volunteer",
    Role.DEPARTMENT_OFFICER: "department",
    Role.COORDINATOR: "station",
}
# Roles whose scope may be left out: a coordinator without one covers the whole district.
SCOPE_OPTIONAL = {Role.COORDINATOR}
# Roles a user can be given. SYSTEM and the pre-access-control roles are not among them.
USER_ROLES = (
    Role.STATION_OFFICER,
    Role.STATION_LEAD,
    Role.MENTOR,
    Role.DEPARTMENT_OFFICER,
    Role.COORDINATOR,
    Role.AUDITOR,
    Role.ADMIN,
)


def normalise_username(username: str) -> str:
    """Usernames compare without case or surrounding blanks."""
    return username.strip().lower()


def check_role_scope(role: Role, scope_id: UUID | None) -> None:
    """A role bound to a station, department or volunteer needs one; the others take none."""
    if role not in USER_ROLES:
        raise InvalidValue(f"{role.value} is not a role a user can have", rule="unknown_role", field="role")
    kind = SCOPE_KIND.get(role)
    if kind is None and scope_id is not None:
        raise InvalidValue(f"the {role.value} role takes no scope", rule="scope_not_allowed", field="scope_id")
    if kind is not None and scope_id is None and role not in SCOPE_OPTIONAL:
        raise InvalidValue(
            f"the {role.value} role needs a {kind} as its scope", rule="scope_required", field="scope_id"
        )


class User(Aggregate):
    """A person who signs in. The id derives from the username, so a name is taken once."""

    @staticmethod
    def create_id(*, username: str, **_: object) -> UUID:
        return user_id_for(username)

    @event("Created")
    def __init__(self, *, actor: Actor, username: str, display_name: str, role: Role, scope_id: UUID | None) -> None:
        self.username = username
        self.display_name = display_name
        self.role = role
        self.scope_id = scope_id
        self.active = True
        self.password_set_by: str | None = None

    @classmethod
    def create(cls, *, actor: Actor, username: str, display_name: str, role: Role, scope_id: UUID | None) -> User:
        username = normalise_username(username)
        if not re.match(USERNAME_PATTERN, username):
            raise InvalidValue(
                "a username is 2 to 63 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
                rule="bad_username",
                field="username",
            )
        check_role_scope(role, scope_id)
        return cls(
            actor=actor,
            username=username,
            display_name=require_text(display_name, "display_name"),
            role=role,
            scope_id=scope_id,
        )

    def change_role(self, *, actor: Actor, role: Role, scope_id: UUID | None) -> None:
        check_role_scope(role, scope_id)
        if role is self.role and scope_id == self.scope_id:
            raise RuleViolation("the user already has this role and scope", rule="role_unchanged")
        self._role_changed(actor=actor, role=role, scope_id=scope_id)

    def disable(self, *, actor: Actor) -> None:
        if not self.active:
            raise RuleViolation("the user is already disabled", rule="user_disabled")
        if actor.user_id == self.username:
            raise RuleViolation("nobody can disable themselves", rule="self_disable")
        self._disabled(actor=actor)

    def enable(self, *, actor: Actor) -> None:
        if self.active:
            raise RuleViolation("the user is already enabled", rule="user_enabled")
        self._enabled(actor=actor)

    def reset_password(self, *, actor: Actor) -> None:
        """Someone else set a new password (the hash itself is kept outside the log)."""
        self._password_reset(actor=actor)

    def change_password(self, *, actor: Actor) -> None:
        """The user changed their own password."""
        self._password_changed(actor=actor)

    @event("RoleChanged")
    def _role_changed(self, *, actor: Actor, role: Role, scope_id: UUID | None) -> None:
        self.role = role
        self.scope_id = scope_id

    @event("Disabled")
    def _disabled(self, *, actor: Actor) -> None:
        self.active = False

    @event("Enabled")
    def _enabled(self, *, actor: Actor) -> None:
        self.active = True

    @event("PasswordReset")
    def _password_reset(self, *, actor: Actor) -> None:
        self.password_set_by = actor.user_id

    @event("PasswordChanged")
    def _password_changed(self, *, actor: Actor) -> None:
        self.password_set_by = actor.user_id


def user_id_for(username: str) -> UUID:
    """The record id of the user with this username (whether or not it exists)."""
    return uuid5(_USER_NAMESPACE, normalise_username(username))

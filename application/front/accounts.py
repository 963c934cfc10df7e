"""Signing in and out, and managing users, through the front door."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from uuid import UUID

from application.access.policy import Action, grant
from application.access.principal import Caller, Principal
from application.access.signin import check_new_password
from application.base import Written
from application.errors import InvalidValue, NotFound, TooManyAttempts, Unauthenticated
from application.front.reading import ReadingFront
from application.views.reach import Reach
from application.views.tasks import WorkScope
from domain.common import Actor, Role, RuleViolation
from domain.user import User, normalise_username, user_id_for

BOOTSTRAP_ACTOR = Actor(user_id="bootstrap", role=Role.SYSTEM)


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, display_name=user.display_name, role=user.role, scope_id=user.scope_id
    )


class AccountsFront(ReadingFront):
    # -- signing in

    def sign_in(self, username: str, password: str, address: str | None) -> dict[str, Any]:
        """A bearer token for a right username and password. Five failures for a username within
        the window close sign-in for it until the window passes, right password or not."""
        now = self.clock()
        key = normalise_username(username)
        user_id = user_id_for(key)
        locked_until = self.signin.locked_until(key, user_id, now)
        if locked_until is not None:
            wait = max(1, math.ceil((locked_until - now).total_seconds()))
            self.core.observer.signed_in("throttled")
            raise TooManyAttempts("too many failed sign-ins for this username; try again later", retry_after=wait)
        user = self.core.user_named(key)
        stored = self.signin.password_hash(user_id) if user is not None and user.active else None
        if not self.passwords.verify(password, stored):
            self.signin.record_failure(key, username, address, now)
            self.core.observer.signed_in("failure")
            raise Unauthenticated("wrong username or password")
        token = self.signin.issue(user_id, now)
        self.core.observer.signed_in("success")
        rules = self.signin.rules
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(min(rules.idle, rules.absolute).total_seconds()),
        }

    def authenticate(self, token: str) -> Principal:
        """The signed-in user a token stands for, as they are now.

        The session is looked up on every request, so a revoked token stops working at once.
        Who it stands for is kept in this process while the session lives (`SignedIn`): every
        change to a user's role, scope or standing ends all their sessions in its own
        transaction, so a live session's user is as they were when it was first used.
        """
        now = self.clock()
        user_id = self.signin.resolve(token, now)
        if user_id is None:
            self.signed_in.forget(token)
            raise Unauthenticated("sign in again: the token is unknown, expired or revoked")
        known = self.signed_in.get(token, user_id, now)
        if known is not None:
            return known
        try:
            user = self.core.user(user_id)
        except NotFound:
            raise Unauthenticated("sign in again: the user is unknown") from None
        if not user.active:
            raise Unauthenticated("sign in again: the user is disabled")
        principal = principal_of(user)
        self.signed_in.keep(token, principal, now)
        return principal

    def sign_out(self, token: str) -> None:
        self.signin.revoke(token, self.clock())

    def me(self, caller: Caller) -> dict[str, Any]:
        self.allowed(caller, Action.SELF_SERVICE)
        return self.core.get_user(caller.principal.user_id)

    def my_tasks(self, caller: Caller, *, consistent_with: int | None = None) -> dict[str, Any]:
        """What waits on the caller, oldest first: approvals, transfers and referrals to answer,
        overdue referrals, quiet pairs, goals due for review and sessions due, as their role has them."""
        self.allowed(caller, Action.SELF_SERVICE)
        who = caller.principal

        def reach(action: Action) -> Reach | None:
            return self.reach(caller, action) if grant(who.role, action) is not None else None

        def scoped(action: Action) -> UUID | None:
            return who.scope_id if grant(who.role, action) is not None else None

        scope = WorkScope(
            username=who.username,
            approvals=reach(Action.CASE_APPROVE),
            own_submissions=self.allow_own_approval,
            incoming_to=scoped(Action.TRANSFER_ANSWER),
            answers_for=scoped(Action.REFERRAL_ANSWER),
            follow_up=reach(Action.TASKS_FOLLOW_UP),
            goal_reviews=reach(Action.CASE_WORK),
            sessions_of=scoped(Action.TASKS_SESSIONS),
        )
        return self.logged(caller, self.reads.tasks(scope, consistent_with=consistent_with))

    def change_own_password(self, caller: Caller, *, current_password: str, new_password: str) -> Written:
        """Change one's own password; every session of the user ends, this one included."""
        self.allowed(caller, Action.SELF_SERVICE)
        who = caller.principal
        if not self.passwords.verify(current_password, self.signin.password_hash(who.user_id)):
            raise InvalidValue("the current password is wrong", rule="wrong_password", field="current_password")
        check_new_password(new_password, who.username)
        self._store_password(who.user_id, new_password)
        written = self.core.note_password_changed(caller.actor, who.user_id)
        self.signin.revoke_all(who.user_id, self.clock())
        return written

    # -- managing users

    def create_user(
        self,
        caller: Caller,
        *,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        scope_id: UUID | None,
    ) -> Written:
        """A new user with their first password (admin)."""
        self.allowed(caller, Action.USER_MANAGE)
        return self.add_user(caller.actor, username, display_name, password, role, scope_id)

    def add_user(
        self, actor: Actor, username: str, display_name: str, password: str, role: Role, scope_id: UUID | None
    ) -> Written:
        check_new_password(password, username)
        if self.core.user_named(username) is not None:
            raise RuleViolation("this username is taken", rule="username_taken")
        password_hash = self.passwords.hash(password)
        now = self.clock()
        # One transaction on the SQL stores: the user and their password exist together or not at all.
        with self.signin.db.transaction() as conn:
            written = self.core.create_user(
                actor, username=username, display_name=display_name, role=role, scope_id=scope_id
            )
            self.signin.write_password_hash(conn, written.id, password_hash, now)
        return written

    def bootstrap_admin(self, password: str) -> Written | None:
        """Create `admin` when there is no user at all; None when there are users already."""
        if self.core.has_users():
            return None
        return self.add_user(BOOTSTRAP_ACTOR, "admin", "Administrator", password, Role.ADMIN, None)

    def list_users(self, caller: Caller) -> list[dict[str, Any]]:
        self.allowed(caller, Action.USER_READ)
        return self.logged(caller, self.core.list_users())

    def get_user(self, caller: Caller, user_id: UUID) -> dict[str, Any]:
        self._user_action(caller, Action.USER_READ, user_id)
        return self.logged(caller, self.core.get_user(user_id))

    def change_role(self, caller: Caller, user_id: UUID, *, role: Role, scope_id: UUID | None) -> Written:
        """A new role or scope; the user's sessions end at once."""
        self._user_action(caller, Action.USER_MANAGE, user_id)
        return self._ending_sessions(
            user_id, lambda: self.core.change_role(caller.actor, user_id, role=role, scope_id=scope_id)
        )

    def disable_user(self, caller: Caller, user_id: UUID) -> Written:
        self._user_action(caller, Action.USER_MANAGE, user_id)
        # The sessions end with the change, in its transaction: a refused attempt (disabling
        # oneself) ends nobody's session.
        return self._ending_sessions(user_id, lambda: self.core.disable_user(caller.actor, user_id))

    def enable_user(self, caller: Caller, user_id: UUID) -> Written:
        self._user_action(caller, Action.USER_MANAGE, user_id)
        return self.core.enable_user(caller.actor, user_id)

    def reset_password(self, caller: Caller, user_id: UUID, *, password: str) -> Written:
        self._user_action(caller, Action.USER_MANAGE, user_id)
        user = self.core.user(user_id)
        check_new_password(password, user.username)
        self._store_password(user_id, password)
        return self._ending_sessions(user_id, lambda: self.core.note_password_reset(caller.actor, user_id))

    def _user_action(self, caller: Caller, action: Action, user_id: UUID) -> None:
        if not self._may_know_user(caller, user_id):
            raise NotFound(f"no user with id {user_id}")
        self.allowed(caller, action)
        self.core.user(user_id)  # NotFound when there is none

    def _may_know_user(self, caller: Caller, user_id: UUID) -> bool:
        return grant(caller.principal.role, Action.USER_READ) is not None or user_id == caller.principal.user_id

    def _store_password(self, user_id: UUID, password: str) -> None:
        self.signin.set_password_hash(user_id, self.passwords.hash(password), self.clock())

    def _ending_sessions(self, user_id: UUID, command: Callable[[], Written]) -> Written:
        # Ended in the transaction of the change (no session outlives it if the change is saved,
        # none ends if it is not), and once more after it commits: a sign-in that slipped in
        # while it was being written ends too.
        with self.signin.db.transaction() as conn:
            written: Written = command()
            self.signin.end_sessions(conn, user_id, self.clock())
        self.signin.revoke_all(user_id, self.clock())
        return written

"""The access policy: deny by default, and the README carries the table the code enforces."""

from __future__ import annotations

from pathlib import Path

from application.access.policy import POLICY, Action, grant, permission_table
from domain.common import Role

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_carries_the_permission_table_the_code_enforces() -> None:
    assert permission_table() in README.read_text(encoding="utf-8")


def test_every_action_has_an_entry_and_roles_outside_it_are_refused() -> None:
    assert set(POLICY) == set(Action)
    assert grant(Role.SYSTEM, Action.CASE_READ) is None
    assert grant(Role.STATION_STAFF, Action.CASE_READ) is None  # a role from before access control


def test_an_action_missing_from_the_table_is_refused_for_everyone() -> None:
    saved = POLICY.pop(Action.CASE_READ)
    try:
        assert all(grant(role, Action.CASE_READ) is None for role in Role)
    finally:
        POLICY[Action.CASE_READ] = saved


def test_an_admin_reaches_no_case_content_and_may_only_erase_it() -> None:
    case_actions = [action for action in Action if action.value.split(".")[0] in {"case", "pair", "referral"}]
    assert [action for action in case_actions if grant(Role.ADMIN, action) is not None] == [Action.CASE_ERASE]

"""`youthcare users ...`: manage users from the server's console (acting as an admin).

    youthcare users add USERNAME --role ROLE [--scope ID] [--name "Display Name"]
    youthcare users list
    youthcare users disable USERNAME
    youthcare users enable USERNAME
    youthcare users set-role USERNAME ROLE [--scope ID]
    youthcare users reset-password USERNAME

Passwords are read from standard input (one line) when it is not a terminal, else asked
for twice without echo. Exit status: 0 done, 1 refused (the message says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from typing import Any, TextIO
from uuid import UUID

from application.errors import ApplicationError, NotFound
from application.front import Front
from domain.common import DomainError, Role
from domain.user import USER_ROLES, user_id_for

ROLE_NAMES = [role.value for role in USER_ROLES]


def add_parsers(commands: Any) -> None:
    users = commands.add_parser("users", help="add, list, disable and change users")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new user; the password comes from standard input or a prompt")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLE_NAMES)
    add.add_argument("--scope", type=UUID, metavar="ID", help="station, department or volunteer id, as the role needs")
    add.add_argument("--name", help="display name (default: the username)")
    actions.add_parser("list", help="every user")
    for name in ("disable", "enable", "reset-password"):
        actions.add_parser(name).add_argument("username")
    set_role = actions.add_parser("set-role", help="another role or scope; the user's sessions end")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=ROLE_NAMES)
    set_role.add_argument("--scope", type=UUID, metavar="ID")


def read_password(stdin: TextIO, err: TextIO) -> str:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        err.write("the two passwords differ\n")
        raise SystemExit(2)
    return first


def run(args: argparse.Namespace, front: Front, caller: Any, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    commands: dict[str, Callable[[], Any]] = {
        "add": lambda: front.create_user(
            caller,
            username=args.username,
            display_name=args.name or args.username,
            password=read_password(stdin, err),
            role=Role(args.role),
            scope_id=args.scope,
        ),
        "disable": lambda: front.disable_user(caller, user_id_for(args.username)),
        "enable": lambda: front.enable_user(caller, user_id_for(args.username)),
        "set-role": lambda: front.change_role(
            caller, user_id_for(args.username), role=Role(args.role), scope_id=args.scope
        ),
        "reset-password": lambda: front.reset_password(
            caller, user_id_for(args.username), password=read_password(stdin, err)
        ),
    }
    try:
        if args.action == "list":
            return _list(front.list_users(caller), out)
        written = commands[args.action]()
    except NotFound:
        err.write(f"no user named {args.username}\n")
        return 1
    except (DomainError, ApplicationError) as error:
        err.write(f"{error}\n")
        return 1
    user = written.record
    scope = f" for {user['scope_id']}" if user["scope_id"] else ""
    state = "active" if user["active"] else "disabled"
    out.write(f"{user['username']}: {user['role']}{scope}, {state} (version {user['version']})\n")
    return 0


def _list(users: list[dict[str, Any]], out: TextIO) -> int:
    out.write(f"{'username':<24} {'role':<20} {'scope':<38} {'state':<9} name\n")
    for user in users:
        state = "active" if user["active"] else "disabled"
        scope = user["scope_id"] or "-"
        out.write(f"{user['username']:<24} {user['role']:<20} {scope:<38} {state:<9} {user['display_name']}\n")
    return 0

"""`youthcare users ...`: manage users from the server's console (acting as an admin).

Passwords are read from standard input (one line) when it is not a terminal, else asked for
twice without echo. Exit status: 0 done, 1 refused (the message says why), 2 bad usage.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Annotated, Any, TextIO
from uuid import UUID

import typer

from api.cli.context import acting_as, front_door, load_settings
from api.cli.output import console_for, say, table
from application.access.principal import Caller
from application.errors import ApplicationError, NotFound
from application.front import Front
from domain.common import DomainError, Role
from domain.user import USER_ROLES, user_id_for

ROLE_NAMES = [role.value for role in USER_ROLES]

users = typer.Typer(
    help="Add, list, disable and change users (acting as an admin).\n\n"
    "Passwords are read from standard input (one line) when it is not a terminal, else asked for "
    "twice without echo.\n\nExit status: 0 done; 1 refused (the message says why); 2 bad usage.",
    no_args_is_help=True,
)

Username = Annotated[str, typer.Argument(metavar="USERNAME", show_default=False)]
ROLE_HELP = f"one of {', '.join(ROLE_NAMES)}"


def _role(text: str) -> Role:
    if text not in ROLE_NAMES:
        raise typer.BadParameter(f"{text!r} is not {ROLE_HELP}")
    return Role(text)


RoleName = Annotated[Role, typer.Argument(metavar="ROLE", parser=_role, help=ROLE_HELP, show_default=False)]
Scope = Annotated[
    UUID | None,
    typer.Option(metavar="ID", help="station, department or volunteer id, as the role needs", show_default=False),
]
Command = Callable[[Front, Caller], Any]


def read_password(stdin: TextIO, err: TextIO) -> str:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        say(console_for(err), "the two passwords differ", "bold red")
        raise typer.Exit(2)
    return first


def run(action: str, username: str | None, command: Command) -> int:
    """Run one user command as the console's admin: the user's new state on standard output."""
    err = console_for(sys.stderr)
    with front_door(load_settings()) as front:
        caller = acting_as(Role.ADMIN, f"users {action}")
        try:
            written = command(front, caller)
        except NotFound:
            say(err, f"no user named {username}", "bold red")
            return 1
        except (DomainError, ApplicationError) as error:
            say(err, str(error), "bold red")
            return 1
    if action == "list":
        show_list(written, sys.stdout)
        return 0
    user = written.record
    scope = f" for {user['scope_id']}" if user["scope_id"] else ""
    state = "active" if user["active"] else "disabled"
    say(console_for(sys.stdout), f"{user['username']}: {user['role']}{scope}, {state} (version {user['version']})")
    return 0


def show_list(found: list[dict[str, Any]], out: TextIO) -> None:
    rows = [
        (
            user["username"],
            user["role"],
            user["scope_id"] or "-",
            "active" if user["active"] else "disabled",
            user["display_name"],
        )
        for user in found
    ]
    table(console_for(out), ("username", "role", "scope", "state", "name"), rows)


@users.command("add")
def add(
    username: Username,
    role: Annotated[Role, typer.Option(metavar="ROLE", parser=_role, help=ROLE_HELP, show_default=False)],
    scope: Scope = None,
    name: Annotated[str | None, typer.Option(metavar="NAME", help="display name (default: the username)")] = None,
) -> None:
    """A new user; the password from standard input or a prompt."""
    raise typer.Exit(
        run(
            "add",
            username,
            lambda front, caller: front.create_user(
                caller,
                username=username,
                display_name=name or username,
                password=read_password(sys.stdin, sys.stderr),
                role=role,
                scope_id=scope,
            ),
        )
    )


@users.command("list")
def list_users() -> None:
    """Every user: username, role, scope, state and display name."""
    raise typer.Exit(run("list", None, lambda front, caller: front.list_users(caller)))


@users.command("disable")
def disable(username: Username) -> None:
    """Stop a user signing in; their sessions end."""
    raise typer.Exit(run("disable", username, lambda front, caller: front.disable_user(caller, user_id_for(username))))


@users.command("enable")
def enable(username: Username) -> None:
    """Let a disabled user sign in again."""
    raise typer.Exit(run("enable", username, lambda front, caller: front.enable_user(caller, user_id_for(username))))


@users.command("set-role")
def set_role(username: Username, role: RoleName, scope: Scope = None) -> None:
    """Another role or scope; the user's sessions end."""
    raise typer.Exit(
        run(
            "set-role",
            username,
            lambda front, caller: front.change_role(caller, user_id_for(username), role=role, scope_id=scope),
        )
    )


@users.command("reset-password")
def reset_password(username: Username) -> None:
    """A new password, from standard input or a prompt."""
    raise typer.Exit(
        run(
            "reset-password",
            username,
            lambda front, caller: front.reset_password(
                caller, user_id_for(username), password=read_password(sys.stdin, sys.stderr)
            ),
        )
    )

"""`youthcare database setup | grants` and `youthcare keys rotate`: what the owner of the database runs."""

from __future__ import annotations

import os
import sys
from typing import Annotated, TextIO

import typer
from pydantic import SecretStr

from api.cli.context import load_settings
from api.cli.output import console_for, say
from infrastructure.grants import grant_statements, set_up
from infrastructure.keys import KeyProblem, master_key
from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from infrastructure.youth_ids import rotate_master

database = typer.Typer(help="Run the service under a role that owns nothing.", no_args_is_help=True)
keys = typer.Typer(help="The master key that wraps the case keys.", no_args_is_help=True)


def _fail(message: str) -> None:
    say(console_for(sys.stderr), message, "bold red")


def rotate_keys(settings: Settings, out: TextIO) -> int:
    """Wrap every live case key under the new master key; the events are not touched."""
    fresh = os.environ.get("YOUTHCARE_NEW_MASTER_KEY")
    if not fresh:
        _fail("set YOUTHCARE_NEW_MASTER_KEY to the new key (base64 of 32 bytes)")
        return 2
    try:
        new_key = master_key(settings.model_copy(update={"master_key": SecretStr(fresh)}))
        app = create_application(settings)
    except KeyProblem as problem:
        _fail(str(problem))
        return 2
    try:
        count = rotate_master(app, new_key)
    finally:
        app.close()
    say(console_for(out), f"{count} case keys wrapped under the new master key: set YOUTHCARE_MASTER_KEY to it now")
    return 0


def _print_sql(statements: list[str]) -> None:
    sys.stdout.write("".join(f"{statement};\n" for statement in statements))


@database.command("setup")
def setup_command(
    app_role: Annotated[str, typer.Option("--app-role", metavar="ROLE", help="the role the service runs as")],
) -> None:
    """Tables, the app role and its grants (as the owner).

    Makes every table, then a role that owns nothing, with the grants the service needs, and
    prints the statements it ran as SQL. The role's password comes from YOUTHCARE_APP_ROLE_PASSWORD, if set.

    Exit status: 0 done; 2 refused (e.g. a role name that is not a plain identifier).
    """
    try:
        statements = set_up(load_settings(), app_role, os.environ.get("YOUTHCARE_APP_ROLE_PASSWORD") or None)
    except ValueError as error:
        _fail(str(error))
        raise typer.Exit(2) from None
    _print_sql(statements)


@database.command("grants")
def grants_command(role: Annotated[str, typer.Argument(metavar="ROLE", show_default=False)]) -> None:
    """The app role's grants, as SQL (printed, not run).

    Exit status: 0 printed; 2 a role name that is not a plain identifier.
    """
    try:
        statements = grant_statements(role, load_settings().database_schema)
    except ValueError as error:
        _fail(str(error))
        raise typer.Exit(2) from None
    _print_sql(statements)


@keys.command("rotate")
def rotate_command() -> None:
    """Re-wrap every case key under YOUTHCARE_NEW_MASTER_KEY.

    The events are untouched. Then give the service that key as YOUTHCARE_MASTER_KEY.

    Exit status: 0 done; 2 YOUTHCARE_NEW_MASTER_KEY unset or not a key, or the current key opens nothing.
    """
    raise typer.Exit(rotate_keys(load_settings(), sys.stdout))

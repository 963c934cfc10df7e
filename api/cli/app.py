"""The `youthcare` command's tree, and `main`, which the console script and the tests call."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from typing import Any

import typer

from api.cli import admin, audit, replay, users, views
from api.cli.output import console_for, styled

HELP = """Run the projector, inspect and rebuild the views, verify the logs, export and replay case
files, and manage users, keys and the database role, on the server.

It reads the same YOUTHCARE_* settings as the API. Its user commands act as an admin and its
audit commands as an auditor, named console:<login> in the events and the read log.

Exit status: 0 done; 1 refused or a check failed (each command's --help says which); 2 bad usage.
"""

app = typer.Typer(
    name="youthcare",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    # A traceback with local variables could print a password or the database URL.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("projector")(views.projector_command)
app.add_typer(views.projections, name="projections")
app.command("verify")(audit.verify_command)
app.command("anchor")(audit.anchor_command)
app.command("export")(audit.export_command)
app.command("verify-export")(audit.verify_export_command)
app.command("replay")(replay.replay_command)
app.add_typer(users.users, name="users")
app.add_typer(admin.database, name="database")
app.add_typer(admin.keys, name="keys")


def _prepare(command: Any, fancy: bool) -> None:
    """Rich help and errors only where both streams are a terminal; each help paragraph reflowed,
    since Rich keeps the line breaks of a docstring and a pipe gets Click's plain help."""
    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        command.help = "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)
    command.rich_markup_mode = "rich" if fancy else None
    for sub in getattr(command, "commands", {}).values():
        _prepare(sub, fancy)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (default: the process's own) and return its exit status."""
    command = typer.main.get_command(app)
    _prepare(command, styled(console_for(sys.stdout)) and styled(console_for(sys.stderr)))
    try:
        command.main(args=None if argv is None else list(argv), prog_name="youthcare")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

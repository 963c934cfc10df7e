"""`youthcare replay`: a case file's timeline and each record's state at a moment, as tables."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any, TextIO
from uuid import UUID

import typer
from rich.console import Console

from api.cli.context import acting_as, front_door, load_settings
from api.cli.output import console_for, say, table
from application.errors import NotFound, ViewNotReady
from domain.common import Role
from infrastructure.settings import Settings

# Long cells end in an ellipsis rather than wrapping, so each event stays on one line.
TIMELINE: dict[str, dict[str, Any]] = {
    "position": {"justify": "right"},
    "record": {"max_width": 17},
    "v": {"justify": "right"},
    "event": {"max_width": 28},
    "actor": {"max_width": 40},
    "changed": {"max_width": 40},
}
STATE: dict[str, Any] = {"max_width": 90}
CUT: dict[str, Any] = {"no_wrap": True, "overflow": "ellipsis"}


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return " ".join(text.split())


def _changed(entry: dict[str, Any]) -> str:
    fields = [change["field"] for change in entry["changes"]]
    return ", ".join(fields[:4]) + (f" (+{len(fields) - 4})" if len(fields) > 4 else "")


def render(
    console: Console,
    case_id: str,
    timeline: list[dict[str, Any]],
    states: list[tuple[str, dict[str, Any]]],
    moment: str,
) -> None:
    """The replay: what happened up to `moment`, then each record as it stood then."""
    say(console, f"Case {case_id} as it stood {moment}", "bold")
    say(console, "")
    rows = [
        (
            str(entry["position"]),
            entry["occurred_at"][:19].replace("T", " "),
            f"{entry['record_type']} {entry['record_id'][:8]}",
            str(entry["version"]),
            entry["event_type"].split(".", 1)[1],
            f"{entry['actor']['user_id']} ({entry['actor']['role']})",
            _changed(entry),
        )
        for entry in timeline
    ]
    headers = ("position", "time (UTC)", "record", "v", "event", "actor", "changed")
    table(console, headers, rows, {key: {**CUT, **TIMELINE.get(key, {})} for key in headers})
    for label, state in states:
        say(console, "")
        say(
            console, f"{label} {state['id']} at version {state['version']} (last change {state['modified_at']})", "bold"
        )
        fields = [(key, _cell(state[key])) for key in state if key not in {"id", "version", "modified_at", "as_of"}]
        table(console, ("field", "value"), fields, {"field": CUT, "value": {**CUT, **STATE}})


def moment_of(at: datetime | None, version: int | None) -> str:
    if at is not None:
        return f"at {at.isoformat()}"
    return f"at its version {version}" if version is not None else "now"


def replay(settings: Settings, case_id: UUID, at: datetime | None, version: int | None, out: TextIO) -> int:
    try:
        with front_door(settings) as front:
            moment, timeline, states = front.case_file_at(
                acting_as(Role.AUDITOR, "replay"), case_id, at=at, version=version
            )
    except (NotFound, ViewNotReady) as error:
        say(console_for(sys.stderr), str(error), "bold red")
        return 1
    render(console_for(out), str(case_id), timeline, states, moment_of(moment, version))
    return 0


def _aware(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time, e.g. 2026-11-27T09:00:00+08:00") from error
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time with its zone, e.g. +08:00 or Z")
    return moment


def replay_command(
    case_id: Annotated[UUID, typer.Argument(metavar="CASE_ID", show_default=False)],
    at: Annotated[
        datetime | None,
        typer.Option(
            parser=_aware,
            metavar="TIME",
            help="ISO 8601 with a zone, e.g. 2026-11-27T09:00:00+08:00",
            show_default=False,
        ),
    ] = None,
    version: Annotated[int | None, typer.Option(metavar="N", help="the case's version N", show_default=False)] = None,
) -> None:
    """A case file's timeline and state at a moment, as tables.

    What happened up to the moment, then each record as it stood then; the moment is --at TIME
    or --version N (not both), by default now.

    Exit status: 0 shown; 1 no such case, or it did not exist yet at that moment; 2 bad usage
    (a time without its zone, both --at and --version).
    """
    if at is not None and version is not None:
        raise typer.BadParameter("give --at or --version, not both", param_hint="'--version'")
    raise typer.Exit(replay(load_settings(), case_id, at, version, sys.stdout))

"""`youthcare projector` and `youthcare projections status | rebuild`: keeping, inspecting and rebuilding views."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Sequence
from typing import Annotated, TextIO

import typer

from api.cli.context import load_settings, opened
from api.cli.output import ProgressBar, console_for, say, table
from application.views.hash_chain import HashChain
from infrastructure.front import anchor_writer, create_front
from infrastructure.logs import configure_logging
from infrastructure.projector import ProjectorThread
from infrastructure.settings import Settings

logger = logging.getLogger(__name__)

projections = typer.Typer(help="Inspect or rebuild the views.", no_args_is_help=True)


def run_projector(settings: Settings) -> int:
    """Run the projector in a thread until SIGTERM or SIGINT; then let it finish its batch, for at
    most `projector_stop_seconds`. The signal handler only takes note: the main thread does the rest."""
    signalled: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, _: signalled.append(signum))
    with opened(settings) as projector:
        logger.info("projector started for %s", ", ".join(v.name for v in projector.views))
        anchors = anchor_writer(settings, create_front(settings, projector))
        runner = ProjectorThread(projector, settings.projector_idle_seconds, settings.projector_stop_seconds)
        anchors.start()
        runner.start()
        try:
            while not signalled and runner.is_alive():
                time.sleep(0.1)
        finally:
            stopped = runner.stop()
            anchors.stop()
    if not signalled:
        logger.error("the projector ended without being asked to")
        return 1
    return 0 if stopped else 1


def show_status(settings: Settings, out: TextIO) -> int:
    console = console_for(out)
    rows = []
    with opened(settings) as projector:
        for s in projector.status():
            stored = "-" if s.stored_version is None else str(s.stored_version)
            version = stored if s.stored_version == s.code_version else f"{stored}→{s.code_version}"
            rows.append(
                (s.view, version, f"{s.position:,}", f"{s.head:,}", f"{s.lag_events:,}", f"{s.lag_seconds:.1f}")
            )
    headers = ("view", "version", "position", "head", "lag events", "lag s")
    table(console, headers, rows, {header: {"justify": "right"} for header in headers[1:]})
    return 0


def rebuild(settings: Settings, names: Sequence[str], out: TextIO) -> int:
    console = console_for(out)
    with opened(settings) as projector:
        known = [view.name for view in projector.views]
        unknown = [name for name in names if name not in known]
        if unknown:
            say(console, f"unknown view(s): {', '.join(unknown)}; the views are: {', '.join(known)}", "bold red")
            return 2
        if HashChain.name in names:
            say(
                console,
                "note: relinking the hash chain makes the current log its new truth; "
                "only an anchor taken earlier can still show a change made before now",
                "yellow",
            )
        for name in names or [name for name in known if name != HashChain.name]:
            bar = ProgressBar(name, out)
            try:
                applied = projector.rebuild(projector.view(name), progress=bar)
            finally:
                bar.close()
            bar.finish(applied)
    return 0


# -- the commands ----------------------------------------------------------------------------


def projector_command() -> None:
    """Keep every view up to date until stopped (SIGTERM/SIGINT).

    Also writes a signed anchor every YOUTHCARE_ANCHOR_INTERVAL_MINUTES. On the signal the batch
    under way is finished (committed whole) and it exits; it waits for that batch at most
    YOUTHCARE_PROJECTOR_STOP_SECONDS.

    Exit status: 0 stopped by a signal between batches; 1 the batch under way did not finish in time
    (the database rolls it back; the next start applies it again), or the projector stopped by itself.
    """
    settings = Settings()
    configure_logging(settings)  # a service like the API: its lines as YOUTHCARE_LOG_FORMAT says
    raise typer.Exit(run_projector(settings))


@projections.command("status")
def status_command() -> None:
    """Each view's position and lag, as a table.

    The view's version (stored→in the code, when they differ), its position, the log's head, and
    its lag in events and seconds.

    Exit status: 0.
    """
    raise typer.Exit(show_status(load_settings(), sys.stdout))


@projections.command("rebuild")
def rebuild_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="NAME", help="views to rebuild (default: all but hash_chain)", show_default=False),
    ] = None,
) -> None:
    """Start views over from the first event, with a progress bar.

    Empties each view and replays the whole log into it; progress and timings go to standard error.

    The hash chain is relinked only when named: that makes the current log its new truth.

    Exit status: 0 rebuilt; 2 a named view does not exist (the message lists the views).
    """
    raise typer.Exit(rebuild(load_settings(), names or [], sys.stderr))

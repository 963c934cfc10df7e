"""The `youthcare` command: the standalone projector, and rebuilding and inspecting views.

    youthcare projector                  keep every view up to date until stopped (SIGTERM/SIGINT)
    youthcare projections status         each view's position and lag
    youthcare projections rebuild [NAME] start views over from the first event, with progress

It reads the same YOUTHCARE_* settings as the API.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO

from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore


def _projector(settings: Settings) -> Projector:
    app = create_application(settings)
    return Projector(app, ViewStore(app, settings), batch_size=settings.projector_batch_size)


class ProgressBar:
    """A one-line progress bar on a terminal; plain periodic lines otherwise."""

    def __init__(self, label: str, out: TextIO, width: int = 30) -> None:
        self.label, self.out, self.width = label, out, width
        self.started = time.monotonic()
        self._last_line = 0.0

    def __call__(self, position: int, head: int) -> None:
        done = min(1.0, position / head) if head else 1.0
        elapsed = time.monotonic() - self.started
        filled = int(done * self.width)
        line = (
            f"{self.label:<12} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done:6.1%}  position {position:,}/{head:,}  {elapsed:5.1f} s"
        )
        if self.out.isatty():
            self.out.write("\r" + line)
        elif time.monotonic() - self._last_line >= 2 or done >= 1.0:
            self.out.write(line + "\n")
            self._last_line = time.monotonic()
        self.out.flush()

    def finish(self, applied: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = applied / elapsed if elapsed > 0 else 0.0
        end = "\n" if self.out.isatty() else ""
        self.out.write(f"{end}{self.label}: {applied:,} events in {elapsed:.1f} s ({rate:,.0f} events/s)\n")
        self.out.flush()


def run_projector(settings: Settings) -> int:
    projector = _projector(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    logging.getLogger(__name__).info("projector started for %s", ", ".join(v.name for v in projector.views))
    try:
        projector.run(stop, settings.projector_idle_seconds)
    finally:
        projector.close()
        projector.app.close()
    return 0


def show_status(settings: Settings, out: TextIO) -> int:
    projector = _projector(settings)
    try:
        out.write(f"{'view':<12} {'version':>9} {'position':>10} {'head':>10} {'lag events':>11} {'lag s':>8}\n")
        for s in projector.status():
            stored = "-" if s.stored_version is None else str(s.stored_version)
            version = stored if s.stored_version == s.code_version else f"{stored}→{s.code_version}"
            out.write(
                f"{s.view:<12} {version:>9} {s.position:>10,} {s.head:>10,} {s.lag_events:>11,} {s.lag_seconds:>8.1f}\n"
            )
    finally:
        projector.close()
        projector.app.close()
    return 0


def rebuild(settings: Settings, names: Sequence[str], out: TextIO) -> int:
    projector = _projector(settings)
    try:
        known = [view.name for view in projector.views]
        unknown = [name for name in names if name not in known]
        if unknown:
            out.write(f"unknown view(s): {', '.join(unknown)}; the views are: {', '.join(known)}\n")
            return 2
        for name in names or known:
            bar = ProgressBar(name, out)
            applied = projector.rebuild(projector.view(name), progress=bar)
            bar.finish(applied)
    finally:
        projector.close()
        projector.app.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="youthcare", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("projector", help="keep every view up to date until stopped")
    projections = commands.add_parser("projections", help="inspect or rebuild the views")
    actions = projections.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="each view's position and lag")
    rebuild_parser = actions.add_parser("rebuild", help="start views over from the first event")
    rebuild_parser.add_argument("names", nargs="*", metavar="NAME", help="views to rebuild (default: all)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    if args.command == "projector":
        return run_projector(settings)
    if args.action == "status":
        return show_status(settings, sys.stdout)
    return rebuild(settings, args.names, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

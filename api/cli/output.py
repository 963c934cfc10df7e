"""What the command line prints: Rich on a terminal, plain text everywhere else.

Colour, boxes and live progress bars only when the stream is a terminal; when it is piped or a
file, or NO_COLOR is set (https://no-color.org), no escape sequence at all, tables as plain
columns and progress as a line every few seconds, so the output stays easy to grep and parse.
Machine output (JSON, SQL, a case file) is written straight to the stream, never through Rich.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

PLAIN_WIDTH = 10_000  # piped tables are never wrapped to fit an imagined terminal
PLAIN_EVERY_SECONDS = 2.0
PLAIN_BAR = 30


def console_for(stream: TextIO) -> Console:
    """A console on `stream`: styled only on a terminal, and without colour under NO_COLOR."""
    probe = Console(file=stream)
    common: dict[str, Any] = {"file": stream, "highlight": False, "markup": False, "emoji": False, "soft_wrap": True}
    if not probe.is_terminal:
        return Console(**common, color_system=None, width=PLAIN_WIDTH)
    if os.environ.get("NO_COLOR", ""):
        return Console(**common, color_system=None)
    return Console(**common)


def styled(console: Console) -> bool:
    """True when the console shows styles and boxes (a terminal, colour allowed)."""
    return console.is_terminal and console.color_system is not None


def say(console: Console, line: str, style: str | None = None) -> None:
    """One line of text, in `style` where styles are shown; never wrapped, never read as markup."""
    console.print(line, style=style if styled(console) else None)


def table(
    console: Console,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    columns: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Columns under their headers: ruled on a terminal; plain, unpadded columns otherwise.

    `columns` maps a header to the `Table.add_column` options it needs, e.g.
    `{"position": {"justify": "right"}}`.
    """
    fancy = styled(console)
    shown = Table(
        box=box.SIMPLE_HEAD if fancy else None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if fancy else "",
    )
    for header in headers:
        shown.add_column(header, **(columns or {}).get(header, {}))
    for row in rows:
        shown.add_row(*(cell if isinstance(cell, str) else str(cell) for cell in row))
    if fancy:
        console.print(shown)
        return
    with console.capture() as captured:
        console.print(shown)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


class ProgressBar:
    """Progress through the event log: a live bar on a terminal, a plain line every few seconds elsewhere.

    Call it with (position, head) as often as you like; on a terminal the bar appears only once
    there is work left, so a view that is already up to date shows nothing. `finish` prints the
    summary line.
    """

    def __init__(self, label: str, stream: TextIO, *, transient: bool = False) -> None:
        self.label, self.transient = label, transient
        self.console = console_for(stream)
        self.started = time.monotonic()
        self._last_line = 0.0
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    @classmethod
    def on_terminal(cls, label: str, stream: TextIO) -> ProgressBar | None:
        """A transient bar where `stream` is a terminal; None (no output at all) anywhere else."""
        return cls(label, stream, transient=True) if console_for(stream).is_terminal else None

    def __call__(self, position: int, head: int) -> None:
        if self.console.is_terminal:
            self._show(position, head)
            return
        done = min(1.0, position / head) if head else 1.0
        if time.monotonic() - self._last_line >= PLAIN_EVERY_SECONDS or done >= 1.0:
            elapsed, filled = time.monotonic() - self.started, int(done * PLAIN_BAR)
            self.console.file.write(
                f"{self.label:<12} [{'#' * filled}{'.' * (PLAIN_BAR - filled)}] "
                f"{done:6.1%}  position {position:,}/{head:,}  {elapsed:5.1f} s\n"
            )
            self.console.file.flush()
            self._last_line = time.monotonic()

    def _show(self, position: int, head: int) -> None:
        if self._bar is None or self._task is None:
            if position >= head:
                return
            columns = (TaskProgressColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            label = TextColumn("{task.description:<12}")
            self._bar = Progress(label, BarColumn(), *columns, console=self.console, transient=self.transient)
            self._task = self._bar.add_task(self.label, total=head)
            self._bar.start()
        self._bar.update(self._task, completed=min(position, head), total=max(head, 1))

    def close(self) -> None:
        """Take the live bar down (a transient one disappears); idempotent."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = self._task = None

    def finish(self, applied: int) -> None:
        self.close()
        elapsed = time.monotonic() - self.started
        rate = applied / elapsed if elapsed > 0 else 0.0
        say(self.console, f"{self.label}: {applied:,} events in {elapsed:.1f} s ({rate:,.0f} events/s)")

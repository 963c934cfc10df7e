"""What every benchmark of the suite hands back: figures, each with its same-run baseline and the ratio.

Absolute times drift on a shared machine; a ratio to something measured in the same run, on the
same machine, at the same moment, drifts much less. Each `Figure` therefore carries its baseline,
and a target (from issue 13) when the issue sets one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """A goal for a figure: `text` as the issue words it, `met` decides it from the figure."""

    text: str
    met: Callable[[Figure], bool]


@dataclass(frozen=True)
class Figure:
    """One measured value and its baseline; `ratio` is value / baseline."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


@dataclass
class Result:
    """One benchmark's figures, what it measured them with, and anything to say about them."""

    number: int
    title: str
    baseline: str  # what the baseline is, in words
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure


def at_least(bound: float) -> Callable[[Figure], bool]:
    return lambda f: f.value >= bound


def at_most(bound: float) -> Callable[[Figure], bool]:
    return lambda f: f.value <= bound


def ratio_at_least(bound: float) -> Callable[[Figure], bool]:
    return lambda f: f.ratio >= bound


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Timing:
    """Repeated timings of one thing, in milliseconds."""

    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return quantile(self.samples, 0.99)


def timed(
    action: Callable[[], object], *, seconds: float, at_least_times: int = 1, at_most_times: int = 10_000
) -> Timing:
    """Run `action` again and again for about `seconds` (within the bounds on the count); time each run."""
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < at_most_times and (len(samples) < at_least_times or time.perf_counter() < deadline):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(samples)

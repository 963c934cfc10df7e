"""The suite's results as `docs/benchmarks.md`: the machine first, then each benchmark's figures,
baselines, ratios and targets."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.figures import Figure, Result


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _postgres_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


def _commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=False).stdout
    return found.stdout.strip() + (" (with uncommitted changes)" if dirty.strip() else "")


def machine(url: str) -> list[tuple[str, str]]:
    return [
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", _memory()),
        ("Python", platform.python_version()),
        ("PostgreSQL", _postgres_version(url)),
        ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("git commit", _commit()),
    ]


def _number(value: float) -> str:
    if value != value:  # NaN
        return "–"
    if float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _row(figure: Figure) -> str:
    if figure.target is None:
        target = ""
    else:
        target = f"{figure.target.text}: **{'met' if figure.target.met(figure) else 'not met'}**"
    unit = f" {figure.unit}" if figure.unit and figure.unit != "/s" else ("/s" if figure.unit == "/s" else "")
    return (
        f"| {figure.name} | {_number(figure.value)}{unit} | {figure.baseline_name}: {_number(figure.baseline)}{unit} "
        f"| {_number(figure.ratio)} | {target} |"
    )


def markdown(results: list[Result], about: list[tuple[str, str]], preface: list[str]) -> str:
    lines = ["# Benchmarks", "", "\n\n".join(preface), "", "## The machine", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in about]
    for result in results:
        lines += ["", f"## {result.number}. {result.title}", "", f"Baseline: {result.baseline}.", ""]
        lines += [f"- {note}" for note in result.notes]
        lines += ["", "| figure | value | baseline | ratio | target |", "|---|---|---|---|---|"]
        lines += [_row(figure) for figure in result.figures]
        lines += ["", f"({result.seconds:.0f} s to run)"]
    return "\n".join(lines) + "\n"

"""The benchmark suite runs end to end: a smoke run (tiny sizes) yields every benchmark's figures.

Smoke figures mean nothing, so no target is checked; what must hold is that each of the nine
benchmarks ran on PostgreSQL, measured its figures and its same-run baselines, and the report
says on what machine and with which load generator.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import load
from tests.conftest import postgres_url
from tests.e2e.server import REPO, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<value>[^|]+) \| (?P<baseline>[^|]+) \| (?P<ratio>[^|]+) \|")


def _number(cell: str) -> float:
    """The number in a cell: `12.5 ms`, or a baseline's `psycopg2 p50: 0.52 ms`."""
    found = re.match(r"-?[\d,]+(\.\d+)?", cell.rsplit(": ", 1)[-1])
    assert found, cell
    return float(found.group().replace(",", ""))


def _sections(report: str) -> dict[int, list[re.Match[str]]]:
    sections: dict[int, list[re.Match[str]]] = {}
    current = 0
    for line in report.splitlines():
        if heading := re.match(r"^## (\d)\. ", line):
            current = int(heading.group(1))
            sections[current] = []
        elif current and (row := ROW.match(line)) and row["name"] not in ("figure", "---"):
            sections[current].append(row)
    return sections


def test_a_smoke_run_of_the_suite_measures_every_benchmark_against_its_baseline(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bench.suite", "--smoke", "--output", str(output), "--database-url", postgres_url()],
        cwd=REPO,
        check=True,
        timeout=300,
    )
    print(f"smoke run: {time.monotonic() - started:.0f} s")
    report = output.read_text()
    for what in ("| CPU |", "| cores | ", "| PostgreSQL | ", "| git commit | ", f"generator: {load.generator_name()}"):
        assert what in report
    sections = _sections(report)
    assert sorted(sections) == list(range(1, 10))
    for number, rows in sections.items():
        assert rows, f"benchmark {number} has no figures"
        for row in rows:
            value, baseline, ratio = _number(row["value"]), _number(row["baseline"]), _number(row["ratio"])
            assert baseline > 0 and math.isfinite(value), f"benchmark {number}: {row.group()}"
            assert ratio == pytest.approx(value / baseline, rel=0.05, abs=0.01), f"benchmark {number}: {row.group()}"


def test_both_load_generators_count_the_answers_by_status(tmp_path: Path) -> None:
    """Whether wrk is there or not, the HTTP figures come from a generator that sees every answer:
    here /healthz (200) and a command without a token (401, an error)."""
    generators = [load._python] + ([load._wrk] if load.have_wrk() else [])
    with running_server({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'y.db'}"}, tmp_path / "s.log") as url:
        for generator in generators:
            healthy = generator(url, load.Requests("GET", ["/healthz"], {}), 2, 1)
            assert healthy.answers > 0 and healthy.statuses == {"200": healthy.answers} and healthy.errors == 0
            assert 0 < healthy.p50_ms <= healthy.p99_ms
            refused = generator(url, load.Requests("POST", ["/cases"], {}, '{"n": "@N@"}'), 2, 1)
            assert refused.answers > 0 and refused.statuses == {"401": refused.answers}
            assert refused.errors == refused.answers

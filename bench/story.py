"""Time the end-to-end story over real HTTP on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.story [--runs 5] [--postgres postgresql+psycopg2://...]

Starts the server like `make run` on a free port, runs the story (20 writes, then 8
reads of every record) `--runs` times per store, and prints each run and the median.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.schema import throwaway_schema
from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, admin_cast, check_story, run_story


def time_story(env: dict[str, str], runs: int, log: Path) -> list[float]:
    """Each run: the admin signs in, then the story's people are made, sign in and work."""
    timings = []
    with running_server({**env, **ACCESS_ENV}, log) as base_url:
        for _ in range(runs):
            started = time.perf_counter()
            cast = admin_cast(base_url)
            check_story(cast, run_story(cast))
            timings.append(time.perf_counter() - started)
            cast.close()
    return timings


def report(store: str, timings: list[float]) -> None:
    runs = ", ".join(f"{t * 1000:.0f}" for t in timings)
    print(f"{store:<11} median {statistics.median(timings) * 1000:6.0f} ms   runs (ms): {runs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is used and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        report(
            "sqlite",
            time_story({"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}, args.runs, tmp / "sqlite.log"),
        )
        if args.postgres:
            with throwaway_schema(args.postgres) as schema:
                env = {"YOUTHCARE_DATABASE_URL": args.postgres, "YOUTHCARE_DATABASE_SCHEMA": schema}
                report("postgresql", time_story(env, args.runs, tmp / "postgres.log"))


if __name__ == "__main__":
    main()

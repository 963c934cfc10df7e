"""Where an in-process command's time goes: cProfile over commands sent through the front door.

    .venv/bin/python -m bench.profile [COMMANDS] [--database-url URL]

Logs interventions on 20 cases of a throwaway PostgreSQL schema (as benchmark 2 does), first 100
to warm up, then COMMANDS (400) timed without the profiler, then COMMANDS under it; prints the
time per command and the profile sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

from bench.commands import _front
from bench.read_log import log_one
from bench.service import store

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commands", nargs="?", type=int, default=400)
    parser.add_argument("--database-url", default=os.environ.get("YOUTHCARE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        store(args.database_url, Path(folder)) as (settings, _),
        _front(settings, 20) as (front, officer, cases),
    ):

        def one(n: int) -> None:
            log_one(front, officer, cases, n)

        for n in range(100):
            one(n)
        began = time.perf_counter()
        for n in range(args.commands):
            one(n)
        print(f"{(time.perf_counter() - began) / args.commands * 1000:.2f} ms a command without the profiler")
        profile = cProfile.Profile()
        profile.enable()
        for n in range(args.commands):
            one(n)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()

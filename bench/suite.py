"""The benchmark suite of issue 13: nine benchmarks, each against a baseline measured in the same run.

    make bench                                              # the issue's sizes, into docs/benchmarks.md
    .venv/bin/python -m bench.suite --smoke --output /tmp/b.md   # tiny sizes, a second per measurement

Runs on PostgreSQL (`--database-url`, default `YOUTHCARE_BENCH_DATABASE_URL` or the local test
database), each benchmark in a throwaway schema it drops; benchmark 7 on a SQLite file in a
temporary folder. Writes the machine, then every figure with its baseline, the ratio, and the
issue's target with met or not met. HTTP load comes from wrk when installed, else from a small
Python generator; the report says which.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pydantic import SecretStr

from api.serve import plan
from bench import commands, records, views
from bench.figures import Result
from bench.load import generator_name
from bench.report import machine, markdown
from bench.sizes import FULL, SMOKE
from infrastructure.settings import Settings

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def run_suite(
    url: str,
    folder: Path,
    smoke: bool,
    memory_events: int | None,
    only: set[int],
    after_each: Callable[[list[Result]], None],
) -> list[Result]:
    """Run the benchmarks in order; `after_each` gets the results so far (a long run keeps what it
    measured if a later benchmark fails). A benchmark that fails is reported as failed."""
    sizes = SMOKE if smoke else FULL
    if memory_events is not None:
        sizes = replace(sizes, memory_events=memory_events)
    highest = 0.0

    def first() -> Result:
        nonlocal highest
        result, highest = commands.http_commands(url, folder / "1", sizes)
        return result

    benchmarks: dict[int, Callable[[], Result]] = {
        1: first,
        2: lambda: commands.in_process_commands(url, folder / "2", sizes),
        3: lambda: records.replay(url, folder / "3", sizes),
        4: lambda: views.rebuild(url, folder / "4", sizes),
        5: lambda: commands.command_lag(url, folder / "5", sizes, highest or 20.0),
        6: lambda: views.memory(url, folder / "6", sizes),
        7: lambda: commands.embedded_commands(folder / "7", sizes),
        8: lambda: views.reads(url, folder / "8", sizes),
        9: lambda: records.long_records(url, folder / "9", sizes),
    }
    results = []
    for number, benchmark in benchmarks.items():
        if only and number not in only:
            continue
        started = time.perf_counter()
        print(f"benchmark {number} ...", flush=True)
        try:
            result = benchmark()
        except Exception as error:  # noqa: BLE001  one benchmark failing must not lose the others
            traceback.print_exc()
            result = Result(number, "(failed)", "none", notes=[f"failed: {type(error).__name__}: {error}"])
        result.seconds = time.perf_counter() - started
        print(f"benchmark {number}: {len(result.figures)} figures in {result.seconds:.0f} s", flush=True)
        results.append(result)
        after_each(results)
    return results


def serving(url: str) -> str:
    """How the benchmarks' servers run: as `make run` starts them, so as production does."""
    settings = Settings(database_url=SecretStr(url))
    on_postgres, on_sqlite = plan(settings), plan(Settings(database_url=SecretStr("sqlite:///bench.db")))
    return (
        "Servers start as `make run` does (`python -m api.serve`): on PostgreSQL "
        f"{on_postgres.workers} uvicorn worker process(es) (one a core) and `youthcare projector` in a process "
        f"of its own (benchmark 6: one worker, to measure its memory); on SQLite (benchmark 7) {on_sqlite.workers} "
        "process with the projector in a thread."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("YOUTHCARE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, about a second per measurement")
    parser.add_argument("--memory-events", type=int, help="log size for benchmark 6 (full run: 1,000,000)")
    parser.add_argument("--only", type=int, action="append", default=[], help="run only this benchmark (repeatable)")
    parser.add_argument("--note", action="append", default=[], help="a line to say at the top of the report")
    args = parser.parse_args()
    about = machine(args.database_url)
    kind = "a smoke run (tiny sizes: the figures mean nothing)" if args.smoke else "a full run"
    preface = [
        f"Written by `make bench` (`python -m bench.suite`), {kind}. Each figure comes with a baseline "
        "measured in the same run and the ratio value / baseline; targets are issue 13's. HTTP load "
        f"generator: {generator_name()}.",
        serving(args.database_url),
        *args.note,
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)

    def write(results: list[Result]) -> None:
        args.output.write_text(markdown(results, about, preface))

    with tempfile.TemporaryDirectory(prefix="youthcare-bench-") as folder:
        results = run_suite(args.database_url, Path(folder), args.smoke, args.memory_events, set(args.only), write)
    print(f"written to {args.output}")
    if any(not result.figures for result in results):
        raise SystemExit("some benchmarks failed; see above and the report")


if __name__ == "__main__":
    main()

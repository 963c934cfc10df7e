"""Time rebuilding the read-side views from the event log, per view and all in sequence.

    .venv/bin/python -m bench.rebuild [--events 100000] [--postgres postgresql+psycopg2://...]

Seeds `--events` events (bench.seed: a realistic mix) into a fresh SQLite file in a
temporary folder and, with --postgres, into a fresh PostgreSQL schema that is
dropped afterwards. Then, on each store, `Projector.rebuild` starts every view over
and replays the whole log into it, once view by view and once all views in
sequence (what `youthcare projections rebuild` does). The views are written to
the event store's own database, as in production (`ViewStore(app, settings)`).

Prints for each store the seeding rate and, for each view, the events replayed,
the wall time and events/s (log events applied per second). "all views" is the
time to rebuild every view one after the other, its rate the log's events divided
by that time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bench.schema import throwaway_schema
from bench.seed import seed
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore


def line(store: str, what: str, events: int, seconds: float) -> None:
    print(f"{store:<11} {what:<14} {events:>9,} events {seconds:8.2f} s {events / seconds:>9,.0f} events/s", flush=True)


def bench_store(store: str, settings: Settings, events: int, batch_size: int) -> None:
    app = create_application(settings)
    try:
        started = time.perf_counter()
        written = seed(app, events)
        line(store, "seed", written, time.perf_counter() - started)
        projector = Projector(app, ViewStore(app, settings), batch_size=batch_size)
        for view in projector.views:
            started = time.perf_counter()
            applied = projector.rebuild(view)
            line(store, view.name, applied, time.perf_counter() - started)
        started = time.perf_counter()
        for view in projector.views:
            projector.rebuild(view)
        line(store, "all views", projector.store.head(), time.perf_counter() - started)
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events to seed (default 100,000)")
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is made and dropped")
    parser.add_argument("--batch-size", type=int, default=500, help="events per projector transaction")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=SecretStr(f"sqlite:///{Path(folder) / 'bench.db'}"), database_schema=None)
        bench_store("sqlite", settings, args.events, args.batch_size)
    if args.postgres:
        with throwaway_schema(args.postgres) as schema:
            settings = Settings(database_url=SecretStr(args.postgres), database_schema=schema)
            bench_store("postgresql", settings, args.events, args.batch_size)


if __name__ == "__main__":
    main()

"""Auditor reads at scale: `?as_of=` and `?version=` on a case with 10,000 events over HTTP,
and a full hash-chain verification of 100,000 events.

    .venv/bin/python -m bench.audit [--case-events 10000] [--log-events 100000] [--postgres URL]

For each store (a SQLite file in a temporary folder, and a throwaway PostgreSQL schema if
a URL is given):
1. writes one case with `--case-events` events (interventions, saved 50 at a time so the
   snapshots fall where the service would take them), starts the server like `make run` with a
   station, its lead and an auditor signed in,
   and times the auditor's `GET /cases/{id}?as_of=...` and `?version=...` for moments and versions spread
   over the case's life (median and slowest of the requests, over real HTTP);
2. seeds the log up to `--log-events` events (bench.seed), links the hash chain, and times
   `verify` (every record chain and the log chain recomputed from the stored bytes).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from application.views.hash_chain import HashChain
from application.views.read_side import ReadPolicy, ReadSide
from bench.records import write_case
from bench.seed import seed
from bench.service import Service, running
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore

REQUESTS = 40


def big_case(settings: Settings, events: int, station_id: str) -> str:
    app = create_application(settings)
    try:
        return str(write_case(app, events, UUID(station_id)))
    finally:
        app.close()


def time_reads(service: Service, case_id: str, events: int) -> tuple[list[float], list[float]]:
    """`as_of` and `version` reads of the case, as the auditor (who may read any record, and whose
    reads are logged as every read is)."""
    with service.client(service.auditor, timeout=60) as client:
        history = client.get(f"/cases/{case_id}/history", params={"limit": 1}).json()
        first = datetime.fromisoformat(history["events"][0]["occurred_at"])
        last = datetime.fromisoformat(client.get(f"/cases/{case_id}").json()["modified_at"])
        span = (last - first).total_seconds()
        as_of_times, version_times = [], []
        for index in range(REQUESTS):
            moment = first + timedelta(seconds=span * (index + 0.5) / REQUESTS)
            started = time.perf_counter()
            answer = client.get(f"/cases/{case_id}", params={"as_of": moment.isoformat()})
            as_of_times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
            version = 1 + (events - 1) * index // (REQUESTS - 1)
            started = time.perf_counter()
            answer = client.get(f"/cases/{case_id}", params={"version": version})
            version_times.append(time.perf_counter() - started)
            assert answer.status_code == 200 and answer.json()["version"] == version, answer.text
    return as_of_times, version_times


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms, slowest {max(values) * 1000:7.1f} ms"


def bench_store(store: str, database_url: str | None, args: argparse.Namespace, folder: Path) -> None:
    with running(database_url, folder / store) as service:
        case_id = big_case(service.settings, args.case_events, service.station_id)
        as_of, version = time_reads(service, case_id, args.case_events)
        label = f"{store:<11} case of {args.case_events:,} events:"
        print(f"{label} ?as_of=   {ms(as_of)} ({REQUESTS} requests)", flush=True)
        print(f"{label} ?version= {ms(version)} ({REQUESTS} requests)", flush=True)
        bench_verify(store, service.settings, args)


def bench_verify(store: str, settings: Settings, args: argparse.Namespace) -> None:
    """Seed the log up to `--log-events`, link the hash chain, and time a full verification."""
    app = create_application(settings)
    try:
        missing = args.log_events - (app.recorder.max_notification_id() or 0)
        if missing > 0:
            seed(app, missing)
        projector = Projector(app, ViewStore(app, settings), views=[HashChain()])
        started = time.perf_counter()
        projector.rebuild(projector.views[0])
        linked = time.perf_counter() - started
        read_side = ReadSide(projector, ReadPolicy(), clock=app.clock)
        started = time.perf_counter()
        report = read_side.verification(app.recorder)
        took = time.perf_counter() - started
        assert report.ok, report.broken[:3]
        print(
            f"{store:<11} verify {report.events:,} events: {took:6.2f} s ({report.events / took:,.0f} events/s); "
            f"linking them first took {linked:.2f} s",
            flush=True,
        )
        projector.close()
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case-events", type=int, default=10_000)
    parser.add_argument("--log-events", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is made and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_store("sqlite", None, args, Path(folder))
        if args.postgres:
            bench_store("postgresql", args.postgres, args, Path(folder))


if __name__ == "__main__":
    main()

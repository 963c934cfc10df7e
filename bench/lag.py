"""Lag from a command's answer to its event's appearance in the audit trail, under steady load.

    .venv/bin/python -m bench.lag [--rate 20] [--seconds 30] [--clients 2] [--postgres URL]

Starts the server like `make run` (projector embedded) on SQLite, and on PostgreSQL if a URL is
given (a throwaway schema, dropped afterwards). `--clients` threads together send `--rate`
interventions per second, spread over several cases, for `--seconds`. Right after each answer
the same client asks `GET /audit-trail?record_id=<case>&consistent_with=<position>`, which
returns as soon as the view holds the event; the lag is the time from the command's answer to
that read's answer. The same read for a position already applied is timed too: that is the
HTTP round trip included in every lag figure.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench.schema import throwaway_schema
from tests.e2e.server import running_server

CASE = {
    "youth": {"full_name": "Load Test", "date_of_birth": "2012-03-04", "gender": "female"},
    "category": "truancy",
    "source": "school",
    "summary": "bench",
}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(base_url: str, rate: float, seconds: float, clients: int) -> tuple[list[float], list[float]]:
    with httpx.Client(base_url=base_url, timeout=30) as setup:
        station = setup.post("/stations", json={"name": "Bench", "kind": "police_care_station", "level": "town"})
        case_ids = [
            setup.post("/cases", json={**CASE, "station_id": station.json()["id"]}).json()["id"] for _ in range(8)
        ]
    lags: list[float] = []
    round_trips: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    interval = clients / rate  # each client's pace

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            started = time.perf_counter()
            n = 0
            while (now := time.perf_counter()) - started < seconds:
                due = started + n * interval
                if due > now:
                    time.sleep(due - now)
                case_id = case_ids[(index + n * clients) % len(case_ids)]
                n += 1
                body = {
                    "kind": "counselling",
                    "occurred_at": datetime.now(timezone.utc).isoformat(),
                    "duration_minutes": 20,
                    "notes": "bench",
                    "performed_by": "bench",
                }
                answer = client.post(f"/cases/{case_id}/interventions", json=body)
                answered = time.perf_counter()
                if answer.status_code != 200:
                    with lock:
                        errors.append(f"write {answer.status_code}")  # e.g. 409 when two clients hit one case
                    continue
                position = answer.json()["position"]
                params = {"record_id": case_id, "consistent_with": position, "limit": 1}
                seen = client.get("/audit-trail", params=params)
                lag = time.perf_counter() - answered
                assert seen.status_code == 200, seen.text
                assert seen.json()["items"][0]["position"] >= position
                again = time.perf_counter()
                client.get("/audit-trail", params=params)  # already applied: just the round trip
                with lock:
                    lags.append(lag)
                    round_trips.append(time.perf_counter() - again)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  ({len(errors)} writes refused: {sorted(set(errors))})")
    return lags, round_trips


def report(store: str, lags: list[float], round_trips: list[float], seconds: float) -> None:
    ms = [lag * 1000 for lag in lags]
    rt = [r * 1000 for r in round_trips]
    print(
        f"{store:<11} {len(ms)} commands in {seconds:.0f} s ({len(ms) / seconds:.1f}/s): lag to audit trail "
        f"median {statistics.median(ms):.1f} ms, p95 {_quantile(ms, 0.95):.1f} ms, max {max(ms):.1f} ms; "
        f"plain read round trip median {statistics.median(rt):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second, all clients together")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is used and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
        with running_server(env, tmp / "sqlite.log") as base_url:
            report("sqlite", *measure(base_url, args.rate, args.seconds, args.clients), args.seconds)
        if args.postgres:
            with throwaway_schema(args.postgres) as schema:
                env = {"YOUTHCARE_DATABASE_URL": args.postgres, "YOUTHCARE_DATABASE_SCHEMA": schema}
                with running_server(env, tmp / "postgres.log") as base_url:
                    report("postgresql", *measure(base_url, args.rate, args.seconds, args.clients), args.seconds)


if __name__ == "__main__":
    main()

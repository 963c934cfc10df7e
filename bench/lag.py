"""Lag from a command's answer to its event's appearance in the audit trail, under steady load.

    .venv/bin/python -m bench.lag [--rate 20] [--seconds 30] [--clients 2] [--postgres URL]

Starts the server like `make run` (projector embedded) on SQLite, and on PostgreSQL if a URL is
given (a throwaway schema, dropped afterwards). `--clients` threads together send `--rate`
interventions per second, spread over several cases, for `--seconds`. Right after each answer
the same client asks `GET /audit-trail?record_id=<case>&consistent_with=<position>`, which
returns as soon as the view holds the event; the lag is the time from the command's answer to
that read's answer. The same read for a position already applied is timed too: that is the
HTTP round trip included in every lag figure. The suite (bench.suite) runs this at half the
highest command rate it measured.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.figures import quantile
from bench.service import Service, intervention_body, running


@dataclass
class Lags:
    """Milliseconds: command answers, lags to the audit trail, and plain round trips of that read."""

    commands: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    round_trips: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


def measure(service: Service, rate: float, seconds: float, clients: int) -> Lags:
    found = Lags()
    lock = threading.Lock()
    interval = clients / rate  # each client's pace
    cases = service.case_ids

    def client_loop(index: int) -> None:
        with service.client(service.lead) as client:
            started = time.perf_counter()
            n = 0
            while (now := time.perf_counter()) - started < seconds:
                due = started + n * interval
                if due > now:
                    time.sleep(due - now)
                case_id = cases[(index + n * clients) % len(cases)]
                n += 1
                sent = time.perf_counter()
                answer = client.post(
                    f"/cases/{case_id}/interventions",
                    content=intervention_body().replace("@N@", f"{index}-{n}"),
                    headers={"Content-Type": "application/json"},
                )
                answered = time.perf_counter()
                if answer.status_code != 200:
                    with lock:
                        found.refused[f"write {answer.status_code}"] += 1
                    continue
                params = {"record_id": case_id, "consistent_with": answer.json()["position"], "limit": 1}
                seen = client.get("/audit-trail", params=params)
                lag = time.perf_counter() - answered
                if seen.status_code != 200:
                    with lock:
                        found.refused[f"audit trail {seen.status_code}"] += 1
                    continue
                again = time.perf_counter()
                client.get("/audit-trail", params=params)  # already applied: just the round trip
                with lock:
                    found.commands.append((answered - sent) * 1000)
                    found.lags.append(lag * 1000)
                    found.round_trips.append((time.perf_counter() - again) * 1000)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def report(store: str, found: Lags, seconds: float) -> None:
    ms, rt = found.lags, found.round_trips
    print(
        f"{store:<11} {len(ms)} commands in {seconds:.0f} s ({len(ms) / seconds:.1f}/s): lag to audit trail "
        f"p50 {quantile(ms, 0.5):.1f} ms, p99 {quantile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms; "
        f"plain read round trip p50 {quantile(rt, 0.5):.1f} ms; refused: {dict(found.refused)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second, all clients together")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is used and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for store, url in (("sqlite", None), ("postgresql", args.postgres)):
            if store == "sqlite" or url:
                with running(url, Path(folder) / store, cases=8) as service:
                    report(store, measure(service, args.rate, args.seconds, args.clients), args.seconds)


if __name__ == "__main__":
    main()

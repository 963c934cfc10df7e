"""Benchmarks 1, 2, 5 and 7 of the suite: commands over HTTP, in process, their lag, and on SQLite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from application.access.principal import Caller
from application.front import Front
from bench import baseline, lag
from bench.figures import Figure, Result, Target, at_least, at_most, quantile, ratio_at_least
from bench.load import Load, Requests, run
from bench.read_log import PASSWORD, log_one, officer_reading
from bench.schema import throwaway_schema
from bench.service import Service, intervention_body, running, store
from bench.sizes import Sizes
from domain.youth_case import CaseCategory, CaseSource
from infrastructure.front import create_front
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.view_store import ViewStore

FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8}


# Benchmark 1's clients need no record back, so they say so (RFC 7240), as such a client would.
MINIMAL = {"Prefer": "return=minimal"}


def _commands(service: Service, prefer: dict[str, str] | None = None) -> Requests:
    paths = [f"/cases/{case_id}/interventions" for case_id in service.case_ids]
    return Requests("POST", paths, {**service.lead, **(prefer or {})}, intervention_body())


def _load_figures(
    result: Result, label: str, load: Load, base: Load, base_name: str, target: Target | None = None
) -> None:
    result.add(Figure(f"{label}: commands/s", load.per_second, "/s", f"{base_name}/s", base.per_second, target))
    result.add(Figure(f"{label}: p50", load.p50_ms, "ms", f"{base_name} p50", base.p50_ms))
    result.add(Figure(f"{label}: p99", load.p99_ms, "ms", f"{base_name} p99", base.p99_ms))
    result.notes.append(f"{label}: answers by status {dict(sorted(load.statuses.items()))}, {load.socket_errors} lost")


def http_commands(url: str, folder: Path, sizes: Sizes) -> tuple[Result, float]:
    """Benchmark 1; also returns the highest command rate seen (benchmark 5 runs at half of it)."""
    result = Result(
        1,
        "Commands over HTTP (PostgreSQL)",
        "a psycopg2 loop at the same client count doing the least SQL of the same durable write "
        "(select the version, lock the events table, insert, notify, commit); and the framework "
        "ceiling, `GET /healthz` at the same client count",
    )
    best = 0.0
    with running(url, folder, cases=sizes.cases) as service, throwaway_schema(url) as schema:
        for clients in sizes.clients:
            label = f"{clients} client{'s' if clients > 1 else ''}"
            load = run(service.base_url, _commands(service, MINIMAL), clients, sizes.seconds)
            base = baseline.postgres(url, schema, clients, sizes.seconds)
            ceiling = run(service.base_url, Requests("GET", ["/healthz"], {}), clients, sizes.seconds)
            best = max(best, load.per_second)
            target = Target("≥ 0.5 of the baseline", ratio_at_least(0.5)) if clients == 16 else None
            _load_figures(result, label, load, base, "psycopg2", target)
            result.add(
                Figure(
                    f"{label}: errors (non-2xx or lost)",
                    load.errors,
                    "",
                    "answers (ratio: the share refused)",
                    load.answers + load.socket_errors,
                    Target("0 errors", at_most(0)) if clients == 16 else None,
                )
            )
            if clients == 1:
                result.add(
                    Figure(
                        f"{label}: time per command",
                        1000 / load.per_second,
                        "ms",
                        "psycopg2 time per write",
                        1000 / base.per_second,
                        Target("≤ 4 ms per command", at_most(4)),
                    )
                )
                whole = run(service.base_url, _commands(service), clients, sizes.seconds)
                result.add(
                    Figure(
                        f"{label}: time per command answering the whole case",
                        1000 / whole.per_second,
                        "ms",
                        "psycopg2 time per write",
                        1000 / base.per_second,
                    )
                )
            result.add(
                Figure(f"{label}: framework ceiling", load.per_second, "/s", "GET /healthz/s", ceiling.per_second)
            )
        result.notes.insert(0, f"load generator: {load.generator}; {sizes.seconds:g} s per measurement")
        result.notes.insert(
            1,
            "the commands are sent with `Prefer: return=minimal`, as a client that does not need the case "
            "back would: the answer is its id, version and position; one more measurement at 1 client "
            "asks for the whole case",
        )
    return result, best


@contextmanager
def _front(settings: Any, count: int) -> Iterator[tuple[Front, Caller, list[Any]]]:
    """The front door in this process, a station officer and `count` cases."""
    settings = settings.model_copy(update={"bootstrap_admin_password": SecretStr(PASSWORD), **FAST_HASHING})
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    try:
        front = create_front(settings, projector)
        front.bootstrap_admin(PASSWORD)
        officer, first, station_id = officer_reading(front, interventions=0)
        youth = {"full_name": "Bench Youth", "date_of_birth": datetime(2012, 1, 1).date(), "gender": "male"}
        cases = [first] + [
            front.open_case(
                officer,
                station_id=station_id,
                youth=youth,
                category=CaseCategory.TRUANCY,
                source=CaseSource.SCHOOL,
                summary="bench",
            ).id
            for _ in range(count - 1)
        ]
        yield front, officer, cases
    finally:
        projector.close()
        app.close()


def in_process_commands(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 2: one caller logging interventions through the front door, no HTTP."""
    result = Result(2, "Commands in process (PostgreSQL, no HTTP)", "the psycopg2 loop of benchmark 1 at one client")
    with store(url, folder) as (settings, _), _front(settings, sizes.cases) as (front, officer, cases):
        timings: list[float] = []
        deadline = time.perf_counter() + sizes.seconds
        n = 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            log_one(front, officer, cases, n)
            timings.append((time.perf_counter() - began) * 1000)
            n += 1
        with throwaway_schema(url) as schema:
            base = baseline.postgres(url, schema, 1, sizes.seconds)
    per_second = len(timings) / (sum(timings) / 1000)
    result.add(
        Figure(
            "commands/s",
            per_second,
            "/s",
            "psycopg2/s",
            base.per_second,
            Target("≥ 0.8 of the baseline", ratio_at_least(0.8)),
        )
    )
    result.add(Figure("p50", quantile(timings, 0.5), "ms", "psycopg2 p50", base.p50_ms))
    result.add(Figure("p99", quantile(timings, 0.99), "ms", "psycopg2 p99", base.p99_ms))
    return result


def command_lag(url: str, folder: Path, sizes: Sizes, highest: float) -> Result:
    """Benchmark 5: answer to audit-trail visibility at half the highest command rate of benchmark 1."""
    rate = max(1.0, highest / 2)
    result = Result(
        5,
        "Lag to the audit trail at half the maximum load (PostgreSQL)",
        "the same audit-trail read for a position already applied (the HTTP round trip every lag includes)",
    )
    with running(url, folder, cases=sizes.cases) as service:
        found = lag.measure(service, rate, sizes.lag_seconds, sizes.lag_clients)
    result.notes.append(
        f"{rate:.1f} commands/s asked for ({sizes.lag_clients} paced clients, Python), "
        f"{len(found.lags) / sizes.lag_seconds:.1f}/s answered and seen; refused: {dict(found.refused) or 'none'}"
    )
    rt = found.round_trips
    result.add(Figure("lag p50", quantile(found.lags, 0.5), "ms", "round trip p50", quantile(rt, 0.5)))
    result.add(
        Figure(
            "lag p99",
            quantile(found.lags, 0.99),
            "ms",
            "round trip p99",
            quantile(rt, 0.99),
            Target("p99 ≤ 250 ms", at_most(250)),
        )
    )
    result.add(
        Figure(
            "command p99 at half the maximum (benchmark 1's target)",
            quantile(found.commands, 0.99),
            "ms",
            "round trip p99",
            quantile(rt, 0.99),
            Target("p99 ≤ 100 ms", at_most(100)),
        )
    )
    return result


def embedded_commands(folder: Path, sizes: Sizes) -> Result:
    """Benchmark 7: commands over HTTP on the SQLite default."""
    result = Result(
        7,
        "Commands over HTTP on the SQLite default",
        "a sqlite3 loop at the same client count (WAL, begin immediate, select the version, insert, commit)",
    )
    with running(None, folder, cases=sizes.cases) as service:
        for clients in sizes.embedded_clients:
            label = f"{clients} client{'s' if clients > 1 else ''}"
            load = run(service.base_url, _commands(service), clients, sizes.seconds)
            base = baseline.sqlite(folder / "baseline.db", clients, sizes.seconds)
            target = Target("≥ 400 commands/s", at_least(400)) if clients == max(sizes.embedded_clients) else None
            _load_figures(result, label, load, base, "sqlite3", target)
        result.notes.insert(0, f"load generator: {load.generator}; {sizes.seconds:g} s per measurement")
    return result

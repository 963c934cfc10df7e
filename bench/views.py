"""Benchmarks 4, 6 and 8 of the suite: rebuilding the views, the memory of the API and the
projector as the log grows, and reads under load."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from application.app import YouthCare
from bench.figures import Figure, Result, Target, at_most
from bench.load import Requests, run
from bench.seed import seed
from bench.service import running, store
from bench.sizes import Sizes
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.view_store import ViewStore


def read_and_decode(app: YouthCare, batch: int) -> int:
    """Read every notification of the log in batches and decode it to its domain event; apply nothing."""
    position, decoded = 0, 0
    while found := app.recorder.select_notifications(position + 1, batch):
        for notification in found:
            app.mapper.to_domain_event(notification)
        decoded += len(found)
        position = found[-1].id
    return decoded


def rebuild(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 4: each view's catch-up from position 0, against reading and decoding the same log."""
    result = Result(
        4,
        "Rebuild: each view's catch-up over the log (PostgreSQL)",
        "reading and decoding the same notifications in batches of the same size, applying nothing",
    )
    with store(url, folder) as (settings, _):
        app = create_application(settings)
        try:
            written = seed(app, sizes.rebuild_events)
            projector = Projector(app, ViewStore(app, settings), batch_size=settings.projector_batch_size)
            try:
                started = time.perf_counter()
                decoded = read_and_decode(app, settings.projector_batch_size)
                decode_rate = decoded / (time.perf_counter() - started)
                for view in projector.views:
                    started = time.perf_counter()
                    projector.rebuild(view)
                    rate = written / (time.perf_counter() - started)
                    target = Target(
                        "≥ 20,000 events/s and ≥ 0.3 of read-and-decode", lambda f: f.value >= 20_000 and f.ratio >= 0.3
                    )
                    result.add(Figure(f"view {view.name}", rate, "events/s", "read and decode", decode_rate, target))
            finally:
                projector.close()
        finally:
            app.close()
    result.notes.append(f"a log of {written:,} events written by bench.seed (a realistic mix of every record)")
    return result


def _uvicorn(base_url: str) -> int:
    """The server process under `make run` listening at `base_url` (make and its shell are in between)."""
    port = base_url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            words = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(word.endswith(b"uvicorn") for word in words) and port.encode() in words:
            return int(proc.name)
    raise RuntimeError(f"no uvicorn process listening at {base_url}")


def _megabytes(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def memory(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 6: peak RSS of the API and of `youthcare projector` (its own process) after the log grows."""
    result = Result(
        6,
        "Memory: peak RSS as the log grows (PostgreSQL)",
        "the same process's resident memory once started and staffed, before the log grew",
    )
    # One API worker: the process whose memory is measured is the one serving every request.
    one = {"YOUTHCARE_PROJECTOR": "off", "YOUTHCARE_WORKERS": "1"}
    with running(url, folder, extra_env=one, projector=True) as service:
        assert service.projector_pid is not None
        api, projector = _uvicorn(service.base_url), service.projector_pid
        service.caught_up()
        start = {"API": _megabytes(api, "VmRSS"), "projector": _megabytes(projector, "VmRSS")}
        app = create_application(service.settings)
        try:
            written = 0
            for _ in range(2):  # in two halves, to see growth
                written += seed(app, sizes.memory_events // 2, seed=written)
                service.caught_up()
                half = {"API": _megabytes(api, "VmRSS"), "projector": _megabytes(projector, "VmRSS")}
        finally:
            app.close()
        with httpx.Client(base_url=service.base_url, headers=service.auditor, timeout=60) as reader:
            some = [case["id"] for case in reader.get("/cases", params={"limit": 100}).json()["items"]]
        reads = Requests(
            "GET",
            [f"/cases/{case_id}" for case_id in some] + ["/cases?limit=50", "/coordination/stations"],
            service.auditor,
        )
        load = run(service.base_url, reads, 16, sizes.seconds)
        peak = {"API": _megabytes(api, "VmHWM"), "projector": _megabytes(projector, "VmHWM")}
    for process in ("API", "projector"):
        result.add(
            Figure(
                f"{process}: peak RSS after {written:,} events",
                peak[process],
                "MB",
                "at start",
                start[process],
                Target("≤ 250 MB, flat", at_most(250)),
            )
        )
        result.add(Figure(f"{process}: RSS after the last half", half[process], "MB", "at start", start[process]))
    result.notes.append(
        f"the log was seeded (bench.seed) from another process while both ran; then {load.answers} reads "
        f"({load.generator}, 16 clients) of cases, a search and a coordination view"
    )
    return result


def reads(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 8: a case page, a case search and a coordination view, each under concurrent readers."""
    result = Result(
        8,
        "Reads under load, read log on (PostgreSQL)",
        "the framework ceiling, `GET /healthz`, at the same client count",
    )
    with running(url, folder) as service:
        app = create_application(service.settings)
        try:
            written = seed(app, sizes.read_events)
        finally:
            app.close()
        service.caught_up()
        with httpx.Client(base_url=service.base_url, headers=service.auditor, timeout=60) as reader:
            cases = [case["id"] for case in reader.get("/cases", params={"limit": 100}).json()["items"]]
        kinds = {
            "case page": [f"/cases/{case_id}" for case_id in cases],
            "case search": [f"/cases?name={name}&limit=50" for name in ("Wang", "Li", "Chen", "Ming", "Wei")],
            "coordination view (stations)": ["/coordination/stations"],
        }
        clients = sizes.read_clients
        ceiling = run(service.base_url, Requests("GET", ["/healthz"], {}), clients, sizes.seconds)
        for name, paths in kinds.items():
            load = run(service.base_url, Requests("GET", paths, service.auditor), clients, sizes.seconds)
            result.add(Figure(f"{name}: reads/s", load.per_second, "/s", "/healthz/s", ceiling.per_second))
            result.add(Figure(f"{name}: p50", load.p50_ms, "ms", "/healthz p50", ceiling.p50_ms))
            result.add(Figure(f"{name}: p99", load.p99_ms, "ms", "/healthz p99", ceiling.p99_ms))
            result.notes.append(f"{name}: answers by status {dict(sorted(load.statuses.items()))}")
    result.notes.insert(
        0,
        f"{clients} clients ({ceiling.generator}), {sizes.seconds:g} s each, as the auditor (every read logged, "
        f"hash-chained) over a log of {written:,} seeded events",
    )
    return result

"""Benchmarks 3 and 9 of the suite: replaying a case of 1 to 10,000 events in process, and the
pages, export and appends of such a case over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from uuid import UUID

import httpx

from application.app import YouthCare
from bench.figures import Figure, Result, Target, Timing, at_most, timed
from bench.service import Service, intervention_body, running, store
from bench.sizes import Sizes
from domain.common import Actor, Role
from domain.organisation import Station, StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource, Gender, Intervention, InterventionKind, Youth, YouthCase
from infrastructure.persistence import create_application

STAFF = Actor("lead", Role.STATION_LEAD)


def write_case(app: YouthCare, events: int, station_id: UUID | None = None) -> UUID:
    """A case of `events` events (interventions), saved 50 at a time so the snapshots fall where
    the service would take them; at a new station unless `station_id` is given."""
    now = datetime.now(timezone.utc)
    if station_id is None:
        station = Station.register(
            actor=STAFF, name="Bench", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN
        )
        app.save(station)
        station_id = station.id
    youth = Youth(full_name="Bench Youth", date_of_birth=date(2012, 1, 1), gender=Gender.FEMALE)
    case = YouthCase.open(
        actor=STAFF,
        station_id=station_id,
        youth=youth,
        category=CaseCategory.TRUANCY,
        source=CaseSource.SCHOOL,
        summary="bench",
        now=now,
    )
    app.save(case)
    while case.version < events:
        for _ in range(min(50 - case.version % 50, events - case.version)):
            done = Intervention(InterventionKind.COUNSELLING, datetime.now(timezone.utc), 20, "bench", "lead")
            case.log_intervention(actor=STAFF, intervention=done, now=datetime.now(timezone.utc))
        app.save(case)
    return case.id


def _loads(app: YouthCare, cold: YouthCare, case_id: UUID, events: int, seconds: float) -> list[tuple[str, Timing]]:
    """Timings of loading the case now (snapshots on, off), at its middle version, and as of its middle."""
    middle = max(1, events // 2)
    moment = app._stored_event(case_id, middle).timestamp

    def load(what: Callable[[], object]) -> Timing:
        return timed(what, seconds=seconds, at_least_times=3)

    return [
        ("read the stored events", load(lambda: app.recorder.select_events(case_id))),
        ("now, snapshots on", load(lambda: app.repository.get(case_id))),
        ("now, snapshots off", load(lambda: cold.repository.get(case_id))),
        (f"version {middle}, snapshots on", load(lambda: app.repository.get(case_id, version=middle))),
        (
            "as_of the middle, snapshots on",
            load(lambda: app.repository.get(case_id, version=app.version_at(YouthCase, case_id, moment))),
        ),
    ]


GOALS = {"now, snapshots on": 2.0, "version": 10.0, "as_of": 10.0}  # ms, for the largest case


def replay(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 3: load a case now, at a past version and as of a past moment, snapshots on and off."""
    result = Result(
        3,
        "Replay: loading a case in process (PostgreSQL)",
        "reading the case's stored events from the store without decoding them (`recorder.select_events`)",
    )
    largest = max(sizes.replay_events)
    with store(url, folder) as (settings, _):
        app = create_application(settings)
        cold = create_application(settings.model_copy(update={"snapshot_interval": 0}))
        try:
            for events in sizes.replay_events:
                (_, read), *loads = _loads(app, cold, write_case(app, events), events, sizes.replay_seconds)
                for name, timing in loads:
                    goal = next((ms for start, ms in GOALS.items() if name.startswith(start)), None)
                    target = Target(f"≤ {goal:g} ms", at_most(goal)) if goal and events == largest else None
                    result.add(Figure(f"{events:,} events: {name} p50", timing.p50, "ms", "read p50", read.p50, target))
        finally:
            cold.close()
            app.close()
    result.notes.append("targets apply to the largest case; p50 of repeated loads of the same case")
    return result


def _get(client: httpx.Client, path: str) -> Callable[[], object]:
    def send() -> None:
        answer = client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"

    return send


def _append(client: httpx.Client, case_id: str, *, minimal: bool) -> Callable[[], object]:
    headers = {"Content-Type": "application/json"} | ({"Prefer": "return=minimal"} if minimal else {})

    def send() -> None:
        answer = client.post(
            f"/cases/{case_id}/interventions", content=intervention_body().replace("@N@", "append"), headers=headers
        )
        assert answer.status_code == 200, answer.text[:200]

    return send


def _requests(
    service: Service, case_id: str, events: int, timeout: float
) -> dict[str, tuple[Callable[[], object], str | None]]:
    """The requests on one case, cheapest first: a request given up on keeps the server busy."""
    reader, writer = service.client(service.auditor, timeout), service.client(service.lead, timeout)
    last = max(0, events - 50)
    return {
        # A client that does not need the whole case back says so (RFC 7240); the target is on that one.
        "append an intervention, return=minimal": (_append(writer, case_id, minimal=True), "as fast as to a new case"),
        "append an intervention, whole case answered": (_append(writer, case_id, minimal=False), None),
        "history, first page of 50": (_get(reader, f"/cases/{case_id}/history?limit=50"), "≤ 50 ms"),
        "history, last page of 50": (
            _get(reader, f"/cases/{case_id}/history?limit=50&after_version={last}"),
            "≤ 50 ms",
        ),
        "export": (_get(reader, f"/cases/{case_id}/export"), "≤ 2000 ms"),
        "timeline, first page of 50": (_get(reader, f"/cases/{case_id}/timeline?limit=50"), "≤ 50 ms"),
    }


def _target(goal: str) -> Target:
    if goal.startswith("as fast"):
        return Target("ratio ≤ 1.1 (as fast as to a new case)", lambda f: f.ratio <= 1.1)
    return Target(goal, at_most(float(goal.split()[1])))


def long_records(url: str, folder: Path, sizes: Sizes) -> Result:
    """Benchmark 9: pages, export and appends on long cases, against the same on a new case."""
    result = Result(
        9,
        "Long records over HTTP (PostgreSQL)",
        "the same request on a case just opened (one event), in the same server",
    )
    largest = max(sizes.long_events)
    with running(url, folder) as service:
        app = create_application(service.settings)
        try:
            cases = {n: str(write_case(app, n, UUID(service.station_id))) for n in sizes.long_events}
        finally:
            app.close()
        fresh = service.open_cases(1)[0]
        service.caught_up()
        base = {
            name: timed(send, seconds=sizes.long_seconds, at_least_times=3).p50
            for name, (send, _) in _requests(service, fresh, 1, sizes.request_timeout).items()
        }
        for events, case_id in cases.items():
            for name, (send, goal) in _requests(service, case_id, events, sizes.request_timeout).items():
                target = _target(goal) if goal and events == largest else None
                try:
                    value = timed(send, seconds=sizes.long_seconds, at_least_times=1).p50
                except httpx.TimeoutException:
                    value = sizes.request_timeout * 1000
                    name = f"{name} (gave up waiting: at least this)"
                    result.notes.append(
                        f"{events:,} events, {name}: no answer within {sizes.request_timeout:g} s; the server went "
                        "on computing it (any figure after it was measured beside that work)"
                    )
                result.add(
                    Figure(f"{events:,} events: {name}", value, "ms", "new case", base[name.split(" (")[0]], target)
                )
    result.notes.append(
        f"p50 over at least one request (at most about {sizes.long_seconds:g} s of them); the new case's "
        "timings are p50 over at least three"
    )
    result.notes.append(
        "appends are measured twice: with `Prefer: return=minimal` (the answer is id, version and position) and "
        "without it (the answer is the whole case, every intervention presented); the target is on the first"
    )
    return result

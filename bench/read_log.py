"""What the read log costs a read: a case read through the front door, logged and not, in one run.

    .venv/bin/python -m bench.read_log [--reads 500] [--postgres postgresql+psycopg2://...]

On each store it opens one case with a few interventions, then reads it `--reads` times
through the front door as the station officer, alternating a front whose read log appends
(hash-chained, as in service) with one whose read log throws the entry away, so drift
on a shared machine hits both alike. Prints p50, p99 and the mean of each, and the cost.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

from pydantic import SecretStr

from application.access.principal import Caller
from application.access.read_log import ReadEntry, ReadLog
from application.front import Front
from bench.schema import throwaway_schema
from domain.common import Role
from domain.organisation import StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource, InterventionKind
from infrastructure.front import create_front
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore

PASSWORD = "bench password 123"


class DiscardingLog(ReadLog):
    """The baseline: a read log that keeps nothing."""

    def append(self, entry: ReadEntry) -> int:
        return 0


def officer_reading(front: Front, interventions: int = 10) -> tuple[Caller, UUID, UUID]:
    """A station, its officer (reading as `GET /cases/{id}` does) and a case with `interventions`."""
    admin = Caller(principal=front.authenticate(front.sign_in("admin", PASSWORD, None)["access_token"]))
    station = front.register_station(
        admin, name="Bench station", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN
    )
    front.create_user(
        admin,
        username="officer",
        display_name="Officer",
        password=PASSWORD,
        role=Role.STATION_OFFICER,
        scope_id=station.id,
    )
    officer = Caller(
        principal=front.authenticate(front.sign_in("officer", PASSWORD, None)["access_token"]),
        endpoint="GET /cases/{id}",
        address="127.0.0.1",
    )
    youth = {"full_name": "Bench Youth", "date_of_birth": datetime(2012, 1, 1).date(), "gender": "male"}
    case = front.open_case(
        officer,
        station_id=station.id,
        youth=youth,
        category=CaseCategory.TRUANCY,
        source=CaseSource.SCHOOL,
        summary="bench",
    )
    for n in range(interventions):
        log_one(front, officer, [case.id], n)
    return officer, case.id, station.id


def log_one(front: Front, officer: Caller, cases: list[UUID], n: int) -> None:
    """The `n`th in-process command: an intervention on the next of `cases` in turn."""
    front.log_intervention(
        officer,
        cases[n % len(cases)],
        expected_version=None,
        kind=InterventionKind.COUNSELLING,
        occurred_at=datetime.now(timezone.utc),
        duration_minutes=30,
        notes=f"bench {n}",
        performed_by="officer",
    )


def measure(settings: Settings, reads: int) -> dict[str, list[float]]:
    settings = settings.model_copy(update={"bootstrap_admin_password": SecretStr(PASSWORD)})
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    try:
        logged = create_front(settings, projector)
        logged.bootstrap_admin(PASSWORD)
        unlogged = create_front(settings, projector)
        unlogged.read_log = DiscardingLog(unlogged.read_log.db)
        officer, case_id, _ = officer_reading(logged)
        timings: dict[str, list[float]] = {"with the read log": [], "without": []}
        for n in range(reads * 2):
            front, label = (logged, "with the read log") if n % 2 == 0 else (unlogged, "without")
            started = time.perf_counter()
            front.get_case(officer, case_id, version=None, as_of=None)  # type: ignore[arg-type]
            timings[label].append((time.perf_counter() - started) * 1000)
        assert logged.read_log.verify()["entries"] == reads
        return timings
    finally:
        projector.close()
        app.close()


def report(store: str, timings: dict[str, list[float]]) -> None:
    def summary(values: list[float]) -> tuple[float, float, float]:
        ordered = sorted(values)
        return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1], statistics.fmean(values)

    with_log, without = summary(timings["with the read log"]), summary(timings["without"])
    print(f"{store}: {len(timings['without'])} reads each")
    for label, (p50, p99, mean) in (("with the read log", with_log), ("without", without)):
        print(f"  {label:<18} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   mean {mean:6.2f} ms")
    print(f"  the log costs      p50 {with_log[0] - without[0]:+6.2f} ms   mean {with_log[2] - without[2]:+6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throwaway schema is used and dropped")
    args = parser.parse_args()
    fast = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        report("sqlite", measure(Settings(database_url=SecretStr(url), **fast), args.reads))  # type: ignore[arg-type]
    if args.postgres:
        with throwaway_schema(args.postgres) as schema:
            settings = Settings(database_url=SecretStr(args.postgres), database_schema=schema, **fast)  # type: ignore[arg-type]
            report("postgresql", measure(settings, args.reads))


if __name__ == "__main__":
    main()

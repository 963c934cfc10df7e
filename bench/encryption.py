"""What per-case encryption of personal data costs writes and reads, measured in one run.

    .venv/bin/python -m bench.encryption [--cases 100] [--writes 5] [--postgres postgresql+psycopg2://...]

Two applications on the same kind of store, one storing personal fields encrypted under case
keys (as the service does), one with the library's plain mapper. Work alternates between them
so drift on a shared machine hits both: open a case, log `--writes` interventions, read the
case back. Prints the median and p99 of each operation and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from uuid import UUID

from pydantic import SecretStr

from application.app import YouthCare
from bench.schema import throwaway_schema
from domain.common import Actor, Role
from domain.organisation import StationKind, StationLevel
from domain.youth_case import CaseCategory, CaseSource, InterventionKind
from infrastructure.persistence import create_application, library_env, prepare_database
from infrastructure.settings import Settings

ACTOR = Actor("bench", Role.STATION_LEAD)
YOUTH = {
    "full_name": "Bench Youth",
    "date_of_birth": date(2012, 1, 1),
    "gender": "male",
    "guardian_name": "Bench Guardian",
    "guardian_phone": "139 0000 0000",
    "school": "No. 1 School",
}
OPERATIONS = ("open", "log", "read")


@contextmanager
def plain_application(settings: Settings) -> Iterator[YouthCare]:
    """The application with the library's own mapper: personal data stored as it comes."""
    prepare_database(settings)
    env = {key: value for key, value in library_env(settings).items() if key != "MAPPER_TOPIC"}
    app = YouthCare(env, snapshot_interval=settings.snapshot_interval)
    try:
        yield app
    finally:
        app.close()


def one_case(app: YouthCare, station: UUID, writes: int, timings: dict[str, list[float]]) -> None:
    started = time.perf_counter()
    case = app.open_case(
        ACTOR,
        station_id=station,
        youth=YOUTH,
        category=CaseCategory.TRUANCY,
        source=CaseSource.SCHOOL,
        summary="A summary of what brought the youth here, about this long.",
    ).id
    timings["open"].append(time.perf_counter() - started)
    for n in range(writes):
        started = time.perf_counter()
        app.log_intervention(
            ACTOR,
            case,
            kind=InterventionKind.COUNSELLING,
            occurred_at=datetime.now(timezone.utc),
            duration_minutes=30,
            notes=f"Notes of session {n}: what was said and agreed, a few sentences long.",
            performed_by="bench",
        )
        timings["log"].append(time.perf_counter() - started)
    started = time.perf_counter()
    app.get_case(case)
    timings["read"].append(time.perf_counter() - started)


def measure(encrypted_settings: Settings, plain_settings: Settings, cases: int, writes: int) -> None:
    results = {label: {op: [] for op in OPERATIONS} for label in ("encrypted", "plain")}
    encrypted = create_application(encrypted_settings)
    with plain_application(plain_settings) as plain:
        stations = {
            label: app.register_station(
                ACTOR, name="S", kind=StationKind.POLICE_CARE_STATION, level=StationLevel.TOWN
            ).id
            for label, app in (("encrypted", encrypted), ("plain", plain))
        }
        for _ in range(cases):
            one_case(encrypted, stations["encrypted"], writes, results["encrypted"])
            one_case(plain, stations["plain"], writes, results["plain"])
    encrypted.close()
    for op in OPERATIONS:
        with_, without = (summary(results[label][op]) for label in ("encrypted", "plain"))
        print(
            f"  {op:<5} encrypted p50 {with_[0]:6.2f} ms p99 {with_[1]:6.2f} ms | plain p50 {without[0]:6.2f} ms "
            f"p99 {without[1]:6.2f} ms | cost p50 {with_[0] - without[0]:+6.2f} ms"
        )


def summary(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(s * 1000 for s in seconds)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL URL; throwaway schemas are used and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = [Settings(database_url=SecretStr(f"sqlite:///{Path(folder) / name}")) for name in ("e.db", "p.db")]
        print(f"sqlite ({args.cases} cases, {args.writes} interventions each; open, log and read, per operation):")
        measure(sqlite[0], sqlite[1], args.cases, args.writes)
    if args.postgres:
        with throwaway_schema(args.postgres) as first, throwaway_schema(args.postgres) as second:
            pg = [Settings(database_url=SecretStr(args.postgres), database_schema=schema) for schema in (first, second)]
            print(f"postgresql ({args.cases} cases, {args.writes} interventions each):")
            measure(pg[0], pg[1], args.cases, args.writes)


if __name__ == "__main__":
    main()

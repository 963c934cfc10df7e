"""The baselines for commands: the least SQL the same durable write needs, from plain driver loops.

A command appends one event to a record: the event store reads the record's version, takes the
events table's lock (eventsourcing-sqlalchemy: `LOCK TABLE ... IN EXCLUSIVE MODE`, so positions
are gapless), inserts the row, notifies the projector (PostgreSQL) and commits, durably. These
loops do exactly that and nothing else, on a table shaped like the library's (`id` from a
sequence, primary key on record and version, the state as bytes of an event's usual size),
`clients` threads each with its own connection, spread over 100 records.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2

from bench.figures import quantile
from bench.load import Load, in_step

RECORDS = 100
STATE = b"x" * 600  # about the size of a stored InterventionLogged


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def _loop(clients: int, seconds: float, connect: Callable[[], Any], write: Callable[[Any, uuid.UUID], None]) -> Load:
    records = [uuid.uuid4() for _ in range(RECORDS)]
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int, go: Callable[[], float]) -> None:
        connection = connect()
        own = records[index::clients]  # records of its own: the version read before the lock stays true
        mine = []
        n = 0
        deadline = go()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            write(connection, own[n % len(own)])
            mine.append((time.perf_counter() - began) * 1000)
            n += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    elapsed = in_step(clients, seconds, client)
    return Load(
        generator="driver loop",
        clients=clients,
        answers=len(latencies),
        seconds=elapsed,
        p50_ms=quantile(latencies, 0.5),
        p99_ms=quantile(latencies, 0.99),
        statuses={"200": len(latencies)},
        socket_errors=0,
    )


def postgres(url: str, schema: str, clients: int, seconds: float) -> Load:
    """psycopg2: select the version, lock the table, insert, notify, commit; per command."""
    table = f'"{schema}".baseline_events'
    setup = psycopg2.connect(_dsn(url))
    with setup, setup.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (id BIGSERIAL UNIQUE, originator_id UUID NOT NULL, "
            "originator_version BIGINT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
    setup.close()

    def write(connection: Any, record: uuid.UUID) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max(originator_version) FROM {table} WHERE originator_id = %s", (str(record),))
            version = (cursor.fetchone()[0] or 0) + 1
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s) "
                "RETURNING id",
                (str(record), version, "domain.youth_case:YouthCase.InterventionLogged", STATE),
            )
            cursor.execute("NOTIFY baseline_events")
        connection.commit()

    return _loop(clients, seconds, lambda: psycopg2.connect(_dsn(url)), write)


def sqlite(path: Path, clients: int, seconds: float) -> Load:
    """sqlite3 in WAL mode: begin immediate (the write lock), select the version, insert, commit."""
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute(
        "CREATE TABLE IF NOT EXISTS baseline_events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL, "
        "UNIQUE (originator_id, originator_version))"
    )
    setup.commit()
    setup.close()

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def write(connection: Any, record: uuid.UUID) -> None:
        connection.execute("BEGIN IMMEDIATE")
        found = connection.execute(
            "SELECT max(originator_version) FROM baseline_events WHERE originator_id = ?", (str(record),)
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO baseline_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (str(record), (found or 0) + 1, "domain.youth_case:YouthCase.InterventionLogged", STATE),
        )
        connection.execute("COMMIT")

    return _loop(clients, seconds, connect, write)

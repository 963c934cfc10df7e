"""How big and how long each benchmark of the suite runs: the issue's sizes, or a smoke run's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    seconds: float  # per load measurement
    cases: int = 100  # the commands of benchmarks 1, 2, 5 and 7 are spread over this many cases
    clients: tuple[int, ...] = (1, 16, 64)  # benchmark 1
    embedded_clients: tuple[int, ...] = (1, 16)  # benchmark 7
    lag_seconds: float = 20.0
    lag_clients: int = 8
    replay_events: tuple[int, ...] = (1, 100, 1_000, 10_000)
    replay_seconds: float = 2.0  # per kind of load of one case
    rebuild_events: int = 100_000
    memory_events: int = 1_000_000
    read_events: int = 20_000  # the log the reads of benchmark 8 run over
    read_clients: int = 16
    long_events: tuple[int, ...] = (100, 1_000, 10_000)
    long_seconds: float = 2.0  # per kind of request on one case (at least one request)
    request_timeout: float = 240.0  # benchmark 9 gives up on a request after this long


FULL = Sizes(seconds=10.0)
SMOKE = Sizes(
    seconds=1.0,
    cases=10,
    clients=(1, 4, 8),  # a shared PostgreSQL has room for a smoke run's connections
    lag_seconds=2.0,
    lag_clients=4,
    replay_events=(1, 10, 60),
    replay_seconds=0.1,
    rebuild_events=400,
    memory_events=400,
    read_events=300,
    read_clients=4,
    long_events=(10, 60),
    long_seconds=0.1,
)

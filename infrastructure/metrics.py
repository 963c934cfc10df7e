"""Prometheus metrics, counted where things happen: the HTTP edge (api/observing.py) counts
requests, the application counts commands, appends, read-log writes and sign-ins through its
observer (this class), and the views' positions are read from the tracking table when scraped.

Each app has a registry of its own: tests make many apps in one process, and prometheus-client's
default registry refuses a metric registered twice.

Several worker processes (`python -m api.serve` on PostgreSQL) share their counts through
prometheus-client's multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set before the library is
first imported (the server's supervisor sets it for its workers), every process writes its counters
and histograms to files there, and a scrape, answered by whichever worker, adds up every process's
files. The views' positions are read from the database, so any worker reports them whole.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from application.observer import SignInOutcome
from infrastructure.projector import Projector

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LAG_COUNTED_UP_TO = 10_000  # a view further behind shows this many: counting further costs each scrape too much
CONFLICTS = {"conflict": "concurrent_write", "stale_version": "stale_version"}


class Metrics:
    """The service's metrics in a registry of their own; the application's observer."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "youthcare_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "youthcare_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self._commands = Counter(
            "youthcare_commands",
            "Front-door commands, by command and outcome (success, refused_by_rule, conflict, stale_version, "
            "invalid, not_found, forbidden, ...).",
            ["command", "outcome"],
            registry=self.registry,
        )
        self._events = Counter("youthcare_events_appended", "Events committed to the log.", registry=self.registry)
        self._conflicts = Counter(
            "youthcare_conflicts",
            "Writes refused because the record changed first: concurrent_write (409) or stale_version (412).",
            ["kind"],
            registry=self.registry,
        )
        self._read_log = Counter(
            "youthcare_read_log_writes", "Entries written to the read log.", registry=self.registry
        )
        self._retries = Counter(
            "youthcare_append_retries",
            "Appends (interventions, sessions, notes, ...) tried again after another write got in first.",
            ["record_type"],
            registry=self.registry,
        )
        self._sign_ins = Counter(
            "youthcare_sign_ins",
            "Sign-in attempts by outcome: success, failure, throttled (429 after repeated failures).",
            ["outcome"],
            registry=self.registry,
        )
        for kind in CONFLICTS.values():  # present at 0 from the start, so rates work from the first scrape
            self._conflicts.labels(kind)
        for outcome in ("success", "failure", "throttled"):
            self._sign_ins.labels(outcome)
        self._views = ViewCollector()
        self.registry.register(self._views)
        self._scraped = self.registry
        shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # read where prometheus-client reads it
        if shared:
            # The counts above go to this process's files; a scrape reads every process's.
            self._scraped = CollectorRegistry()
            MultiProcessCollector(self._scraped, path=shared)
            self._scraped.register(self._views)

    def follow(self, projector: Projector) -> None:
        """Report the positions and lag of this projector's views (its store's tracking table)."""
        self._views.projector = projector

    def exposition(self) -> bytes:
        return generate_latest(self._scraped)

    # -- the HTTP edge

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        self._latency.labels(method, route).observe(seconds)

    # -- the application's observer

    def command(self, name: str, outcome: str) -> None:
        self._commands.labels(name, outcome).inc()
        if outcome in CONFLICTS:
            self._conflicts.labels(CONFLICTS[outcome]).inc()

    def appended(self, events: int) -> None:
        self._events.inc(events)

    def read_logged(self) -> None:
        self._read_log.inc()

    def signed_in(self, outcome: SignInOutcome) -> None:
        self._sign_ins.labels(outcome).inc()

    def retried(self, record_type: str) -> None:
        self._retries.labels(record_type).inc()


class ViewCollector(Collector):
    """Each view's position and lag, read when scraped, computed as `youthcare projections status` does."""

    def __init__(self) -> None:
        self.projector: Projector | None = None

    def collect(self) -> Iterator[Metric]:
        if self.projector is None:
            return
        up = GaugeMetricFamily("youthcare_event_store_up", "1 when the event store answered this scrape, else 0.")
        try:
            statuses = self.projector.status(count_at_most=LAG_COUNTED_UP_TO)
        except Exception as error:  # noqa: BLE001  an outage is what this reports, not a failed scrape
            logger.warning("metrics: the event store did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        head = GaugeMetricFamily("youthcare_log_head", "The newest position in the event log.")
        head.add_metric([], statuses[0].head if statuses else 0)
        yield head
        position = GaugeMetricFamily(
            "youthcare_view_position", "The last log position a view applied.", labels=["view"]
        )
        lag = GaugeMetricFamily(
            "youthcare_view_lag_events",
            f"Events a view has still to apply (counted up to {LAG_COUNTED_UP_TO:,}).",
            labels=["view"],
        )
        lag_seconds = GaugeMetricFamily(
            "youthcare_view_lag_seconds", "Age of the oldest event a view has still to apply.", labels=["view"]
        )
        for status in statuses:
            position.add_metric([status.view], status.position)
            lag.add_metric([status.view], status.lag_events)
            lag_seconds.add_metric([status.view], status.lag_seconds)
        yield from (position, lag, lag_seconds)

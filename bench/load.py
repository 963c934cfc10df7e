"""Load on a running server from a real load generator: wrk when installed, else a small Python one.

Both send the same requests: `method` to paths taken in turn from `paths`, each POST with its
own body (`body` with every `@N@` replaced by a number unique to the request), and count the
answers by status. wrk measures latency itself; its Lua hooks count the statuses. Without wrk
(`make bench` installs it; the smoke test in CI may not have it) threads with httpx do the same,
and the report says which generator measured a figure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.figures import quantile

WRK_SCRIPT = r"""
local paths = %(paths)s
local method = %(method)s
local body = %(body)s
local headers = %(headers)s
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  n = 0
end

function request()
  n = n + 1
  local path = paths[(id * 7 + n) %% #paths + 1]
  if body == nil then
    return wrk.format(method, path, headers)
  end
  local unique = tostring(id) .. "-" .. tostring(n)
  return wrk.format(method, path, headers, (body:gsub("@N@", unique)))
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for status, seen in pairs(thread:get("statuses")) do
      all[status] = (all[status] or 0) + seen
    end
  end
  local parts = {}
  for status, seen in pairs(all) do
    table.insert(parts, string.format('"%%s": %%d', status, seen))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "socket_errors": %%d, "statuses": {%%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class Requests:
    """What to send: `method` to `paths` in turn, with `body` (a JSON text with `@N@` markers) if any."""

    method: str
    paths: list[str]
    headers: dict[str, str]
    body: str | None = None


@dataclass(frozen=True)
class Load:
    """What a load run measured."""

    generator: str
    clients: int
    answers: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds

    @property
    def errors(self) -> int:
        """Answers other than 2xx, and requests that got no answer at all."""
        return self.socket_errors + sum(n for status, n in self.statuses.items() if not status.startswith("2"))


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def generator_name() -> str:
    return "wrk" if have_wrk() else "python (threads + httpx)"


def run(base_url: str, requests: Requests, clients: int, seconds: float) -> Load:
    """Send `requests` from `clients` connections for `seconds`, with wrk if installed."""
    if have_wrk():
        return _wrk(base_url, requests, clients, seconds)
    return _python(base_url, requests, clients, seconds)


def _lua(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string for our characters
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"


def _wrk(base_url: str, requests: Requests, clients: int, seconds: float) -> Load:
    headers = {**requests.headers, **({"Content-Type": "application/json"} if requests.body else {})}
    script = WRK_SCRIPT % {
        "paths": _lua(requests.paths),
        "method": _lua(requests.method),
        "body": _lua(requests.body),
        "headers": _lua(headers),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        command = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s"]
        done = subprocess.run([*command, "-s", file.name, base_url], capture_output=True, text=True, check=True)
    finally:
        Path(file.name).unlink()
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    found = json.loads(line.removeprefix("BENCH "))
    return Load(
        generator="wrk",
        clients=clients,
        answers=sum(found["statuses"].values()),
        seconds=found["seconds"],
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        statuses=found["statuses"],
        socket_errors=found["socket_errors"],
    )


def in_step(clients: int, seconds: float, client: Callable[[int, Callable[[], float]], None]) -> float:
    """Run `client(index, go)` in `clients` threads; `go()` waits until all are ready and returns the
    moment to stop, `seconds` after the common start. Returns the seconds from start to the last join."""
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def go() -> float:
        start.wait()
        return deadline

    def run_client(index: int) -> None:
        try:
            client(index, go)
        except BaseException:
            start.abort()  # the others and the caller stop waiting: the measurement fails
            raise

    threads = [threading.Thread(target=run_client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _python(base_url: str, requests: Requests, clients: int, seconds: float) -> Load:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    failures = 0
    lock = threading.Lock()

    def client(index: int, go: Callable[[], float]) -> None:
        nonlocal failures
        mine: list[float] = []
        seen: Counter[str] = Counter()
        lost = 0
        with httpx.Client(base_url=base_url, headers=requests.headers, timeout=60) as http:
            deadline = go()
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                path = requests.paths[(index * 7 + n) % len(requests.paths)]
                content = requests.body.replace("@N@", f"{index}-{n}") if requests.body else None
                began = time.perf_counter()
                try:
                    answer = http.request(
                        requests.method, path, content=content, headers={"Content-Type": "application/json"}
                    )
                except httpx.TransportError:
                    lost += 1
                    continue
                mine.append((time.perf_counter() - began) * 1000)
                seen[str(answer.status_code)] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            failures += lost

    elapsed = in_step(clients, seconds, client)
    return Load(
        generator="python",
        clients=clients,
        answers=len(latencies),
        seconds=elapsed,
        p50_ms=quantile(latencies, 0.5) if latencies else float("nan"),
        p99_ms=quantile(latencies, 0.99) if latencies else float("nan"),
        statuses=dict(statuses),
        socket_errors=failures,
    )

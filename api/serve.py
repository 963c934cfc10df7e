"""How `make run` and the container start the service: `python -m api.serve --host H --port P --grace S`.

On SQLite (the default) it is one uvicorn process keeping the views in a thread, as a newcomer
expects: this process becomes that uvicorn process. On PostgreSQL it is several uvicorn worker
processes (YOUTHCARE_WORKERS, default one a core) and `youthcare projector` in a process of its own;
this process starts both, passes SIGTERM or SIGINT on to both, and ends once both have, ended by
the same signal (as uvicorn does). With several workers each counts its metrics in files under
PROMETHEUS_MULTIPROC_DIR (a fresh folder for each start), and GET /metrics adds them all up.

Only the settings and the log format are imported here: the workers and the projector load the
application.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from infrastructure.logs import configure_logging
from infrastructure.settings import Settings

logger = logging.getLogger("youthcare.serve")

RUN_PREFIX = "youthcare-serve-"
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0  # before starting again a projector that ended by itself


@dataclass(frozen=True)
class Plan:
    """The processes a start runs: how many uvicorn workers, and whether the projector has its own."""

    workers: int
    projector_process: bool

    @property
    def single(self) -> bool:
        """One uvicorn process and nothing beside it: it may as well be this process."""
        return self.workers == 1 and not self.projector_process


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def plan(settings: Settings, workers: int | None = None) -> Plan:
    """Several workers, and the projector in a process of its own, only on PostgreSQL: its LISTEN/NOTIFY
    wakes the projector whichever process wrote. SQLite takes one write at a time (several workers
    measured no faster) and tells no other process of a write; memory:// lives in one process."""
    on_postgres = settings.database_url.get_secret_value().startswith("postgresql")
    asked = workers if workers is not None else settings.workers
    if asked > 1 and not on_postgres:
        raise SystemExit("several API workers need PostgreSQL; on SQLite or memory:// the service runs one")
    return Plan(asked or (cores() if on_postgres else 1), settings.projector == "embedded" and on_postgres)


def uvicorn_command(host: str, port: int, grace: int, workers: int) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app"]
    command += ["--host", host, "--port", str(port), "--timeout-graceful-shutdown", str(grace)]
    # Both pinned in pyproject.toml; uvloop is not made for Windows, where asyncio's own loop serves.
    command += ["--loop", "uvloop" if find_spec("uvloop") else "asyncio", "--http", "httptools"]
    return command + (["--workers", str(workers)] if workers > 1 else [])


def projector_command() -> list[str]:
    return [sys.executable, "-m", "api.cli", "projector"]


def fresh_run_dir() -> Path:
    """A folder of this start's own (the workers' metric files, uvicorn's logging); those of starts
    whose process is gone (killed before it could clean up) are removed, so that no count from an
    earlier run is added in."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{RUN_PREFIX}*"):
        pid = old.name.removeprefix(RUN_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))


def uvicorn_logging(settings: Settings) -> dict[str, Any]:
    """The uvicorn parent process's own lines (workers started, stopped) in the service's format;
    each worker then configures its logging as the app always does (infrastructure/logs.py)."""
    lines = "JsonLines" if settings.log_format == "json" else "PlainLines"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": {"()": f"infrastructure.logs.{lines}"}},
        "filters": {"scrubbed": {"()": "infrastructure.logs.Scrubbed"}},
        "handlers": {
            "service": {
                "class": "logging.StreamHandler",
                "formatter": "service",
                "filters": ["scrubbed"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["service"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def health_url(host: str, port: int) -> str:
    """Where this machine reaches the server's /healthz, whichever address it listens on."""
    local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, host)
    return f"http://{f'[{local}]' if ':' in local and not local.startswith('[') else local}:{port}/healthz"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except (OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Supervisor:
    """The uvicorn process (with its workers) and the projector process, started and stopped together.

    A projector that ends by itself is started again after a pause (the API goes on serving;
    /readyz shows the views falling behind). The uvicorn process ending by itself (its workers
    could not start) ends the service, with its status."""

    def __init__(
        self,
        server: list[str],
        projector: list[str] | None,
        env: dict[str, str],
        stop_seconds: float,
        health_url: str | None = None,
    ):
        self._server_command, self._projector_command = server, projector
        self._health_url = health_url
        self._env = env
        self._stop_seconds = stop_seconds
        self.signalled: int | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self._projector: subprocess.Popen[bytes] | None = None
        self._stopped: set[int] = set()

    def _signal(self, signum: int, _: object) -> None:
        if self.signalled is None:
            self.signalled = signum
            logger.info("%s: stopping the API workers and the projector", signal.Signals(signum).name)
        self._stop_children()

    def _stop_children(self) -> None:
        """SIGTERM, once, to each child running, also for a SIGINT: uvicorn takes a second SIGINT as "stop now"."""
        for child in (self._server, self._projector):
            if child is not None and child.pid not in self._stopped and child.poll() is None:
                child.send_signal(signal.SIGTERM)
                self._stopped.add(child.pid)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._signal)
        server_env = {**self._env, "YOUTHCARE_PROJECTOR": "off"} if self._projector_command else self._env
        self._server = subprocess.Popen(self._server_command, env=server_env)
        pause = FIRST_PAUSE
        started = restart_at = time.monotonic()
        # The projector starts once the workers answer (or after a minute): they start sooner
        # without it competing for the cores, and the views it then catches up are not needed before.
        serving = self._health_url is None
        while self.signalled is None and self._server.poll() is None:
            now = time.monotonic()
            if self._health_url is not None and not serving:
                serving = _answers(self._health_url) or now - started > 60
            elif self._projector_command and self._projector is None and now >= restart_at:
                self._projector, started = subprocess.Popen(self._projector_command), now
            elif self._projector is not None and self._projector.poll() is not None:
                # Quickly again after a long run; ever more slowly while it keeps ending at once.
                pause = FIRST_PAUSE if now - started > 60 else min(2 * pause, LONGEST_PAUSE)
                status = self._projector.returncode
                logger.error("the projector ended (status %s); starting it again in %.0f s", status, pause)
                self._projector, restart_at = None, now + pause
            time.sleep(0.1)
        if self.signalled is None:
            logger.error("the API server ended (status %s); stopping the projector", self._server.returncode)
        self._stop_children()  # again: a signal may have come before a child was started
        self._wait()
        return self._server.returncode or 0

    def _wait(self) -> None:
        """Wait for both; one not gone by the deadline (its own stop timeouts passed) is killed."""
        deadline = time.monotonic() + self._stop_seconds
        for child in (self._server, self._projector):
            if child is None:
                continue
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("process %s did not stop in time; killing it", child.pid)
                child.kill()
                child.wait()


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m api.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--grace", type=int, default=10, help="seconds the requests under way get on SIGTERM")
    parser.add_argument("--workers", type=int, help="uvicorn worker processes (default: YOUTHCARE_WORKERS)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    settings = Settings()
    configure_logging(settings)
    chosen = plan(settings, args.workers)
    server = uvicorn_command(args.host, args.port, args.grace, chosen.workers)
    if chosen.single:
        os.execv(server[0], server)  # this process becomes the server: signals reach uvicorn itself
    env = dict(os.environ)
    run_dir = fresh_run_dir() if chosen.workers > 1 else None
    if run_dir is not None:
        (run_dir / "metrics").mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(run_dir / "metrics")
        (run_dir / "logging.json").write_text(json.dumps(uvicorn_logging(settings)))
        server += ["--log-config", str(run_dir / "logging.json")]
    logger.info(
        "serving with %s API worker process(es)%s",
        chosen.workers,
        " and the projector in a process of its own" if chosen.projector_process else "",
    )
    supervisor = Supervisor(
        server,
        projector_command() if chosen.projector_process else None,
        env,
        stop_seconds=args.grace + settings.projector_stop_seconds + 5,
        health_url=health_url(args.host, args.port),
    )
    try:
        status = supervisor.run()
    finally:
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
    if supervisor.signalled is not None:
        # End as uvicorn does: by the signal that asked, so `make` and a supervisor above see it.
        signal.signal(supervisor.signalled, signal.SIG_DFL)
        signal.raise_signal(supervisor.signalled)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The `youthcare` command as an operator runs it, on a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from application.views.audit_trail import AuditTrail
from application.views.casework import Casework
from bench.seed import seed
from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from tests.e2e.server import running_projector
from tests.integration.test_application import STAFF, close_case, open_case, station

pytestmark = pytest.mark.e2e

YOUTHCARE = Path(sys.executable).with_name("youthcare")


def youthcare(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YOUTHCARE_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run([str(YOUTHCARE), *args], env=env, capture_output=True, text=True, timeout=120)


def status_lines(database: Path) -> dict[str, list[str]]:
    shown = youthcare(database, "projections", "status")
    assert shown.returncode == 0, shown.stderr
    header, *rows = shown.stdout.splitlines()
    assert header.split()[:3] == ["view", "version", "position"]
    return {row.split()[0]: row.split()[1:] for row in rows}


def test_status_shows_the_lag_and_rebuild_replays_every_event(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    app = create_application(Settings(database_url=SecretStr(f"sqlite:///{database}")))
    written = seed(app, 1_500)
    head = app.recorder.max_notification_id()
    app.close()

    before = status_lines(database)
    assert set(before) == {"audit_trail", "casework", "hash_chain"}
    trail_version = str(AuditTrail.version)
    assert before["audit_trail"][:4] == [f"-→{trail_version}", "0", f"{head:,}", f"{written:,}"]  # never built

    rebuilt = youthcare(database, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"audit_trail: {written:,} events in" in rebuilt.stderr
    assert f"casework: {written:,} events in" in rebuilt.stderr

    after = status_lines(database)
    assert after["audit_trail"][:4] == [trail_version, f"{head:,}", f"{head:,}", "0"]
    assert after["casework"][:4] == [str(Casework.version), f"{head:,}", f"{head:,}", "0"]


def test_rebuilding_a_view_that_does_not_exist_says_which_ones_do(tmp_path: Path) -> None:
    answer = youthcare(tmp_path / "cli.db", "projections", "rebuild", "cases")

    assert answer.returncode == 2
    assert "unknown view(s): cases; the views are: audit_trail, casework" in answer.stderr


def test_the_cli_exports_a_case_and_verify_export_checks_it_offline(tmp_path: Path) -> None:
    database = tmp_path / "export.db"
    app = create_application(Settings(database_url=SecretStr(f"sqlite:///{database}")))
    case_id = open_case(app, station(app))
    app.assess_risk(STAFF, case_id, instrument="screening", score=9, level="low", notes="")
    app.close()
    env = {**os.environ, "YOUTHCARE_DATABASE_URL": f"sqlite:///{database}"}
    exported = tmp_path / "case.json"

    made = subprocess.run(
        [str(YOUTHCARE), "export", str(case_id), "-o", str(exported)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    database.unlink()  # offline: no database at all
    checked = subprocess.run(
        [str(YOUTHCARE), "verify-export", str(exported)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0 and checked.stdout.startswith("ok"), checked.stdout

    data = exported.read_bytes()
    middle = len(data) // 2
    exported.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    altered = subprocess.run(
        [str(YOUTHCARE), "verify-export", str(exported)], capture_output=True, text=True, timeout=60
    )
    assert altered.returncode == 1 and "FAILED" in altered.stdout


def test_replay_prints_the_timeline_and_state_as_they_stood(tmp_path: Path) -> None:
    database = tmp_path / "replay.db"
    app = create_application(Settings(database_url=SecretStr(f"sqlite:///{database}")))
    case_id = open_case(app, station(app))
    app.assess_risk(STAFF, case_id, instrument="screening", score=12, level="medium", notes="")
    created_at = app.get_case(case_id)["created_at"]
    close_case(app, case_id, outcome="back at school")
    app.close()

    at_two = youthcare(database, "replay", str(case_id), "--version", "2")
    before = youthcare(database, "replay", str(case_id), "--at", "2000-01-01T00:00:00+00:00")
    naive = youthcare(database, "replay", str(case_id), "--at", created_at[:19])

    assert at_two.returncode == 0, at_two.stderr
    lines = at_two.stdout.splitlines()
    assert any("RiskAssessed" in line and "officer-li (station_staff)" in line for line in lines)
    assert not any("Closed" in line for line in lines)
    assert f"case {case_id} at version 2" in at_two.stdout
    assert any(line.startswith("status") and line.split()[-1] == "open" for line in lines)
    assert before.returncode == 1 and "did not exist yet" in before.stderr
    assert naive.returncode == 2 and "zone" in naive.stderr


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_the_projector_logs_in_the_format_the_settings_name(tmp_path: Path, log_format: str) -> None:
    """`youthcare projector` runs beside the API as a service: its lines are JSON (or plain) as
    YOUTHCARE_LOG_FORMAT says, like the API's, not the command line's own plain lines."""
    database = tmp_path / "projector.db"
    app = create_application(Settings(database_url=SecretStr(f"sqlite:///{database}")))
    seed(app, 50)
    app.close()
    log = tmp_path / "projector.log"
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{database}", "YOUTHCARE_LOG_FORMAT": log_format}
    with running_projector(env, log):
        deadline = time.monotonic() + 60
        while "projector started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert any("projector started" in line for line in lines), lines
    if log_format == "json":
        parsed = [json.loads(line) for line in lines]
        started = next(line for line in parsed if "projector started" in line["message"])
        assert (started["level"], started["logger"]) == ("info", "api.cli.views")
    else:
        assert not any(line.startswith("{") for line in lines), lines

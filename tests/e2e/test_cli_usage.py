"""The `youthcare` command's usage: help for every command, bad usage, exit statuses, and what a
terminal gets (colour, rules) against what a pipe gets (plain text)."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from pydantic import SecretStr

from api.cli import main
from infrastructure.persistence import create_application
from infrastructure.settings import Settings
from tests.integration.test_application import STAFF, open_case, station

pytestmark = pytest.mark.e2e

YOUTHCARE = Path(sys.executable).with_name("youthcare")
NOBODY = "00000000-0000-0000-0000-000000000001"
PASSWORD = "a-long-enough-password-1"
# Variables that make Rich (or Typer) style output that is not a terminal; the tests set their own.
STYLE_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "PY_COLORS", "GITHUB_ACTIONS")


@pytest.fixture(autouse=True)
def no_style_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs write to captured streams, which are not terminals: nothing may say otherwise."""
    for name in STYLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


# Each command and subcommand, and words its --help must show: its options, arguments and exit status.
HELP = [
    ([], ["projector", "projections", "verify", "anchor", "export", "verify-export", "replay", "users", "database"]),
    (["projector"], ["SIGTERM", "Exit status"]),
    (["projections"], ["status", "rebuild"]),
    (["projections", "status"], ["lag", "Exit status"]),
    (["projections", "rebuild"], ["NAME", "hash_chain", "Exit status"]),
    (["verify"], ["--anchor", "FILE", "Exit status"]),
    (["anchor"], ["--signed", "--public-key", "Exit status"]),
    (["export"], ["CASE_ID", "-o", "--output", "Exit status"]),
    (["verify-export"], ["FILE", "Exit status"]),
    (["replay"], ["CASE_ID", "--at", "--version", "Exit status"]),
    (["users"], ["add", "list", "disable", "enable", "set-role", "reset-password", "Exit status"]),
    (["users", "add"], ["USERNAME", "--role", "--scope", "--name", "mentor"]),
    (["users", "list"], ["Every user"]),
    (["users", "disable"], ["USERNAME"]),
    (["users", "enable"], ["USERNAME"]),
    (["users", "set-role"], ["USERNAME", "ROLE", "--scope", "coordinator"]),
    (["users", "reset-password"], ["USERNAME"]),
    (["database"], ["setup", "grants"]),
    (["database", "setup"], ["--app-role", "YOUTHCARE_APP_ROLE_PASSWORD", "Exit status"]),
    (["database", "grants"], ["ROLE", "Exit status"]),
    (["keys"], ["rotate"]),
    (["keys", "rotate"], ["YOUTHCARE_NEW_MASTER_KEY", "Exit status"]),
]


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize(("command", "words"), HELP, ids=[" ".join(command) or "youthcare" for command, _ in HELP])
def test_every_command_explains_itself_and_its_options(
    command: list[str], words: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, flag]) == 0

    shown = capsys.readouterr()
    assert shown.out.startswith(f"Usage: youthcare {' '.join(command)}".rstrip()), shown.out
    for word in words:
        assert word in shown.out, f"{word!r} not in the help of {command}:\n{shown.out}"


BAD_USAGE = [
    [],
    ["bogus"],
    ["--bogus"],
    ["verify", "--bogus"],
    ["projections"],
    ["projections", "bogus"],
    ["export"],
    ["export", "not-a-case-id"],
    ["replay", NOBODY, "--version", "x"],
    ["replay", NOBODY, "--at", "yesterday"],
    ["users", "add", "ana"],
    ["users", "add", "ana", "--role", "emperor"],
    ["users", "set-role", "ana", "emperor"],
    ["database", "setup"],
    ["database", "grants"],
    ["keys", "turn"],
]


@pytest.mark.parametrize("command", BAD_USAGE, ids=lambda value: " ".join(value) or "nothing")
def test_a_wrong_command_or_option_is_bad_usage_with_status_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2

    shown = capsys.readouterr()
    assert shown.out == ""
    assert "Usage: youthcare" in shown.err and "Traceback" not in shown.err


# -- exit statuses, on a SQLite file -----------------------------------------------------------


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, UUID]]:
    """A SQLite file with one case on it."""
    path = tmp_path_factory.mktemp("cli") / "usage.db"
    app = create_application(Settings(database_url=SecretStr(f"sqlite:///{path}")))
    case_id = open_case(app, station(app))
    app.assess_risk(STAFF, case_id, instrument="screening", score=9, level="low", notes="")
    app.close()
    yield path, case_id


@pytest.fixture
def on(database: tuple[Path, UUID], monkeypatch: pytest.MonkeyPatch) -> UUID:
    """The commands run on `database`; the case's id."""
    monkeypatch.setenv("YOUTHCARE_DATABASE_URL", f"sqlite:///{database[0]}")
    monkeypatch.delenv("YOUTHCARE_NEW_MASTER_KEY", raising=False)
    return database[1]


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", _Lines(stdin))
    status = main(list(argv))
    shown = capsys.readouterr()
    return status, shown.out, shown.err


class _Lines:
    """Standard input that is not a terminal, as when a password is piped in."""

    def __init__(self, text: str) -> None:
        self.lines = iter(text.splitlines(keepends=True))

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return next(self.lines, "")


def test_verify_anchor_and_export_exit_as_their_help_says(
    on: UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(monkeypatch, capsys, "verify")
    assert status == 0 and out.endswith("ok\n")
    status, out, _ = run(monkeypatch, capsys, "verify", "--anchor", str(tmp_path / "missing.json"))
    assert status == 2 and "cannot read the anchor" in out

    status, out, _ = run(monkeypatch, capsys, "anchor")
    assert status == 0 and json.loads(out)["position"] > 0  # one line of JSON, nothing else
    status, out, _ = run(monkeypatch, capsys, "anchor", "--signed")
    assert status == 0 and "signature" in json.loads(out)

    status, out, _ = run(monkeypatch, capsys, "export", str(on))
    assert status == 0 and json.loads(out)
    status, out, err = run(monkeypatch, capsys, "export", NOBODY)
    assert status == 1 and out == "" and NOBODY in err
    status, out, _ = run(monkeypatch, capsys, "verify-export", str(tmp_path / "missing.json"))
    assert status == 2 and "cannot read" in out


def test_replay_exits_as_its_help_says(
    on: UUID, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(monkeypatch, capsys, "replay", str(on), "--version", "1")
    assert status == 0 and "RiskAssessed" not in out and "Opened" in out
    status, _, err = run(monkeypatch, capsys, "replay", NOBODY)
    assert status == 1 and NOBODY in err
    status, _, err = run(monkeypatch, capsys, "replay", str(on), "--at", "2026-01-01T00:00:00+00:00", "--version", "1")
    assert status == 2 and "not both" in err


def test_users_commands_exit_as_their_help_says(
    on: UUID, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(monkeypatch, capsys, "users", "add", "ana", "--role", "auditor", stdin=f"{PASSWORD}\n")
    assert status == 0, err
    assert out == "ana: auditor, active (version 1)\n"
    status, _, err = run(monkeypatch, capsys, "users", "add", "ana", "--role", "auditor", stdin=f"{PASSWORD}\n")
    assert status == 1 and err == "this username is taken\n"
    status, _, err = run(monkeypatch, capsys, "users", "add", "bo", "--role", "auditor", stdin="short\n")
    assert status == 1 and "12 characters" in err
    status, _, err = run(monkeypatch, capsys, "users", "disable", "nobody")
    assert status == 1 and err == "no user named nobody\n"
    status, out, _ = run(monkeypatch, capsys, "users", "disable", "ana")
    assert status == 0 and out == "ana: auditor, disabled (version 2)\n"

    status, out, _ = run(monkeypatch, capsys, "users", "list")
    header, *rows = out.splitlines()
    assert status == 0 and header.split() == ["username", "role", "scope", "state", "name"]
    assert ["ana", "auditor", "-", "disabled", "ana"] in [row.split() for row in rows]


def test_views_database_and_keys_commands_exit_as_their_help_says(
    on: UUID, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(monkeypatch, capsys, "projections", "status")
    assert status == 0 and out.splitlines()[0].split()[:3] == ["view", "version", "position"]
    status, _, err = run(monkeypatch, capsys, "projections", "rebuild", "cases")
    assert status == 2 and "unknown view(s): cases" in err
    status, _, err = run(monkeypatch, capsys, "projections", "rebuild", "casework")
    assert status == 0 and "casework: " in err

    status, out, _ = run(monkeypatch, capsys, "database", "grants", "youthcare_app")
    assert status == 0 and all(line.startswith("GRANT ") and line.endswith(";") for line in out.splitlines())
    status, _, err = run(monkeypatch, capsys, "database", "grants", "app; DROP TABLE x")
    assert status == 2 and "not a role name" in err
    status, _, err = run(monkeypatch, capsys, "database", "setup", "--app-role", "youthcare_app")
    assert status == 2 and "PostgreSQL" in err  # SQLite has no roles

    status, _, err = run(monkeypatch, capsys, "keys", "rotate")
    assert status == 2 and "YOUTHCARE_NEW_MASTER_KEY" in err


def test_the_projector_exits_0_when_stopped(database: tuple[Path, UUID], tmp_path: Path) -> None:
    log = tmp_path / "projector.log"
    env = {
        **os.environ,
        "YOUTHCARE_DATABASE_URL": f"sqlite:///{database[0]}",
        "YOUTHCARE_PROJECTOR_IDLE_SECONDS": "0.2",
    }
    with log.open("wb") as out:
        process = subprocess.Popen([str(YOUTHCARE), "projector"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "projector started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- a terminal against a pipe ---------------------------------------------------------------------


def plain_env(database: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in STYLE_VARIABLES}
    return {**env, "YOUTHCARE_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200", **extra}


def on_terminal(argv: list[str], env: dict[str, str]) -> str:
    """What `youthcare argv` shows on a terminal (standard output and error both on one pseudo-terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(YOUTHCARE), *argv], env=env, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    process.wait(120)
    os.close(leader)
    return shown.decode(errors="replace")


PIPED = [
    ["projections", "status"],
    ["users", "list"],
    ["verify"],
    ["replay", "{case}"],
    ["--help"],
    ["verify", "--bogus"],
]


@pytest.mark.parametrize("argv", PIPED, ids=" ".join)
def test_piped_output_is_plain_text(argv: list[str], database: tuple[Path, UUID]) -> None:
    argv = [part.format(case=database[1]) for part in argv]
    done = subprocess.run(
        [str(YOUTHCARE), *argv], env=plain_env(database[0]), capture_output=True, text=True, timeout=120
    )

    assert done.stdout or done.stderr
    for stream in (done.stdout, done.stderr):
        assert "\x1b" not in stream  # no colour, no cursor movement
        assert not set("│─━╭╰┃") & set(stream), stream  # no boxes, rules or bars


def test_a_terminal_gets_colour_and_rules_unless_no_color(database: tuple[Path, UUID]) -> None:
    shown = on_terminal(["projections", "status"], plain_env(database[0]))
    assert "\x1b[1m" in shown and "─" in shown  # a bold header over a rule

    shown = on_terminal(["verify", "--anchor", "/nonexistent"], plain_env(database[0], NO_COLOR="1"))
    assert "cannot read the anchor" in shown and "\x1b[" not in shown
    shown = on_terminal(["verify", "--anchor", "/nonexistent"], plain_env(database[0]))
    assert "\x1b[1;31mcannot read the anchor" in shown  # bold red on a terminal


def test_a_rebuild_shows_a_live_bar_on_a_terminal_and_plain_lines_when_piped(database: tuple[Path, UUID]) -> None:
    env = plain_env(database[0], YOUTHCARE_PROJECTOR_BATCH_SIZE="1")  # a batch per event: several updates

    shown = on_terminal(["projections", "rebuild", "casework"], env)
    piped = subprocess.run(
        [str(YOUTHCARE), "projections", "rebuild", "casework"], env=env, capture_output=True, text=True, timeout=120
    )

    assert "━" in shown and "casework: " in shown
    assert piped.returncode == 0 and "━" not in piped.stderr and "\x1b" not in piped.stderr
    assert "[##############################] 100.0%" in piped.stderr and "casework: " in piped.stderr


def test_help_on_a_terminal_is_laid_out_by_rich(database: tuple[Path, UUID]) -> None:
    shown = on_terminal(["replay", "--help"], plain_env(database[0]))

    assert "\x1b[" in shown
    text = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert "Usage: youthcare replay" in text and "--version" in text and "╭─ Options" in text

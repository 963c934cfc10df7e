"""The `youthcare` command: the standalone projector, and rebuilding and inspecting views.

    youthcare projector                  keep every view up to date until stopped (SIGTERM/SIGINT)
    youthcare projections status         each view's position and lag
    youthcare projections rebuild [NAME] start views over from the first event, with progress
    youthcare verify [--anchor FILE]     recompute every hash chain; exit status 1 if any is broken
    youthcare anchor                     print the newest log link (JSON) for someone outside to hold
    youthcare export CASE_ID [-o FILE]   write the case file (case, pairs, referrals, links, anchor)
    youthcare verify-export FILE         check a case file offline; exit status 1 if it was altered
    youthcare replay CASE_ID [--at TIME | --version N]
                                         the case file's timeline and state then, as tables
    youthcare users add|list|disable|enable|set-role|reset-password ...
                                         manage users (see `youthcare users --help`)
    youthcare database setup --app-role ROLE
                                         as the owner: make every table, then a role that owns
                                         nothing, with the grants the service needs (password
                                         from YOUTHCARE_APP_ROLE_PASSWORD, if set)
    youthcare database grants ROLE       print those grants as SQL
    youthcare keys rotate                wrap every case key under YOUTHCARE_NEW_MASTER_KEY (events untouched);
                                         then give the service that key as YOUTHCARE_MASTER_KEY

It reads the same YOUTHCARE_* settings as the API.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO
from uuid import NAMESPACE_OID, UUID, uuid5

from pydantic import SecretStr

from api import cli_users
from api.replay import moment_of
from api.replay import render as render_replay
from application.access.principal import Caller, Principal
from application.errors import NotFound, ViewNotReady
from application.front import Front
from application.views.export import verify_export
from application.views.hash_chain import HashChain
from application.views.verification import Anchor
from domain.common import Role
from infrastructure.anchors import AnchorSigner, open_signed
from infrastructure.front import anchor_writer, create_front
from infrastructure.grants import grant_statements, set_up
from infrastructure.keys import KeyProblem, master_key
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from infrastructure.youth_ids import rotate_master


@contextmanager
def _opened(settings: Settings) -> Iterator[Projector]:
    """The application and its projector for one command; both closed when it ends."""
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings), batch_size=settings.projector_batch_size)
    try:
        yield projector
    finally:
        projector.close()
        app.close()


class ProgressBar:
    """A one-line progress bar on a terminal; plain periodic lines otherwise."""

    def __init__(self, label: str, out: TextIO, width: int = 30) -> None:
        self.label, self.out, self.width = label, out, width
        self.started = time.monotonic()
        self._last_line = 0.0

    def __call__(self, position: int, head: int) -> None:
        done = min(1.0, position / head) if head else 1.0
        elapsed = time.monotonic() - self.started
        filled = int(done * self.width)
        line = (
            f"{self.label:<12} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done:6.1%}  position {position:,}/{head:,}  {elapsed:5.1f} s"
        )
        if self.out.isatty():
            self.out.write("\r" + line)
        elif time.monotonic() - self._last_line >= 2 or done >= 1.0:
            self.out.write(line + "\n")
            self._last_line = time.monotonic()
        self.out.flush()

    def finish(self, applied: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = applied / elapsed if elapsed > 0 else 0.0
        end = "\n" if self.out.isatty() else ""
        self.out.write(f"{end}{self.label}: {applied:,} events in {elapsed:.1f} s ({rate:,.0f} events/s)\n")
        self.out.flush()


def run_projector(settings: Settings) -> int:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with _opened(settings) as projector:
        logging.getLogger(__name__).info("projector started for %s", ", ".join(v.name for v in projector.views))
        anchors = anchor_writer(settings, create_front(settings, projector))
        anchors.start()
        try:
            projector.run(stop, settings.projector_idle_seconds)
        finally:
            anchors.stop()
    return 0


def show_status(settings: Settings, out: TextIO) -> int:
    with _opened(settings) as projector:
        out.write(f"{'view':<12} {'version':>9} {'position':>10} {'head':>10} {'lag events':>11} {'lag s':>8}\n")
        for s in projector.status():
            stored = "-" if s.stored_version is None else str(s.stored_version)
            version = stored if s.stored_version == s.code_version else f"{stored}→{s.code_version}"
            out.write(
                f"{s.view:<12} {version:>9} {s.position:>10,} {s.head:>10,} {s.lag_events:>11,} {s.lag_seconds:>8.1f}\n"
            )
    return 0


def rebuild(settings: Settings, names: Sequence[str], out: TextIO) -> int:
    with _opened(settings) as projector:
        known = [view.name for view in projector.views]
        unknown = [name for name in names if name not in known]
        if unknown:
            out.write(f"unknown view(s): {', '.join(unknown)}; the views are: {', '.join(known)}\n")
            return 2
        if HashChain.name in names:
            out.write(
                "note: relinking the hash chain makes the current log its new truth; "
                "only an anchor taken earlier can still show a change made before now\n"
            )
        for name in names or [name for name in known if name != HashChain.name]:
            bar = ProgressBar(name, out)
            applied = projector.rebuild(projector.view(name), progress=bar)
            bar.finish(applied)
    return 0


@contextmanager
def _front(settings: Settings) -> Iterator[Front]:
    """The front door for one command, its views first brought up to date (unless another runner is at it)."""
    with _opened(settings) as projector:
        for view in projector.views:
            projector.run_view_once(view)
        yield create_front(settings, projector)


def console(role: Role, command: str) -> Caller:
    """Whoever runs the command on the server, in the role the command needs; the read log and
    the events name them as `console:<login>`."""
    username = f"console:{getpass.getuser()}"
    principal = Principal(
        user_id=uuid5(NAMESPACE_OID, username), username=username, display_name=username, role=role, scope_id=None
    )
    return Caller(principal=principal, endpoint=f"youthcare {command}", address="console")


def run_verify(settings: Settings, anchor_file: str | None, out: TextIO) -> int:
    anchor = None
    if anchor_file is not None:
        try:
            data = json.loads(Path(anchor_file).read_text())
            if isinstance(data, dict) and "signature" in data:  # signed by the service: check that first
                anchor = open_signed(data, AnchorSigner(master_key(settings)).public_key)
                out.write(f"anchor signature holds (key {data['public_key'][:16]}...)\n")
            else:
                anchor = Anchor.parse(data)
        except (OSError, ValueError) as error:
            out.write(f"cannot read the anchor {anchor_file}: {error}\n")
            return 2
    with _front(settings) as front:
        report = front.verification(console(Role.AUDITOR, "verify"), anchor)
    out.write(
        f"{report['events_checked']:,} events checked; chain linked to position {report['linked_to_position']:,}; "
        f"{report['unlinked_events']:,} newer events not linked yet\n"
    )
    for link in report["broken"]:
        out.write(
            f"BROKEN {link['chain']} chain: record {link['record_id']} version {link['version']} "
            f"at position {link['position']}: {link['problem']}\n"
        )
    if report.get("anchor") is not None:
        verdict = "matches" if report["anchor"]["matches"] else "DOES NOT MATCH"
        out.write(f"anchor at position {report['anchor']['position']:,} {verdict}\n")
    keyed = report.get("keyed_links")
    if keyed is not None:
        for problem in keyed["problems"]:
            out.write(
                f"UNKEYED record {problem['record_id']} version {problem['version']} "
                f"at position {problem['position']}: {problem['problem']}\n"
            )
        if keyed["ok"]:
            out.write(f"keyed links: {keyed['events_checked']:,} events, every one written by the service\n")
    read_log = report["read_log"]
    if read_log["ok"]:
        out.write(f"read log: {read_log['entries']:,} entries, chain holds\n")
    else:
        out.write(f"BROKEN read log at entry {read_log['first_broken']}: {read_log['problem']}\n")
    out.write("ok\n" if report["ok"] else "verification FAILED\n")
    return 0 if report["ok"] else 1


def print_anchor(settings: Settings, out: TextIO, *, signed: bool = False, public_key: bool = False) -> int:
    signer = AnchorSigner(master_key(settings))
    if public_key:
        out.write(signer.public_key + "\n")
        return 0
    try:
        with _front(settings) as front:
            found = front.anchor(console(Role.AUDITOR, "anchor"), None)
    except NotFound:
        sys.stderr.write("nothing has been linked yet: is the projector running?\n")
        return 1
    out.write(json.dumps(signer.sign(Anchor.parse(found)) if signed else found) + "\n")
    return 0


def export(settings: Settings, case_id: UUID, output: str | None) -> int:
    try:
        with _front(settings) as front:
            data = front.export_case(console(Role.AUDITOR, "export"), case_id)
    except (NotFound, ViewNotReady) as error:
        sys.stderr.write(f"{error}\n")
        return 1
    if output is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        Path(output).write_bytes(data)
    return 0


def check_export(path: str, out: TextIO) -> int:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        out.write(f"cannot read {path}: {error}\n")
        return 2
    problems = verify_export(data.removesuffix(b"\n"))
    for problem in problems:
        out.write(f"FAILED: {problem}\n")
    out.write("ok: the case file is as exported and its links hold\n" if not problems else "")
    return 1 if problems else 0


def replay(settings: Settings, case_id: UUID, at: datetime | None, version: int | None, out: TextIO) -> int:
    try:
        with _front(settings) as front:
            moment, timeline, states = front.case_file_at(
                console(Role.AUDITOR, "replay"), case_id, at=at, version=version
            )
    except (NotFound, ViewNotReady) as error:
        sys.stderr.write(f"{error}\n")
        return 1
    out.write(render_replay(str(case_id), timeline, states, moment_of(moment, version)))
    return 0


def rotate_keys(settings: Settings, out: TextIO) -> int:
    """Wrap every live case key under the new master key; the events are not touched."""
    fresh = os.environ.get("YOUTHCARE_NEW_MASTER_KEY")
    if not fresh:
        sys.stderr.write("set YOUTHCARE_NEW_MASTER_KEY to the new key (base64 of 32 bytes)\n")
        return 2
    try:
        new_key = master_key(settings.model_copy(update={"master_key": SecretStr(fresh)}))
        app = create_application(settings)
    except KeyProblem as problem:
        sys.stderr.write(f"{problem}\n")
        return 2
    try:
        count = rotate_master(app, new_key)
    finally:
        app.close()
    out.write(f"{count} case keys wrapped under the new master key: set YOUTHCARE_MASTER_KEY to it now\n")
    return 0


def database_command(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    try:
        if args.action == "grants":
            statements = grant_statements(args.role, settings.database_schema)
        else:
            statements = set_up(settings, args.app_role, os.environ.get("YOUTHCARE_APP_ROLE_PASSWORD") or None)
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    out.write("".join(f"{statement};\n" for statement in statements))
    return 0


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time with its zone, e.g. +08:00 or Z")
    return moment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="youthcare", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("projector", help="keep every view up to date until stopped")
    projections = commands.add_parser("projections", help="inspect or rebuild the views")
    actions = projections.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="each view's position and lag")
    rebuild_parser = actions.add_parser("rebuild", help="start views over from the first event")
    rebuild_parser.add_argument("names", nargs="*", metavar="NAME", help="views to rebuild (default: all)")
    verify_parser = commands.add_parser("verify", help="recompute every hash chain; exit 1 if any is broken")
    verify_parser.add_argument("--anchor", metavar="FILE", help="a JSON anchor printed earlier by `youthcare anchor`")
    anchor_parser = commands.add_parser("anchor", help="print the newest log link, to hand to someone outside")
    anchor_parser.add_argument("--signed", action="store_true", help="signed with the service's Ed25519 key")
    anchor_parser.add_argument("--public-key", action="store_true", help="print the key anchors are signed with")
    export_parser = commands.add_parser("export", help="write a case file that verify-export checks offline")
    export_parser.add_argument("case_id", type=UUID, metavar="CASE_ID")
    export_parser.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    check_parser = commands.add_parser("verify-export", help="check a case file offline")
    check_parser.add_argument("file", metavar="FILE")
    replay_parser = commands.add_parser("replay", help="a case file's timeline and state at a moment, as tables")
    replay_parser.add_argument("case_id", type=UUID, metavar="CASE_ID")
    when = replay_parser.add_mutually_exclusive_group()
    when.add_argument("--at", type=_aware, metavar="TIME", help="ISO 8601 with a zone, e.g. 2026-11-27T09:00:00+08:00")
    when.add_argument("--version", type=int, metavar="N", help="the case's version N")
    cli_users.add_parsers(commands)
    database = commands.add_parser("database", help="run the service under a role that owns nothing")
    database_actions = database.add_subparsers(dest="action", required=True)
    setup_parser = database_actions.add_parser("setup", help="tables, the app role and its grants (as the owner)")
    setup_parser.add_argument("--app-role", required=True, metavar="ROLE")
    database_actions.add_parser("grants", help="the app role's grants, as SQL").add_argument("role")
    keys = commands.add_parser("keys", help="the master key that wraps the case keys")
    keys.add_subparsers(dest="action", required=True).add_parser(
        "rotate", help="re-wrap every case key under YOUTHCARE_NEW_MASTER_KEY"
    )
    args = parser.parse_args(argv)
    if args.command == "verify-export":  # offline: no settings, no database
        return check_export(args.file, sys.stdout)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    if args.command == "projector":
        return run_projector(settings)
    if args.command == "verify":
        return run_verify(settings, args.anchor, sys.stdout)
    if args.command == "anchor":
        return print_anchor(settings, sys.stdout, signed=args.signed, public_key=args.public_key)
    if args.command == "export":
        return export(settings, args.case_id, args.output)
    if args.command == "replay":
        return replay(settings, args.case_id, args.at, args.version, sys.stdout)
    if args.command == "keys":
        return rotate_keys(settings, sys.stdout)
    if args.command == "database":
        return database_command(settings, args, sys.stdout)
    if args.command == "users":
        with _front(settings) as front:
            caller = console(Role.ADMIN, f"users {args.action}")
            return cli_users.run(args, front, caller, sys.stdout, sys.stderr, sys.stdin)
    if args.action == "status":
        return show_status(settings, sys.stdout)
    return rebuild(settings, args.names, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

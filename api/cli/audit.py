"""`youthcare verify | anchor | export | verify-export`: the audit commands, acting as an auditor."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO
from uuid import UUID

import typer

from api.cli.context import acting_as, front_door, load_settings
from api.cli.output import ProgressBar, console_for, say
from application.errors import NotFound, ViewNotReady
from application.views.export import verify_export
from application.views.verification import Anchor
from domain.common import Role
from infrastructure.anchors import AnchorSigner, open_signed
from infrastructure.keys import master_key
from infrastructure.settings import Settings

BAD, GOOD = "bold red", "green"


def run_verify(settings: Settings, anchor_file: str | None, out: TextIO) -> int:
    """The verification report on `out`; 0 when every chain holds, 1 when one is broken, 2 for a bad anchor."""
    console = console_for(out)
    anchor = None
    if anchor_file is not None:
        try:
            data = json.loads(Path(anchor_file).read_text())
            if isinstance(data, dict) and "signature" in data:  # signed by the service: check that first
                anchor = open_signed(data, AnchorSigner(master_key(settings)).public_key)
                say(console, f"anchor signature holds (key {data['public_key'][:16]}...)", GOOD)
            else:
                anchor = Anchor.parse(data)
        except (OSError, ValueError) as error:
            say(console, f"cannot read the anchor {anchor_file}: {error}", BAD)
            return 2
    with front_door(settings) as front:
        bar = ProgressBar.on_terminal("verify", sys.stderr)
        try:
            report = front.verification(acting_as(Role.AUDITOR, "verify"), anchor, progress=bar)
        finally:
            if bar is not None:
                bar.close()
    _report(console, report)
    return 0 if report["ok"] else 1


def _report(console: Any, report: dict[str, Any]) -> None:
    say(
        console,
        f"{report['events_checked']:,} events checked; chain linked to position {report['linked_to_position']:,}; "
        f"{report['unlinked_events']:,} newer events not linked yet",
    )
    for link in report["broken"]:
        say(
            console,
            f"BROKEN {link['chain']} chain: record {link['record_id']} version {link['version']} "
            f"at position {link['position']}: {link['problem']}",
            BAD,
        )
    if report.get("anchor") is not None:
        matches = report["anchor"]["matches"]
        verdict = "matches" if matches else "DOES NOT MATCH"
        say(console, f"anchor at position {report['anchor']['position']:,} {verdict}", GOOD if matches else BAD)
    keyed = report.get("keyed_links")
    if keyed is not None:
        for problem in keyed["problems"]:
            say(
                console,
                f"UNKEYED record {problem['record_id']} version {problem['version']} "
                f"at position {problem['position']}: {problem['problem']}",
                BAD,
            )
        if keyed["ok"]:
            say(console, f"keyed links: {keyed['events_checked']:,} events, every one written by the service")
    read_log = report["read_log"]
    if read_log["ok"]:
        say(console, f"read log: {read_log['entries']:,} entries, chain holds")
    else:
        say(console, f"BROKEN read log at entry {read_log['first_broken']}: {read_log['problem']}", BAD)
    say(console, "ok" if report["ok"] else "verification FAILED", GOOD if report["ok"] else BAD)


def print_anchor(settings: Settings, out: TextIO, *, signed: bool = False, public_key: bool = False) -> int:
    signer = AnchorSigner(master_key(settings))
    if public_key:
        out.write(signer.public_key + "\n")
        return 0
    try:
        with front_door(settings) as front:
            found = front.anchor(acting_as(Role.AUDITOR, "anchor"), None)
    except NotFound:
        say(console_for(sys.stderr), "nothing has been linked yet: is the projector running?", BAD)
        return 1
    out.write(json.dumps(signer.sign(Anchor.parse(found)) if signed else found) + "\n")
    return 0


def export(settings: Settings, case_id: UUID, output: str | None) -> int:
    try:
        with front_door(settings) as front:
            data = front.export_case(acting_as(Role.AUDITOR, "export"), case_id)
    except (NotFound, ViewNotReady) as error:
        say(console_for(sys.stderr), str(error), BAD)
        return 1
    if output is None:
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.flush()
    else:
        Path(output).write_bytes(data)
    return 0


def check_export(path: str, out: TextIO) -> int:
    console = console_for(out)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        say(console, f"cannot read {path}: {error}", BAD)
        return 2
    problems = verify_export(data.removesuffix(b"\n"))
    for problem in problems:
        say(console, f"FAILED: {problem}", BAD)
    if not problems:
        say(console, "ok: the case file is as exported and its links hold", GOOD)
    return 1 if problems else 0


# -- the commands ----------------------------------------------------------------------------


def verify_command(
    anchor: Annotated[
        str | None, typer.Option(metavar="FILE", help="a JSON anchor printed earlier by `youthcare anchor`")
    ] = None,
) -> None:
    """Recompute every hash chain; exit 1 if any is broken.

    Each record's chain, the log's and the read log's, and the keyed links. With --anchor, also
    check that the log up to the anchor's position is unchanged (a signed anchor's signature is
    checked first).

    Exit status: 0 every chain holds; 1 a chain is broken or the anchor does not match (the lines
    starting BROKEN, UNKEYED or "anchor ... DOES NOT MATCH" say where); 2 the anchor cannot be read
    or its signature does not hold.
    """
    raise typer.Exit(run_verify(load_settings(), anchor, sys.stdout))


def anchor_command(
    signed: Annotated[bool, typer.Option("--signed", help="signed with the service's Ed25519 key")] = False,
    public_key: Annotated[bool, typer.Option("--public-key", help="print the key anchors are signed with")] = False,
) -> None:
    """Print the newest log link (JSON), for someone outside.

    One line of JSON on standard output; --signed signs it with the service's key, --public-key
    prints only that key.

    Exit status: 0 printed; 1 nothing has been linked yet (is the projector running?).
    """
    raise typer.Exit(print_anchor(load_settings(), sys.stdout, signed=signed, public_key=public_key))


def export_command(
    case_id: Annotated[UUID, typer.Argument(metavar="CASE_ID", show_default=False)],
    output: Annotated[
        str | None, typer.Option("-o", "--output", metavar="FILE", help="default: standard output")
    ] = None,
) -> None:
    """Write a case file that verify-export checks offline.

    The case, its pairs and referrals, the links of every event in them and an anchor, as JSON with
    a digest.

    Exit status: 0 written; 1 no such case, or the views are being rebuilt.
    """
    raise typer.Exit(export(load_settings(), case_id, output))


def verify_export_command(file: Annotated[str, typer.Argument(metavar="FILE", show_default=False)]) -> None:
    """Check a case file offline; exit 1 if it was altered.

    No database is needed: the file's digest and the links of every event in it are recomputed.

    Exit status: 0 the file is as exported; 1 it was altered (the FAILED lines say how); 2 it cannot be read.
    """
    raise typer.Exit(check_export(file, sys.stdout))

"""`youthcare replay`: a case file's timeline and state, as plain text tables for a terminal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def _cell(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]) -> str:
    """Fixed-width columns with a rule under the header; long cells end in an ellipsis."""
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_cell(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _changed(entry: dict[str, Any]) -> str:
    fields = [change["field"] for change in entry["changes"]]
    return ", ".join(fields[:4]) + (f" (+{len(fields) - 4})" if len(fields) > 4 else "")


def render(case_id: str, timeline: list[dict[str, Any]], states: list[tuple[str, dict[str, Any]]], moment: str) -> str:
    """The replay: what happened up to `moment`, then each record as it stood then."""
    out = [f"Case {case_id} as it stood {moment}", ""]
    rows = [
        (
            entry["position"],
            entry["occurred_at"][:19].replace("T", " "),
            f"{entry['record_type']} {entry['record_id'][:8]}",
            entry["version"],
            entry["event_type"].split(".", 1)[1],
            f"{entry['actor']['user_id']} ({entry['actor']['role']})",
            _changed(entry),
        )
        for entry in timeline
    ]
    headers = ("position", "time (UTC)", "record", "v", "event", "actor", "changed")
    out.append(table(headers, rows, (8, 19, 17, 4, 20, 28, 40)))
    for label, state in states:
        out += ["", f"{label} {state['id']} at version {state['version']} (last change {state['modified_at']})"]
        fields = [(key, state[key]) for key in state if key not in {"id", "version", "modified_at", "as_of"}]
        out.append(table(("field", "value"), fields, (20, 90)))
    return "\n".join(out) + "\n"


def moment_of(at: datetime | None, version: int | None) -> str:
    if at is not None:
        return f"at {at.isoformat()}"
    return f"at its version {version}" if version is not None else "now"

"""The service's log lines: one JSON object per line (or plain, for development), each line of a
request carrying its request id, the signed-in user's id and the route template.

What never goes in: a youth's personal data, a password or a token. Our own code logs ids,
kinds and counts only; the request line names the route template, not the path; and every
line passes a filter that hides the values of query parameters not known to be harmless and
the parameters SQLAlchemy quotes in its errors, in case a library writes one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from infrastructure.settings import Settings


@dataclass
class RequestContext:
    """What every log line of one request carries. Mutable: the user becomes known in a worker
    thread, which sees the same object through its copy of the context."""

    request_id: str
    scope: MutableMapping[str, Any] = field(repr=False)
    user_id: UUID | None = None

    @property
    def route(self) -> str | None:
        """The route template (`/cases/{case_id}`) once the router has matched one."""
        route = self.scope.get("route")
        path = getattr(route, "path", None)
        return path if isinstance(path, str) else None


current_request: ContextVar[RequestContext | None] = ContextVar("youthcare_request", default=None)
REQUEST_ID_HEADER = "X-Request-ID"  # the request's id, as the client gave it or as made for it


def note_user(user_id: UUID) -> None:
    """The request being served is by this user (from here on its log lines say so)."""
    context = current_request.get()
    if context is not None:
        context.user_id = user_id


# Query parameters whose values are ids, numbers, dates, kinds or cursors: shown. Any other
# (name, id_number, purpose, a token, a password, one added later) is hidden.
SHOWN_QUERY = re.compile(
    r"^(limit|cursor|sort|consistent_with|version|as_of|after_version|after_position|status|category|risk_level"
    r"|kind|station|from|to|months|overdue_after_days|contact_days|anchor_position|similar|[a-z_]*_id|[a-z_]+_from"
    r"|[a-z_]+_to)$"
)
_QUERY_PARAMETER = re.compile(r"(?P<lead>[?&])(?P<name>[^=&\s#]+)=(?P<value>[^&\s#\"']*)")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\]( \(Background on this error at: [^)]*\))?", re.DOTALL)


def scrub(text: str) -> str:
    """`text` with the values of unknown query parameters and any SQL parameters hidden."""

    def hide(match: re.Match[str]) -> str:
        if SHOWN_QUERY.match(match["name"].lower()):
            return match[0]
        return f"{match['lead']}{match['name']}=[hidden]"

    return _SQL_PARAMETERS.sub("[parameters hidden]", _QUERY_PARAMETER.sub(hide, text))


class Scrubbed(logging.Filter):
    """Hides what `scrub` hides in a line's message, its arguments and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: scrub(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def _request_fields() -> dict[str, Any]:
    context = current_request.get()
    if context is None:
        return {}
    fields: dict[str, Any] = {"request_id": context.request_id}
    if context.user_id is not None:
        fields["user_id"] = str(context.user_id)
    if context.route is not None:
        fields["route"] = context.route
    return fields


# Fields a line may add with `extra=` (the request line does): copied into the JSON object.
EXTRA_FIELDS = ("method", "status", "duration_ms")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_request_fields(),
        }
        line.update({name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _request_fields()
        if not fields:
            return text
        return f"{text} [{' '.join(f'{k}={v}' for k, v in fields.items())}]"


class _ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again (another app in the same process) replaces it."""


def configure_logging(settings: Settings) -> None:
    """Send every line, uvicorn's included, through one handler on standard error, in the format
    the settings name. uvicorn's access log is turned off: the request line written for each
    request (api/observing.py) replaces it, with the route template instead of the path."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ServiceHandler)]:
        root.removeHandler(handler)
    handler = _ServiceHandler(sys.stderr)
    handler.setFormatter(JsonLines() if settings.log_format == "json" else PlainLines())
    handler.addFilter(Scrubbed())
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True

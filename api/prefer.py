"""`Prefer: return=minimal` (RFC 7240) on the commands: the answer says what was written (id,
version, position), not the record.

A command's full answer presents the whole record, which costs what the record holds: for a
case file of 10,000 interventions, far more than the write itself. A client that only needs to
know the write happened, and where (its version for If-Match, its position for
`consistent_with`), asks for less. The minimal answer keeps what the command alone can tell:
duplicate warnings on opening a case and a transfer request's id; the record is a GET away
(`Location` on creation, the ETag always). An answer that applied the preference says so with
`Preference-Applied: return=minimal`; any other preference, or none, gets the record as before.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api.answers import Written, WrittenMinimal
from api.openapi import amend_document

HEADER = "Prefer"
APPLIED = "Preference-Applied"
MINIMAL = "return=minimal"
METHODS = frozenset({"POST", "PUT", "PATCH"})
# A preference is a token, optionally `=value` (quoted or not), then parameters after `;`;
# preferences are separated by commas (RFC 7240 section 2).
_RETURN_MINIMAL = re.compile(r'(?:^|,)[ \t]*return[ \t]*=[ \t]*(?:minimal|"minimal")[ \t]*(?:;[^,]*)?(?=,|$)', re.I)

_minimal: ContextVar[bool] = ContextVar("youthcare_prefer_minimal", default=False)

DOCUMENTED = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 1000},
    "description": (
        "`return=minimal` (RFC 7240): answer with the record's id, version and log position "
        "(and a case opening's `warnings`, a transfer request's `request_id`) instead of the whole record; "
        "the answer then carries `Preference-Applied: return=minimal`. Other preferences are ignored."
    ),
}


def asks_minimal(values: list[bytes]) -> bool:
    """Whether the Prefer header lines ask for `return=minimal`."""
    return any(_RETURN_MINIMAL.search(value.decode("latin-1")) for value in values)


def minimal() -> bool:
    """Whether the request being served prefers a minimal answer."""
    return _minimal.get()


class Preferences:
    """Notes, for the commands' answers, whether the request prefers `return=minimal`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        values = [value for name, value in scope["headers"] if name == b"prefer"]
        token = _minimal.set(bool(values) and asks_minimal(values))
        try:
            await self.app(scope, receive, send)
        finally:
            _minimal.reset(token)


def minimal_body(
    id_: Any, version: int, position: int, presented: dict[str, Any] | None, extra: dict[str, Any] | None
) -> dict[str, Any]:
    """The minimal answer: what was written, the warnings the command gave, and `extra`."""
    body: dict[str, Any] = {"id": str(id_), "version": version, "position": position}
    if presented is not None and presented.get("warnings"):
        body["warnings"] = presented["warnings"]
    return body | (extra or {})


def install(app: FastAPI) -> None:
    """The middleware, and in the OpenAPI document the header and the minimal answer on every
    command that answers its record."""
    app.add_middleware(Preferences)
    amend_document(app, document)


def _written_answers() -> set[str]:
    """The names of the answers that carry a written record (`api.answers.Written` and its kinds)."""
    found, kinds = set(), [Written]
    while kinds:
        kind = kinds.pop()
        found.add(f"#/components/schemas/{kind.__name__}")
        kinds.extend(kind.__subclasses__())
    return found - {f"#/components/schemas/{WrittenMinimal.__name__}"}


def document(document: dict[str, Any]) -> None:
    """Offer `Prefer` on each command that answers its record, and the minimal answer beside it."""
    written = _written_answers()
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    minimal_schema = WrittenMinimal.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in minimal_schema.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas[WrittenMinimal.__name__] = minimal_schema
    minimal_ref = {"$ref": f"#/components/schemas/{WrittenMinimal.__name__}"}
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method.upper() not in METHODS or not isinstance(operation, dict):
                continue
            for status in ("200", "201"):
                answer = operation.get("responses", {}).get(status, {}).get("content", {}).get("application/json")
                if answer is None or answer.get("schema", {}).get("$ref") not in written:
                    continue
                answer["schema"] = {"anyOf": [answer["schema"], minimal_ref]}
                operation["responses"][status].setdefault("headers", {})[APPLIED] = {
                    "description": "`return=minimal` when the answer is the minimal one.",
                    "schema": {"type": "string"},
                }
                operation.setdefault("parameters", []).append(dict(DOCUMENTED))

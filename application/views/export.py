"""A case file to take away: the case, its pairs and referrals, their events as stored and
their links, checkable offline by `youthcare verify-export` without the database.

The file is canonical JSON (sorted keys, no spaces) of `{"content": ..., "digest": ...}`,
with `digest` the sha256 of the canonical `content`. So any changed byte shows: either
the JSON no longer parses, or it is no longer canonical, or the digest no longer fits.
The links inside let the record chains be recomputed from the stored bytes, and each
event's log link from the one before it; the anchor is the log's head at export time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, select

from application.history import stored_events
from application.views.hash_chain import GENESIS, chain, log_link, record_link

FORMAT = "youthcare-case-file/1"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def export_case(
    conn: Connection,
    store: Any,
    case_id: UUID,
    records: Sequence[tuple[str, UUID]],
    anchor: dict[str, Any],
    exported_at: str,
    seal: dict[str, Any] | None = None,
) -> bytes:
    """The case file's bytes. `records` are (record type, id), the case first. A sealed case's
    file says so (`sealed`: the seal mark), inside what the digest covers."""
    exported = []
    for record_type, record_id in records:
        links = _links(conn, record_id)
        events = []
        stored: StoredEvent
        for stored, _ in stored_events(store, record_id):
            link = links.get(stored.originator_version)
            if link is None:
                raise LookupError(f"{record_type} {record_id} version {stored.originator_version} is not linked yet")
            events.append(
                {
                    "position": link.position,
                    "version": stored.originator_version,
                    "topic": stored.topic,
                    "state": base64.b64encode(stored.state).decode(),
                    "record_link": link.record_link,
                    "previous_log_link": link.previous_log_link or GENESIS.hex(),
                    "log_link": link.log_link,
                }
            )
        exported.append({"record_type": record_type, "record_id": str(record_id), "events": events})
    content = {
        "format": FORMAT,
        "case_id": str(case_id),
        "exported_at": exported_at,
        "anchor": anchor,
        "records": exported,
    }
    if seal is not None:
        content["sealed"] = seal
    body = canonical(content)
    # canonical({"content": content, "digest": ...}) without encoding the content a second time
    return b'{"content":' + body + b',"digest":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'


def _links(conn: Connection, record_id: UUID) -> dict[int, Any]:
    """The record's links by version, each with the log link just before it in the whole log: one
    query, each earlier link found through the position index."""
    earlier = chain.alias("earlier")
    previous = (
        select(earlier.c.log_link)
        .where(earlier.c.position < chain.c.position)
        .order_by(earlier.c.position.desc())
        .limit(1)
        .correlate(chain)
        .scalar_subquery()
    )
    found = conn.execute(select(chain, previous.label("previous_log_link")).where(chain.c.record_id == record_id))
    return {row.record_version: row for row in found}


def verify_export(data: bytes) -> list[str]:
    """What is wrong with a case file, checked from its bytes alone; empty when it holds."""
    try:
        document = json.loads(data)
        content, digest = document["content"], document["digest"]
    except (ValueError, TypeError, KeyError):
        return ["not a youthcare case file: it does not parse"]
    problems = []
    if canonical(document) != data:
        problems.append("the file is not as it was written (its bytes are not the canonical form)")
    if hashlib.sha256(canonical(content)).hexdigest() != digest:
        problems.append("the digest does not match the content")
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        return [*problems, f"not a {FORMAT} file"]
    for record in content.get("records", []):
        problems += _record_problems(record)
    return problems


def _record_problems(record: dict[str, Any]) -> list[str]:
    problems = []
    try:
        record_id = UUID(record["record_id"])
        previous = GENESIS
        for expected_version, event in enumerate(record["events"], start=1):
            where = f"{record['record_type']} {record_id} version {event['version']} at position {event['position']}"
            if event["version"] != expected_version:
                problems.append(f"{where}: version {expected_version} is missing")
                break
            stored = StoredEvent(record_id, event["version"], event["topic"], base64.b64decode(event["state"]))
            link = record_link(previous, stored)
            if link.hex() != event["record_link"]:
                problems.append(f"{where}: the event's bytes do not give its record link")
            if log_link(bytes.fromhex(event["previous_log_link"]), event["position"], link).hex() != event["log_link"]:
                problems.append(f"{where}: the log link does not follow from the one before it")
            previous = bytes.fromhex(event["record_link"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        problems.append(f"record {record.get('record_id')!r}: malformed")
    return problems

"""Cursor pagination: an opaque token that says where the previous page ended.

Lists page by keyset: rows in a stable order whose last key is a unique id, and the next
page starts after the last row's keys. A token is checked value by value against the keys'
types, so one this service did not make is bad input (422), never a failed query.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, or_

from application.views.base import utc
from domain.common import InvalidValue

BIGINT = 2**63  # the largest integer a cursor may carry, exclusive (a BIGINT column's range)
# What no stored text holds: control characters (bodies refuse them; a NUL cannot be sent to PostgreSQL)
# and lone surrogates (not UTF-8 at all). Tabs and line breaks are text.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def encode_cursor(*values: Any) -> str:
    values = tuple(utc(item).isoformat() if isinstance(item, datetime) else item for item in values)
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, *kinds: type) -> list[Any]:
    """The values a cursor carries, one of each of `kinds` (int, str, UUID, date, datetime);
    a token this service did not make is bad input (422)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        values = None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _bad_cursor()
    return [_typed(item, kind) for item, kind in zip(values, kinds, strict=True)]


def _typed(item: Any, kind: type) -> Any:
    if kind is int:
        if isinstance(item, int) and not isinstance(item, bool) and -BIGINT <= item < BIGINT:
            return item
        raise _bad_cursor()
    if not isinstance(item, str) or UNSTORABLE.search(item):
        raise _bad_cursor()
    try:
        if kind is datetime:
            return utc(datetime.fromisoformat(item))
        if kind is date:
            return date.fromisoformat(item)
        if kind is UUID:
            return UUID(item)
    except (ValueError, OverflowError):  # OverflowError: a moment outside the calendar in UTC
        raise _bad_cursor() from None
    return item


def _bad_cursor() -> InvalidValue:
    return InvalidValue("not a cursor from a previous page of this list", rule="bad_cursor", field="cursor")


@dataclass(frozen=True)
class Key:
    """A column a list is ordered by, and the type its cursor value has."""

    column: ColumnElement[Any]
    kind: type

    def of(self, row: Row[Any]) -> Any:
        return row._mapping[self.column]


def page_rows(
    conn: Connection,
    query: Select[Any],
    keys: Sequence[Key],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[list[Row[Any]], str | None]:
    """One page of `query` ordered by `keys` (the last one unique), and the next page's cursor
    (None on the last page)."""
    if cursor is not None:
        after = decode_cursor(cursor, *(key.kind for key in keys))
        query = query.where(_after(keys, after, descending))
    order = [key.column.desc() if descending else key.column.asc() for key in keys]
    rows = list(conn.execute(query.order_by(*order).limit(limit + 1)).all())
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    return page, encode_cursor(*(key.of(page[-1]) for key in keys))


def _after(keys: Sequence[Key], values: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """Rows past `values` in the order of `keys`: (k1 > v1) or (k1 = v1 and k2 > v2) or ..."""
    alternatives = []
    for index, key in enumerate(keys):
        beyond = key.column < values[index] if descending else key.column > values[index]
        equal = [keys[i].column == values[i] for i in range(index)]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)

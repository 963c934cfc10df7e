"""Narrowing a view query by what the caller asked for: equal values and time ranges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select

from application.views.base import utc
from domain.common import InvalidValue


def where_equal(query: Select[Any], wanted: Iterable[tuple[ColumnElement[Any], Any]]) -> Select[Any]:
    """Keep rows whose column equals the value asked for; a value of None asks nothing."""
    for column, value in wanted:
        if value is not None:
            query = query.where(column == value)
    return query


def where_between(
    query: Select[Any], column: ColumnElement[Any], start: datetime | None, end: datetime | None, field: str
) -> Select[Any]:
    """Keep rows with `start <= column < end` (either end may be open); an empty range is bad input."""
    start, end = _in_utc(start, field), _in_utc(end, field)
    if start is not None and end is not None and end <= start:
        raise InvalidValue(f"'{field}' must be after the start of its range", rule="empty_range", field=field)
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end)
    return query


def _in_utc(moment: datetime | None, field: str) -> datetime | None:
    """`moment` in UTC; one that falls outside the calendar there (0001-01-01T00:00+23:59) is bad input."""
    try:
        return utc(moment) if moment is not None else None
    except OverflowError:
        message = "a moment must lie within years 1 to 9999 in UTC"
        raise InvalidValue(message, rule="datetime_range", field=field) from None

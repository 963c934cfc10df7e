"""How far a caller's view queries reach: every query narrows by it inside its SQL.

A reach is decided by the access policy (application/access) and resolved here against
the casework view's stations, so a coordinator's area is "this station and every station
below it" as the view knows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, false, select

from application.views.casework_tables import stations


@dataclass(frozen=True)
class Reach:
    """`everything`, or the stations (one, or an area under a root), a department or a volunteer."""

    everything: bool = False
    station: UUID | None = None
    area_root: UUID | None = None
    department: UUID | None = None
    volunteer: UUID | None = None

    @property
    def by_station(self) -> bool:
        return not self.everything and (self.station is not None or self.area_root is not None)

    def station_ids(self, conn: Connection) -> list[UUID] | None:
        """The stations reached (None: no narrowing by station at all)."""
        if self.everything:
            return None
        if self.station is not None:
            return [self.station]
        if self.area_root is not None:
            return stations_under(conn, self.area_root)
        return None if (self.department or self.volunteer) else []


EVERYTHING = Reach(everything=True)


def stations_under(conn: Connection, root: UUID) -> list[UUID]:
    """`root` and every station whose chain of parents leads to it."""
    children: dict[UUID | None, list[UUID]] = {}
    for station_id, parent_id in conn.execute(select(stations.c.station_id, stations.c.parent_id)):
        children.setdefault(parent_id, []).append(station_id)
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def narrowed(query: Any, column: Any, ids: list[UUID] | None) -> Any:
    """`query` kept to rows whose `column` is one of `ids` (None: unchanged)."""
    return query if ids is None else query.where(column.in_(ids))


def within(
    query: Any,
    conn: Connection,
    reach: Reach,
    *,
    station: ColumnElement[Any] | None = None,
    department: ColumnElement[Any] | None = None,
    volunteer: ColumnElement[Any] | None = None,
) -> Any:
    """`query` kept to the rows `reach` covers, by whichever of its columns names a station,
    department or volunteer; a reach the rows have no column for keeps none (deny by default)."""
    if reach.everything:
        return query
    for reached, column in ((reach.department, department), (reach.volunteer, volunteer)):
        if reached is not None:
            return query.where(false()) if column is None else query.where(column == reached)
    if station is None:
        return query.where(false())
    return narrowed(query, station, reach.station_ids(conn))

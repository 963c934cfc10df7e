"""A view table's rows held in memory while a runner holds the view, written back once per batch.

A batch changes the rows it touches in memory, as its events come, and writes every changed
row at flush in one multi-row upsert: a statement per table per batch rather than one per
event. Only the runner holding the view writes it, so the rows it last wrote are the rows
stored; `forget()` drops them whenever that may no longer hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

Row = dict[str, Any]


def upsert(table: Table, dialect: str) -> ReturningInsert[Any]:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE every other column, for PostgreSQL or SQLite.

    It returns the keys only so that SQLAlchemy sends many rows as one multi-row INSERT
    ("insertmanyvalues"): without RETURNING it sends an ON CONFLICT statement row by row."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    keys = list(table.primary_key.columns)
    others = {column.name: statement.excluded[column.name] for column in table.columns if not column.primary_key}
    return statement.on_conflict_do_update(index_elements=keys, set_=others).returning(*keys)


class Kept:
    """What is remembered of a table, by key, and which keys the batch under way changed."""

    def __init__(self, table: Table, kept: int) -> None:
        self.table = table
        self.kept = kept  # keys remembered between batches; beyond it they are read again
        self._known: dict[Any, Any] = {}
        self._changed: set[Any] = set()

    def trim(self) -> None:
        """Bound the memory between batches (after flush)."""
        if len(self._known) > self.kept:
            self._known.clear()

    def forget(self) -> None:
        self._known.clear()
        self._changed.clear()


class Rows(Kept):
    """The rows of a table with a one-column primary key, by key."""

    def __init__(self, table: Table, kept: int) -> None:
        super().__init__(table, kept)
        (self.key,) = table.primary_key.columns
        self._known: dict[Any, Row] = {}

    def load(self, conn: Connection, keys: Iterable[Any]) -> None:
        """Read in one query the rows of `keys` not in memory yet (keys with no row stay unknown)."""
        unknown = {key for key in keys if key is not None} - self._known.keys()
        if unknown:
            for row in conn.execute(select(self.table).where(self.key.in_(unknown))):
                self._known[row._mapping[self.key.name]] = dict(row._mapping)

    def find(self, conn: Connection, key: Any) -> Row | None:
        if key not in self._known:
            self.load(conn, [key])
        return self._known.get(key)

    def get(self, conn: Connection, key: Any) -> Row:
        """The row of `key`, which must exist."""
        found = self.find(conn, key)
        if found is None:
            raise LookupError(f"{self.table.name} has no row {key}")
        return found

    def known(self, keys: Iterable[Any]) -> Iterator[Row]:
        """The rows in memory among `keys`."""
        return (self._known[key] for key in keys if key in self._known)

    def add(self, row: Row) -> None:
        """A new row (columns left out are NULL)."""
        full = {column.name: None for column in self.table.columns} | row
        key = full[self.key.name]
        self._known[key] = full
        self._changed.add(key)

    def change(self, conn: Connection, key: Any, **values: Any) -> Row | None:
        """Set `values` on the row of `key`; like an UPDATE, nothing if there is no such row."""
        row = self.find(conn, key)
        if row is not None:
            row.update(values)
            self._changed.add(key)
        return row

    def update_where(self, conn: Connection, column: str, equals: Any, **values: Any) -> None:
        """Set `values` on every row whose `column` equals `equals`, in memory or not: in SQL."""
        self.flush(conn)
        conn.execute(update(self.table).where(self.table.c[column] == equals).values(**values))
        for row in self._known.values():
            if row[column] == equals:
                row.update(values)

    def flush(self, conn: Connection) -> None:
        if self._changed:
            conn.execute(upsert(self.table, conn.dialect.name), [self._known[key] for key in self._changed])
            self._changed.clear()


class RowLists(Kept):
    """The rows of a table keyed by (owner, number), kept as each owner's list, replaced whole."""

    def __init__(self, table: Table, owner: str, number: str, kept: int) -> None:
        super().__init__(table, kept)
        self.owner = table.c[owner]
        self.number = number
        self._known: dict[Any, list[Row]] = {}

    def load(self, conn: Connection, owners: Iterable[Any]) -> None:
        unknown = {owner for owner in owners if owner is not None} - self._known.keys()
        if unknown:
            for owner in unknown:
                self._known[owner] = []
            query = select(self.table).where(self.owner.in_(unknown)).order_by(self.owner, self.table.c[self.number])
            for row in conn.execute(query):
                self._known[row._mapping[self.owner.name]].append(dict(row._mapping))

    def of(self, conn: Connection, owner: Any) -> list[Row]:
        if owner not in self._known:
            self.load(conn, [owner])
        return self._known[owner]

    def replace(self, owner: Any, rows: list[Row]) -> None:
        self._known[owner] = [{self.owner.name: owner, self.number: n, **row} for n, row in enumerate(rows)]
        self._changed.add(owner)

    def change(self, conn: Connection, owner: Any, number: int, **values: Any) -> None:
        """Set `values` on the owner's row `number`; nothing if there is none (like an UPDATE)."""
        for row in self.of(conn, owner):
            if row[self.number] == number:
                row.update(values)
                self._changed.add(owner)

    def flush(self, conn: Connection) -> None:
        if self._changed:
            conn.execute(delete(self.table).where(self.owner.in_(self._changed)))
            rows = [row for owner in self._changed for row in self._known[owner]]
            if rows:
                conn.execute(insert(self.table), rows)
            self._changed.clear()

"""The rows a batch of events touches: read once, changed in memory, written once.

Handlers work on plain dicts, which keeps them pure and quick to test. A batch reads the
rows of the aggregates it has events of in one query per table (`prefetch`), and writes
each changed row once: a rebuild sends a few statements per batch, not a few per event.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, insert, select, tuple_

Key = tuple[Any, ...]
Row = dict[str, Any]
_CHUNK = 500


class Rows:
    def __init__(self, db: Connection) -> None:
        self.db = db
        self._cache: dict[str, dict[Key, Row | None]] = {}
        self._dirty: dict[str, set[Key]] = {}
        self._tables: dict[str, Table] = {}

    def prefetch(self, column: Column[Any], values: Collection[Any]) -> None:
        """Read every row whose `column` is one of `values`, in one query per chunk."""
        table = column.table
        assert isinstance(table, Table)
        cache = self._cache.setdefault(table.name, {})
        key_names = [c.name for c in table.primary_key.columns]
        ordered = list(values)
        for start in range(0, len(ordered), _CHUNK):
            query = select(table).where(column.in_(ordered[start : start + _CHUNK]))
            for found in self.db.execute(query).mappings():
                key = tuple(found[name] for name in key_names)
                cache.setdefault(key, dict(found))
        if key_names == [column.name]:  # the values are keys: those not found have no row
            for value in ordered:
                cache.setdefault((value,), None)

    def get(self, table: Table, *key: Any) -> Row | None:
        cache = self._cache.setdefault(table.name, {})
        if key not in cache:
            columns = [table.c[c.name] for c in table.primary_key.columns]
            found = self.db.execute(select(table).where(tuple_(*columns) == key)).first()
            cache[key] = dict(found._mapping) if found else None
        return cache[key]

    def put(self, table: Table, row: Row) -> None:
        key = tuple(row[c.name] for c in table.primary_key.columns)
        self._cache.setdefault(table.name, {})[key] = row
        self._mark(table, key)

    def update(self, table: Table, *key: Any, **values: Any) -> Row | None:
        """Change a row that exists; a row the batch cannot find is left alone."""
        row = self.get(table, *key)
        if row is not None:
            row.update(values)
            self._mark(table, key)
        return row

    def delete(self, table: Table, *key: Any) -> None:
        self.get(table, *key)
        self._cache[table.name][key] = None
        self._mark(table, key)

    def flush(self) -> None:
        """Write the changed rows: delete their old versions, insert the new ones."""
        for name, keys in self._dirty.items():
            table = self._tables[name]
            columns = [table.c[c.name] for c in table.primary_key.columns]
            ordered = list(keys)
            for start in range(0, len(ordered), _CHUNK):
                chunk = ordered[start : start + _CHUNK]
                self.db.execute(delete(table).where(tuple_(*columns).in_(chunk)))
            rows = [
                {column.name: row.get(column.name) for column in table.columns}
                for key in ordered
                if (row := self._cache[name][key]) is not None
            ]
            if rows:
                self.db.execute(insert(table), rows)
        self._dirty.clear()

    def _mark(self, table: Table, key: Key) -> None:
        self._tables[table.name] = table
        self._dirty.setdefault(table.name, set()).add(key)

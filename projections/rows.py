"""The rows a batch of events touches: read once, changed in memory, written once.

Handlers work on plain dicts, which keeps them pure and quick to test. A batch reads the
rows of the aggregates it has events of in one query per table (`prefetch`), and writes
each changed row once: a few statements per batch, not a few per event.

A rebuild keeps one `Rows` per model across all its batches (`kept=True`). It starts
from empty tables, so every row is in memory, or was written and let go once finished
(`release`): it reads back only rows it let go, and deletes only rows it wrote.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select, tuple_

from access.database import insert_rows

Key = tuple[Any, ...]
Row = dict[str, Any]
_CHUNK = 500


class Rows:
    def __init__(self, db: Connection | None = None, *, kept: bool = False) -> None:
        self.db: Connection | None = db
        self.kept = kept
        # By table name; made on first use (setdefault would make an empty one each call).
        self._cache: defaultdict[str, dict[Key, Row | None]] = defaultdict(dict)
        self._dirty: defaultdict[str, set[Key]] = defaultdict(set)
        self._tables: dict[str, Table] = {}
        self._written: dict[str, set[Key]] = {}  # kept: keys with a row in the table
        self._released: dict[str, set[Key]] = {}  # kept: keys written and let go
        #: A correction's restate is applying a flow's earlier events again
        #: (`Projection.restate`): what counts events as they happen counts none of these.
        self.replaying = False

    def prefetch(self, column: Column[Any], values: Collection[Any]) -> None:
        """Read every row whose `column` is one of `values`, in one query per chunk."""
        table = column.table
        assert isinstance(table, Table)
        cache = self._cache[table.name]
        names = _names(table)
        key_at = [names.index(c.name) for c in table.primary_key.columns]
        ordered = list(values)
        for start in range(0, len(ordered), _CHUNK):
            query = select(table).where(column.in_(ordered[start : start + _CHUNK]))
            for found in self._db.execute(query):
                cache.setdefault(
                    tuple(found[i] for i in key_at), dict(zip(names, found, strict=True))
                )
        if len(key_at) == 1 and names[key_at[0]] == column.name:
            # The values are keys: those not found have no row.
            for value in ordered:
                cache.setdefault((value,), None)

    def where(self, column: Column[Any], value: Any) -> list[Row]:
        """Every row whose `column` is `value`, as the batch has it (rare: read at once)."""
        self.prefetch(column, [value])
        table = column.table
        assert isinstance(table, Table)
        cache = self._cache[table.name]
        return [row for row in cache.values() if row is not None and row[column.name] == value]

    def get(self, table: Table, *key: Any) -> Row | None:
        # One lookup, not two: hashing a key of UUIDs runs Python code (UUID.__hash__), and
        # a rebuild looks up rows about four times an event.
        cache = self._cache[table.name]
        try:
            return cache[key]
        except KeyError:  # rare: a row is mostly put or prefetched before it is looked up
            row = cache[key] = self._read(table, key)
            return row

    def _read(self, table: Table, key: Key) -> Row | None:
        if self.kept and key not in self._released.get(table.name, ()):
            return None  # never written: there is no such row
        columns = [table.c[c.name] for c in table.primary_key.columns]
        found = self._db.execute(select(table).where(tuple_(*columns) == key)).first()
        return dict(found._mapping) if found else None

    def put(self, table: Table, row: Row) -> None:
        key = tuple([row[name] for name in _key_names(table)])
        self._cache[table.name][key] = row
        self._mark(table, key)

    def changed(self, table: Table, *key: Any) -> None:
        """The row of `key`, got from `get`, was changed in place: write it at the flush."""
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
            written = self._written.setdefault(name, set())
            stale: list[Key] = []  # rows to delete before they are inserted again
            new: list[Key] = []  # kept: rows the table has never had
            for key in keys:
                (stale if not self.kept or key in written else new).append(key)
            for start in range(0, len(stale), _CHUNK):
                chunk = stale[start : start + _CHUNK]
                self._db.execute(delete(table).where(tuple_(*columns).in_(chunk)))
            cache = self._cache[name]
            rows, gone = [], []
            for key in keys:
                row = cache[key]
                if row is None:
                    gone.append(key)
                else:
                    rows.append(row)
            if rows:
                insert_rows(self._db, table, rows)
            if self.kept:
                written.update(new)
                written.difference_update(gone)
        self._dirty.clear()

    def release(self, finished: Mapping[str, Callable[[Row], bool]]) -> None:
        """Let go of written rows that no event will change again (kept only)."""
        for name, is_finished in finished.items():
            cache = self._cache.get(name, {})
            done = [key for key, row in cache.items() if row is not None and is_finished(row)]
            for key in done:
                del cache[key]
            self._released.setdefault(name, set()).update(done)

    @property
    def _db(self) -> Connection:
        assert self.db is not None, "a batch's connection first"
        return self.db

    def _mark(self, table: Table, key: Key) -> None:
        self._tables[table.name] = table
        self._dirty[table.name].add(key)


@cache
def _names(table: Table) -> list[str]:
    """The table's column names, in order (`table.columns` makes a new list each time)."""
    return [column.name for column in table.columns]


@cache
def _key_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]

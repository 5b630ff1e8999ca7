"""Whether some process is rebuilding read models now: a lease every rebuilding process
holds, shared, and that its operating system or PostgreSQL takes back when the process dies,
however it dies. A rebuild makes its tables' secondary indexes at its end (a table filled
without them fills faster), so while it runs they are missing by design; once no process
holds the lease, a table without its indexes was left so by a rebuild that died, and the
servers give them back (`Projector.repair_indexes`).

On PostgreSQL the lease is a session advisory lock; on a SQLite file, an advisory file lock
(`flock`) on a file beside the database.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

#: One number for the whole product, apart from the startup lock's.
_LEASE = 0x50464C5B


@contextmanager
def rebuild_lease(engine: Engine) -> Iterator[None]:
    """Held while this process rebuilds; others rebuilding at once hold it too."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as db:
            db.execute(text("SELECT pg_advisory_lock_shared(:key)"), {"key": _LEASE})
            db.commit()
            try:
                yield
            finally:
                db.execute(text("SELECT pg_advisory_unlock_shared(:key)"), {"key": _LEASE})
                db.commit()
        return
    path = _lease_file(engine)
    if path is None:  # a database in memory: no other process can see it
        yield
        return
    with path.open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def rebuilding(engine: Engine) -> bool:
    """Whether any process holds the lease now."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as db:
            free = db.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LEASE})
            if free:
                db.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LEASE})
            db.commit()
        return not free
    path = _lease_file(engine)
    if path is None:
        return False
    with path.open("a+b") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe, fcntl.LOCK_UN)
    return False


def _lease_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".rebuild")

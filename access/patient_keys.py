"""The flows' data keys, each wrapped (AES-GCM) by a master key kept outside the database.

A flow's key is made when its first personal field is sealed and wiped when its identity is
erased (on SQLite with `secure_delete`, so the bytes are overwritten, not just freed).

The master keys live in a file (setting `master_keys_file`, made on first start; in
production a secret mounted into every server process): one key per line, `id base64`, the
first line the one in force. `pasientflyt keys rotate` puts a new master key first and wraps
every flow key again; processes still running pick the new file up when they meet a key id
they do not know, so there is no downtime.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from uuid import UUID

from cachetools import LRUCache
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

patient_keys = Table(
    "patient_keys",
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    # Both empty once erased: the row stays so that the flow never gets a key again.
    Column("master_key_id", String(32), index=True),
    Column("wrapped", LargeBinary),
)

_BATCH = 1000
_KEPT = 200_000


class MasterKeyError(RuntimeError):
    """The master keys file is missing a key it should have, or cannot be read."""


class MasterKeys:
    """The master keys file: the first key wraps new flow keys, every key unwraps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: dict[str, bytes] = {}
        self.current = ""
        self._mtime = 0
        if not path.exists():
            self._create()
        self.reload()

    def reload(self) -> None:
        try:
            self._mtime = self.path.stat().st_mtime_ns
            lines = self.path.read_text("ascii").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise MasterKeyError(f"{self.path}: kan ikke leses: {error}") from None
        pairs = [line.split() for line in lines if line.strip() and not line.startswith("#")]
        if not pairs or any(len(pair) != 2 for pair in pairs):
            raise MasterKeyError(f"{self.path}: hver linje må være «id nøkkel»")
        self._keys = {key_id: base64.b64decode(key) for key_id, key in pairs}
        self.current = pairs[0][0]

    def in_force(self) -> tuple[str, bytes]:
        """The key new flow keys are wrapped by, as the file says now (it may have been
        rotated by another process)."""
        try:
            if self.path.stat().st_mtime_ns != self._mtime:
                self.reload()
        except OSError as error:
            raise MasterKeyError(f"{self.path}: kan ikke leses: {error}") from None
        return self.current, self._keys[self.current]

    def get(self, key_id: str) -> bytes:
        if key_id not in self._keys:
            self.reload()  # rotated by another process
        if key_id not in self._keys:
            raise MasterKeyError(f"Hovednøkkelen «{key_id}» finnes ikke i {self.path}.")
        return self._keys[key_id]

    def ids(self) -> set[str]:
        return set(self._keys)

    def add_new(self) -> str:
        """Put a new key first; the others stay to unwrap what they wrapped."""
        new_id = _new_id()
        self._write([(new_id, AESGCM.generate_key(256)), *self._keys.items()])
        self.reload()
        return new_id

    def retire(self, key_ids: set[str]) -> None:
        self._write([(i, k) for i, k in self._keys.items() if i not in key_ids])
        self.reload()

    def _create(self) -> None:
        """A first key, unless another process made the file a moment ago: the file
        appears whole, once (a hard link never replaces a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._temporary([(_new_id(), AESGCM.generate_key(256))])
        try:
            os.link(temporary, self.path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()

    def _write(self, keys: list[tuple[str, bytes]]) -> None:
        os.replace(self._temporary(keys), self.path)

    def _temporary(self, keys: list[tuple[str, bytes]]) -> Path:
        text = "".join(f"{i} {base64.b64encode(k).decode()}\n" for i, k in keys)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(text)
        return temporary


def _new_id() -> str:
    return secrets.token_hex(8)


class PatientKeys:
    """The key ring of `flow.personal_data`, on the database beside the event log."""

    def __init__(self, engine: Engine, master: MasterKeys) -> None:
        self.engine, self.master = engine, master
        #: Keys unwrapped, None for a flow whose key is erased: a rebuild asks for each
        #: flow's key many times.
        self._known: LRUCache[UUID, bytes | None] = LRUCache(maxsize=_KEPT)
        self._lock = threading.Lock()

    def key(self, flow_id: UUID) -> bytes | None:
        return self._lookup(flow_id)[1]

    def new_key(self, flow_id: UUID) -> bytes | None:
        found, key = self._lookup(flow_id)
        if found:
            return key  # None once erased: the flow gets no key again
        key = AESGCM.generate_key(256)
        try:
            with self.engine.begin() as db:
                db.execute(patient_keys.insert().values(self._wrap(flow_id, key)))
        except IntegrityError:  # made (or erased) by another process a moment ago
            return self.key(flow_id)
        with self._lock:
            self._known[flow_id] = key
        return key

    def _lookup(self, flow_id: UUID) -> tuple[bool, bytes | None]:
        """Whether the flow has a row (its key, or the mark of an erased one), and its key."""
        with self._lock:
            if flow_id in self._known:
                return True, self._known[flow_id]
        self.load([flow_id])
        with self._lock:
            if flow_id in self._known:
                return True, self._known[flow_id]
        return False, None

    def load(self, flow_ids: Collection[UUID]) -> None:
        """Read the keys of these flows into memory, a query for each _BATCH of them."""
        with self._lock:
            unknown = [flow_id for flow_id in flow_ids if flow_id not in self._known]
        if not unknown:
            return
        with self.engine.connect() as db:
            for start in range(0, len(unknown), _BATCH):
                rows = db.execute(
                    select(patient_keys).where(
                        patient_keys.c.flow_id.in_(unknown[start : start + _BATCH])
                    )
                ).all()
                keys = {
                    row.flow_id: None
                    if row.wrapped is None
                    else self._unwrap(row.flow_id, row.master_key_id, row.wrapped)
                    for row in rows
                }
                with self._lock:
                    self._known.update(keys)

    def forget(self, flow_id: UUID) -> None:
        with self._lock:
            self._known.pop(flow_id, None)

    def erase(self, flow_id: UUID) -> bool:
        """Wipe the flow's key; its sealed fields can never be read again, and it gets no
        new key. False if it had none."""
        with self.engine.begin() as db:
            wiped = db.execute(
                patient_keys.update()
                .where(patient_keys.c.flow_id == flow_id, patient_keys.c.wrapped.is_not(None))
                .values(master_key_id=None, wrapped=None)
            ).rowcount
            row = patient_keys.c.flow_id == flow_id
            if not wiped and db.execute(select(patient_keys.c.flow_id).where(row)).first() is None:
                db.execute(patient_keys.insert().values(flow_id=flow_id))
        with self._lock:
            self._known[flow_id] = None
        return bool(wiped)

    def rewrap(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Wrap every key not wrapped by the master key in force again, in batches."""
        done = 0
        while True:
            with self.engine.begin() as db:
                rows = db.execute(
                    select(patient_keys)
                    .where(patient_keys.c.master_key_id != self.master.current)
                    .limit(_BATCH)
                ).all()
                for row in rows:
                    key = self._unwrap(row.flow_id, row.master_key_id, row.wrapped)
                    db.execute(
                        patient_keys.update()
                        .where(patient_keys.c.flow_id == row.flow_id)
                        .values(self._wrap(row.flow_id, key))
                    )
            if not rows:
                return done
            done += len(rows)
            if on_batch:
                on_batch(len(rows))

    def retire_unused(self) -> set[str]:
        """Take the master keys that wrap no flow key any more out of the file."""
        with self.engine.connect() as db:
            query = select(patient_keys.c.master_key_id).distinct()
            in_use = {key_id for key_id in db.scalars(query) if key_id is not None}
        unused = self.master.ids() - in_use - {self.master.current}
        self.master.retire(unused)
        return unused

    def to_rewrap(self) -> int:
        """How many keys the master key in force did not wrap."""
        with self.engine.connect() as db:
            query = select(func.count()).where(patient_keys.c.master_key_id != self.master.current)
            return db.scalar(query) or 0

    def _wrap(self, flow_id: UUID, key: bytes) -> dict[str, object]:
        nonce = os.urandom(12)
        master_id, master = self.master.in_force()
        wrapped = nonce + AESGCM(master).encrypt(nonce, key, flow_id.bytes)
        return {"flow_id": flow_id, "master_key_id": master_id, "wrapped": wrapped}

    def _unwrap(self, flow_id: UUID, master_key_id: str, wrapped: bytes) -> bytes:
        master = self.master.get(master_key_id)
        return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], flow_id.bytes)

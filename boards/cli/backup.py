"""`pasientflyt backup PATH` and `pasientflyt restore PATH`: the store and its master keys,
together or apart, as the operator chooses.

A database without its master keys is a database whose personal data is gone: every name,
identity number and free text is sealed under a flow key that only a master key unwraps
(`access/patient_keys.py`). So a backup holds both, or says where the keys went:

* the store: SQLite by its online backup API (a consistent copy while servers write);
  PostgreSQL by `pg_dump --format=custom` (a consistent snapshot; for point-in-time
  recovery, archive the write-ahead log as PostgreSQL's documentation describes — the keys
  file is then backed up apart, as here);
* the master keys: sealed under a passphrase (scrypt, then AES-GCM) into the backup, or
  written in clear to a directory of their own (`--keys-apart`), to be kept elsewhere;
* `manifest.json`: what was backed up when, and each file's SHA-256, checked on restore.

A restore goes into an empty store only, and never writes over a keys file: nothing
existing is lost to a mistyped path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from rich.console import Console
from sqlalchemy import inspect, make_url, text

from access.database import connect
from boards.settings import Settings
from flow.application import Pasientflyt

console = Console()

MANIFEST = "manifest.json"
SEALED_KEYS = "master.keys.sealed"
KEYS = "master.keys"
FORMAT = 1
#: scrypt's cost: about 0.1 s and 32 MiB on a server; a guessed passphrase costs the same.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
PASSPHRASE_ENV = "PASIENTFLYT_BACKUP_PASSPHRASE"


class BackupError(Exception):
    """Said to the operator, and nothing written."""


@dataclass(frozen=True)
class Store:
    kind: str  # "sqlite" or "postgresql"
    url: str

    @classmethod
    def of(cls, database_url: str) -> Store:
        kind = (
            "postgresql" if make_url(database_url).drivername.startswith("postgresql") else "sqlite"
        )
        return cls(kind, database_url)

    @property
    def file(self) -> Path:
        database = make_url(self.url).database
        if not database:
            raise BackupError("SQLite-databasen må være en fil.")
        return Path(database)

    @property
    def dump_name(self) -> str:
        return "pasientflyt.db" if self.kind == "sqlite" else "pasientflyt.dump"

    @property
    def libpq_url(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)


def back_up(
    settings: Settings, target: Path, passphrase: str | None, keys_apart: Path | None
) -> dict[str, Any]:
    """The store and its keys into the new directory `target`; the manifest written."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} finnes og er ikke tom.")
    if (passphrase is None) == (keys_apart is None):
        raise BackupError("Velg enten en passfrase for nøklene eller --keys-apart.")
    keys = settings.master_keys_file
    if not keys.exists():
        raise BackupError(f"Finner ikke hovednøklene i {keys}.")
    apart = keys_apart / KEYS if keys_apart else None
    if apart is not None and apart.exists():
        raise BackupError(f"{apart} finnes allerede.")
    store = Store.of(settings.database_url)
    target.mkdir(parents=True, exist_ok=True)
    dump = target / store.dump_name
    if store.kind == "sqlite":
        _copy_sqlite(store.file, dump)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", store.libpq_url])
    keys_entry: dict[str, Any]
    if apart is None:
        assert passphrase is not None
        kept = target / SEALED_KEYS
        kept.write_bytes(seal(keys.read_bytes(), passphrase))
        keys_entry = {"sealed": SEALED_KEYS, "sha256": _sha256(kept)}
    else:
        apart.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(keys, apart)
        apart.chmod(0o600)
        keys_entry = {"apart": True, "sha256": _sha256(apart)}
    manifest = {
        "format": FORMAT,
        "made_at": datetime.now(UTC).isoformat(),
        "store": store.kind,
        "database": {"file": dump.name, "sha256": _sha256(dump)},
        "keys": keys_entry,
        "events": _events(store.url),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return manifest


def restore(
    settings: Settings, source: Path, passphrase: str | None, keys_from: Path | None
) -> dict[str, Any]:
    """The backup in `source` into the configured store (empty) and keys file (absent)."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"Ingen lesbar {MANIFEST} i {source}.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Ukjent format på sikkerhetskopien: {manifest.get('format')}.")
    store = Store.of(settings.database_url)
    if store.kind != manifest["store"]:
        raise BackupError(f"Sikkerhetskopien er av {manifest['store']}, målet er {store.kind}.")
    dump = source / manifest["database"]["file"]
    _check(dump, manifest["database"]["sha256"])
    keys = _keys_of(source, manifest["keys"], passphrase, keys_from)
    target_keys = settings.master_keys_file
    if target_keys.exists():
        raise BackupError(f"{target_keys} finnes allerede; den skrives ikke over.")
    if not _empty(store):
        raise BackupError("Databasen er ikke tom; gjenopprett til en tom database.")
    target_keys.parent.mkdir(parents=True, exist_ok=True)
    if store.kind == "sqlite":
        store.file.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(dump, store.file)
    else:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={store.libpq_url}",
                str(dump),
            ]
        )
    descriptor = os.open(target_keys, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as written:
        written.write(keys)
    return manifest


def seal(keys: bytes, passphrase: str) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    secret = Scrypt(salt=salt, length=32, **_SCRYPT).derive(passphrase.encode("utf-8"))
    sealed = AESGCM(secret).encrypt(nonce, keys, b"pasientflyt master keys")
    fields = {"kdf": "scrypt", **_SCRYPT, "salt": salt, "nonce": nonce, "sealed": sealed}
    return json.dumps(
        {k: _b64(v) if isinstance(v, bytes) else v for k, v in fields.items()}
    ).encode()


def unseal(content: bytes, passphrase: str) -> bytes:
    fields = json.loads(content)
    scrypt = Scrypt(
        salt=base64.b64decode(fields["salt"]),
        length=32,
        n=fields["n"],
        r=fields["r"],
        p=fields["p"],
    )
    secret = scrypt.derive(passphrase.encode("utf-8"))
    try:
        return AESGCM(secret).decrypt(
            base64.b64decode(fields["nonce"]),
            base64.b64decode(fields["sealed"]),
            b"pasientflyt master keys",
        )
    except InvalidTag:
        raise BackupError("Feil passfrase, eller nøkkelfilen er endret.") from None


def _keys_of(
    source: Path, entry: dict[str, Any], passphrase: str | None, keys_from: Path | None
) -> bytes:
    if "sealed" in entry:
        sealed = source / entry["sealed"]
        _check(sealed, entry["sha256"])
        if passphrase is None:
            raise BackupError(f"Nøklene er forseglet: oppgi passfrasen (eller {PASSPHRASE_ENV}).")
        return unseal(sealed.read_bytes(), passphrase)
    if keys_from is None:
        raise BackupError("Nøklene ble lagt et annet sted: oppgi --keys-from med filen.")
    _check(keys_from, entry["sha256"])
    return keys_from.read_bytes()


def _check(path: Path, sha256: str) -> None:
    if not path.is_file():
        raise BackupError(f"Mangler {path}.")
    if _sha256(path) != sha256:
        raise BackupError(f"{path.name} stemmer ikke med manifestet: endret eller ufullstendig.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as read:
        for block in iter(lambda: read.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections write."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def _events(database_url: str) -> int:
    """The log's head: the events the backup holds (the event store's table and numbering
    differ by store: SQLite's `stored_events` by rowid, PostgreSQL's `<application>_events`
    by `notification_id`)."""
    engine = connect(database_url)
    if engine.dialect.name == "sqlite":
        query = "SELECT max(rowid) FROM stored_events"
    else:
        query = f"SELECT max(notification_id) FROM {Pasientflyt.name.lower()}_events"
    try:
        with engine.connect() as db:
            return int(db.scalar(text(query)) or 0)
    finally:
        engine.dispose()


def _empty(store: Store) -> bool:
    """No table at all: a new SQLite file or a new PostgreSQL database."""
    if store.kind == "sqlite" and not store.file.exists():
        return True
    engine = connect(store.url)
    try:
        return not inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"Finner ikke {command[0]}: installer PostgreSQL-klientverktøyene."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} feilet: {done.stderr.strip()[-500:]}")


def register(cli: typer.Typer) -> None:
    """The two commands, on the main command line."""

    @cli.command("backup")
    def backup_command(
        path: Annotated[Path, typer.Argument(help="En ny, tom mappe for sikkerhetskopien.")],
        keys_apart: Annotated[
            Path | None,
            typer.Option(help="Skriv hovednøklene i klartekst hit i stedet for å forsegle dem."),
        ] = None,
    ) -> None:
        """Back up the store and its master keys (sealed under a passphrase, or apart)."""
        passphrase = None if keys_apart else _passphrase(confirm=True)
        try:
            manifest = back_up(Settings(), path, passphrase, keys_apart)
        except BackupError as error:
            _fail(str(error))
        console.print(f"Sikkerhetskopi i {path}: {manifest['events']} hendelser.")
        if keys_apart:
            where = keys_apart / KEYS
            console.print(f"Hovednøklene ligger i {where}: oppbevar dem borte fra databasen.")

    @cli.command("restore")
    def restore_command(
        path: Annotated[Path, typer.Argument(help="Mappen med sikkerhetskopien.")],
        keys_from: Annotated[
            Path | None, typer.Option(help="Hovednøklene, om de ble lagt et annet sted.")
        ] = None,
    ) -> None:
        """Restore a backup into an empty store, with its master keys."""
        passphrase = None if keys_from else _passphrase(confirm=False)
        try:
            manifest = restore(Settings(), path, passphrase, keys_from)
        except BackupError as error:
            _fail(str(error))
        console.print(f"Gjenopprettet {manifest['events']} hendelser fra {manifest['made_at']}.")


def _passphrase(confirm: bool) -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    text: str = typer.prompt(
        "Passfrase for hovednøklene", hide_input=True, confirmation_prompt=confirm
    )
    return text


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)

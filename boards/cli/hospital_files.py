"""Files of hospital messages through the same ingest as the API, for the command line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from uuid import UUID

from access.accounts import Role, User
from boards.hospital.kept import Outcome
from boards.services.system import System
from flow.errors import NotFoundError
from flow.hospital_messages import UnreadableMessageError

#: How a message went, in the words of the summary.
OUTCOMES = {
    Outcome.OPENED: "nytt forløp",
    Outcome.APPLIED: "tatt imot",
    Outcome.RECORDED: "registrert",
    Outcome.REFUSED: "til oppfølging",
    Outcome.UNREADABLE: "uleselig, til oppfølging",
    "replayed": "mottatt før",
    "lost": "ikke en sykehusmelding, ikke lagret",
}
SUFFIXES = {".xml", ".json"}


def message_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the message files of the folders named, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES)
        else:
            found.append(path)
    return found


def sender(system: System, municipality_id: UUID, username: str | None) -> User:
    """The municipality's integration user: the one named, or its first."""
    accounts = [a.user for a in system.accounts.list_users(municipality_id)]
    found = [
        u
        for u in accounts
        if u.role == Role.INTEGRATION and (username is None or u.username == username)
    ]
    if not found:
        raise NotFoundError("no_integration_user")
    return found[0]


def load(
    system: System,
    files: list[Path],
    by: User,
    clock: Callable[[], datetime],
    on_message: Callable[[Path, str], None],
) -> Counter[str]:
    """Each file once through the ingest, the outcomes counted; `on_message` hears of each
    file, with the reason it could not be read (else "")."""
    outcomes: Counter[str] = Counter()
    for path in files:
        problem = ""
        try:
            receipt = system.hospital_messages.ingest(path.read_bytes(), by, clock())
            key: str = "replayed" if receipt.replayed else receipt.outcome
        except UnreadableMessageError as error:
            problem = error.message
            key = "replayed" if error.replayed else Outcome.UNREADABLE if error.kept_at else "lost"
        outcomes[OUTCOMES[key]] += 1
        on_message(path, problem)
    return outcomes

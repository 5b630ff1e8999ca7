"""What both formats check alike: identity numbers, times, lengths."""

from __future__ import annotations

from datetime import UTC, date, datetime

from boards.shapes import EARLIEST, LATEST, printable
from flow.hospital_messages import UnreadableMessageError
from flow.national_id import InvalidNationalIdError, validate
from flow.rates import OSLO


def identity(number: str, *, d_number: bool) -> str:
    """A valid fødselsnummer, or a D-number where the message says it is one."""
    try:
        validate(number)
    except InvalidNationalIdError as error:
        raise UnreadableMessageError("identity_invalid", cause=error.code) from None
    if d_number != (int(number[0]) >= 4):
        raise UnreadableMessageError("identity_wrong_kind", identity="dnr" if d_number else "fnr")
    return number


def event_time(value: str | datetime | date) -> datetime:
    """An ISO 8601 moment; without a time zone it is Norwegian time, a date alone midnight."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise UnreadableMessageError("time_unreadable", value=limited(text, 40)) from None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not EARLIEST <= value.date() <= LATEST:
        raise UnreadableMessageError(
            "time_out_of_range", earliest=str(EARLIEST), latest=str(LATEST)
        )
    return (value if value.tzinfo else value.replace(tzinfo=OSLO)).astimezone(UTC)


def limited(text: str, length: int, what: str | None = None) -> str:
    """The text as it is, if short enough; otherwise cut (`what` None) or refused."""
    if what is not None:
        try:
            printable(text)
        except ValueError:
            raise UnreadableMessageError("part_unprintable", part=what) from None
    if len(text) <= length:
        return text
    if what is None:
        return text[: length - 1] + "…"
    raise UnreadableMessageError("part_too_long", part=what, length=length)

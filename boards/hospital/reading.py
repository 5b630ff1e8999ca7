"""What both formats check alike: identity numbers, times, lengths."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from boards.shapes import EARLIEST, LATEST, printable
from flow.hospital_messages import UnreadableMessageError
from flow.national_id import InvalidNationalIdError, validate
from flow.rates import OSLO

#: The kinds of person identity a message may name (KITH kodeverk 8116): fødselsnummer,
#: D-number, and H-number (hjelpenummer, a hospital's number for a person whose fødselsnummer
#: is not known: the month plus 40, every other rule of the fødselsnummer kept).
IDENTITY_KINDS = ("FNR", "DNR", "HNR")
#: `kith:TS` (MsgHead-v1_2.xsd) is a union of dateTime, date, gYear, gYearMonth and time;
#: only the first two name a day.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def identity(number: str, kind: str) -> str:
    """A valid number of the kind the message says (`IDENTITY_KINDS`)."""
    try:
        validate(number)
    except InvalidNationalIdError as error:
        raise UnreadableMessageError("identity_invalid", cause=error.code) from None
    month = int(number[2:4])
    found = "DNR" if int(number[0]) >= 4 else "HNR" if 41 <= month <= 52 else "FNR"
    # A synthetic test number adds 80 to the month (Tenor's, standing for any kind but a
    # D-number) or 40 (NAV's, which reads as an H-number).
    synthetic = found == "FNR" and kind == "HNR" and month > 80 or (found, kind) == ("HNR", "FNR")
    if kind != found and not synthetic:
        raise UnreadableMessageError("identity_wrong_kind", identity=kind.lower())
    return number


def event_time(value: str | datetime | date) -> datetime:
    """A moment (ISO 8601, as xs:dateTime writes it); without a time zone it is Norwegian
    time. A date alone is that day (its first moment); a year, a month or a time of day
    names no day and is refused."""
    if isinstance(value, str):
        text = value.strip()
        if not _DATE.match(text):
            raise UnreadableMessageError("time_no_day", value=limited(text, 40))
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

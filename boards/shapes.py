"""What outside input must look like, for every reader of it (API bodies, page forms,
hospital messages): printable text, plausible days and moments, valid identity numbers, and
pydantic's complaints in words a user reads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from flow.national_id import InvalidNationalIdError
from flow.national_id import validate as validate_national_id
from flow.payment_clock import first_day as first_day  # the first day of a `Month`
from flow.refusals import Param, sentence, still_said


def field_error(code: str, **params: Param) -> PydanticCustomError:
    """A field's refusal in a validator: the code is the error's `type`, the parameters its
    `ctx`, so the 422 says it in the user's language like any other refusal."""
    return PydanticCustomError(code, sentence(code, params), params)


def printable(text: str) -> str:
    """Refuse control characters and lone surrogates, which no screen or store wants."""
    for char in text:
        if unicodedata.category(char) in {"Cc", "Cs"} and char not in "\n\t":
            raise field_error("text_invalid_characters")
    return text


#: Dates and times a flow can plausibly carry; anything else is a typing error.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def plausible(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise field_error("date_out_of_range", earliest=str(EARLIEST), latest=str(LATEST))
    return day


def utc(moment: datetime) -> datetime:
    plausible(moment.date())
    return moment.astimezone(UTC)


def valid_national_id(value: str) -> str:
    try:
        return validate_national_id(value)
    except InvalidNationalIdError as error:
        raise field_error(error.code, **error.params) from None


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(printable),
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(printable)
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(printable)
]
BedName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(printable),
]
Moment = Annotated[AwareDatetime, AfterValidator(utc)]
Day = Annotated[date, AfterValidator(plausible)]


def without_spaces(value: object) -> object:
    """A number as the boards show it ("010180 12371"), or as typed from a letter with
    spaces in it, is the same number."""
    return "".join(value.split()) if isinstance(value, str) else value


NationalId = Annotated[str, BeforeValidator(without_spaces), AfterValidator(valid_national_id)]
#: A month as YYYY-MM, of the plausible years (`first_day` gives its first day).
Month = Annotated[str, StringConstraints(pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]


def ascii_number(text: str, most_digits: int) -> int | None:
    """A whole number as a client writes it in a header, or None: ASCII digits only
    (`str.isdigit` also takes "²", which `int` refuses) and no more than `most_digits` of
    them (`int` refuses more than 4,300, and a column holds far fewer)."""
    if re.fullmatch(f"[0-9]{{1,{most_digits}}}", text) is None:
        return None
    return int(text)


_MONTH_OR_DAY = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")


def month_of(text: object) -> date:
    """The first day of the month that a month (YYYY-MM) or a day (YYYY-MM-DD) names, of the
    plausible days."""
    found = _MONTH_OR_DAY.fullmatch(text) if isinstance(text, str) else None
    try:
        day = date(int(found[1]), int(found[2]), int(found[3] or 1)) if found else None
    except ValueError:
        day = None
    if day is None:
        raise field_error("month_or_day_invalid")
    return plausible(day).replace(day=1)


#: A month as YYYY-MM, given as its first day: what the leaders' figures take, since they
#: count whole months only. A day (YYYY-MM-DD) is taken as its month, so that a client of
#: the days the figures once took is still answered.
MonthOrDay = Annotated[
    date,
    PlainValidator(month_of),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$",
            "description": "En måned, ÅÅÅÅ-MM (en dato, ÅÅÅÅ-MM-DD, gjelder måneden sin)",
            "examples": ["2026-11"],
        }
    ),
]


#: Pydantic's error types in bokmål; `{…}` are filled from the error's context. The fields'
#: own refusals (`field_error`) are codes of the catalogue of refusals.
FIELD_MESSAGES = {
    "missing": "Feltet mangler.",
    "extra_forbidden": "Feltet er ukjent.",
    "enum": "Må være en av {expected}.",
    "literal_error": "Må være en av {expected}.",
    "string_type": "Må være tekst.",
    "string_too_short": "Må ha minst {min_length} tegn.",
    "string_too_long": "Kan ha høyst {max_length} tegn.",
    "string_pattern_mismatch": "Har ikke riktig form.",
    "bool_type": "Må være true eller false.",
    "bool_parsing": "Må være true eller false.",
    "int_type": "Må være et heltall.",
    "int_parsing": "Må være et heltall.",
    "uuid_type": "Må være en UUID.",
    "uuid_parsing": "Må være en UUID.",
    "date_type": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_parsing": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_inexact": "Må være en dato uten klokkeslett.",
    "datetime_type": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "datetime_parsing": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "datetime_from_date_parsing": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "timezone_aware": "Tidspunktet må ha tidssone.",
    "model_type": "Må være et JSON-objekt.",
    "model_attributes_type": "Må være et JSON-objekt.",
    "dict_type": "Må være et JSON-objekt.",
    "json_invalid": "Ugyldig JSON.",
}


def field_message(error: Mapping[str, Any], translate: Callable[[str], str] = str) -> str:
    """One field's problem in the words `translate` gives (bokmål as it is): a refusal of
    the catalogue, pydantic's own in our words, or else pydantic's English as it is."""
    kind, context = error["type"], error.get("ctx") or {}
    if still_said(kind, context):
        return sentence(kind, context, translate)
    if kind in FIELD_MESSAGES:
        return translate(FIELD_MESSAGES[kind]).format(**context)
    return str(error["msg"]).removeprefix("Value error, ")

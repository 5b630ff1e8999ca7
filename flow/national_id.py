"""Norwegian national identity numbers: fødselsnummer and D-number.

Eleven digits DDMMYY III CC. A D-number adds 4 to the first digit of the day; the
national synthetic test numbers add 80 to the month (Skatteetaten's Tenor) or 40
(NAV's test numbers). Both check digits are modulo 11.
"""

from __future__ import annotations

from datetime import date

from flow.errors import UnusableTextError

_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class InvalidNationalIdError(UnusableTextError, ValueError):
    """The number is not a valid fødselsnummer or D-number."""


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def _birth_year(two_digits: int, individual: int) -> int | None:
    """The century follows from the individual number (Skatteetaten's series); a number
    from a series never issued for that year has no birth year."""
    if individual < 500:
        return 1900 + two_digits
    if individual >= 900 and two_digits >= 40:
        return 1900 + two_digits
    if two_digits < 40:
        return 2000 + two_digits
    if individual < 750 and two_digits >= 54:
        return 1800 + two_digits
    return None


def birth_date(national_id: str) -> date:
    """The birth date encoded in a valid number (D-number and test offsets removed)."""
    day, month = int(national_id[0:2]), int(national_id[2:4])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    year = _birth_year(int(national_id[4:6]), int(national_id[6:9]))
    if year is None:
        raise ValueError("no series issues this individual number for this year")
    return date(year, month, day)


def validate(national_id: str) -> str:
    """Return the number if valid, else raise `InvalidNationalIdError` saying why."""
    if len(national_id) != 11 or not national_id.isascii() or not national_id.isdigit():
        raise InvalidNationalIdError("national_id_length")
    first = _check_digit(national_id[:9], _WEIGHTS_1)
    second = _check_digit(national_id[:10], _WEIGHTS_2)
    if first is None or second is None or national_id[9:] != f"{first}{second}":
        raise InvalidNationalIdError("national_id_check_digits")
    try:
        birth_date(national_id)
    except ValueError:
        raise InvalidNationalIdError("national_id_birth_date") from None
    return national_id


def is_synthetic(national_id: str) -> bool:
    """True for the national synthetic test numbers (month + 80 or + 40)."""
    return int(national_id[2:4]) > 40


def with_check_digits(first_nine: str) -> str | None:
    """Complete nine digits with both check digits, or None if no valid number exists."""
    first = _check_digit(first_nine, _WEIGHTS_1)
    if first is None:
        return None
    second = _check_digit(first_nine + str(first), _WEIGHTS_2)
    if second is None:
        return None
    return f"{first_nine}{first}{second}"

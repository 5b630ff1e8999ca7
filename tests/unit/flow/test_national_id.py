"""Fødselsnummer and D-number: eleven digits, a real birth date, two mod-11 check digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flow.national_id import (
    InvalidNationalIdError,
    birth_date,
    is_synthetic,
    validate,
    with_check_digits,
)

# Computed by hand from the weights 3 7 6 1 8 9 4 5 2 and 5 4 3 2 7 6 5 4 3 2.
VALID = {
    "15038912337": date(1989, 3, 15),  # fødselsnummer
    "01017012343": date(1970, 1, 1),
    "31129912319": date(1999, 12, 31),
    "29020412354": date(1904, 2, 29),  # a leap year of the 1900s
    "29020052331": date(2000, 2, 29),  # individual number 523: born in 2000, a leap year
    "01010512340": date(1905, 1, 1),
    "45038945657": date(1989, 3, 5),  # D-number: 4 added to the first digit
    "71018912346": date(1989, 1, 31),  # the last day a D-number can name
    "15898912342": date(1989, 9, 15),  # synthetic, month + 80 (Skatteetaten's Tenor)
    "01018012371": date(1980, 1, 1),
    "15458990139": date(1989, 5, 15),  # synthetic, month + 40 (NAV); 901 with 89: 1989
    "29528912395": date(1989, 12, 29),
    "69898912353": date(1989, 9, 29),  # synthetic D-number
    "15458951214": date(1889, 5, 15),  # individual number 512 with year 89: the 1800s
}

IMPOSSIBLE_DATES = {
    "29020012380": "29 February 1900, not a leap year",
    "29020151216": "29 February 2001, not a leap year",
    "69020012374": "D-number for 29 February 1900",
    "31048912322": "31 April",
    "32018912391": "day 32",
    "72018912385": "D-number for day 32",
    "00018951215": "day 0",
    "15138912385": "month 13",
    "15008912367": "month 0",
    "15558912348": "month 55: a test offset of 40 on month 15",
}


class TestValidNumbers:
    @pytest.mark.parametrize("national_id", sorted(VALID))
    def test_valid_number_is_returned_unchanged(self, national_id: str) -> None:
        assert validate(national_id) == national_id

    @pytest.mark.parametrize(("national_id", "born"), sorted(VALID.items()))
    def test_birth_date_removes_d_number_and_test_offsets(
        self, national_id: str, born: date
    ) -> None:
        assert birth_date(national_id) == born

    def test_synthetic_number_with_month_plus_80_validates(self) -> None:
        assert validate("15898912342") == "15898912342"
        assert is_synthetic("15898912342")

    def test_synthetic_number_with_month_plus_40_validates(self) -> None:
        assert validate("29528912395") == "29528912395"
        assert is_synthetic("29528912395")

    def test_real_fødselsnummer_and_d_number_are_not_synthetic(self) -> None:
        assert not is_synthetic("15038912337")
        assert not is_synthetic("45038945657")

    def test_check_digits_complete_the_first_nine_digits(self) -> None:
        assert with_check_digits("150389123") == "15038912337"
        assert with_check_digits("158989123") == "15898912342"

    def test_nine_digits_whose_first_check_digit_would_be_ten_cannot_be_completed(
        self,
    ) -> None:
        # Mod 11 leaves a remainder of 1 for one in eleven sums: no digit can check those.
        nine = next(f"15038912{last}" for last in range(10) if _check(f"15038912{last}", _W1) == 10)
        assert with_check_digits(nine) is None


class TestRefusedNumbers:
    @pytest.mark.parametrize(
        "national_id",
        ["", "1503891233", "150389123377", "1503891233 ", " 15038912337"],
        ids=["empty", "ten digits", "twelve digits", "trailing space", "leading space"],
    )
    def test_number_of_wrong_length_is_refused(self, national_id: str) -> None:
        with pytest.raises(InvalidNationalIdError, match="11 siffer"):
            validate(national_id)

    @pytest.mark.parametrize(
        "national_id",
        ["15038912-37", "150389 1233", "1503891233a", "+1503891233", "١٥٠٣٨٩١٢٣٣٧"],
        ids=["dash", "space", "letter", "sign", "arabic-indic digits"],
    )
    def test_number_with_other_characters_than_ascii_digits_is_refused(
        self, national_id: str
    ) -> None:
        with pytest.raises(InvalidNationalIdError, match="11 siffer"):
            validate(national_id)

    def test_number_with_wrong_first_check_digit_is_refused(self) -> None:
        # The second check digit fits the (wrong) first one: only the first check catches it.
        assert _check("1503891234", _W2) == 5
        with pytest.raises(InvalidNationalIdError, match="kontrollsiffer"):
            validate("15038912345")

    def test_number_with_wrong_second_check_digit_is_refused(self) -> None:
        with pytest.raises(InvalidNationalIdError, match="kontrollsiffer"):
            validate("15038912338")

    @pytest.mark.parametrize(("national_id", "why"), sorted(IMPOSSIBLE_DATES.items()))
    def test_number_with_impossible_birth_date_is_refused(self, national_id: str, why: str) -> None:
        with pytest.raises(InvalidNationalIdError, match="fødselsdato"):
            validate(national_id)

    @pytest.mark.parametrize(
        "national_id",
        ["01015080082", "01014560013", "01019980053", "01016085088"],
        ids=["800 in 1950", "456 in 1945", "800 in 1999", "850 in 1960"],
    )
    def test_individual_number_outside_every_series_of_its_year_is_refused(
        self, national_id: str
    ) -> None:
        """Skatteetaten gives 750-899 only to the 2000s, and 500-749 never to years 40-53."""
        with pytest.raises(InvalidNationalIdError, match="fødselsdato"):
            validate(national_id)

    def test_refusal_is_a_value_error(self) -> None:
        with pytest.raises(ValueError):
            validate("123")


# -- properties --------------------------------------------------------------------------

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    """The mod-11 check digit as the standard defines it; 10 means no number exists."""
    return (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11) % 11


@st.composite
def first_nine_digits(draw: st.DrawFn) -> tuple[str, date]:
    """Date, individual number in the series the standard allots to its century, offsets."""
    born = draw(st.dates(min_value=date(1854, 1, 1), max_value=date(2039, 12, 31)))
    if born.year < 1900:
        individual = draw(st.integers(500, 749))
    elif born.year < 2000:
        ranges = [(0, 499), (900, 999)] if born.year >= 1940 else [(0, 499)]
        low, high = draw(st.sampled_from(ranges))
        individual = draw(st.integers(low, high))
    else:
        individual = draw(st.integers(500, 999))
    day = born.day + draw(st.sampled_from([0, 40]))  # D-number
    month = born.month + draw(st.sampled_from([0, 40, 80]))  # synthetic test numbers
    return f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}", born


@given(first_nine_digits())
def test_any_real_date_completed_with_check_digits_validates(drawn: tuple[str, date]) -> None:
    nine, born = drawn
    national_id = with_check_digits(nine)
    assume(national_id is not None)
    assert national_id is not None
    assert validate(national_id) == national_id
    assert birth_date(national_id) == born
    assert national_id[9] == str(_check(nine, _W1))
    assert national_id[10] == str(_check(national_id[:10], _W2))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_completed_digits_fail_only_for_their_date(nine: str) -> None:
    national_id = with_check_digits(nine)
    if national_id is None:
        assert 10 in (_check(nine, _W1), _check(nine + str(_check(nine, _W1) % 10), _W2))
        return
    try:
        validate(national_id)
    except InvalidNationalIdError as refused:
        assert "fødselsdato" in str(refused)


@given(first_nine_digits(), st.integers(0, 10), st.integers(1, 9))
def test_changing_any_single_digit_makes_a_valid_number_invalid(
    drawn: tuple[str, date], position: int, shift: int
) -> None:
    national_id = with_check_digits(drawn[0])
    assume(national_id is not None)
    assert national_id is not None
    digit = (int(national_id[position]) + shift) % 10
    changed = f"{national_id[:position]}{digit}{national_id[position + 1 :]}"
    with pytest.raises(InvalidNationalIdError):
        validate(changed)

"""Norwegian bokmål by default, English by choice: one catalogue, keyed by the bokmål text."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from flow.rates import OSLO

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
_LOCALES = {"nb": "nb_NO", "en": "en_GB"}
_CATALOGUES = Path(__file__).with_name("translations")


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = _CATALOGUES / f"{language}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def translator(language: str) -> Callable[[str], str]:
    catalogue = _catalogue(language)
    return lambda text: catalogue.get(text, text)


def formatters(language: str) -> dict[str, Callable[..., str]]:
    """Numbers, days and moments as the language writes them; a board repeats the same
    few values many times, so each is formatted once."""
    locale = Locale.parse(_LOCALES.get(language, "nb_NO"))

    @lru_cache(maxsize=10_000)
    def number(value: int | float) -> str:
        return format_decimal(value, locale=locale)

    @lru_cache(maxsize=10_000)
    def day(value: date | datetime | None, style: str = "d. MMM") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(OSLO).date()
        return format_date(value, style, locale=locale)

    @lru_cache(maxsize=10_000)
    def moment(value: datetime | None, style: str = "d. MMM HH:mm") -> str:
        return format_datetime(value, style, tzinfo=OSLO, locale=locale) if value else ""

    return {"number": number, "day": day, "moment": moment}

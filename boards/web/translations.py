"""Norwegian bokmål by default, English by choice: one catalogue, keyed by the bokmål text,
and which language a request is answered in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from starlette.requests import Request

from flow.rates import OSLO

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
#: The language chosen on the pages.
LANGUAGE_COOKIE = "sprak"
#: What `Accept-Language` may name for bokmål: Norwegian, written either way.
_NORWEGIAN = {"nb", "no", "nn"}
_LOCALES = {"nb": "nb_NO", "en": "en_GB"}
_CATALOGUES = Path(__file__).with_name("translations")


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = _CATALOGUES / f"{language}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def translator(language: str) -> Callable[[str], str]:
    catalogue = _catalogue(language)
    return lambda text: catalogue.get(text, text)


def language_of(request: Request) -> str:
    """A page's language: bokmål unless the user chose another language we have."""
    language = request.cookies.get(LANGUAGE_COOKIE, "nb")
    return language if language in LANGUAGES else "nb"


def answer_language(request: Request) -> str:
    """An answer that a program may read too (a refusal): the language chosen on the pages,
    else the first of the request's `Accept-Language` that we have, else bokmål."""
    if request.cookies.get(LANGUAGE_COOKIE) in LANGUAGES:
        return language_of(request)
    return accepted(request.headers.get("Accept-Language", ""))


def accepted(header: str) -> str:
    """The language of an `Accept-Language` header we have with the highest weight (the
    first of equals); bokmål when it names none of ours."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, weight_text = part.partition(";")
        primary = tag.strip().lower().split("-")[0]
        language = "nb" if primary in _NORWEGIAN else primary
        try:
            weight = float(weight_text.strip().removeprefix("q=")) if weight_text else 1.0
        except ValueError:
            weight = 0.0
        if language in LANGUAGES and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else "nb"


def formatters(language: str) -> dict[str, Callable[..., str]]:
    """Numbers, days and moments as the language writes them; a board repeats the same
    few values many times, so each is formatted once."""
    locale = Locale.parse(_LOCALES.get(language, "nb_NO"))

    @lru_cache(maxsize=10_000)
    def number(value: int | float) -> str:
        return format_decimal(value, locale=locale)

    written = _as_english if language == "en" else str

    @lru_cache(maxsize=10_000)
    def day(value: date | datetime | None, style: str = "d. MMM") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(OSLO).date()
        return format_date(value, written(style), locale=locale)

    @lru_cache(maxsize=10_000)
    def moment(value: datetime | None, style: str = "d. MMM HH:mm") -> str:
        return format_datetime(value, written(style), tzinfo=OSLO, locale=locale) if value else ""

    return {"number": number, "day": day, "moment": moment}


def _as_english(style: str) -> str:
    """A template's date pattern, written as Norwegian writes a day ("1. des.", "on. 3.12."),
    as English writes it: "1 Dec", "Wed 3/12", "3/12/2026"."""
    numeric = re.sub(r"d\.M\.(y?)", lambda m: "d/M/y" if m[1] else "d/M", style)
    return numeric.replace("d. ", "d ")

"""Templates, the words and formats of each language, and the fragments boards are made of."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from boards.web.commands import of_role, offered
from boards.web.translations import LANGUAGES, formatters, translator
from flow.vocabulary import (
    CLOSING_TEXT,
    DESTINATION_TEXT,
    DISCHARGED_TO_TEXT,
    FLAG_TEXT,
    KIND_TEXT,
    SERVICE_TEXT,
    WAIT_REASON_TEXT,
)

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


@cache
def language_context(language: str) -> dict[str, Any]:
    """What every template needs to speak `language`: its words, formats and vocabulary."""
    language = language if language in LANGUAGES else "nb"
    return {
        "_": translator(language),
        "language": language,
        **formatters(language),
        "offered": offered,
        "of_role": of_role,
        "wait_reasons": WAIT_REASON_TEXT,
        "services": SERVICE_TEXT,
        "destinations": DESTINATION_TEXT,
        "discharged_to": DISCHARGED_TO_TEXT,
        "flags": FLAG_TEXT,
        "closing_reasons": CLOSING_TEXT,
        "unit_kinds": KIND_TEXT,
        "fragment": fragment,
        "fragments": fragments,
        "whose": _whose(translator(language)),
        "task_title": lambda title, title_en: task_title(language, title, title_en),
    }


def task_title(language: str, title: str, title_en: str) -> Markup:
    """A task's title in the page's language: on an English page the English its checklist
    gave, else the Norwegian marked as such, so that a screen reader says it as Norwegian
    (WCAG 2.1 SC 3.1.2 Language of Parts,
    https://www.w3.org/WAI/WCAG21/Understanding/language-of-parts.html)."""
    if language != "en":
        return Markup.escape(title)
    if title_en:
        return Markup.escape(title_en)
    return Markup('<span lang="nb">{}</span>').format(title)


def _whose(_: Callable[[str], str]) -> Callable[[int, int], str]:
    """A card's open loops by whose next step they are: "2 å gjøre her · 3 hos andre"."""

    def whose(here: int, open_loops: int) -> str:
        parts = [f"{here} {_('å gjøre her')}"] if here else []
        if open_loops > here:
            parts.append(f"{open_loops - here} {_('hos andre')}")
        return " · ".join(parts)

    return whose


def draw(name: str, language: str, **values: Any) -> Markup:
    """A template drawn with the words and formats of `language`."""
    template = templates.get_template(name)
    return Markup(template.render(**language_context(language), **values))


@lru_cache(maxsize=100_000)
def fragment(name: str, language: str, **values: Any) -> Markup:
    """A small template drawn from values, such as one flow's card. The values are
    immutable and carry everything the fragment shows (a card carries its days waiting),
    so a board redraws only the fragments whose values changed since it was last drawn."""
    return draw(name, language, **values)


def fragments(name: str, language: str, key: str, values: Iterable[Any], **shared: Any) -> Markup:
    """`fragment` for each value (passed as `key`, beside the `shared` values), joined: a
    board's column of 500 cards is one call from its template, not 500 calls through the
    template's loop."""
    return Markup("".join([fragment(name, language, **{key: value}, **shared) for value in values]))

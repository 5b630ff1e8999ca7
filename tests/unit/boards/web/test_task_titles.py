"""A task's title on a page (WCAG 2.1 SC 3.1.2 Language of Parts,
https://www.w3.org/WAI/WCAG21/Understanding/language-of-parts.html): in Norwegian on a
Norwegian page, in English on an English page where its checklist gave an English title, and
else in Norwegian marked lang="nb", so that a screen reader does not read it as English."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from boards.pages.flow_words import Words, sentence, task_titles
from boards.web.rendering import language_context
from boards.web.translations import formatters, translator
from flow.views import HistoryEntry


def test_a_norwegian_page_says_the_norwegian_title() -> None:
    title = language_context("nb")["task_title"]
    assert title("Rommet klargjort", "Room ready") == "Rommet klargjort"


def test_an_english_page_says_the_english_title() -> None:
    title = language_context("en")["task_title"]
    assert title("Rommet klargjort", "Room ready") == "Room ready"


def test_an_english_page_marks_a_title_it_has_only_in_norwegian() -> None:
    title = language_context("en")["task_title"]
    assert title("Rommet klargjort", "") == Markup('<span lang="nb">Rommet klargjort</span>')


def test_a_title_is_escaped_in_either_language() -> None:
    assert language_context("nb")["task_title"]("<b>", "") == "&lt;b&gt;"
    marked = language_context("en")["task_title"]("<b>", "")
    assert marked == Markup('<span lang="nb">&lt;b&gt;</span>')


def test_an_english_history_marks_a_title_it_has_only_in_norwegian() -> None:
    at = datetime(2026, 3, 2, 8, tzinfo=UTC)
    opened = [
        HistoryEntry(1, "TaskOpened", at, at, "u", "allocation", {"task": task})
        for task in (
            {"id": "t1", "title": "Rommet klargjort", "title_en": ""},
            {"id": "t2", "title": "Pårørende informert", "title_en": "Relatives informed"},
        )
    ]
    english = Words(translator("en"), formatters("en")["day"], {}, task_titles(opened, "en"))
    said = [sentence(entry, english) for entry in opened]
    assert said == [
        Markup('Task opened: <span lang="nb">Rommet klargjort</span>'),
        "Task opened: Relatives informed",
    ]
    norwegian = Words(translator("nb"), formatters("nb")["day"], {}, task_titles(opened, "nb"))
    assert sentence(opened[0], norwegian) == "Oppgave åpnet: Rommet klargjort"

"""A task's title on a page (WCAG 2.1 SC 3.1.2 Language of Parts,
https://www.w3.org/WAI/WCAG21/Understanding/language-of-parts.html): in Norwegian on a
Norwegian page, in English on an English page where its checklist gave an English title, and
else in Norwegian marked lang="nb", so that a screen reader does not read it as English."""

from __future__ import annotations

from markupsafe import Markup

from boards.web.rendering import language_context


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

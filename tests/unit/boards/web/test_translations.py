"""Bokmål by default, English by choice: every text a page shows has its English."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import boards
from boards.pages.messages import DISPATCH_TEXT
from boards.shapes import FIELD_MESSAGES
from boards.web.translations import accepted, formatters, translator
from flow.payment_clock import WAIT_END_TEXT
from flow.refusals import REFUSALS, WORDS, sentence
from flow.vocabulary import (
    CLOSING_TEXT,
    COMMAND_TEXT,
    DESTINATION_TEXT,
    FLAG_TEXT,
    MESSAGE_KIND_TEXT,
    SERVICE_TEXT,
    WAIT_REASON_TEXT,
)
from projections.waiting_days import STILL_WAITING, UNKNOWN_HOSPITAL

TEMPLATES = Path(boards.__file__).with_name("templates")


def template_texts() -> set[str]:
    texts = set()
    for template in TEMPLATES.glob("*.html"):
        texts |= set(re.findall(r"_\('([^']*)'\)", template.read_text("utf-8")))
    return texts


def test_every_text_in_the_templates_has_an_english_translation() -> None:
    english = translator("en")
    untranslated = sorted(t for t in template_texts() if english(t) == t)
    assert untranslated == []


def test_every_word_of_the_vocabulary_shown_on_a_board_has_an_english_translation() -> None:
    english = translator("en")
    shown = [
        *COMMAND_TEXT.values(),
        *WAIT_REASON_TEXT.values(),
        *SERVICE_TEXT.values(),
        *DESTINATION_TEXT.values(),
        *FLAG_TEXT.values(),
        *CLOSING_TEXT.values(),
        *MESSAGE_KIND_TEXT.values(),
        *DISPATCH_TEXT.values(),
        *WAIT_END_TEXT.values(),
        UNKNOWN_HOSPITAL,
        STILL_WAITING,
    ]
    assert [t for t in shown if english(t) == t and t != "delirium"] == []


def test_bokmål_is_the_text_itself() -> None:
    assert translator("nb")("Utskrivningsklar") == "Utskrivningsklar"
    assert translator("en")("Utskrivningsklar") == "Ready for discharge"


def test_every_refusal_has_its_title_and_sentence_in_english() -> None:
    english = translator("en")
    texts = [text for refusal in REFUSALS.values() for text in (refusal.title, refusal.text)]
    assert [text for text in texts if english(text) == text] == []


def test_every_word_a_refusal_names_and_every_field_message_has_an_english_translation() -> None:
    english = translator("en")
    words = [word for name, table in WORDS.items() if name != "cause" for word in table.values()]
    shown = [*words, *FIELD_MESSAGES.values()]
    assert [t for t in shown if english(t) == t and t != "delirium"] == []


def test_a_refusal_in_english_keeps_the_fields_of_its_sentence() -> None:
    english = translator("en")
    params = {"bed": "3", "unit": "Rehabilitering 1"}
    assert sentence("bed_taken", params, english) == ("Bed 3 on Rehabilitering 1 is already taken.")


def test_an_answer_speaks_the_first_language_of_accept_language_that_we_have() -> None:
    assert accepted("en-GB,en;q=0.9") == "en"
    assert accepted("de-DE, en;q=0.5") == "en"
    assert accepted("nb-NO,nb;q=0.9,en;q=0.8") == "nb"
    assert accepted("en;q=0.4, nn;q=0.6") == "nb"  # nynorsk reads bokmål before English
    assert accepted("en;q=0.5, no;q=0.5") == "en"  # the first of equals


def test_an_answer_is_bokmål_when_accept_language_names_none_of_ours() -> None:
    for header in ("", "*", "de", "en;q=0", "en;q=abc", "sv-SE,da;q=0.8"):
        assert accepted(header) == "nb", header


def test_a_day_is_written_as_each_language_writes_it() -> None:
    """The templates give Norwegian patterns ("d. MMM", "EEE d.M."); English has no point
    after the day: "3 Dec", not "3. Dec"."""
    thursday = date(2026, 12, 3)
    english, norwegian = formatters("en"), formatters("nb")
    for style, en, nb in [
        ("d. MMM", "3 Dec", "3. des."),
        ("EEE d.M.", "Thu 3/12", "tor. 3.12."),
        ("d.M.y", "3/12/2026", "3.12.2026"),
        ("EEEE d. MMMM", "Thursday 3 December", "torsdag 3. desember"),
        ("MMM yy", "Dec 26", "des. 26"),
    ]:
        assert (english["day"](thursday, style), norwegian["day"](thursday, style)) == (en, nb)
    moment = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    written = (english["moment"](moment), norwegian["moment"](moment))
    assert written == ("3 Dec 14:05", "3. des. 14:05")

"""The boards as tables for a spreadsheet: section by section, the rows a board shows its
viewer and the fields its page shows them, in the viewer's language. Dates stay dates and
numbers numbers; `boards/spreadsheets.py` writes the tables as XLSX or CSV."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from flow.vocabulary import (
    FLAG_TEXT,
    SERVICE_TEXT,
    WAIT_REASON_TEXT,
    Phase,
    SafetyFlag,
    ServiceKind,
    WaitReason,
)
from projections.allocation_board import AllocationBoard
from projections.cards import FlowCard
from projections.home_care_board import HomeCareBoard
from projections.task_lists import TaskRow
from projections.unit_board import BedSlot, UnitBoard

Cell = str | int | float | date | datetime | None
Words = Callable[[str], str]
Board = AllocationBoard | UnitBoard | HomeCareBoard


@dataclass(frozen=True)
class Table:
    """One section of a board: a sheet of the workbook, a block of the CSV file."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class Export:
    title: str  # the board, as its page heads it
    stem: str  # the file's name before the date, e.g. "tildeling"
    tables: list[Table]


def export_of(board: Board, _: Words, municipality: str, place_names: Mapping[UUID, str]) -> Export:
    if isinstance(board, AllocationBoard):
        title = f"{_('Tildelingstavle')} · {municipality}"
        return Export(title, "tildeling", _allocation_tables(board, _, place_names))
    if isinstance(board, UnitBoard):
        return Export(board.name, slug(board.name), _unit_tables(board, _))
    return Export(board.name, slug(board.name), _zone_tables(board, _))


def slug(name: str) -> str:
    """A place's name as a file name: ASCII, lower case, words joined by hyphens."""
    folded = name.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or "tavle"


# -- the allocation board ------------------------------------------------------------------

_CARD_HEADERS = (
    "Navn",
    "Fødselsnummer",
    "Hvor",
    "Seng",
    "Utskrivningsklar fra",
    "Anslag (klar fra)",
    "Overliggedøgn",
    "Kostnad så langt (kr)",
    "Svar til sykehuset",
    "Venter på",
    "Vedtak",
    "Dag på enheten",
    "Planlagt utskrivning",
    "Anslag (utskrivning)",
    "Til sone",
    "Risiko",
    "Åpne oppgaver",
    "Forfalte oppgaver",
)


def _allocation_tables(
    board: AllocationBoard, _: Words, place_names: Mapping[UUID, str]
) -> list[Table]:
    columns = [
        (_("På sykehus"), board.in_hospital),
        (_("Utskrivningsklar"), board.ready),
        (_("Venter på plass"), board.waiting_for_bed),
        (_("På korttidsopphold"), board.on_stay),
        (_("Hjem neste 7 dager"), board.going_home),
    ]
    flows = Table(
        _("Pasienter"),
        _words(_, ("Kolonne", *_CARD_HEADERS)),
        [(column, *_card_row(card, _)) for column, cards in columns for card in cards],
    )
    loops = Table(
        _("Brutte sløyfer"),
        _words(_, ("Navn", "Oppgave", "Frist", "Ansvarlig")),
        [
            (
                loop.name,
                loop.title,
                loop.due_at,
                place_names.get(loop.owner_unit) if loop.owner_unit else _("Tildelingskontoret"),
            )
            for loop in board.broken_loops
        ],
    )
    return [flows, loops]


def _card_row(card: FlowCard, _: Words) -> tuple[Cell, ...]:
    """What the allocation board's card shows, one field a column."""
    in_hospital = card.phase in (Phase.IN_HOSPITAL, Phase.READY, Phase.REFERRED)
    ready = card.phase == Phase.READY
    staying = card.phase == Phase.ON_STAY
    answer = None
    if ready and card.clock is not None and card.clock.answer is not None:
        answer = _("kan ta imot") if card.clock.answer.can_receive else _("kan ikke ta imot ennå")
    return (
        card.name,
        card.national_id,
        card.location if in_hospital else card.unit_name,
        card.bed,
        card.ready_at if ready else None,
        _yes(_, ready and card.ready_estimate),
        card.days_waiting if ready else None,
        card.cost_so_far if ready else None,
        answer,
        _(WAIT_REASON_TEXT[WaitReason(card.wait_reason)]) if ready and card.wait_reason else None,
        _decision(card, _),
        card.days_on_unit + 1 if staying and card.days_on_unit is not None else None,
        card.plan_on if staying else None,
        _yes(_, staying and card.plan_on is not None and card.plan_estimate),
        card.zone_name if staying or card.phase == Phase.DISCHARGED else None,
        _flags(card, _),
        card.open_loops,
        card.overdue_loops,
    )


def _decision(card: FlowCard, _: Words) -> str | None:
    if not card.decision_service or card.phase == Phase.ON_STAY:
        return None
    service = _(SERVICE_TEXT[ServiceKind(card.decision_service)])
    return f"{service} · {card.unit_name}" if card.unit_name and not card.bed else service


# -- a unit's board ------------------------------------------------------------------------


def _unit_tables(board: UnitBoard, _: Words) -> list[Table]:
    beds = Table(
        _("Senger"),
        _words(
            _,
            (
                "Seng",
                "Status",
                "Navn",
                "Kom",
                "Dag på enheten",
                "Planlagt utskrivning",
                "Anslag (utskrivning)",
                "Kommer fra",
                "Risiko",
                "Åpne oppgaver",
                "Forfalte oppgaver",
                "Grunn",
            ),
        ),
        [_bed_row(slot, _) for slot in board.beds],
    )
    arrivals = Table(
        _("Kommer"),
        _words(_, ("Seng", "Navn", "Kommer fra")),
        [(f.bed, f.name, f.location) for f in board.arrivals],
    )
    departures = Table(
        _("Reiser i dag og i morgen"),
        _words(_, ("Seng", "Navn", "Planlagt utskrivning", "Anslag (utskrivning)", "Til sone")),
        [
            (f.bed, f.name, f.plan_on, _yes(_, f.plan_estimate), f.zone_name)
            for f in board.departures
        ],
    )
    return [beds, arrivals, departures, _task_table(_("Oppgaver"), board.task_lists.rows, _)]


_BED_STATUS = {
    "free": "Ledig",
    "reserved": "Reservert",
    "occupied": "Opptatt",
    "blocked": "Sperret",
}


def _bed_row(slot: BedSlot, _: Words) -> tuple[Cell, ...]:
    status = _(_BED_STATUS.get(slot.status, slot.status))
    f = slot.flow
    if f is None:
        return (slot.bed, status, *[None] * 9, slot.blocked_reason)
    staying = f.phase == Phase.ON_STAY
    return (
        slot.bed,
        status,
        f.name,
        f.arrived_at if staying else None,
        f.days_on_unit + 1 if staying and f.days_on_unit is not None else None,
        f.plan_on if staying else None,
        _yes(_, staying and f.plan_on is not None and f.plan_estimate),
        None if staying else f.location,
        _flags(f, _),
        f.open_loops,
        f.overdue_loops,
        None,
    )


def _task_table(title: str, tasks: Sequence[TaskRow], _: Words) -> Table:
    return Table(
        title,
        _words(_, ("Navn", "Oppgave", "Frist", "Forfalt", "Status")),
        [
            (
                task.name,
                task.title,
                task.due_at,
                _yes(_, task.overdue),
                _("utført, venter på bekreftelse") if task.status == "completed" else _("åpen"),
            )
            for task in tasks
        ],
    )


# -- a home-care zone's board --------------------------------------------------------------


def _zone_tables(board: HomeCareBoard, _: Words) -> list[Table]:
    coming = Table(
        _("Kommer hjem"),
        _words(
            _,
            (
                "Navn",
                "Hjem",
                "Anslag (utskrivning)",
                "Utskrevet",
                "Fra",
                "Sjekkliste utført",
                "Sjekkliste i alt",
                "Forfalte oppgaver",
                "Risiko",
            ),
        ),
        [
            (
                item.flow.name,
                None if discharged else item.flow.plan_on,
                _yes(_, not discharged and item.flow.plan_estimate),
                _yes(_, discharged),
                item.flow.unit_name,
                item.checklist.closed,
                item.checklist.total,
                item.checklist.overdue,
                _flags(item.flow, _),
            )
            for item in board.coming_home
            for discharged in [item.flow.phase == Phase.DISCHARGED]
        ],
    )
    return [coming, _task_table(_("Oppgaver og første besøk"), board.task_lists.rows, _)]


# -- words ---------------------------------------------------------------------------------


def _words(_: Words, headers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_(header) for header in headers)


def _yes(_: Words, flag: bool) -> str | None:
    return _("ja") if flag else None


def _flags(card: FlowCard, _: Words) -> str | None:
    return ", ".join(_(FLAG_TEXT[SafetyFlag(flag)]) for flag in card.flags) or None

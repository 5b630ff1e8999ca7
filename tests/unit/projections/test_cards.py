"""A board's card of a flow is judged by the domain's own rules: on the card, every rule
gives the answer it gives on the flow, in every phase and after any history.

The card is made the way a board makes it, from the `flow_cards` row the projection keeps,
here in memory from the flow's events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from flow.actor import Actor
from flow.errors import FlowError
from flow.flow_rules import RULES, refusal
from flow.flow_values import Decision, DischargePlan
from flow.municipality import municipality_id, unit_id
from flow.patient_flow import PatientFlow
from flow.rates import NATIONAL_DAILY_RATES
from flow.vocabulary import (
    ClosingReason,
    Command,
    Destination,
    Phase,
    SafetyFlag,
    ServiceKind,
    Source,
    WaitReason,
)
from projections.cards import FlowCard, card_from_row
from projections.flow_cards import FlowCards, cards
from projections.ready_periods import periods
from projections.rows import Rows

MUNICIPALITY = municipality_id("9998")
UNIT = unit_id(MUNICIPALITY, "KORT")
OTHER_UNIT = unit_id(MUNICIPALITY, "UTRED")
ZONE = unit_id(MUNICIPALITY, "NORD")
OFFICE = Actor("saksbehandler", "allocation", MUNICIPALITY)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 3)

Step = Callable[[PatientFlow, datetime], None]

STEPS: dict[str, Step] = {
    "admit": lambda f, at: f.notify_admission("St. Olav", at, by=OFFICE, at=at),
    "ready": lambda f, at: f.notify_ready_for_discharge(at, False, by=OFFICE, at=at),
    "withdraw ready": lambda f, at: f.withdraw_ready_for_discharge("Feber", by=OFFICE, at=at),
    "answer": lambda f, at: f.answer_hospital(False, "Fullt", by=OFFICE, at=at),
    "wait": lambda f, at: f.record_wait_reason(WaitReason.NO_BED, "", by=OFFICE, at=at),
    "decide short-term": lambda f, at: f.decide_service(
        Decision(ServiceKind.SHORT_TERM_STAY.value, UNIT, None, DAY, None), by=OFFICE, at=at
    ),
    "decide short-term elsewhere": lambda f, at: f.decide_service(
        Decision(ServiceKind.SHORT_TERM_STAY.value, OTHER_UNIT, None, DAY, None), by=OFFICE, at=at
    ),
    "decide home care": lambda f, at: f.decide_service(
        Decision(ServiceKind.HOME_CARE.value, None, ZONE, DAY, None), by=OFFICE, at=at
    ),
    "reserve": lambda f, at: f.reserve_bed(UNIT, "1", by=OFFICE, at=at),
    "cancel reservation": lambda f, at: f.cancel_reservation("Feil seng", by=OFFICE, at=at),
    "arrive": lambda f, at: f.arrive(by=OFFICE, at=at),
    "move": lambda f, at: f.move("2", by=OFFICE, at=at),
    "plan home": lambda f, at: f.plan_discharge(
        DischargePlan(DAY, False, Destination.HOME.value, ZONE), by=OFFICE, at=at
    ),
    "plan long-term": lambda f, at: f.plan_discharge(
        DischargePlan(DAY, True, Destination.LONG_TERM_CARE.value, None), by=OFFICE, at=at
    ),
    "discharge": lambda f, at: f.discharge(by=OFFICE, at=at),
    "start home care": lambda f, at: f.start_home_care(by=OFFICE, at=at),
    "readmit": lambda f, at: f.readmit("Haukeland", by=OFFICE, at=at),
    "raise flag": lambda f, at: f.raise_safety_flag(SafetyFlag.FALL, by=OFFICE, at=at),
    "clear flag": lambda f, at: f.clear_safety_flag(SafetyFlag.FALL, by=OFFICE, at=at),
    "close": lambda f, at: f.close(ClosingReason.DIED, "", by=OFFICE, at=at),
}

#: The command each step gives.
COMMAND_OF: dict[str, Command] = {
    "admit": Command.ADMIT,
    "ready": Command.NOTIFY_READY,
    "withdraw ready": Command.WITHDRAW_READY,
    "answer": Command.ANSWER_HOSPITAL,
    "wait": Command.RECORD_WAIT_REASON,
    "decide short-term": Command.DECIDE,
    "decide short-term elsewhere": Command.DECIDE,
    "decide home care": Command.DECIDE,
    "reserve": Command.RESERVE_BED,
    "cancel reservation": Command.CANCEL_RESERVATION,
    "arrive": Command.ARRIVE,
    "move": Command.MOVE,
    "plan home": Command.PLAN_DISCHARGE,
    "plan long-term": Command.PLAN_DISCHARGE,
    "discharge": Command.DISCHARGE,
    "start home care": Command.START_HOME_CARE,
    "readmit": Command.READMIT,
    "raise flag": Command.RAISE_FLAG,
    "clear flag": Command.CLEAR_FLAG,
    "close": Command.CLOSE,
}

#: A history that ends in each phase.
HISTORIES: dict[Phase, tuple[Source, list[str]]] = {
    Phase.REFERRED: (Source.HOME, ["raise flag"]),
    Phase.IN_HOSPITAL: (Source.HOME, ["admit", "decide short-term", "reserve"]),
    Phase.READY: (Source.HOSPITAL, ["ready", "decide home care", "plan home"]),
    Phase.ON_STAY: (Source.HOSPITAL, ["decide short-term", "reserve", "arrive", "plan home"]),
    Phase.DISCHARGED: (
        Source.HOSPITAL,
        ["decide short-term", "reserve", "arrive", "plan long-term", "discharge"],
    ),
    Phase.HOME_CARE: (
        Source.HOSPITAL,
        ["decide home care", "plan home", "discharge", "start home care"],
    ),
    Phase.CLOSED: (Source.HOSPITAL, ["decide short-term", "reserve", "close"]),
}


def opened(source: Source) -> PatientFlow:
    return PatientFlow.open(
        MUNICIPALITY, "15898912342", "Kari Nordmann", source, "Sykehuset", "rehab",
        by=OFFICE, at=T0,
    )  # fmt: skip


def told(phase: Phase) -> PatientFlow:
    """A flow taken through the history that ends in `phase`, one hour a step."""
    source, steps = HISTORIES[phase]
    flow = opened(source)
    for hour, step in enumerate(steps, start=1):
        STEPS[step](flow, T0 + timedelta(hours=hour))
    return flow


def card_of(flow: PatientFlow, rows: Rows) -> FlowCard:
    """The flow's new events through the projection into its row, and the card of that row
    as the database gives it back (a column never set is NULL)."""
    handlers = FlowCards().handlers()
    for domain_event in flow.collect_events():
        handlers[type(domain_event)](rows, domain_event)
    row = rows.get(cards, flow.id)
    assert row is not None
    period = rows.get(periods, flow.id, row["ready_period"]) or {}
    waited = {f"period_{name}": period.get(name) for name in periods.columns.keys()}
    stored = {
        **dict.fromkeys(cards.columns.keys()),
        **row,
        **waited,
        "open_loops": 0,
        "overdue_loops": 0,
        "office_loops": 0,
    }
    return card_from_row(stored, {}, T0 + timedelta(days=1), NATIONAL_DAILY_RATES)


def assert_judged_alike(flow: PatientFlow, card: FlowCard) -> None:
    assert card.phase == flow.phase
    for command, rule in RULES.items():
        assert rule(card) == rule(flow), command
    assert card.allowed == tuple(command.value for command in flow.allowed_commands())
    for command in Command:
        said_of_card, said_of_flow = refusal(card, command), refusal(flow, command)
        assert said_of_card.code == said_of_flow.code, command
        assert said_of_card.params == said_of_flow.params, command


@pytest.mark.parametrize("phase", list(Phase))
def test_every_rule_answers_alike_on_the_flow_and_its_card_in_every_phase(phase: Phase) -> None:
    flow = told(phase)

    card = card_of(flow, Rows(kept=True))

    assert flow.phase == phase
    assert_judged_alike(flow, card)


@settings(max_examples=150, deadline=None)
@given(source=st.sampled_from([Source.HOSPITAL, Source.HOME]), data=st.data())
def test_every_rule_answers_alike_on_the_flow_and_its_card_after_any_history(
    source: Source, data: st.DataObject
) -> None:
    flow, rows = opened(source), Rows(kept=True)
    assert_judged_alike(flow, card_of(flow, rows))
    for hour in range(1, data.draw(st.integers(0, 20), label="length") + 1):
        allowed = flow.allowed_commands()
        offered = sorted(name for name, command in COMMAND_OF.items() if command in allowed)
        if not offered:
            break
        step = data.draw(st.sampled_from(offered), label="step")
        try:
            STEPS[step](flow, T0 + timedelta(hours=hour))
        except FlowError:
            continue  # refused for a reason of its own (another unit, the same bed)
        event(flow.phase)
        assert_judged_alike(flow, card_of(flow, rows))


def test_the_card_sent_as_json_carries_the_commands_its_flow_allows() -> None:
    flow = told(Phase.ON_STAY)

    sent = TypeAdapter(FlowCard).dump_python(card_of(flow, Rows(kept=True)), mode="json")

    assert sent["allowed"] == [command.value for command in flow.allowed_commands()]

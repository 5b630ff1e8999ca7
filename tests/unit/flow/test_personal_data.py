"""The personal fields of a flow's events are sealed in the log and read back, or read as
erased once the flow's key is gone; the rest of each event stays readable."""

from __future__ import annotations

from datetime import UTC, datetime

from support.world import MemoryKeys

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.flow_values import ERASED_PATIENT, Patient
from flow.municipality import municipality_id
from flow.vocabulary import ERASED, Source

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
OFFICE = Actor("kari", "allocation", municipality_id("9998"))
SETUP = Actor("oppsett", "admin", municipality_id("9998"))


def app() -> Pasientflyt:
    flows = Pasientflyt(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, keys=MemoryKeys())
    flows.register_municipality("9998", "Testkommune", by=SETUP, at=AT)
    return flows


def opened(flows: Pasientflyt) -> tuple[bytes, object]:
    flow_id = flows.open_flow(
        "01018012371", "Kari Nordmann", Source.HOSPITAL, "Ahus", "Bor alene", by=OFFICE, at=AT
    )
    stored = flows.recorder.select_events(flow_id)[0]
    return stored.state, flow_id


def test_identity_and_free_text_are_sealed_and_the_rest_is_not() -> None:
    state, _ = opened(app())
    for secret in [b"01018012371", b"Kari Nordmann", b"Ahus", b"Bor alene"]:
        assert secret not in state
    assert b'"source":"hospital"' in state.replace(b" ", b"")


def test_sealed_fields_read_back_until_the_key_is_erased() -> None:
    flows = app()
    _, flow_id = opened(flows)
    view = flows.flow(flow_id, OFFICE)
    assert (view.name, view.national_id, view.need) == ("Kari Nordmann", "01018012371", "Bor alene")
    flows.erase_identity(flow_id, "Lovlig krav", by=SETUP, at=AT)
    view = flows.flow(flow_id, OFFICE)
    assert (view.name, view.national_id, view.need, view.location) == (ERASED, "", ERASED, ERASED)
    first = flows.mapper.to_domain_event(flows.recorder.select_events(flow_id)[0])
    assert first.patient == ERASED_PATIENT != Patient("01018012371", "Kari Nordmann")


def test_text_written_after_the_erasure_is_not_kept_either() -> None:
    flows = app()
    _, flow_id = opened(flows)
    flows.erase_identity(flow_id, "Lovlig krav", by=SETUP, at=AT)
    flows.notify_ready_for_discharge(flow_id, AT, False, by=OFFICE, at=AT)
    flows.answer_hospital(flow_id, False, "Ring Kari", by=OFFICE, at=AT)
    stored = flows.recorder.select_events(flow_id)
    assert all(b"Ring Kari" not in e.state for e in stored)
    assert flows.flow(flow_id, OFFICE).hospital_answer.note == ERASED

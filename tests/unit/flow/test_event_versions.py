"""An event whose shape changed is read in its old shape too, upcast by the eventsourcing
library's own mechanism (`class_version` and `upcast_vN_vN+1` on the event class)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from eventsourcing.persistence import StoredEvent
from support.world import MemoryKeys

from flow.actor import Actor
from flow.application import Pasientflyt
from flow.municipality import municipality_id
from flow.vocabulary import Source

AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 3 March in Oslo
OFFICE = Actor("kari", "allocation", municipality_id("9998"))
SETUP = Actor("oppsett", "admin", municipality_id("9998"))


def answered(can_receive: bool) -> tuple[Pasientflyt, StoredEvent]:
    flows = Pasientflyt(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, keys=MemoryKeys())
    flows.register_municipality("9998", "Testkommune", by=SETUP, at=AT)
    flow_id = flows.open_flow(
        "01018012371", "Kari Nordmann", Source.HOSPITAL, "Ahus", "", by=OFFICE, at=AT
    )
    flows.notify_ready_for_discharge(flow_id, AT, False, by=OFFICE, at=AT)
    flows.answer_hospital(flow_id, can_receive, "", by=OFFICE, at=AT)
    return flows, flows.recorder.select_events(flow_id)[-1]


def as_version_1(stored: StoredEvent) -> StoredEvent:
    """The answer as the release before the offer's day stored it."""
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["offer_from"], state["expected_on"]
    return replace(stored, state=json.dumps(state).encode())


def test_an_answer_is_stored_with_its_version() -> None:
    _, stored = answered(True)
    assert stored.topic == "flow.patient_flow:PatientFlow.HospitalAnswered"
    assert json.loads(stored.state)["class_version"] == 2


def test_a_version_1_can_receive_reads_as_an_offer_ready_the_day_it_was_told() -> None:
    flows, stored = answered(True)
    old = flows.mapper.to_domain_event(as_version_1(stored))
    assert (old.can_receive, old.offer_from, old.expected_on) == (True, date(2026, 3, 3), None)


def test_a_version_1_cannot_receive_reads_with_no_days() -> None:
    flows, stored = answered(False)
    old = flows.mapper.to_domain_event(as_version_1(stored))
    assert (old.can_receive, old.offer_from, old.expected_on) == (False, None, None)

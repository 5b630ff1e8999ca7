"""Which flow of a patient is open, as of the latest event: what a hospital message needs to
know before anything else, for every message.

The answer is the flow cards' (`projections.cards.flow_of_patient`, indexed by municipality
and national id), brought forward by the openings, closings and erasures logged since the
position the cards had when this process first asked. Those few events are read as they
come (a query for the new ones per message, their topic filtered in the database) and kept
here until the cards have them too. So a message neither waits for every board's rows to
catch up nor reads the log again from the cards' position each time.

Read from the cards first and the log after, an event may be in both (the cards moved on in
between): applied again it gives the same answer, an opening opens and a closing closes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from flow.application import Pasientflyt
from projections.cards import flow_of_patient
from projections.flow_cards import FlowCards
from projections.projector import Projector

_OPENED = "flow.patient_flow:PatientFlow.FlowOpened"
#: The events that change which flow of a patient is open.
TOPICS = [
    _OPENED,
    "flow.patient_flow:PatientFlow.FlowClosed",
    "flow.patient_flow:PatientFlow.IdentityErased",
]
#: Every so many reads, what the cards have caught up with is let go here.
_PRUNE_EVERY = 200


class OpenFlows:
    def __init__(self, engine: Engine, flows: Pasientflyt, projector: Projector) -> None:
        self.engine, self.flows, self.projector = engine, flows, projector
        self._read_to: int | None = None  # the last notification id read
        #: Flows opened since, by patient (newest last), and flows closed or erased since;
        #: each with the notification id that said so.
        self._opened: defaultdict[tuple[UUID, str], list[tuple[int, UUID]]] = defaultdict(list)
        self._ended: dict[UUID, int] = {}
        self._reads = 0
        self._lock = threading.Lock()

    def of(self, municipality_id: UUID, national_id: str) -> UUID | None:
        """The patient's open flow in the municipality (the newest, if several), or None."""
        with self._lock:
            self._read_new()
            opened = self._opened.get((municipality_id, national_id), [])
            newest = [flow_id for _, flow_id in opened if flow_id not in self._ended]
            if newest:
                return newest[-1]
            found = flow_of_patient(self.engine, municipality_id, national_id, closed=False)
            return None if found in self._ended else found

    def _read_new(self) -> None:
        if self._read_to is None:
            self._read_to = self.projector.positions().get(FlowCards.name, 0)
        recorder = self.flows.recorder
        while batch := recorder.select_notifications(self._read_to + 1, 1000, topics=TOPICS):
            for notification in batch:
                flow_id = UUID(str(notification.originator_id))
                if notification.topic != _OPENED:
                    self._ended[flow_id] = notification.id
                    continue
                event: Any = self.flows.mapper.to_domain_event(notification)
                patient = (event.municipality_id, event.patient.national_id)
                self._opened[patient].append((notification.id, flow_id))
            self._read_to = batch[-1].id
        self._reads += 1
        if self._reads % _PRUNE_EVERY == 0:
            self._prune(self.projector.positions().get(FlowCards.name, 0))

    def _prune(self, cards_at: int) -> None:
        """Let go of what the cards have caught up with: they answer for it now."""
        for patient, opened in list(self._opened.items()):
            kept = [(at, flow_id) for at, flow_id in opened if at > cards_at]
            if kept:
                self._opened[patient] = kept
            else:
                del self._opened[patient]
        self._ended = {flow_id: at for flow_id, at in self._ended.items() if at > cards_at}

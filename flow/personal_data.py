"""Personal data in the event log, sealed with a key per flow (crypto-shredding).

The identity (national id and name) and the free text of a flow's events are stored
encrypted (AES-GCM) with the flow's own key; everything else of the event — its kind, times,
units, codes — stays readable. Erasing the key makes the sealed fields unreadable for good:
they read as `ERASED` from then on, while counts, times and units still feed every read
model and figure. The key ring keeps the keys (see `access/patient_keys.py`).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Collection, Sequence
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from flow.flow_values import ERASED_PATIENT
from flow.vocabulary import ERASED

_FLOW_TOPIC = "flow.patient_flow:PatientFlow."
_LOOP_TOPIC = "flow.closed_loops:ClosedLoops."
_NOTICE_TOPIC = "flow.hospital_notices:HospitalNotices."

#: The fields of each event of a flow that hold identity or free text.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    f"{_FLOW_TOPIC}FlowOpened": ("patient", "location", "need"),
    f"{_FLOW_TOPIC}HospitalAdmissionNotified": ("hospital",),
    f"{_FLOW_TOPIC}ReadyForDischargeWithdrawn": ("reason",),
    f"{_FLOW_TOPIC}HospitalAnswered": ("note",),
    f"{_FLOW_TOPIC}WaitReasonRecorded": ("note",),
    f"{_FLOW_TOPIC}ReservationCancelled": ("reason",),
    f"{_FLOW_TOPIC}PatientReadmitted": ("hospital",),
    f"{_FLOW_TOPIC}FlowClosed": ("note",),
    f"{_NOTICE_TOPIC}HospitalMessageNoted": ("said",),
    f"{_LOOP_TOPIC}TaskCompleted": ("note",),
    f"{_LOOP_TOPIC}TaskRejected": ("reason",),
}
_ERASURE_TOPIC = f"{_FLOW_TOPIC}IdentityErased"
_SEALED = "sealed"


class KeyRing(Protocol):
    """The flows' data keys: 32 random bytes each, kept wrapped by a master key."""

    def key(self, flow_id: UUID) -> bytes | None:
        """The flow's key, None once erased (or never made)."""

    def new_key(self, flow_id: UUID) -> bytes | None:
        """The flow's key, made and stored now if it has none; None once erased."""

    def load(self, flow_ids: Collection[UUID]) -> None:
        """Read the keys of these flows into memory at once (not one query each)."""

    def forget(self, flow_id: UUID) -> None:
        """Drop the flow's key from memory: it has been erased, here or in another process."""

    def erase(self, flow_id: UUID) -> bool:
        """Delete the flow's key for good; False if it had none."""


class PersonalDataMapper(Mapper[UUID]):
    """The library's mapper, sealing the personal fields of a flow's events on the way in
    and opening them on the way out."""

    def __init__(self, transcoder: Transcoder, keys: KeyRing) -> None:
        super().__init__(transcoder)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        fields = PERSONAL_FIELDS.get(get_topic(type(domain_event)))
        if fields:
            flow_id = domain_event.originator_id
            key = self.keys.new_key(flow_id)
            state = dict(vars(domain_event))
            for field in fields:
                if not state.get(field):  # nothing written, nothing to seal
                    continue
                if key is None:  # erased: what comes later is not kept either
                    state[field] = ERASED_PATIENT if field == "patient" else ERASED
                else:
                    state[field] = {_SEALED: self._seal(key, flow_id, field, state[field])}
            sealed = object.__new__(type(domain_event))
            object.__setattr__(sealed, "__dict__", state)
            domain_event = sealed
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        return self._opened(stored_event, domain_event, _sealed_fields(stored_event, domain_event))

    def to_domain_events(
        self, stored_events: Sequence[StoredEvent]
    ) -> list[DomainEventProtocol[UUID]]:
        """Many events at once: the keys their sealed fields need are read in one query."""
        decoded = [Mapper.to_domain_event(self, stored) for stored in stored_events]
        sealed = [_sealed_fields(*pair) for pair in zip(stored_events, decoded, strict=True)]
        self.keys.load(
            {e.originator_id for e, fields in zip(decoded, sealed, strict=True) if fields}
        )
        return [self._opened(*event) for event in zip(stored_events, decoded, sealed, strict=True)]

    def _opened(
        self, stored_event: StoredEvent, domain_event: DomainEventProtocol[UUID], sealed: list[str]
    ) -> DomainEventProtocol[UUID]:
        """The event with its `sealed` fields opened (none, often: a task done without a
        note needs no key)."""
        if stored_event.topic == _ERASURE_TOPIC:
            self.keys.forget(domain_event.originator_id)
        if sealed:
            state = vars(domain_event)
            key = self.keys.key(domain_event.originator_id)
            for field in sealed:
                state[field] = self._open(key, domain_event.originator_id, field, state[field])
        return domain_event

    def _seal(self, key: bytes, flow_id: UUID, field: str, value: Any) -> str:
        return seal(key, flow_id, field, self.transcoder.encode({field: value}))

    def _open(self, key: bytes | None, flow_id: UUID, field: str, value: dict[str, str]) -> Any:
        if key is None:
            return ERASED_PATIENT if field == "patient" else ERASED
        return self.transcoder.decode(unseal(key, flow_id, field, value[_SEALED]))[field]


def _sealed_fields(stored: StoredEvent, domain_event: DomainEventProtocol[UUID]) -> list[str]:
    state = vars(domain_event)
    return [
        field
        for field in PERSONAL_FIELDS.get(stored.topic, ())
        if isinstance(value := state.get(field), dict) and _SEALED in value
    ]


def seal(key: bytes, flow_id: UUID, field: str, plain: bytes) -> str:
    """`plain` encrypted with the flow's key, bound to the flow and the field it is for."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain, flow_id.bytes + field.encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, flow_id: UUID, field: str, sealed: str) -> bytes:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:12], raw[12:], flow_id.bytes + field.encode())

"""What the hospital's messages said about a flow, beyond what they made happen: who sent
them (hospital and department, with HER-ids), the ward, the contact person, the remark, where
a discharged patient went. Each message applied to a flow is noted on it, a history message
(PLO's dispatch status H) only that; `PatientFlow` inherits this.

What names a person or place (`said`) is one sealed field (`flow/personal_data.py`); the
codes and ids beside it stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from flow.actor import Actor
from flow.closed_loops import ClosedLoops
from flow.vocabulary import ERASED


@dataclass(frozen=True)
class HospitalNotice:
    """The latest message the hospital sent about the flow, as the card shows it."""

    message_id: str
    kind: str  # a `MessageKind`
    dispatch: str  # a `Dispatch`
    happened_at: datetime
    hospital: str = ""
    hospital_her: str = ""
    department: str = ""
    department_her: str = ""
    ward: str = ""
    contact_name: str = ""
    contact_hpr: str = ""
    contact_phone: str = ""
    remark: str = ""
    discharged_to: str = ""  # KITH kodeverk 8408


#: The fields that name a person or place: sealed together in the log, as `said`.
SAID = ("hospital", "department", "ward", "contact_name", "contact_hpr", "contact_phone", "remark")


class HospitalNotices(ClosedLoops):
    """The messages noted on a flow."""

    if TYPE_CHECKING:
        hospital_notice: HospitalNotice | None  # assigned by the subclass's created event
        HospitalMessageNoted: ClassVar[type[Aggregate.Event]]

    def note_hospital_message(self, notice: HospitalNotice, *, by: Actor, at: datetime) -> None:
        """Keep what the message said; nothing else about the flow changes."""
        self._check_open()
        self._hospital_message_noted(
            message_id=notice.message_id,
            kind=notice.kind,
            dispatch=notice.dispatch,
            happened_at=notice.happened_at,
            hospital_her=notice.hospital_her,
            department_her=notice.department_her,
            discharged_to=notice.discharged_to,
            said={name: getattr(notice, name) for name in SAID},
            by=by,
            at=at,
        )

    @event("HospitalMessageNoted")
    def _hospital_message_noted(
        self,
        message_id: str,
        kind: str,
        dispatch: str,
        happened_at: datetime,
        hospital_her: str,
        department_her: str,
        discharged_to: str,
        said: Any,
        by: Actor,
        at: datetime,
    ) -> None:
        if not isinstance(said, dict):  # erased: the sealed field reads as the word for it
            said = dict.fromkeys(SAID, ERASED)
        self.hospital_notice = HospitalNotice(
            message_id,
            kind,
            dispatch,
            happened_at,
            hospital_her=hospital_her,
            department_her=department_her,
            discharged_to=discharged_to,
            **said,
        )

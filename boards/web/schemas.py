"""The shapes the API accepts: pydantic checks them at the edge, before the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from access.emergency_access import NOTE_LIMIT, EmergencyReason, Grant
from boards.services.readers import NamedLook
from boards.shapes import (
    BedName,
    Day,
    Moment,
    Name,
    NationalId,
    Note,
    Short,
    field_error,
    printable,
)
from flow.vocabulary import (
    ClosingReason,
    CorrectableCommand,
    Destination,
    SafetyFlag,
    ServiceKind,
    Source,
    WaitReason,
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenFlow(Body):
    national_id: NationalId = Field(description="Fødselsnummer eller D-nummer, 11 siffer.")
    name: Name
    source: Source
    location: Short = Field(description="Hvor pasienten er nå.")
    need: Note = Field(description="Behovet henvisningen gjelder.")


class Admission(Body):
    hospital: Name
    admitted_at: Moment | None = None


class ReadyForDischarge(Body):
    ready_at: Moment | None = None
    estimate: bool = Field(False, description="Tidspunktet er et anslag (PLO «Anslag»).")


class Reason(Body):
    reason: Note = ""


class Correction(Body):
    command: CorrectableCommand = Field(
        description="Kommandoen som korrigeres: forløpets siste, slik brukeren så den."
    )
    reason: Note = Field(
        "",
        description="Påkrevd når tildelingskontoret korrigerer en annens registrering, "
        "eller etter 15 minutter.",
    )


class HospitalAnswer(Body):
    can_receive: bool = Field(
        description="true: et tilbud er klart (betalingen stopper fra offer_from); "
        "false: kommunen kan ikke ta imot pasienten ennå (forskriften § 11 og § 13)."
    )
    offer_from: Day | None = Field(
        None, description="Dagen tilbudet er klart fra; i dag om den mangler. Bare med can_receive."
    )
    expected_on: Day | None = Field(
        None, description="Når et tilbud ventes klart, om det er kjent. Bare uten can_receive."
    )
    note: Note = ""

    @model_validator(mode="after")
    def _check_days(self) -> Self:
        if self.offer_from is not None and not self.can_receive:
            raise field_error("answer_offer_needs_can_receive")
        if self.expected_on is not None and self.can_receive:
            raise field_error("answer_expected_needs_cannot")
        return self


class WaitReasonIn(Body):
    reason: WaitReason
    note: Note = ""


class DecisionIn(Body):
    service: ServiceKind
    unit_id: UUID | None = None
    zone_id: UUID | None = None
    starts_on: Day
    ends_on: Day | None = None

    @model_validator(mode="after")
    def _check_place(self) -> Self:
        if self.service == ServiceKind.SHORT_TERM_STAY and self.unit_id is None:
            raise field_error("decision_needs_unit")
        if self.service == ServiceKind.HOME_CARE and self.zone_id is None:
            raise field_error("decision_needs_zone")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise field_error("decision_ends_before_start")
        return self


class Reservation(Body):
    unit_id: UUID
    bed: BedName


class Move(Body):
    bed: BedName


class DischargePlanIn(Body):
    on: Day
    estimate: bool = False
    destination: Destination
    zone_id: UUID | None = None

    @model_validator(mode="after")
    def _check_zone(self) -> Self:
        if self.destination == Destination.HOME and self.zone_id is None:
            raise field_error("discharge_home_needs_zone")
        return self


class Readmission(Body):
    hospital: Name


class SafetyFlagIn(Body):
    flag: SafetyFlag


class Closing(Body):
    reason: ClosingReason
    note: Note = ""


class Empty(Body):
    pass


class CommandResult(BaseModel):
    id: UUID
    version: int


class FieldProblem(BaseModel):
    """Ett felt i forespørselen som ikke er slik skjemaet sier."""

    loc: list[str | int] = Field(description="Hvor: `body`, `query`, `path` og feltets navn.")
    msg: str = Field(description="Hva som er galt, på brukerens språk.")
    type: str = Field(description="Feilens kode: Pydantics egen, eller en avvisnings kode.")


class Problem(BaseModel):
    """En avvisning som problemdetaljer etter RFC 9457 (`application/problem+json`)."""

    type: str = Field(
        description="`tag:pasientflyt.no,2026:problem:` og koden: et navn, ikke en adresse."
    )
    title: str = Field(description="Kodens korte tittel, på brukerens språk.")
    status: int = Field(description="HTTP-statusen.")
    detail: str | list[FieldProblem] = Field(
        description="Setningen, på brukerens språk (økten, ellers `Accept-Language`); "
        "for `invalid_request` (422) listen over felt, slik FastAPI skriver den."
    )
    code: str = Field(description="Stabil kode å handle etter: `bed_taken`, `stale_version`, …")
    params: dict[str, Any] = Field(description="Avvisningens verdier: sengen, fasen, versjonene, …")


class MessageReceived(BaseModel):
    """A hospital message taken in: the flow it went to, and whether it opened it."""

    message_id: str
    outcome: str = Field(
        description="`opened` (nytt forløp), `applied` (til forløpet), `recorded` (lagret, "
        "ingenting å endre: historikk for en pasient uten åpent forløp)"
    )
    flow_id: UUID | None
    version: int | None
    opened: bool
    apprec: dict[str, str] = Field(
        description="Applikasjonskvitteringens status (KITH kodeverk 8258): `1` OK"
    )


class FollowUpMessage(BaseModel):
    """A hospital message on the allocation office's follow-up list."""

    id: UUID = Field(description="Radens id: `POST /tildeling/meldinger/{id}/behandlet`")
    message_id: str
    received_at: datetime
    kind: str = Field(description="Meldingens art, `unknown` for en som ikke kunne leses")
    dispatch: str
    unreadable: bool
    flow_id: UUID | None
    sender: str
    patient_name: str
    national_id: str
    code: str | None = Field(description="Avvisningens kode")
    reason: str = Field(description="Grunnen, på bokmål")


class Completion(Body):
    note: Note = ""


class Rejection(Body):
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(printable),
    ] = Field(description="Hvorfor oppgaven ikke er gjort.")


class LookOut(BaseModel):
    """One look at a patient's identity in the access log, naming who looked."""

    flow_id: UUID
    user_id: UUID
    user_name: str = Field(description="Hvem: visningsnavn (brukernavn).")
    role: str
    role_name: str = Field(description="Rollen i klartekst, på bokmål.")
    view: str = Field(description="Siden eller API-et det ble sett gjennom.")
    basis: str = Field(description="role (tildelingskontorets arbeid), relation, emergency")
    at: datetime

    @classmethod
    def of(cls, named: NamedLook) -> LookOut:
        look = named.look
        return cls(
            flow_id=look.flow_id,
            user_id=look.user_id,
            user_name=named.reader,
            role=look.role,
            role_name=named.role_text,
            view=look.view,
            basis=look.basis.value,
            at=look.at,
        )


class EmergencyAccessIn(Body):
    national_id: NationalId = Field(description="Pasientens fødselsnummer eller D-nummer.")
    reason: EmergencyReason = Field(description="Hvorfor pasienten må åpnes nå.")
    note: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=NOTE_LIMIT),
        AfterValidator(printable),
    ] = Field("", description="Med egne ord; påkrevd når grunnen er «annet».")

    @model_validator(mode="after")
    def _says_why(self) -> Self:
        if self.reason == EmergencyReason.OTHER and not self.note:
            raise field_error("emergency_reason_missing")
        return self


class EmergencyGrantOut(BaseModel):
    """An emergency access, as the user who holds it sees it."""

    id: UUID
    flow_id: UUID
    reason: EmergencyReason
    note: str
    granted_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, grant: Grant) -> EmergencyGrantOut:
        return cls(
            id=grant.id,
            flow_id=grant.flow_id,
            reason=grant.reason,
            note=grant.note,
            granted_at=grant.granted_at,
            expires_at=grant.expires_at,
        )


class EmergencyUseOut(BaseModel):
    """One use of emergency access on the leaders' review list: who, when, why — not whom."""

    id: UUID
    user_id: UUID
    reason: EmergencyReason
    note: str
    granted_at: datetime
    expires_at: datetime
    reviewed_by: UUID | None
    reviewed_at: datetime | None
    review_comment: str | None
    overdue: bool = Field(description="Ikke gjennomgått og eldre enn en uke.")

    @classmethod
    def of(cls, grant: Grant, now: datetime) -> EmergencyUseOut:
        return cls(
            id=grant.id,
            user_id=grant.user_id,
            reason=grant.reason,
            note=grant.note,
            granted_at=grant.granted_at,
            expires_at=grant.expires_at,
            reviewed_by=grant.reviewed_by,
            reviewed_at=grant.reviewed_at,
            review_comment=grant.review_comment,
            overdue=grant.overdue(now),
        )


class ReviewIn(Body):
    comment: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_LIMIT),
        AfterValidator(printable),
    ] = Field(description="Lederens vurdering av bruken.")


class UserLookOut(BaseModel):
    """One look of one user, for a leader: the patient only as a number in this answer."""

    at: datetime
    view: str
    basis: str
    patient: int = Field(description="Pasient nr. i denne listen, ikke en identitet.")

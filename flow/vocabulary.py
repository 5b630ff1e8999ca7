"""The fixed words of the domain, with the Norwegian text shown to users.

Events store the plain string values, never the enum members, so a replayed
aggregate holds exactly what a live one holds.
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    HOSPITAL = "hospital"
    HOME = "home"
    OTHER = "other"


class Phase(StrEnum):
    """Where the flow stands; derived from its events, shown on every board."""

    REFERRED = "referred"
    IN_HOSPITAL = "in_hospital"
    READY = "ready"
    ON_STAY = "on_stay"
    DISCHARGED = "discharged"
    HOME_CARE = "home_care"
    CLOSED = "closed"


#: The phases of a patient in hospital: admitted, or ready for discharge.
HOSPITAL_PHASES = frozenset({Phase.IN_HOSPITAL, Phase.READY})

PHASE_TEXT = {
    Phase.REFERRED: "henvist",
    Phase.IN_HOSPITAL: "innlagt på sykehus",
    Phase.READY: "utskrivningsklar på sykehus",
    Phase.ON_STAY: "på korttidsopphold",
    Phase.DISCHARGED: "utskrevet",
    Phase.HOME_CARE: "hjemme med hjemmetjenester",
    Phase.CLOSED: "avsluttet",
}


class Command(StrEnum):
    """Every command on a flow. The values are the names a flow's view lists as allowed
    (`allowed_commands`), which API clients read; the web layer declares each command's
    route (`boards/web/commands.py`)."""

    ADMIT = "admission"
    NOTIFY_READY = "ready-for-discharge"
    WITHDRAW_READY = "ready-for-discharge/withdrawal"
    ANSWER_HOSPITAL = "hospital-answer"
    RECORD_WAIT_REASON = "wait-reason"
    DECIDE = "decision"
    RESERVE_BED = "reservation"
    CANCEL_RESERVATION = "reservation/cancellation"
    ARRIVE = "arrival"
    MOVE = "move"
    PLAN_DISCHARGE = "discharge-plan"
    DISCHARGE = "discharge"
    START_HOME_CARE = "home-care-start"
    READMIT = "readmission"
    RAISE_FLAG = "safety-flags"
    CLEAR_FLAG = "safety-flags/clearing"
    CLOSE = "closing"
    CORRECT = "correction"


class CorrectableCommand(StrEnum):
    """The commands a correction undoes (`flow/corrections.py`), by their `Command` values."""

    ARRIVE = Command.ARRIVE.value
    MOVE = Command.MOVE.value
    DISCHARGE = Command.DISCHARGE.value


COMMAND_TEXT = {
    Command.ADMIT: "melde innleggelse",
    Command.NOTIFY_READY: "melde utskrivningsklar",
    Command.WITHDRAW_READY: "trekke tilbake utskrivningsklar",
    Command.ANSWER_HOSPITAL: "svare sykehuset",
    Command.RECORD_WAIT_REASON: "registrere ventegrunn",
    Command.DECIDE: "fatte vedtak",
    Command.RESERVE_BED: "reservere seng",
    Command.CANCEL_RESERVATION: "oppheve reservasjon",
    Command.ARRIVE: "registrere ankomst",
    Command.MOVE: "flytte til annen seng",
    Command.PLAN_DISCHARGE: "planlegge utskrivning",
    Command.DISCHARGE: "skrive ut",
    Command.START_HOME_CARE: "starte hjemmetjenester",
    Command.READMIT: "melde reinnleggelse",
    Command.RAISE_FLAG: "sette risikoflagg",
    Command.CLEAR_FLAG: "fjerne risikoflagg",
    Command.CLOSE: "avslutte forløpet",
    Command.CORRECT: "korrigere en feilregistrering",
}


class WaitReason(StrEnum):
    """Why a patient who is ready for discharge still waits in hospital."""

    NO_BED = "no_bed"
    DECISION_PENDING = "decision_pending"
    ASSISTIVE_DEVICES = "assistive_devices"
    PATIENT_OR_RELATIVES = "patient_or_relatives"
    OTHER = "other"


class ServiceKind(StrEnum):
    SHORT_TERM_STAY = "short_term_stay"
    HOME_CARE = "home_care"
    LONG_TERM_CARE = "long_term_care"


class Destination(StrEnum):
    HOME = "home"
    LONG_TERM_CARE = "long_term_care"
    OTHER = "other"


class SafetyFlag(StrEnum):
    FALL = "fall"
    PRESSURE_ULCER = "pressure_ulcer"
    MALNUTRITION = "malnutrition"
    DELIRIUM = "delirium"
    INFECTION_ISOLATION = "infection_isolation"
    MEDICATION_REVIEW_DUE = "medication_review_due"


class ClosingReason(StrEnum):
    COMPLETED = "completed"
    LONG_TERM_CARE = "long_term_care"
    DIED = "died"
    REFERRAL_WITHDRAWN = "referral_withdrawn"
    MOVED_AWAY = "moved_away"
    OTHER = "other"


class UnitKind(StrEnum):
    """Short-term unit kinds, and the home-care zone, which has no beds."""

    REHAB = "rehab"
    ASSESSMENT = "assessment"
    PALLIATIVE = "palliative"
    RESPITE = "respite"
    ACUTE = "acute"
    HOME_CARE_ZONE = "home_care_zone"


KIND_TEXT = {
    UnitKind.REHAB: "Rehabilitering",
    UnitKind.ASSESSMENT: "Utredning",
    UnitKind.PALLIATIVE: "Lindrende",
    UnitKind.RESPITE: "Avlastning",
    UnitKind.ACUTE: "Øyeblikkelig hjelp",
    UnitKind.HOME_CARE_ZONE: "Hjemmetjenestesone",
}


class BedStatus(StrEnum):
    FREE = "free"
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    BLOCKED = "blocked"


WAIT_REASON_TEXT = {
    WaitReason.NO_BED: "ingen ledig plass",
    WaitReason.DECISION_PENDING: "vedtak ikke fattet",
    WaitReason.ASSISTIVE_DEVICES: "hjelpemidler",
    WaitReason.PATIENT_OR_RELATIVES: "pasient eller pårørende",
    WaitReason.OTHER: "annet",
}

SERVICE_TEXT = {
    ServiceKind.SHORT_TERM_STAY: "korttidsopphold",
    ServiceKind.HOME_CARE: "hjemmetjenester",
    ServiceKind.LONG_TERM_CARE: "langtidsplass",
}

DESTINATION_TEXT = {
    Destination.HOME: "hjem",
    Destination.LONG_TERM_CARE: "langtidsplass",
    Destination.OTHER: "annet",
}

FLAG_TEXT = {
    SafetyFlag.FALL: "fallrisiko",
    SafetyFlag.PRESSURE_ULCER: "trykksår",
    SafetyFlag.MALNUTRITION: "underernæring",
    SafetyFlag.DELIRIUM: "delirium",
    SafetyFlag.INFECTION_ISOLATION: "isolasjon",
    SafetyFlag.MEDICATION_REVIEW_DUE: "legemiddelgjennomgang",
}

CLOSING_TEXT = {
    ClosingReason.COMPLETED: "fullført",
    ClosingReason.LONG_TERM_CARE: "langtidsplass",
    ClosingReason.DIED: "død",
    ClosingReason.REFERRAL_WITHDRAWN: "henvisning trukket",
    ClosingReason.MOVED_AWAY: "flyttet",
    ClosingReason.OTHER: "annet",
}


class TaskAction(StrEnum):
    """What a user does to a task: its owner completes it, its receiver answers it."""

    COMPLETE = "complete"
    ACKNOWLEDGE = "acknowledge"
    REJECT = "reject"


class TaskStatus(StrEnum):
    """Where a closed loop's task stands."""

    OPEN = "open"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_TEXT = {
    TaskStatus.OPEN: "åpen",
    TaskStatus.COMPLETED: "utført, venter på bekreftelse",
    TaskStatus.CLOSED: "lukket",
    TaskStatus.CANCELLED: "avbrutt",
}


class MessageKind(StrEnum):
    """The hospital logistics messages (PLO 1.5's four and 1.6's five, or FHIR's)."""

    ADMITTED = "admitted"  # MeldingInnlagtPasient
    READY = "ready"  # MeldingUtskrivningsklarPasient
    READY_WITHDRAWN = "ready_withdrawn"  # AvmeldingUtskrivningsklarPasient
    DISCHARGED = "discharged"  # MeldingOmUtskrevetPasient
    DIED = "died"  # OrienteringOmDod (PLO 1.6 LOG_DOD)


MESSAGE_KIND_TEXT = {
    MessageKind.ADMITTED: "innlagt pasient",
    MessageKind.READY: "utskrivningsklar pasient",
    MessageKind.READY_WITHDRAWN: "avmelding av utskrivningsklar pasient",
    MessageKind.DISCHARGED: "utskrevet pasient",
    MessageKind.DIED: "dødsfall",
}


#: Where a patient was discharged to: KITH kodeverk 8408 (PLO `UtskrevetTil/UtTil`), as
#: NorskHelsenett/kith-visningsfiler `felleskomponenter/kodeverk.xsl` names its codes.
DISCHARGED_TO_TEXT = {
    "1": "Bosted/arbeidssted",
    "2": "Skade- eller funnsted",
    "3": "Annen helseinstitusjon innen spesialisthelsetjenesten",
    "5": "Institusjon i utlandet",
    "7": "Annen (somatisk) enhet ved egen helseinstitusjon",
    "8": "Annen enhet (ikke somatikk) ved egen helseinstitusjon",
    "10": "Pasienthotell",
    "11": "Sykehjem/aldershjem/helsehus",
    "21": "Kommunal akutt døgnenhet (KAD)",
    "88": "Annet",
    "98": "Ukjent",
    "99": "Sted identifisert ved rapportering av attributt Til/Fra institusjon",
}


#: What identity and free text read as once a flow's identity is erased.
ERASED = "[slettet]"

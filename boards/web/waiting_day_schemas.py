"""The waiting-day statement as the API answers it (`boards/api/waiting_days.py`), read
from the statement of `projections/waiting_days.py` as it is."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class WaitingDayAnswer(BaseModel):
    """What the municipality told the hospital in the wait."""

    model_config = ConfigDict(from_attributes=True)
    told_at: datetime = Field(description="Når sykehuset fikk svaret")
    can_receive: bool = Field(description="true: tilbud klart; false: kan ikke ta imot ennå")
    offer_from: date | None = Field(description="Dagen tilbudet er klart fra")
    expected_on: date | None = Field(description="Når et tilbud ventes klart, om det er sagt")


class WaitingDayLine(BaseModel):
    """One wait in hospital after a ready notice, as the month's statement counts it."""

    model_config = ConfigDict(from_attributes=True)
    flow_id: UUID
    period: int = Field(description="Forløpets ventetid nummer; den første er 1")
    name: str
    national_id: str
    hospital: str = Field(description="«Sykehus ikke kjent» for et forløp åpnet for hånd")
    hospital_her: str = Field(description="Sykehusets HER-id; tom når den ikke er kjent")
    ready_on: date
    estimate: bool = Field(description="Utskrivningsklar-dagen er sykehusets anslag")
    answers: list[WaitingDayAnswer] = Field(description="Svarene til sykehuset, i rekkefølge")
    ended_on: date | None
    ended_by: str | None = Field(description="Hvordan ventetiden endte; null: venter fortsatt")
    end_text: str = Field(description="Hvordan den endte, eller «venter fortsatt», på bokmål")
    days: int = Field(description="Betalingspliktige døgn i måneden")
    rate: int = Field(description="Døgnpris i kroner")
    rate_year: int = Field(description="Året døgnprisen er satt for")
    rate_carried_forward: bool = Field(description="Månedens år har ingen egen døgnpris ennå")
    amount: int = Field(description="Kroner for døgnene i måneden")


class WaitingDayHospital(BaseModel):
    """One hospital's lines, as its invoice for the month should have them, and their sum."""

    model_config = ConfigDict(from_attributes=True)
    hospital: str
    hospital_her: str
    rows: list[WaitingDayLine]
    days: int
    amount: int


class HospitalChoice(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    her: str
    key: str = Field(description="Det `hospital=` tar for sykehuset: HER-id, ellers navnet")


class WaitingDayStatement(BaseModel):
    """The month's waiting-day statement: what the office checks a hospital's invoice
    against. The current month counts to today."""

    model_config = ConfigDict(from_attributes=True)
    month: date = Field(description="Månedens første dag")
    counted_to: date = Field(description="Siste dag som er talt med")
    hospital: str | None = Field(description="Sykehuset det er avgrenset til, om noe")
    hospitals: list[HospitalChoice] = Field(description="Sykehusene med linjer i måneden")
    parts: list[WaitingDayHospital]
    days: int
    amount: int

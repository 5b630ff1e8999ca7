"""The daily rate per year that a hospital waiting day costs each municipality: the national
rates shipped in the settings, and the years its admin has written (a new year's rate, or a
correction). Every board's cost and the leaders' figures read them from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from uuid import UUID

from sqlalchemy import Column, Connection, Engine, Integer, Table, Uuid, delete, insert, select

from access.accounts import metadata
from access.database import UTCDateTime
from flow.errors import UnusableTextError

FIRST_YEAR, LAST_YEAR = 2000, 2100
HIGHEST_RATE = 100_000

daily_rates = Table(
    "daily_rates",
    metadata,
    Column("municipality_id", Uuid, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("rate", Integer, nullable=False),
    Column("written_by", Uuid, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class Rate:
    year: int
    rate: int
    national: int | None  # the rate shipped for the year, if any
    written_by: UUID | None  # None: the national rate, not written here
    written_at: datetime | None


class DailyRates:
    def __init__(self, engine: Engine, national: Mapping[int, int]) -> None:
        self.engine, self.national = engine, dict(national)

    def of(self, municipality_id: UUID) -> Mapping[int, int]:
        """NOK per waiting day, by year: the national rates with the municipality's own."""
        query = select(daily_rates.c.year, daily_rates.c.rate).where(
            daily_rates.c.municipality_id == municipality_id
        )
        with self.engine.connect() as db:
            own = {year: rate for year, rate in db.execute(query)}
        return MappingProxyType({**self.national, **own})

    def table(self, municipality_id: UUID) -> list[Rate]:
        """Every year with a rate, newest first: who wrote it, and the national one."""
        query = select(daily_rates).where(daily_rates.c.municipality_id == municipality_id)
        with self.engine.connect() as db:
            own = {row.year: row for row in db.execute(query)}
        years = sorted({*self.national, *own}, reverse=True)
        return [
            Rate(
                year,
                own[year].rate if year in own else self.national[year],
                self.national.get(year),
                own[year].written_by if year in own else None,
                own[year].written_at if year in own else None,
            )
            for year in years
        ]

    def write(
        self,
        municipality_id: UUID,
        year: int,
        rate: int,
        by: UUID,
        at: datetime,
        db: Connection,
    ) -> None:
        """The year's rate for the municipality, in the caller's transaction."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise UnusableTextError("rate_year_out_of_range", first=FIRST_YEAR, last=LAST_YEAR)
        if not 0 < rate <= HIGHEST_RATE:
            raise UnusableTextError("rate_out_of_range", highest=HIGHEST_RATE)
        mine = (daily_rates.c.municipality_id == municipality_id, daily_rates.c.year == year)
        db.execute(delete(daily_rates).where(*mine))
        db.execute(
            insert(daily_rates).values(
                municipality_id=municipality_id, year=year, rate=rate, written_by=by, written_at=at
            )
        )

"""Hospital messages in: messages/s through the ingest, against the same commands given
directly through the application, same SQLite file, same run.

Each patient gets two messages, an admission and a ready-for-discharge notice, half in PLO
XML and half as FHIR Bundles. The ingest (`HospitalMessages.ingest`, the path of the API
route and of `pasientflyt messages load`) reads each message, claims its id, finds the
patient's open flow, gives the commands with the note of what the message said, and keeps
the receipt. The baseline gives the same commands to `Pasientflyt` for other patients of the
same municipality: `open_flow` + `notify_admission` for an admission, `notify_ready_for_
discharge` for a ready notice. The two are timed in interleaved rounds, so drift of the
shared machine hits both alike. The ratio is reported, not asserted.

Sizes: BENCH_PATIENTS (500 per side: 1,000 messages). Run:
.venv/bin/pytest -p no:xdist -p no:randomly -s tests/bench/test_ingest.py
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from benchkit import Samples, Stats, append_results, measure, print_table
from support.sample_messages import fhir_message, plo_message
from support.world import TEST_MUNICIPALITIES

from access.accounts import Role
from boards.services.system import System, open_system
from boards.settings import Settings
from fixtures.municipalities import install
from flow.actor import Actor
from flow.municipality import municipality_id
from flow.national_id import with_check_digits
from flow.vocabulary import Source

N_PATIENTS = int(os.environ.get("BENCH_PATIENTS", "500"))
ROUNDS = 5
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def national_ids() -> Iterator[str]:
    """Synthetic test numbers (month + 80), each once."""
    for year in range(40, 56):
        for month in range(81, 93):
            for day in range(1, 29):
                for individual in range(100, 110):
                    if number := with_check_digits(f"{day:02d}{month}{year}{individual:03d}"):
                        yield number


def test_ingest_throughput(sqlite_url: str) -> None:
    system = open_system(Settings(database_url=sqlite_url))
    try:
        spec = TEST_MUNICIPALITIES[0]
        install(system.flows, system.accounts, system.grants, spec, NOW)
        tenant = municipality_id(spec.number)
        hospital = system.accounts.add_user(
            tenant, "sykehus", Role.INTEGRATION, "Sykehus", None, [], at=NOW
        )
        numbers = national_ids()
        ingested, direct = Samples(), Samples()
        per_round = N_PATIENTS // ROUNDS
        for _ in range(ROUNDS):
            messages = []
            for n in range(per_round):
                number, fmt = next(numbers), (plo_message, fhir_message)[n % 2]
                zone = "" if fmt is plo_message else "+01:00"
                messages.append(fmt("admitted", number, f"2026-03-02T06:00:00{zone}"))
                messages.append(fmt("ready", number, f"2026-03-02T12:00:00{zone}"))
            commands = [next(numbers) for _ in range(per_round)]
            ingested.extend(
                measure(lambda body: system.hospital_messages.ingest(body, hospital, NOW), messages)
            )
            direct.extend(measure(_direct(system, hospital.actor), _as_messages(commands)))
        system.projector.catch_up()
        assert system.hospital_messages.attention_count(tenant) == 0  # nothing refused
    finally:
        system.close()

    rows = [Stats.of("ingest: PLO + FHIR messages", ingested), Stats.of("baseline", direct)]
    ratio = rows[1].per_s / rows[0].per_s
    print_table(
        f"Hospital messages in, SQLite, {2 * N_PATIENTS} messages per side",
        rows,
        [
            "baseline: the same commands given directly through the application",
            f"ingest {rows[0].per_s:,.0f} messages/s; baseline {rows[1].per_s:,.0f}/s; "
            f"ratio {ratio:.2f}x; load average {os.getloadavg()[0]:.1f}",
        ],
    )
    append_results("ingest", "sqlite", rows, ratio=ratio, load=os.getloadavg()[0])


def _as_messages(numbers: list[str]) -> list[tuple[str, str]]:
    return [(number, kind) for number in numbers for kind in ("admitted", "ready")]


def _direct(system: System, by: Actor) -> Callable[[tuple[str, str]], None]:
    """The commands an admission or a ready notice stands for, given to the application."""
    flows: dict[str, UUID] = {}

    def give(message: tuple[str, str]) -> None:
        number, kind = message
        if kind == "admitted":
            flows[number] = system.flows.open_flow(
                number, "Kari Nordmann", Source.HOSPITAL, "Sykehuset", "Meldt", by=by, at=NOW
            )
            system.flows.notify_admission(flows[number], "Sykehuset", NOW, by=by, at=NOW)
        else:
            ready = NOW + timedelta(hours=4)
            system.flows.notify_ready_for_discharge(flows[number], ready, False, by=by, at=NOW)

    return give

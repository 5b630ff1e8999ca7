"""The leaders' figures from a history made through commands, each number written out, on
both stores; whole months that are over; small counts hidden; never a patient."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.leader_figures import (
    RATE_2026,
    answer_three_on_time_and_some_late,
    command,
    figures,
    ready_patient,
)
from support.world import World

from fixtures.demo import synthetic_national_id

MAY_DAY = datetime(2026, 5, 1, 10, tzinfo=UTC)  # noon in Oslo


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def figures_json(w: World, query: str = "?from=2026-03&to=2026-03") -> dict[str, Any]:
    response = w.client.get(f"/api/v1/figures{query}", headers=w.headers("leder"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def a_month_of_three_stays(w: World) -> list[str]:
    """Four patients declared ready on 2 March (09:00 in Oslo); three told two hours later
    that an offer is ready (so no day of theirs is paid), placed on KORT on 5 March and sent
    home to NORD on 15 March; one of them back in hospital on 20 March. The fourth, never
    answered, still waits on 1 May at noon, when the figures are read: March is over, and
    so are the 30 days in which a discharge of March could be followed by a readmission."""
    a, b, c, d = (ready_patient(w, n) for n in range(4))
    kort, nord = str(w.unit("KORT")), str(w.unit("NORD"))
    w.clock.advance(hours=2)
    for bed, flow_id in enumerate((a, b, c), start=1):
        command(w, flow_id, "hospital-answer", {"can_receive": True, "note": ""})
        command(
            w,
            flow_id,
            "decision",
            {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-05"},
        )
        command(w, flow_id, "reservation", {"unit_id": kort, "bed": str(bed)})
    w.clock.advance(days=3)  # 5 March, 11:00 in Oslo
    for flow_id in (a, b, c):
        command(w, flow_id, "arrival")
    w.clock.advance(days=10)  # 15 March
    for flow_id in (a, b, c):
        plan = {"on": "2026-03-15", "destination": "home", "zone_id": nord}
        command(w, flow_id, "discharge-plan", plan)
        command(w, flow_id, "discharge")
    w.clock.advance(days=5)  # 20 March
    command(w, a, "readmission", {"hospital": "Sykehuset"})
    w.clock.now = MAY_DAY
    return [a, b, c, d]


def test_each_figure_of_a_month_written_out(w: World) -> None:
    a_month_of_three_stays(w)
    got = figures(w)

    # Three told an offer on their ready day: none of their days (2, 3, 4 March) is paid.
    # The fourth, never answered, from 2 March through the end of March: 30 days.
    assert got["waiting"] == {
        "Pasienter som ventet": [4],
        "Overliggedøgn (døgn)": [30.0],
        "Kostnad (kr)": [30.0 * RATE_2026],
    }
    assert got["days_avoided"] == {
        "Tilbud klart på utskrivningsklar-dagen": [3],
        "Pasienter med døgn uten betaling": [3],
        "Døgn på sykehus uten betaling (døgn)": [9.0],
        "Kostnad unngått (kr)": [9.0 * RATE_2026],
    }
    assert got["answers"] == {
        "Meldt utskrivningsklar": [4],
        "Besvart": [3],
        "Kom til kommunal plass": [3],
        "Median til svar (timer)": [2.0],
        "Median til ankomst (døgn)": [3.1],  # 3 days and 2 hours
    }
    # 3 patients × 10 nights (5–14 March) on 4 beds over the 31 days of March.
    assert got["occupancy"] == {"Korttid Test": [24.2], "Utredning Test": [0.0]}
    assert got["length_of_stay"] == {
        "Rehabilitering: avsluttede opphold": [3],
        "Rehabilitering: median døgn": [10.0],
        "Rehabilitering: snitt døgn": [10.0],
        "Utredning: avsluttede opphold": [0],  # a kind of the municipality with no stay
        "Utredning: median døgn": [None],
        "Utredning: snitt døgn": [None],
    }
    # One of three sent home came back within 30 days: 1 is small, so 3 is hidden as well.
    assert got["readmissions"] == {
        "Utskrevet hjem": [":"],
        "Reinnlagt innen 30 dager": ["<3"],
        "Andel reinnlagt (%)": [":"],
    }
    benefit = got["benefit"]
    # Opened, ready: 2 moves for each of four; answered, decided, reserved, arrived, plan,
    # discharged: 6 more for each of three; and one readmission.
    assert benefit["Flyttinger registrert (listeendringer ikke gjort for hånd)"] == [27]
    # Told: the office for every move; KORT from the reservation on; NORD from the plan on:
    # 16 for the one readmitted (NORD told of the readmission), 14 for each of two, 2.
    assert benefit["Mottakere med Pasientflyt"] == [46]
    # A list e-mailed to the office, 2 units and 2 zones, for every move.
    assert benefit["Mottakere med e-postliste til alle"] == [135]
    assert got["emergency"]["Bruk av nødtilgang"] == [0]


def test_a_month_in_progress_or_one_whose_30_days_are_not_gone_is_not_a_column(w: World) -> None:
    a_month_of_three_stays(w)
    w.clock.now = datetime(2026, 3, 31, 20, tzinfo=UTC)  # 31 March, 22:00 in Oslo
    response = w.client.get("/api/v1/figures?from=2026-03", headers=w.headers("leder"))
    assert response.json()["months"] == []
    assert {t["key"]: t["columns"] for t in response.json()["tables"]} == {
        **dict.fromkeys(
            ("occupancy", "waiting", "answers", "days_avoided", "length_of_stay", "loops"), []
        ),
        "overdue_now": ["Nå"],
        **dict.fromkeys(("readmissions", "emergency", "benefit"), []),
    }
    w.clock.now = datetime(2026, 4, 30, 21, 59, tzinfo=UTC)  # a minute before 1 May in Oslo
    columns = {t["key"]: t["columns"] for t in figures_json(w)["tables"]}
    assert columns["waiting"] == ["2026-03"] and columns["emergency"] == ["2026-03"]
    assert columns["readmissions"] == []  # a March discharge may come back until 30 April
    w.clock.now = MAY_DAY
    assert {t["key"]: t["columns"] for t in figures_json(w)["tables"]}["readmissions"] == [
        "2026-03"
    ]


def test_no_leader_figure_names_a_patient_and_only_leaders_get_them(w: World) -> None:
    flows = a_month_of_three_stays(w)
    response = w.client.get("/api/v1/figures", headers=w.headers("leder"))
    assert response.status_code == 200
    for flow_id in flows:
        assert flow_id not in response.text
    assert "Nummer" not in response.text
    for role in ("saksbehandler", "sykepleier", "admin", "hjemmesykepleier"):
        assert w.client.get("/api/v1/figures", headers=w.headers(role)).status_code == 403
    assert (
        w.client.get("/api/v1/figures?from=2026-04&to=2026-03", headers=w.headers("leder"))
    ).json()["code"] == "months_reversed"
    assert (
        w.client.get(
            "/api/v1/figures?from=2024-01-01&to=2026-03-01", headers=w.headers("leder")
        ).status_code
        == 422
    )


def test_the_share_of_loops_closed_on_time_per_task_and_unit_by_month(w: World) -> None:
    """2 March: three on time, two late. 2 April: three on time, three late."""
    answer_three_on_time_and_some_late(w, 0, late=2)
    w.clock.now = datetime(2026, 4, 2, 7, tzinfo=UTC)
    answer_three_on_time_and_some_late(w, 5, late=3)
    w.clock.now = MAY_DAY
    got = figures(w, "?from=2026-03&to=2026-04")
    # In March the 2 late are small, and a share of 3 in 5 would tell them: ":".
    assert got["loops"] == {"Svare sykehuset samme dag — Tildelingskontoret": [":", 50.0]}
    assert got["benefit"]["Sløyfer lukket i tide"] == [3, 3]
    assert got["benefit"]["Sløyfer for sent eller ikke lukket"] == ["<3", 3]
    assert got["overdue_now"]["Tildelingskontoret"] == [0]


def test_a_loop_counts_in_the_month_it_fell_due_whatever_happens_to_it_later(w: World) -> None:
    """Three patients declared ready on 31 March at 09:00 in Oslo, never answered: their
    loops fall due at the day's end. On 2 April the hospital withdraws the notices, which
    cancels the loops: March's loops stay three not closed in time, read before or after."""
    w.clock.now = datetime(2026, 3, 31, 7, tzinfo=UTC)
    flows = [ready_patient(w, n) for n in range(3)]
    w.clock.now = datetime(2026, 4, 1, 10, tzinfo=UTC)
    before = figures(w)
    w.clock.now = datetime(2026, 4, 2, 10, tzinfo=UTC)
    for flow_id in flows:
        command(w, flow_id, "ready-for-discharge/withdrawal", {"reason": "Feber"})
    after = figures(w)
    assert before["benefit"]["Sløyfer for sent eller ikke lukket"] == [3]
    # Only the snapshot of now moves: the 3 overdue were cancelled.
    assert (
        before.pop("overdue_now")["Tildelingskontoret"],
        after.pop("overdue_now")["Tildelingskontoret"],
    ) == ([3], [0])
    assert after == before


def test_uses_of_emergency_access_and_their_review_are_counted(w: World) -> None:
    for n in range(4):  # in hospital: the nurse's unit has no care relation to them
        ready_patient(w, n)
    nurse = w.headers("sykepleier")
    for n in range(4):
        body = {"national_id": synthetic_national_id(random.Random(n)), "reason": "akutt"}
        response = w.client.post("/api/v1/emergency-access", json=body, headers=nurse)
        assert response.status_code == 201, response.text
    uses = w.client.get("/api/v1/emergency-access/uses", headers=w.headers("leder")).json()
    review = f"/api/v1/emergency-access/{uses[0]['id']}/review"
    assert (
        w.client.post(review, json={"comment": "OK"}, headers=w.headers("leder")).status_code == 200
    )
    w.clock.now = datetime(2026, 4, 7, 21, 59, tzinfo=UTC)  # a minute before 8 April in Oslo
    assert all(v == [] for v in figures(w)["emergency"].values())  # not yet a week after March
    w.clock.now = datetime(2026, 4, 8, 10, tzinfo=UTC)
    got = figures(w)["emergency"]
    # 4 uses, 1 reviewed (small: so 4 is hidden, lest 4 - 3 tell it), 3 not within a week.
    assert got == {
        "Bruk av nødtilgang": [":"],
        "Gjennomgått innen en uke": ["<3"],
        "Ikke gjennomgått innen en uke": [3],
    }


def test_the_figures_as_a_workbook_hold_what_the_page_shows(w: World) -> None:
    a_month_of_three_stays(w)
    leader = w.headers("leder")
    response = w.client.get("/api/v1/figures/export.xlsx?from=2026-03&to=2026-03", headers=leader)
    assert response.status_code == 200, response.text
    assert "ledertall-2026-03-2026-03.xlsx" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0].startswith("Kommunen · Innkomstvurdering")  # safety first
    others = book.sheetnames[-11:]  # then the ten figures, and the beds by day
    waiting = book[others[1]]
    assert waiting["A1"].value.startswith("Tall for ledere · Testkommune")
    rows = {row[0]: row[1:] for row in waiting.iter_rows(min_row=3, values_only=True)}
    assert rows["Pasienter som ventet"] == (4,)
    assert rows["Kostnad (kr)"] == (30.0 * RATE_2026,)
    avoided = book[others[3]]
    rows = {row[0]: row[1:] for row in avoided.iter_rows(min_row=3, values_only=True)}
    assert rows["Døgn på sykehus uten betaling (døgn)"] == (9.0,)
    readmissions = book[others[7]]
    rows = {row[0]: row[1:] for row in readmissions.iter_rows(min_row=3, values_only=True)}
    assert rows["Reinnlagt innen 30 dager"] == ("<3",)
    by_day = book[others[-1]]
    header = next(by_day.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[1:3] == ("2026-03-01", "2026-03-02") and len(header) == 32  # all March
    csv_text = w.client.get(
        "/api/v1/figures/export.csv?from=2026-03-10&to=2026-04-30", headers=leader
    )  # days, each taken as its month: March and April (one waits in April: hidden)
    assert "Overliggedøgn (døgn);30,0;:" in csv_text.content.decode("utf-8-sig")
    for role in ("saksbehandler", "sykepleier"):
        refused = w.client.get("/api/v1/figures/export.csv", headers=w.headers(role))
        assert refused.status_code == 403
    assert "Nummer" not in csv_text.content.decode("utf-8-sig")


def test_a_month_counts_what_overlaps_it_from_before_it_began(w: World) -> None:
    """April: the fourth patient has waited since 2 March; the stays were over in March."""
    a_month_of_three_stays(w)
    got = figures(w, "?from=2026-04&to=2026-04")
    assert got["occupancy"] == {"Korttid Test": [0.0], "Utredning Test": [0.0]}
    assert got["length_of_stay"]["Rehabilitering: avsluttede opphold"] == [0]
    assert got["waiting"]["Pasienter som ventet"] == ["<3"]  # one, all 30 days of April
    assert got["answers"]["Meldt utskrivningsklar"] == [0]  # all declared before April


def test_a_month_holds_what_happened_in_it_by_the_clock_in_oslo(w: World) -> None:
    """Three patients on KORT from 5 March, sent home at 00:30 on 1 April in Oslo: still
    31 March in UTC, and two hours before it in Oslo since summer time began on 29 March."""
    flows = [ready_patient(w, n) for n in range(3)]
    kort, nord = str(w.unit("KORT")), str(w.unit("NORD"))
    for bed, flow_id in enumerate(flows, start=1):
        command(w, flow_id, "hospital-answer", {"can_receive": True, "note": ""})
        decision = {"service": "short_term_stay", "unit_id": kort, "starts_on": "2026-03-05"}
        command(w, flow_id, "decision", decision)
        command(w, flow_id, "reservation", {"unit_id": kort, "bed": str(bed)})
    w.clock.now = datetime(2026, 3, 5, 10, tzinfo=UTC)
    for flow_id in flows:
        command(w, flow_id, "arrival")
    w.clock.now = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    for flow_id in flows:
        plan = {"on": "2026-04-01", "destination": "home", "zone_id": nord}
        command(w, flow_id, "discharge-plan", plan)
        command(w, flow_id, "discharge")
    w.clock.now = datetime(2026, 7, 1, 10, tzinfo=UTC)  # April's 30 days to come back gone
    got = figures(w, "?from=2026-03&to=2026-04")
    assert got["readmissions"]["Utskrevet hjem"] == [0, 3]
    # 3 patients × 27 nights (5–31 March) on 4 beds over the 31 days of March; none in April.
    assert got["occupancy"]["Korttid Test"] == [65.3, 0.0]


def test_a_wait_over_new_year_counts_each_month_its_days_at_its_year_rate(w: World) -> None:
    """Three patients declared ready on 30 December 2026 still wait on 1 February 2027; the
    admin has set 6,000 NOK a day for 2026 and 6,100 for 2027."""
    for year, rate in ((2026, 6000), (2027, 6100)):
        path = f"/api/v1/admin/daily-rates/{year}"
        response = w.client.put(path, json={"rate": rate}, headers=w.headers("admin"))
        assert response.status_code == 200, response.text
    w.clock.now = datetime(2026, 12, 30, 8, tzinfo=UTC)
    for n in range(3):
        ready_patient(w, n)
    w.clock.now = datetime(2027, 2, 1, 12, tzinfo=UTC)
    got = figures(w, "?from=2026-12&to=2027-01")
    # 3 × 30–31 December, and 3 × 1–31 January.
    assert got["waiting"] == {
        "Pasienter som ventet": [3, 3],
        "Overliggedøgn (døgn)": [6.0, 93.0],
        "Kostnad (kr)": [6 * 6000.0, 93 * 6100.0],
    }


def test_a_discharge_straight_from_hospital_ends_the_wait_and_counts_as_a_homecoming(
    w: World,
) -> None:
    """Seven patients declared ready on 2 March (09:00 in Oslo), none given a bed: six
    planned home to NORD with home care, one to long-term care, all discharged from hospital
    on 6 March at 11:00; three of those sent home back in hospital on 20 March."""
    flows = [ready_patient(w, n) for n in range(7)]
    nord = str(w.unit("NORD"))
    w.clock.advance(hours=2)
    for flow_id in flows[:6]:
        home_care = {"service": "home_care", "zone_id": nord, "starts_on": "2026-03-06"}
        command(w, flow_id, "decision", home_care)
        plan = {"on": "2026-03-06", "destination": "home", "zone_id": nord}
        command(w, flow_id, "discharge-plan", plan)
    command(w, flows[6], "discharge-plan", {"on": "2026-03-06", "destination": "long_term_care"})
    w.clock.advance(days=4)  # 6 March, 11:00 in Oslo
    for flow_id in flows:
        command(w, flow_id, "discharge")
    w.clock.advance(days=14)  # 20 March
    for flow_id in flows[:3]:
        command(w, flow_id, "readmission", {"hospital": "Sykehuset"})
    w.clock.now = MAY_DAY

    got = figures(w)

    # Each waited 2, 3, 4 and 5 March; the day of the discharge is not paid: 7 × 4 days.
    assert got["waiting"] == {
        "Pasienter som ventet": [7],
        "Overliggedøgn (døgn)": [28.0],
        "Kostnad (kr)": [28.0 * RATE_2026],
    }
    assert got["answers"]["Kom til kommunal plass"] == [0]  # no one came to a unit
    assert got["readmissions"] == {
        "Utskrevet hjem": [6],
        "Reinnlagt innen 30 dager": [3],
        "Andel reinnlagt (%)": [50.0],
    }

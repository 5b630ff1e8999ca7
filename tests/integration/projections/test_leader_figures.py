"""The leaders' figures from a history made through commands, each number written out, on
both stores; small counts hidden; never a patient."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import openpyxl
import pytest
from support.admin_world import admin_world  # noqa: F401  (a fixture)
from support.leader_figures import RATE_2026, command, figures, ready_patient
from support.world import World

from fixtures.demo import synthetic_national_id


@pytest.fixture
def w(admin_world: World) -> World:  # noqa: F811
    return admin_world


def a_month_of_three_stays(w: World) -> list[str]:
    """Four patients declared ready on 2 March (09:00 in Oslo); three told two hours later
    that an offer is ready (so no day of theirs is paid), placed on KORT on 5 March and sent
    home to NORD on 15 March; one of them back in hospital on 20 March. The fourth, never
    answered, still waits on 20 March at 13:00, when the figures are read."""
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
    w.clock.advance(hours=2)
    return [a, b, c, d]


def test_each_figure_of_a_month_written_out(w: World) -> None:
    a_month_of_three_stays(w)
    got = figures(w)

    # Three told an offer on their ready day: none of their days (2, 3, 4 March) is paid.
    # The fourth, never answered, from 2 March through today, 20 March: 19 days.
    assert got["waiting"] == {
        "Pasienter som ventet": [4],
        "Overliggedøgn (døgn)": [19.0],
        "Kostnad (kr)": [19.0 * RATE_2026],
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
    # 3 patients × 10 nights (5–14 March) on 4 beds over the 20 days of March so far.
    assert got["occupancy"] == {"Korttid Test": [37.5], "Utredning Test": [0.0]}
    assert got["length_of_stay"] == {"Rehabilitering": [3, 10.0, 10.0]}
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
        w.client.get(
            "/api/v1/figures?from=2026-03-31&to=2026-03-01", headers=w.headers("leder")
        ).status_code
        == 422
    )
    assert (
        w.client.get(
            "/api/v1/figures?from=2024-01-01&to=2026-03-01", headers=w.headers("leder")
        ).status_code
        == 422
    )


def test_loops_closed_on_time_late_and_open_per_task_and_unit(w: World) -> None:
    """Five patients declared ready on 2 March: the office answers three the same day
    (on time: the loop is due at the day's end) and two the next morning (late)."""
    flows = [ready_patient(w, n) for n in range(5)]
    w.clock.advance(hours=2)
    for flow_id in flows[:3]:
        command(w, flow_id, "hospital-answer", {"can_receive": False, "note": ""})
    w.clock.advance(days=1)
    for flow_id in flows[3:]:
        command(w, flow_id, "hospital-answer", {"can_receive": False, "note": ""})
    got = figures(w)
    # The 2 late ones are small; so the 5 due is hidden too, or 5 - 3 would tell them.
    assert got["loops"] == {
        "Svare sykehuset samme dag — Tildelingskontoret": [":", 3, "<3", 0, ":"]
    }
    assert got["benefit"]["Sløyfer lukket i tide"] == [3]
    assert got["benefit"]["Sløyfer for sent eller ikke lukket"] == ["<3"]
    assert got["overdue_now"]["Tildelingskontoret"] == [0]


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
    w.clock.advance(days=8)
    got = figures(w)["emergency"]
    # 4 uses, 1 reviewed (small: so 4 is hidden, lest 4 - 3 tell it), 3 not, all 3 overdue.
    assert got == {
        "Bruk av nødtilgang": [":"],
        "Gjennomgått": ["<3"],
        "Ikke gjennomgått": [3],
        "Forfalt (over en uke)": [3],
    }


def test_the_figures_as_a_workbook_hold_what_the_page_shows(w: World) -> None:
    a_month_of_three_stays(w)
    leader = w.headers("leder")
    response = w.client.get(
        "/api/v1/figures/export.xlsx?from=2026-03-01&to=2026-03-31", headers=leader
    )
    assert response.status_code == 200, response.text
    assert "ledertall-2026-03-01-2026-03-31.xlsx" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    waiting = book[book.sheetnames[1]]
    assert waiting["A1"].value.startswith("Tall for ledere · Testkommune")
    rows = {row[0]: row[1:] for row in waiting.iter_rows(min_row=3, values_only=True)}
    assert rows["Pasienter som ventet"] == (4,)
    assert rows["Kostnad (kr)"] == (19.0 * RATE_2026,)
    avoided = book[book.sheetnames[3]]
    rows = {row[0]: row[1:] for row in avoided.iter_rows(min_row=3, values_only=True)}
    assert rows["Døgn på sykehus uten betaling (døgn)"] == (9.0,)
    readmissions = book[book.sheetnames[7]]
    rows = {row[0]: row[1:] for row in readmissions.iter_rows(min_row=3, values_only=True)}
    assert rows["Reinnlagt innen 30 dager"] == ("<3",)
    by_day = book[book.sheetnames[-1]]
    header = next(by_day.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[1:3] == ("2026-03-01", "2026-03-02") and len(header) == 21  # to 20 March
    csv_text = w.client.get(
        "/api/v1/figures/export.csv?from=2026-03-01&to=2026-03-31", headers=leader
    )
    assert "Overliggedøgn (døgn);19,0" in csv_text.content.decode("utf-8-sig")
    for role in ("saksbehandler", "sykepleier"):
        refused = w.client.get("/api/v1/figures/export.csv", headers=w.headers(role))
        assert refused.status_code == 403
    assert "Nummer" not in csv_text.content.decode("utf-8-sig")


def test_a_period_counts_what_overlaps_it_from_before_it_began(w: World) -> None:
    """10–31 March: the stays began on 5 March and ended on 15 March; the fourth patient has
    waited since 2 March."""
    a_month_of_three_stays(w)
    got = figures(w, "?from=2026-03-10&to=2026-03-31")
    # 3 patients × 5 nights (10–14 March) on 4 beds over 11 days (10–20 March).
    assert got["occupancy"] == {"Korttid Test": [34.1], "Utredning Test": [0.0]}
    assert got["length_of_stay"] == {"Rehabilitering": [3, 10.0, 10.0]}
    assert got["waiting"]["Pasienter som ventet"] == ["<3"]  # one, from 10 to 20 March
    assert got["answers"]["Meldt utskrivningsklar"] == [0]  # all declared before the period


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
    w.clock.advance(days=1)
    got = figures(w, "?from=2026-03-01&to=2026-04-30")
    assert got["readmissions"]["Utskrevet hjem"] == [0, 3]
    # 3 patients × 27 nights (5–31 March) on 4 beds over the 31 days of March; none in April.
    assert got["occupancy"]["Korttid Test"] == [65.3, 0.0]


def test_a_wait_over_new_year_counts_each_month_its_days_at_its_year_rate(w: World) -> None:
    """Three patients declared ready on 30 December 2026 still wait on 10 January 2027; the
    admin has set 6,000 NOK a day for 2026 and 6,100 for 2027."""
    for year, rate in ((2026, 6000), (2027, 6100)):
        path = f"/api/v1/admin/daily-rates/{year}"
        response = w.client.put(path, json={"rate": rate}, headers=w.headers("admin"))
        assert response.status_code == 200, response.text
    w.clock.now = datetime(2026, 12, 30, 8, tzinfo=UTC)
    for n in range(3):
        ready_patient(w, n)
    w.clock.now = datetime(2027, 1, 10, 12, tzinfo=UTC)
    got = figures(w, "?from=2026-12-01&to=2027-01-31")
    # 3 × 30–31 December, and 3 × 1–10 January.
    assert got["waiting"] == {
        "Pasienter som ventet": [3, 3],
        "Overliggedøgn (døgn)": [6.0, 30.0],
        "Kostnad (kr)": [6 * 6000.0, 30 * 6100.0],
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

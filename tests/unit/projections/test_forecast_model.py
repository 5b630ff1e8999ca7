"""The bed forecast on hand-built situations whose answers are known: a planned discharge
frees its bed on its day, a stay without a plan by the kind's past stays, a patient in
hospital needs a bed after the municipality's usual time to ready, an acute bed has no
waiting list, and the same inputs and seed give the same forecast."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from projections.forecast.inputs import History, InHospital, Occupant, Situation, Unit, Waiting
from projections.forecast.model import DAYS, Spread, forecast

TODAY = date(2026, 3, 2)
UNIT = UUID(int=1)
NOTHING_KNOWN = History({}, {}, (), 0.0, {}, {}, {})


def situation(
    *,
    beds: int = 2,
    free: int = 0,
    kind: str = "rehab",
    occupants: tuple[Occupant, ...] = (),
    waiting: tuple[Waiting, ...] = (),
    in_hospital: tuple[InHospital, ...] = (),
) -> Situation:
    unit = Unit(UNIT, "Korttid", kind, beds, free)
    return Situation(TODAY, 1.0, (unit,), occupants, waiting, in_hospital)


def test_a_planned_discharge_frees_its_bed_on_its_day() -> None:
    planned = Occupant("rehab", UNIT, 4, TODAY + timedelta(days=3))
    staying = Occupant("rehab", UNIT, 1, None)  # no plan and no history: stays past the horizon
    ahead = forecast(situation(occupants=(planned, staying)), NOTHING_KNOWN, seed=1)

    rehab = ahead.of_kind("rehab")
    assert rehab is not None and len(rehab.days) == DAYS + 1
    assert [d.frees for d in rehab.days[:5]] == [Spread(0, 0, 0)] * 3 + [Spread(1, 1, 1)] + [
        Spread(0, 0, 0)
    ]
    assert rehab.days[2].free_at_end == Spread(0, 0, 0)
    assert rehab.days[3].free_at_end == Spread(1, 1, 1)  # no one waits for it
    assert rehab.days[-1].free_at_end == Spread(1, 1, 1)


def test_a_stay_without_a_plan_frees_its_bed_by_the_kinds_past_stays() -> None:
    # Past stays of 4 and of 8 days; one of 2 days does not count for a patient in her 3rd.
    history = History({"rehab": (2, 4, 4, 8, 8)}, {}, (), 0.0, {}, {}, {})
    ahead = forecast(situation(occupants=(Occupant("rehab", UNIT, 3, None),)), history, seed=7)

    rehab = ahead.of_kind("rehab")
    assert rehab is not None
    leaves_on = {t for t, d in enumerate(rehab.days) if d.frees.high}
    assert leaves_on == {1, 5}  # 4 - 3 and 8 - 3 days on
    assert rehab.days[6].free_at_end == Spread(1, 1, 1)  # gone by then in every draw
    assert rehab.days[2].free_at_end.low == 0 and rehab.days[2].free_at_end.high == 1


def test_a_patient_in_hospital_needs_a_bed_after_the_usual_time_to_ready() -> None:
    # Every past patient was ready on the 3rd day after admission, and all went on to rehab.
    history = History({}, {}, (3, 3, 3), 0.0, {"rehab": 1.0}, {}, {})
    admitted_yesterday = InHospital(days_in=1, ready=False)
    ahead = forecast(situation(free=1, in_hospital=(admitted_yesterday,)), history, seed=3)

    rehab = ahead.of_kind("rehab")
    assert rehab is not None
    assert [d.need.mid for d in rehab.days[:4]] == [0, 0, 1, 0]  # on day 3 - 1, then placed
    assert rehab.days[1].free_at_end == Spread(1, 1, 1)
    assert rehab.days[2].free_at_end == Spread(0, 0, 0)


def test_need_beyond_the_beds_is_marked_and_waits_for_a_bed_that_frees() -> None:
    waiting = tuple(Waiting(uuid4(), "rehab", TODAY) for _ in range(3))
    planned = Occupant("rehab", UNIT, 9, TODAY + timedelta(days=2))
    state = situation(beds=1, occupants=(planned,), waiting=waiting)
    ahead = forecast(state, NOTHING_KNOWN, seed=1)

    rehab = ahead.of_kind("rehab")
    assert rehab is not None
    assert [d.need.mid for d in rehab.days[:4]] == [3, 3, 3, 2]
    assert [d.short for d in rehab.days[:4]] == [True, True, True, True]
    assert rehab.days[2].beds == Spread(1, 1, 1)


def test_an_acute_bed_has_no_waiting_list() -> None:
    waiting = tuple(Waiting(uuid4(), "acute", TODAY) for _ in range(3))
    ahead = forecast(situation(kind="acute", free=1, waiting=waiting), NOTHING_KNOWN, seed=1)

    acute = ahead.of_kind("acute")
    assert acute is not None
    assert acute.days[0].need.mid == 3 and acute.days[0].short
    assert acute.days[1].need.mid == 0  # the two without a bed went to hospital
    assert not acute.days[1].short


def test_patients_not_yet_known_come_at_the_recent_rate() -> None:
    history = History(
        {"rehab": (30,)}, {}, (0,), 4.0, {"rehab": 0.5}, {"rehab": 1.0}, {"rehab": (0,)}
    )
    ahead = forecast(situation(beds=200, free=200), history, seed=11, draws=400)

    rehab = ahead.of_kind("rehab")
    assert rehab is not None
    # 4 ready a day, half of them to rehab, and one a day from home: about 3 a day
    assert 2 <= rehab.days[5].need.mid <= 4
    assert rehab.days[5].need.low < rehab.days[5].need.high
    # 15 days of it (today's too) taken from 200 beds, none leaving within a 30-day stay
    assert 200 - 15 * 4 <= rehab.days[DAYS].free_at_end.mid <= 200 - 15 * 2


def test_the_same_inputs_and_seed_give_the_same_forecast() -> None:
    history = History(
        {"rehab": (1, 3, 5, 9)},
        {"rehab": (0, 2)},
        (1, 2, 4),
        2.0,
        {"rehab": 0.4},
        {"rehab": 0.3},
        {"rehab": (2,)},
    )
    state = situation(
        beds=6,
        free=1,
        occupants=tuple(Occupant("rehab", UNIT, n, None) for n in range(5)),
        in_hospital=(InHospital(1, False), InHospital(0, True)),
    )
    assert forecast(state, history, seed=5) == forecast(state, history, seed=5)
    assert forecast(state, history, seed=5) != forecast(state, history, seed=6)


def test_a_spread_is_the_median_and_the_outer_deciles() -> None:
    assert Spread.of(list(range(11))) == Spread(1, 5, 9)
    assert Spread.of([4]) == Spread(4, 4, 4)


def test_each_unit_frees_its_own_beds_and_takes_the_waiting_when_it_has_the_most_free() -> None:
    other = UUID(int=2)
    units = (Unit(UNIT, "Korttid A", "rehab", 3, 1), Unit(other, "Korttid B", "rehab", 2, 0))
    planned = Occupant("rehab", other, 6, TODAY + timedelta(days=1))
    waiting = (Waiting(uuid4(), "rehab", TODAY + timedelta(days=1)),)
    state = Situation(TODAY, 1.0, units, (planned,), waiting, ())

    rehab = forecast(state, NOTHING_KNOWN, seed=2).of_kind("rehab")

    assert rehab is not None
    a, b = rehab.units
    assert (a.name, b.name) == ("Korttid A", "Korttid B")
    assert b.days[1].frees == Spread(1, 1, 1) and a.days[1].frees == Spread(0, 0, 0)
    # day 1: A has 1 free, B 1 freed: the patient goes to the first with the most, A
    assert a.days[1].free_at_end == Spread(0, 0, 0)
    assert b.days[1].free_at_end == Spread(1, 1, 1)
    assert rehab.days[1].free_at_end == Spread(1, 1, 1)

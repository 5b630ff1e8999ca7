"""A board as of a moment equals the board of a store holding only the events up to that
moment (issue 28): for random histories, the past read models (`projections/past.py`), made
from no snapshot, from snapshots they stored as they went, or from those of an earlier read,
equal the live projector's over the log cut where the first event later than the moment
stands."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from support.log_prefix import cut_of, log_times, rows_of, store_up_to
from support.read_model_histories import SPEC, T0, Run, steps, tell

from boards.services.system import open_system
from boards.settings import Settings
from fixtures.municipalities import install
from flow.rates import NATIONAL_DAILY_RATES
from projections.allocation_board import AllocationBoard
from projections.past import OSLO, PastModels, midnight_from

Rows = dict[str, list[dict[str, Any]]]


def moment_near(times: list[datetime], where: float, seconds: int, midnight: bool) -> datetime:
    """A moment near where things happen: an event's time, or the Oslo midnight before it,
    and a little before or after."""
    distinct = sorted(set(times))
    at = distinct[round(where * (len(distinct) - 1))]
    if midnight:
        local = at.astimezone(OSLO)
        at = datetime.combine(local.date(), time(), OSLO)
    return at + timedelta(seconds=seconds)


# Shrinking a failure can take minutes; the project's five-minute timeout would cut it short.
@pytest.mark.timeout(900)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=steps,
    moments=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from([-10_800, -1, 0, 1, 3600]), st.booleans()),
        min_size=2,
        max_size=3,
    ),
    every=st.sampled_from([1, 7, 10_000]),
    batch=st.sampled_from([(7, 3), (5_000, 250)]),
)
def test_a_board_as_of_a_moment_equals_the_board_of_the_log_up_to_it(
    tmp_path_factory: pytest.TempPathFactory,
    history: list[tuple[str, int, int]],
    moments: list[tuple[float, int, bool]],
    every: int,
    batch: tuple[int, int],
) -> None:
    note(f"history: {history!r}, moments: {moments!r}, every: {every}, batch: {batch}")
    folder = tmp_path_factory.mktemp("past")
    system = open_system(Settings(database_url=f"sqlite:///{folder / 'live.db'}"))
    try:
        install(system.flows, system.accounts, system.grants, SPEC, T0)
        run = Run(system)
        tell(run, history)
        past = PastModels(system.flows, system.engine, snapshot_every=every, batch=batch)
        log = log_times(system.flows)
        times = [at for _, at in log]
        # A read of the end first leaves the snapshots the moments' reads may start from.
        for n, moment in enumerate([run.now, *(moment_near(times, *m) for m in moments)]):
            cut = cut_of(log, moment)
            expected = store_up_to(system.flows, cut, folder / f"prefix{n}.db")
            try:
                with past.as_of(moment) as state:
                    assert state.position == cut
                    assert rows_of(state.engine) == rows_of(expected)
                    rates = NATIONAL_DAILY_RATES
                    board = AllocationBoard.read(state.engine, SPEC.id, moment, rates)
                    assert board == AllocationBoard.read(expected, SPEC.id, moment, rates)
            finally:
                expected.dispose()
        # Each snapshot stands at the cut of its midnight.
        for position, at in past.snapshot_positions():
            assert position == cut_of(log, at)
            assert at == midnight_from(at)
        # Every moment where the log changes, and the instant before: the cut, from the
        # snapshots the reads left.
        for at in sorted(set(times)):
            for moment in (at - timedelta(seconds=1), at):
                with past.as_of(moment) as state:
                    assert state.position == cut_of(log, moment)
    finally:
        system.close()

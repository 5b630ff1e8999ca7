"""The read models kept by a process of their own, as a deployment may run them beside the
processes that give commands: it follows the log and applies what is new to every model
(`Projector.catch_up`), as each server's follower thread does (`boards.live.follower`), and
nothing else: no deadline process, no live streams.

A process that reads a model still catches it up itself before it reads (the deadline process
catches up the task list): it then finds the model at the head of the log already, or applies
the few events the follower has not, the two kept apart by the compare-and-set on each model's
position (`projections.projector`). What it reads is the same either way. A model that such a
process catches up often is better left out of the follower's (`names`): a follower's batch
whose position another process moved first is read and applied again, all its models with it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.synchronize import Event

from boards.services.system import open_system
from boards.settings import Settings

#: How long the follower waits after each round, in seconds: a round then applies a batch of a
#: few hundred events, at less cost per event than a few at a time (in 60 days of a simulated
#: municipality of 100,000 the follower took 5.9 s of CPU so, 12.9 s rounding every 20 ms).
PAUSE_SECONDS = 0.2
#: How long a new follower may take to open the system.
_START_SECONDS = 60.0


class ProjectorProcessError(RuntimeError):
    pass


@contextmanager
def projector_process(
    settings: Settings, names: Sequence[str] = (), *, durable: bool = True
) -> Iterator[None]:
    """A process following the log of `settings`' database into the named read models (all,
    if none are named) while the block runs, caught up to the head when the block ends; not
    `durable`, a simulation's (`open_system`)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied connection
    started, stop = context.Event(), context.Event()
    process = context.Process(
        target=follow, args=(settings, names, durable, started, stop), daemon=True
    )
    process.start()
    try:
        waited = 0.0
        while not started.wait(0.1):
            waited += 0.1
            if not process.is_alive() or waited >= _START_SECONDS:
                raise ProjectorProcessError("the projector process did not start")
        yield
    finally:
        stop.set()
        process.join()
    if process.exitcode != 0:
        raise ProjectorProcessError(f"the projector process ended with {process.exitcode}")


def follow(
    settings: Settings, names: Sequence[str], durable: bool, started: Event, stop: Event
) -> None:
    """Apply new events to the named read models until `stop`, then once more to the head."""
    system = open_system(settings, durable=durable)
    try:
        unknown = set(names) - set(system.projector.projections)
        if unknown:  # `Projector.catch_up` would read the log from its start, over and over
            raise ProjectorProcessError(f"no such read models: {sorted(unknown)}")
        started.set()
        while not stop.is_set():
            system.projector.catch_up(*names)
            stop.wait(PAUSE_SECONDS)
        system.projector.catch_up(*names)
    finally:
        system.close()

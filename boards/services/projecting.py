"""The read models kept by a process of their own, as a deployment may run them beside the
processes that give commands: it follows the log and applies what is new to every model
(`Projector.catch_up`), as each server's follower thread does (`boards.live.follower`), and
nothing else: no deadline process, no live streams.

A process that reads a model still catches it up itself before it reads (the deadline process
catches up the task list): it then finds the model at the head of the log already, or applies
the few events the follower has not, the two kept apart by the compare-and-set on each model's
position (`projections.projector`). What it reads is the same either way.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event

from boards.services.system import open_system
from boards.settings import Settings

#: How long the follower waits when it found nothing new, in seconds.
PAUSE_SECONDS = 0.005
#: How long a new follower may take to open the system.
_START_SECONDS = 60.0


class ProjectorProcessError(RuntimeError):
    pass


@contextmanager
def projector_process(settings: Settings) -> Iterator[None]:
    """A process following the log of `settings`' database into its read models while the
    block runs, caught up to the head when the block ends."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied connection
    started, stop = context.Event(), context.Event()
    process = context.Process(target=follow, args=(settings, started, stop), daemon=True)
    process.start()
    try:
        if not started.wait(_START_SECONDS):
            raise ProjectorProcessError("the projector process did not start")
        yield
    finally:
        stop.set()
        process.join()
    if process.exitcode != 0:
        raise ProjectorProcessError(f"the projector process ended with {process.exitcode}")


def follow(settings: Settings, started: Event, stop: Event) -> None:
    """Apply new events to every read model until `stop`, then once more to the head."""
    system = open_system(settings)
    try:
        started.set()
        while not stop.is_set():
            if not system.projector.catch_up():
                stop.wait(PAUSE_SECONDS)
        system.projector.catch_up()
    finally:
        system.close()

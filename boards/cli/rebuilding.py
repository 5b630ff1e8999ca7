"""Rebuilding read models in several processes at once, as `pasientflyt rebuild` does.

The models are dealt in turns to the processes, in the order the system lists them (it
lists the costly ones apart, so that the turns come out even). Each process opens the
system itself, reads and decodes the whole log, and rebuilds its models as
`Projector.rebuild` does in one process. A batch's handlers run before its write
transaction, so one process works while another writes: on SQLite, whose writer is one at
a time, as on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from boards.services.system import open_system
from boards.settings import Settings

#: In each worker: where it tells the batches it applied, as (its group, events).
_progress: Queue[tuple[int, int]] | None = None
#: In each worker: passed once every worker has opened the system.
_opened: Barrier | None = None


def deal(names: Sequence[str], processes: int) -> list[list[str]]:
    """The models of each process, dealt in turns; no process without a model."""
    return [list(names[start::processes]) for start in range(min(processes, len(names)))]


def rebuild(
    settings: Settings,
    groups: Sequence[Sequence[str]],
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild each group of models in a process of its own; return the events the log had.
    `on_batch(group, events)` is told of every batch applied."""
    if len(groups) == 1:
        return _rebuild_here(settings, groups[0], lambda events: _tell(on_batch, 0, events))
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied connection
    progress: Queue[tuple[int, int]] = context.Queue()
    opened = context.Barrier(len(groups))
    with ProcessPoolExecutor(
        len(groups), mp_context=context, initializer=_worker, initargs=(progress, opened)
    ) as pool:
        futures = [pool.submit(_rebuild_group, settings, g, at) for at, g in enumerate(groups)]
        while not all(future.done() for future in futures):
            try:
                _tell(on_batch, *progress.get(timeout=0.1))
            except queue.Empty:
                continue
    while not progress.empty():  # the workers have ended: what they told is all here
        _tell(on_batch, *progress.get())
    return max(future.result() for future in futures)  # a worker's error is raised here


def _tell(on_batch: Callable[[int, int], None] | None, group: int, events: int) -> None:
    if on_batch:
        on_batch(group, events)


def _worker(progress: Queue[tuple[int, int]], opened: Barrier) -> None:
    global _progress, _opened
    _progress, _opened = progress, opened


def _rebuild_group(settings: Settings, names: Sequence[str], group: int) -> int:
    assert _progress is not None and _opened is not None, "set by the pool's initializer"
    report, opened = _progress, _opened
    try:
        system = open_system(settings)
    except BaseException:
        opened.abort()  # the others stop waiting for this one
        raise
    try:
        # Opening the system gives every table the indexes it lacks: no process may open it
        # once another has started, or it would index that one's tables while it fills them.
        opened.wait()
        system.past.forget_snapshots()  # made by the models being rebuilt: made again later
        return system.projector.rebuild(names, on_batch=lambda n: report.put((group, n)))
    finally:
        system.close()


def _rebuild_here(settings: Settings, names: Sequence[str], on_batch: Callable[[int], None]) -> int:
    system = open_system(settings)
    try:
        system.past.forget_snapshots()  # made by the models being rebuilt: made again later
        return system.projector.rebuild(names, on_batch=on_batch)
    finally:
        system.close()

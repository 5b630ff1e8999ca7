"""Small tools for the benchmarks: time a block of calls, print a table, keep the figures.

Figures are appended as JSON lines to tests/bench/results/latest.jsonl (git-ignored).
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event

RESULTS = Path(__file__).with_name("results") / "latest.jsonl"

T = TypeVar("T")


@dataclass
class Samples:
    """Latencies of single calls (ns) and the wall time of the blocks they ran in (ns)."""

    latencies_ns: list[int] = field(default_factory=list)
    wall_ns: int = 0

    def extend(self, other: Samples) -> None:
        self.latencies_ns.extend(other.latencies_ns)
        self.wall_ns += other.wall_ns


def measure(call: Callable[[T], object], inputs: Iterable[T]) -> Samples:
    """Call `call` once per input, timing each call and the whole block."""
    samples = Samples()
    latencies = samples.latencies_ns
    clock = time.perf_counter_ns
    started = clock()
    for item in inputs:
        before = clock()
        call(item)
        latencies.append(clock() - before)
    samples.wall_ns = clock() - started
    return samples


def _percentile(ordered: Sequence[int], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = math.ceil(round(fraction * len(ordered), 9))
    return float(ordered[min(max(rank, 1), len(ordered)) - 1])


@dataclass(frozen=True)
class Stats:
    name: str
    n: int
    per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, name: str, samples: Samples) -> Stats:
        ordered = sorted(samples.latencies_ns)
        n = len(ordered)
        return cls(
            name=name,
            n=n,
            per_s=n / (samples.wall_ns / 1e9),
            p50_ms=_percentile(ordered, 0.50) / 1e6,
            p99_ms=_percentile(ordered, 0.99) / 1e6,
            mean_ms=sum(ordered) / n / 1e6,
        )


def print_table(title: str, rows: Sequence[Stats], notes: Sequence[str] = ()) -> None:
    width = max(len(r.name) for r in rows)
    line = "-" * (width + 44)
    print(f"\n{title}\n{line}")
    print(f"{'':<{width}} {'ops/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'n':>5}")
    for r in rows:
        print(
            f"{r.name:<{width}} {r.per_s:>9,.0f} {r.p50_ms:>9.3f} {r.p99_ms:>9.3f}"
            f" {r.mean_ms:>9.3f} {r.n:>5}"
        )
    print(line)
    for note in notes:
        print(note)


def append_results(bench: str, store: str, rows: Sequence[Stats], **extra: Any) -> None:
    """One JSON line per row, all stamped with the same run time and setting."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    common = {"at": stamp, "bench": bench, "store": store, "python": platform.python_version()}
    with RESULTS.open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({**common, **asdict(row)}) + "\n")
        out.write(json.dumps({**common, "name": "summary", **extra}) + "\n")


@contextmanager
def sql_tally(engine: Engine, kind: Callable[[str], str]) -> Iterator[dict[str, list[float]]]:
    """Statements sent through the engine (one per executemany), by `kind(statement)`, with
    their times in seconds."""
    tally: dict[str, list[float]] = {}
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *__: Any) -> None:
        tally.setdefault(kind(statement), []).append(time.perf_counter() - started.pop())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

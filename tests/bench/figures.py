"""What the board and rebuild benchmarks add to benchkit: a p95, a table with it, the load.

`Figures` is a `benchkit.Stats` with one more field, so `benchkit.append_results` keeps it
in tests/bench/results/latest.jsonl like any other row.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from benchkit import Samples, Stats


def nearest_rank(ordered: Sequence[int], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (as benchkit computes p50 and p99)."""
    rank = math.ceil(round(fraction * len(ordered), 9))
    return float(ordered[min(max(rank, 1), len(ordered)) - 1])


@dataclass(frozen=True)
class Figures(Stats):
    p95_ms: float = 0.0

    @classmethod
    def of(cls, name: str, samples: Samples) -> Figures:
        stats = super().of(name, samples)
        assert isinstance(stats, Figures)
        return replace(stats, p95_ms=nearest_rank(sorted(samples.latencies_ns), 0.95) / 1e6)


def print_figures(title: str, rows: Sequence[Figures], notes: Sequence[str] = ()) -> None:
    width = max(len(r.name) for r in rows)
    line = "-" * (width + 54)
    print(f"\n{title}\n{line}")
    print(
        f"{'':<{width}} {'ops/s':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}"
        f" {'mean ms':>9} {'n':>5}"
    )
    for r in rows:
        print(
            f"{r.name:<{width}} {r.per_s:>9,.1f} {r.p50_ms:>9.3f} {r.p95_ms:>9.3f}"
            f" {r.p99_ms:>9.3f} {r.mean_ms:>9.3f} {r.n:>5}"
        )
    print(line)
    for note in notes:
        print(note)


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())

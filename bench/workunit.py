"""The benchmarks' unit of work, so that figures compare across machines and across a busy spell.

One *work unit* is a fixed piece of plain interpreted Python of the kind a diagnosis does (build
dicts of small lists and strings, sort them, dump some as JSON): about 2 ms on the 2-core
development machine. The benches time it interleaved with what they measure and report their
figures as multiples of its median ("3.4 ms = 1.8 units"): a slower or busier machine makes both
slower alike.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Callable


def work_unit() -> int:
    """Do one unit of work (the result is returned so that nothing is optimised away)."""
    table: dict[str, list[object]] = {}
    for i in range(4000):
        table[f"key-{i}"] = [i, str(i * 7), i % 13 == 0]
    ordered = sorted(table.items(), key=lambda kv: kv[1][1])
    return len(json.dumps(ordered[:400]))


def unit_seconds(samples: int = 15) -> float:
    """The median time of one work unit, now."""
    work_unit()
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        work_unit()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def interleaved(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median seconds of ``fn``, median seconds of a work unit), timed turn about."""
    fn()
    work_unit()
    a, b = [], []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        work_unit()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)

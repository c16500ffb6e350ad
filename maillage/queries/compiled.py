"""Lanes of compiled work run on threads, with the same answer whatever the number of cores.

The kernels (:mod:`.kernels`) release the GIL, so plain Python threads run them side by side,
without Numba's threading layers (which are not safe under a web server's threads). The work is
split into a fixed number of lanes and each draw has its own seeded stream, so the split, not the
machine, decides what each lane computes.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

__all__ = ["lanes", "run_lanes", "LANES", "COMPILED_FROM"]

LANES = 2  # work is split into this many lanes whatever the machine: the split, so the answer, is fixed
COMPILED_FROM = 5_000  # nodes beyond which measures run compiled (loading the compiler costs about 1.5 s)


@contextmanager
def lanes(count: int = LANES):
    """A runner of ``work(lane)`` for each lane, on up to as many threads as there are cores (one
    pool for as many runs as the caller makes); results in lane order."""
    threads = max(1, min(count, os.cpu_count() or 1))
    if threads == 1:
        yield lambda work: [work(lane) for lane in range(count)]
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        yield lambda work: list(pool.map(work, range(count)))


def run_lanes(work, count: int = LANES) -> list:
    """``work(lane)`` for each lane, once (:func:`lanes`)."""
    with lanes(count) as run:
        return run(work)

"""What the compiled kernels share: a seeded random stream that is the same on every machine, and
lanes of work run on threads with the same answer whatever the number of cores.

The kernels (:mod:`.kadabra`, :mod:`.permutations`) are compiled by Numba on their first call and
cached beside their source, and release the GIL (``nogil``), so plain Python threads run them side
by side without Numba's threading layers (which are not safe under a web server's threads).

References
----------
.. [1] G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number generators",
   OOPSLA 2014 (SplitMix64).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from numba import njit

__all__ = ["uniform", "stream", "shuffle", "lanes", "run_lanes", "LANES"]

LANES = 2  # work is split into this many lanes whatever the machine: the split, so the answer, is fixed


@njit(cache=True, nogil=True)
def uniform(state):
    """SplitMix64: a uniform float in [0, 1) from the 1-element uint64 ``state``, advanced."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def stream(seed, index, state):
    """Start ``state`` on the stream of (seed, index): each round or sample has its own, so the
    result does not depend on which lane or thread draws it."""
    state[0] = np.uint64(seed) * np.uint64(0xD1B54A32D192ED03) + np.uint64(index) * np.uint64(0x9E3779B97F4A7C15)
    uniform(state)


@njit(cache=True, nogil=True)
def shuffle(values, state):
    """Fisher–Yates: a uniform permutation of ``values`` in place."""
    for i in range(len(values) - 1, 0, -1):
        j = int(uniform(state) * (i + 1))
        values[i], values[j] = values[j], values[i]


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

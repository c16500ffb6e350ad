"""Brokerage's permutation test compiled: each round shuffles the kinds among all the actors and
counts every broker's open pairs by role, its neighbours' kinds gathered, its closed triples read
among them (``_Structure.counts``'s formulas; a test checks them equal); a round writes only its
tallies.

The rounds are split into :data:`.compiled.LANES` lanes run on threads; round r draws its
permutation from its own stream (:func:`.kernels.stream`), so the tallies, and the p-values, are
the same whatever the number of cores.
"""

from __future__ import annotations

import numpy as np

from .compiled import LANES, run_lanes
from .kernels import brokerage_lane

__all__ = ["permutation_rounds", "local_positions"]


def local_positions(structure) -> tuple[np.ndarray, np.ndarray]:
    """Each closed triple's two ends as positions in their broker's neighbour list."""
    start = np.concatenate([[0], np.cumsum(structure.degree)])
    n = int(max(structure.other.max(initial=0), structure.ta.max(initial=0), structure.tc.max(initial=0))) + 1
    owner = np.repeat(np.arange(len(structure.degree), dtype=np.int64), structure.degree)
    keys = owner * n + structure.other  # increasing: brokers in order, each one's neighbours sorted
    a_at = np.searchsorted(keys, structure.tv * n + structure.ta) - start[structure.tv]
    c_at = np.searchsorted(keys, structure.tv * n + structure.tc) - start[structure.tv]
    return a_at, c_at


def permutation_rounds(structure, labels: np.ndarray, groups: int, found: np.ndarray, rounds: int,
                       seed: int) -> np.ndarray:
    """For each broker and role, the rounds whose count reached ``found``'s.

    ``structure`` is brokerage's (brokers, their neighbours, closed triples by broker).
    """
    small = labels.astype(np.int8 if groups <= 127 else np.int32)  # the shuffled array stays in cache
    start = np.zeros(len(structure.brokers) + 1, dtype=np.int64)
    np.cumsum(structure.degree, out=start[1:])
    closed = np.searchsorted(structure.tv, np.arange(len(structure.brokers) + 1))  # tv is sorted
    a_at, c_at = local_positions(structure)
    parts = (start, structure.other, structure.brokers, closed, a_at, c_at, small, groups, found)
    lanes = run_lanes(lambda lane: brokerage_lane(*parts, lane, rounds, LANES, seed))
    return sum(above.astype(np.int64) for above in lanes)

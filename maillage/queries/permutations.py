"""Brokerage's permutation test compiled: each round shuffles the groups and counts every broker's
open pairs by role in one pass over its neighbours and its closed triples.

The rounds are split into :data:`.compiled.LANES` lanes run on threads; round r draws its
permutation from its own stream (:func:`.compiled.stream`), so the tallies, and the p-values, are
the same whatever the number of cores. The counts are :class:`.brokerage._Structure.counts`'s
(the same formulas; a test checks them equal); a round writes only its tallies (France: 12 million
actors a round, memory traffic is what it costs).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled import LANES, run_lanes, shuffle, stream

__all__ = ["permutation_rounds"]


@njit(cache=True, nogil=True)
def _reached(start, other, own, degree, closed, ta, tc, labels, table, found, above):
    """Add 1 to ``above`` where a broker's open pairs by role, with the nodes carrying ``labels``,
    reach the observed ones (``found``): ``_Structure.counts``'s formulas, each broker's closed
    triples (``closed[i]`` to ``closed[i + 1]``) taken on the way, nothing written but the tallies."""
    for i in range(len(own)):
        table[:] = 0
        for e in range(start[i], start[i + 1]):
            table[labels[other[e]]] += 1
        lv = labels[own[i]]
        same, d, squares = table[lv], degree[i], 0
        for g in range(len(table)):
            squares += table[g] * table[g]
        itinerant = (squares - d) // 2 - same * (same - 1) // 2
        coordinator, gatekeeper = same * (same - 1) // 2, same * (d - same)
        liaison = (d - same) * (d - same - 1) // 2 - itinerant
        for k in range(closed[i], closed[i + 1]):  # a pair closed by a tie between its ends is not brokerage
            la, lc = labels[ta[k]], labels[tc[k]]
            if la == lv and lc == lv:
                coordinator -= 1
            elif la == lc:
                itinerant -= 1
            elif la == lv or lc == lv:
                gatekeeper -= 1
            else:
                liaison -= 1
        above[i, 0] += coordinator >= found[i, 0]
        above[i, 1] += itinerant >= found[i, 1]
        above[i, 2] += gatekeeper >= found[i, 2]
        above[i, 3] += liaison >= found[i, 3]


@njit(cache=True, nogil=True)
def _lane(start, other, own, degree, closed, ta, tc, labels, groups, found, first, rounds, step, seed):
    """Rounds first, first + step, … below ``rounds``: how often each count reached the observed one."""
    above = np.zeros((len(own), 4), np.int32)
    shuffled, table, state = labels.copy(), np.zeros(groups, np.int64), np.zeros(1, np.uint64)
    for r in range(first, rounds, step):
        shuffled[:] = labels
        stream(seed, r, state)
        shuffle(shuffled, state)
        _reached(start, other, own, degree, closed, ta, tc, shuffled, table, found, above)
    return above


def permutation_rounds(structure, labels: np.ndarray, groups: int, found: np.ndarray, rounds: int,
                       seed: int) -> np.ndarray:
    """For each broker and role, the rounds whose count reached ``found``'s.

    ``structure`` is brokerage's (brokers, their adjacency entries, closed triples by broker).
    """
    small = labels.astype(np.int8 if groups <= 127 else np.int32)  # the shuffled array stays in cache
    start = np.zeros(len(structure.brokers) + 1, dtype=np.int64)
    np.cumsum(structure.degree, out=start[1:])
    closed = np.searchsorted(structure.tv, np.arange(len(structure.brokers) + 1))  # tv is sorted
    parts = (start, structure.other, structure.brokers, structure.degree, closed, structure.ta, structure.tc)
    lanes = run_lanes(lambda lane: _lane(*parts, small, groups, found, lane, rounds, LANES, seed))
    return sum(above.astype(np.int64) for above in lanes)

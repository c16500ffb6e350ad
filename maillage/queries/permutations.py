"""Brokerage's permutation test compiled: each round shuffles the groups and counts every broker's
open pairs by role in one pass over its neighbours and its closed triples.

The rounds are split into :data:`.compiled.LANES` lanes run on threads; round r draws its
permutation from its own stream (:func:`.compiled.stream`), so the counts, and the p-values, are
the same whatever the number of cores. The counts are :class:`.brokerage._Structure.counts`'s
(the same formulas; a test checks them equal).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled import LANES, run_lanes, shuffle, stream

__all__ = ["permutation_rounds"]


@njit(cache=True, nogil=True)
def _roles(start, other, own, degree, tv, ta, tc, labels, table, out):
    """Open pairs by role of every broker (rows of ``out``) when the nodes carry ``labels``."""
    for i in range(len(own)):
        table[:] = 0
        for e in range(start[i], start[i + 1]):
            table[labels[other[e]]] += 1
        same, d, squares = table[labels[own[i]]], degree[i], 0
        for g in range(len(table)):
            squares += table[g] * table[g]
        itinerant = (squares - d) // 2 - same * (same - 1) // 2
        out[i, 0] = same * (same - 1) // 2
        out[i, 1] = itinerant
        out[i, 2] = same * (d - same)
        out[i, 3] = (d - same) * (d - same - 1) // 2 - itinerant
    for k in range(len(tv)):  # a pair closed by a tie between its ends is not brokerage
        i = tv[k]
        lv, la, lc = labels[own[i]], labels[ta[k]], labels[tc[k]]
        if la == lv and lc == lv:
            out[i, 0] -= 1
        elif la == lc:
            out[i, 1] -= 1
        elif la == lv or lc == lv:
            out[i, 2] -= 1
        else:
            out[i, 3] -= 1


@njit(cache=True, nogil=True)
def _lane(start, other, own, degree, tv, ta, tc, labels, groups, found, first, rounds, step, seed):
    """Rounds first, first + step, … below ``rounds``: how often each count reached the observed
    one, and the counts' sums."""
    m = len(own)
    above, total = np.zeros((m, 4), np.int64), np.zeros((m, 4), np.int64)
    shuffled, table, out, state = labels.copy(), np.zeros(groups, np.int64), np.empty((m, 4), np.int64), np.zeros(1, np.uint64)
    for r in range(first, rounds, step):
        shuffled[:] = labels
        stream(seed, r, state)
        shuffle(shuffled, state)
        _roles(start, other, own, degree, tv, ta, tc, shuffled, table, out)
        for i in range(m):
            for j in range(4):
                if out[i, j] >= found[i, j]:
                    above[i, j] += 1
                total[i, j] += out[i, j]
    return above, total


def permutation_rounds(structure, labels: np.ndarray, groups: int, found: np.ndarray, rounds: int,
                       seed: int) -> tuple[np.ndarray, np.ndarray]:
    """For each broker and role, the rounds whose count reached ``found``'s, and the counts' sum.

    ``structure`` is brokerage's (brokers, their adjacency entries and closed triples).
    """
    small = labels.astype(np.int8 if groups <= 127 else np.int32)  # the shuffled array stays in cache
    start = np.zeros(len(structure.brokers) + 1, dtype=np.int64)
    np.cumsum(structure.degree, out=start[1:])
    parts = (start, structure.other, structure.brokers, structure.degree, structure.tv, structure.ta, structure.tc)
    lanes = run_lanes(lambda lane: _lane(*parts, small, groups, found, lane, rounds, LANES, seed))
    return sum(above for above, _total in lanes), sum(total for _above, total in lanes)

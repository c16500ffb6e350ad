"""Burt's constraint's sums over each tie's common neighbours, compiled: every triangle found once.

Constraint needs, for each tie (i, j), w_ij = Σ 1/deg(q) over the common neighbours q of i and j,
and each node's triangles. As sparse products (A·A, then A·D⁻¹·A, masked by A) that is every
two-path of the graph made and kept at once: on France, hubs tied to tens of thousands of actors
make it 75 s and 1.4 GiB. Here the ties are oriented from lower to higher (degree, position), so
each triangle is found once from its lowest corner (the forward algorithm, O(m^1.5) [1]_), and
adds to its three ties and its three corners.

References
----------
.. [1] T. Schank and D. Wagner, "Finding, counting and listing all triangles in large graphs, an
   experimental study", WEA 2005 (the forward algorithm).
"""

from __future__ import annotations

import numpy as np

from .kernels import walk_triangles

__all__ = ["tie_sums"]


def tie_sums(form) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node: its triangles, Σ_j w_ij and Σ_j w_ij² over its ties.

    Examples
    --------
    >>> import networkx as nx
    >>> from maillage.queries.compact import compact
    >>> triangles, first, second = tie_sums(compact(nx.complete_graph(3)))
    >>> triangles.tolist(), first.tolist(), second.tolist()
    ([1, 1, 1], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5])
    """
    n, owner, other = form.n, form.owners(), form.indices.astype(np.int64)
    rank = np.lexsort((np.arange(n), form.degree))  # nodes by (degree, position)
    place = np.empty(n, dtype=np.int64)
    place[rank] = np.arange(n)
    forward = place[owner] < place[other]  # each tie once, from its lower end; rows stay in order
    tail, ahead = owner[forward], other[forward]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=start[1:])
    triangles, weight = np.zeros(n, dtype=np.int64), np.zeros(len(ahead), dtype=np.float64)
    walk_triangles(start, ahead, form.degree.astype(np.int64), triangles, weight)
    first = np.bincount(tail, weights=weight, minlength=n) + np.bincount(ahead, weights=weight, minlength=n)
    squared = weight * weight
    second = np.bincount(tail, weights=squared, minlength=n) + np.bincount(ahead, weights=squared, minlength=n)
    return triangles, first, second

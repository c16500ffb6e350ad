"""KADABRA on the compact form: every node's betweenness within ± ε at once, adaptive, seeded.

Borassi and Natale's algorithm [1]_ as NetworKit implements it [2]_ (balanced bidirectional
searches between uniformly drawn pairs, one shortest path drawn uniformly among the pair's, a first
sample of ω/100 pairs to spread the failure probability over the nodes, then sampling until every
node's Chernoff bounds are below ε or ω pairs are drawn), compiled with Numba, with what it takes to
run on the whole of France:

- ω is bounded with an upper bound of the vertex diameter (:func:`.structure.diameter_bound`, one
  search per component, 2·eccentricity + 1), not the exact diameter NetworKit computes first, which
  takes minutes to hours on sparse national graphs (its own source calls it "inefficient for large
  graphs"); the bound enters ω through its logarithm only;
- a sample clears only the nodes its searches reached, not an n-long array;
- the stopping rule is checked on the nodes the first sample reached, each with its own failure
  probability, and once on the largest count among all the others (they share one probability, and
  both bounds grow with the count), instead of on all n nodes at every check;
- a predecessor is drawn in proportion to its number of shortest paths, so each shortest path of a
  pair is equally likely;
- the pairs are drawn in :data:`.compiled.LANES` lanes run on threads, each pair from its own
  seeded stream, so the values are the same whatever the number of cores (the stopping rule sees
  the lanes' counts summed, and the sum of their largest unwatched counts).

Values are normalised as NetworkX does (by the (n − 1)(n − 2)/2 unordered pairs of other nodes).

References
----------
.. [1] M. Borassi and E. Natale, "KADABRA is an ADaptive Algorithm for Betweenness via Random
   Approximation", ACM Journal of Experimental Algorithmics 24, 2019 (ESA 2016).
.. [2] E. Angriman et al., "Algorithms for large-scale network analysis and the NetworKit toolkit",
   Algorithms for Big Data, LNCS 13201, 2022 (``KadabraBetweenness``).
"""

from __future__ import annotations

import math

import numpy as np

from .compiled import LANES, lanes
from .kernels import kadabra_finished, kadabra_sample

__all__ = ["kadabra_arrays", "max_samples"]

FIRST_SAMPLE_SHARE = 100  # NetworKit's startFactor: the first sample is ω / 100 pairs
BALANCE = 0.001           # NetworKit's balancingFactor: the share of δ kept for the nodes the first sample missed
_CHECK_EVERY = 64         # samples between two checks of the stopping rule, at least (the lanes meet at each)


def max_samples(error: float, confidence: float, vertex_diameter: int) -> int:
    """ω: the pairs after which the estimate holds whatever the adaptive rule says [1]_.

    ω = (0.5 / ε²)·(⌊log₂(VD − 2)⌋ + 1 + ln(2/δ)), with δ = 1 − confidence: half the failure
    probability for this bound, half for the adaptive one.

    Examples
    --------
    >>> max_samples(0.01, 0.95, 20)
    43445
    """
    log_term = math.floor(math.log2(vertex_diameter - 2)) + 1 if vertex_diameter > 3 else 1
    return math.ceil(0.5 / error ** 2 * (log_term + math.log(2 / (1 - confidence))))


def _spread_failure(count: np.ndarray, pairs: int, error: float, delta: float, n: int):
    """Each node's failure probability from the first sample's estimates (NetworKit's computeDeltaGuess,
    absolute error): δ_v = exp(−c·ε²/b̂_v) + δ·β/(4n), with c the smallest value, found by bisection,
    for which Σ_v 2·exp(−c·ε²/b̂_v) stays below δ(1 − β)/2. The nodes the first sample missed keep
    δ·β/(4n) each, so that all of them together stay within δ/2.

    Returns the nodes seen (largest estimate first, so a failing check stops early), their ln(1/δ_v)
    and the others' ln(1/δ_v).
    """
    nodes = np.flatnonzero(count)
    nodes = nodes[np.argsort(-count[nodes], kind="stable")]
    estimate = count[nodes] / pairs
    floor = delta * BALANCE / 4 / n
    low, high = 0.0, 1 / error ** 2 * math.log(n * 4 * (1 - BALANCE) / delta)
    while high - low > error / 10:
        middle = (low + high) / 2
        if 2 * np.exp(-middle * error ** 2 / estimate).sum() >= delta / 2 * (1 - BALANCE):
            low = middle
        else:
            high = middle
    return nodes.astype(np.int64), -np.log(np.exp(-high * error ** 2 / estimate) + floor), -math.log(floor)


def kadabra_arrays(form, error: float, confidence: float, seed: int, vertex_diameter: int) -> tuple[np.ndarray, int]:
    """Every node's betweenness (NetworkX's normalisation) within ± ``error`` at once with probability
    ``confidence``, and the pairs drawn.

    Parameters
    ----------
    form : Compact
        The compact form (:mod:`.compact`) of a simple undirected graph of at least 3 nodes.
    error, confidence : float
        Half-width asked for every node's interval, and the probability that all of them hold.
    seed : int
        The sample's seed: the same seed, the same values, on every machine.
    vertex_diameter : int
        An upper bound on the number of nodes of any shortest path (:func:`.structure.diameter_bound`).

    Examples
    --------
    >>> import networkx as nx
    >>> from maillage.queries.compact import compact
    >>> values, pairs = kadabra_arrays(compact(nx.star_graph(20)), 0.05, 0.95, 1, 3)
    >>> round(float(values[0]), 1), float(values[1:].max())
    (1.0, 0.0)
    """
    from scipy.sparse import csgraph

    n = form.n
    scale = (n - 2) / n  # a drawn pair is ordered and may contain the node: b_drawn = b_nx · (n − 2) / n
    drawn_error, delta = error * scale, 1 - confidence
    omega = max_samples(drawn_error, confidence, vertex_diameter)
    indptr = np.ascontiguousarray(form.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(form.indices, dtype=np.int32)
    component = csgraph.connected_components(form.matrix(np.float32), directed=False)[1].astype(np.int32)
    graph = (indptr, indices, component, seed)
    first = max(1, omega // FIRST_SAMPLE_SHARE)
    with lanes() as run:
        work, watched = [_Lane(lane, n, len(indices)) for lane in range(LANES)], np.zeros(n, np.bool_)
        run(lambda lane: work[lane].draw(graph, 0, first, watched))
        nodes, log_inverse, rest_log_inverse = _spread_failure(sum(w.count for w in work), first, drawn_error, delta, n)
        watched[nodes] = True
        for lane in work:
            lane.count[:], lane.rest_max = 0, 0
        drawn, step = 0, max(_CHECK_EVERY, len(nodes) // 100)
        while drawn < omega:  # pairs numbered after the first sample's, so each has its own stream
            batch = min(step, omega - drawn)
            run(lambda lane: work[lane].draw(graph, first + drawn, first + drawn + batch, watched))
            drawn += batch
            counts = sum(w.count[nodes] for w in work)
            # the lanes' largest unwatched counts summed bound the largest of the summed counts
            if kadabra_finished(counts, drawn, omega, drawn_error, log_inverse, sum(w.rest_max for w in work), rest_log_inverse):
                break
    return sum(w.count for w in work) / drawn / scale, first + drawn


class _Lane:
    """One lane's counts and search buffers; lane k draws the pairs numbered k, k + LANES, …"""

    def __init__(self, index: int, n: int, entries: int):
        self.index, self.count, self.rest_max = index, np.zeros(n, np.int64), 0
        self.buffers = (np.zeros(n, np.int8), np.zeros(n, np.int32), np.zeros(n, np.float64),
                        np.zeros(n, np.int32), np.zeros(max(1, entries), np.int32), np.zeros(max(1, entries), np.int32))

    def draw(self, graph, first: int, last: int, watched: np.ndarray) -> None:
        self.rest_max = kadabra_sample(*graph, first + self.index, last, LANES, self.count, watched, self.rest_max,
                                *self.buffers)

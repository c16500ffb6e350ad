"""Structural measures on a simple undirected graph, written to scale to a région.

Betweenness, exact or from sampled shortest paths with a guaranteed error on every node,
Burt's constraint and effective size from triangle counts, and articulation points and
bridges with the number of actors each would cut off, all in O(n + m) or one BFS per source.

References
----------
.. [1] U. Brandes, "A faster algorithm for betweenness centrality", Journal of Mathematical
   Sociology 25(2), 2001.
.. [2] U. Brandes and C. Pich, "Centrality estimation in large networks", International Journal
   of Bifurcation and Chaos 17(7), 2007 (source sampling).
.. [3] R. S. Burt, *Structural Holes*, Harvard University Press, 1992 (constraint, effective size).
.. [4] R. E. Tarjan, "Depth-first search and linear graph algorithms", SIAM J. Computing 1(2), 1972.
.. [5] M. Riondato and E. M. Kornaropoulos, "Fast approximation of betweenness centrality through
   sampling", Data Mining and Knowledge Discovery 30(2), 2016 (WSDM 2014): sampling r shortest
   paths between uniformly drawn pairs bounds every node's error by ε with probability 1 − δ.
.. [6] M. Borassi and E. Natale, "KADABRA is an ADaptive Algorithm for Betweenness via Random
   Approximation", ESA 2016 and ACM JEA 24, 2019: the same guarantee with adaptive stopping, far
   fewer samples; compiled here on the compact form (:mod:`.kadabra`).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from .compact import compact
from .compiled import COMPILED_FROM
from ..i18n import _

__all__ = ["betweenness", "betweenness_arrays", "interval", "structural_holes", "holes_arrays", "kadabra", "cut_points", "cut_points_arrays", "sample_size",
           "vertex_diameter_bound", "diameter_bound"]

EXACT_WHEN_CHEAPER_UP_TO = 5_000  # beyond, n full searches cost minutes: KADABRA whatever the error asked


def _dependencies(matrix, sources: list[int]):
    """Brandes' pair dependencies δ_s(v) of a batch of sources, one column per source.

    Breadth-first search and the backward accumulation run level by level as sparse
    matrix products over all the batch's sources at once (numpy/scipy, not Python loops):
    σ_{t+1} = A·(σ on level t) for the nodes first reached, then
    δ(v) = σ(v)·Σ_{w one level below v} (1 + δ(w))/σ(w).
    """
    import numpy as np

    n, k = matrix.shape[0], len(sources)
    dist, sigma = _forward(matrix, sources)
    level = int(dist.max())
    delta = np.zeros((n, k))
    for depth in range(level, 0, -1):
        below = np.where(dist == depth, (1.0 + delta) / np.where(sigma > 0, sigma, 1.0), 0.0)
        delta += np.where(dist == depth - 1, sigma * (matrix @ below), 0.0)
    delta[sources, np.arange(k)] = 0.0
    return delta


def _forward(matrix, sources: list[int]):
    """Breadth-first search from a batch of sources: distances and shortest-path counts σ, one column each."""
    import numpy as np

    n, k = matrix.shape[0], len(sources)
    columns = np.arange(k)
    dist = np.full((n, k), -1, dtype=np.int32)
    sigma = np.zeros((n, k))
    dist[sources, columns], sigma[sources, columns] = 0, 1.0
    level = 0
    while True:
        reached = matrix @ np.where(dist == level, sigma, 0.0)
        new = (dist < 0) & (reached > 0)
        if not new.any():
            return dist, sigma
        level += 1
        dist[new], sigma[new] = level, reached[new]


def vertex_diameter_bound(adjacency: list[list[int]]) -> int:
    """An upper bound on the number of nodes of any shortest path: 2·eccentricity + 1 of one node per component."""
    seen, bound = [False] * len(adjacency), 1
    for start in range(len(adjacency)):
        if seen[start]:
            continue
        seen[start], frontier, depth = True, [start], 0
        while True:
            following = []
            for v in frontier:
                for w in adjacency[v]:
                    if not seen[w]:
                        seen[w] = True
                        following.append(w)
            if not following:
                break
            frontier, depth = following, depth + 1
        bound = max(bound, 2 * depth + 1)
    return bound


def diameter_bound(form) -> int:
    """:func:`vertex_diameter_bound` of a compact form, its searches run together as sparse products.

    Every component is searched from its first node, all at once, level by level: the deepest level
    any search reaches is the largest of the components' eccentricities, and 2·it + 1 the bound.

    Examples
    --------
    >>> import networkx as nx
    >>> from maillage.queries.compact import compact
    >>> diameter_bound(compact(nx.path_graph(5))), diameter_bound(compact(nx.empty_graph(3)))
    (9, 1)
    """
    import numpy as np
    from scipy.sparse import csgraph

    if form.n == 0:
        return 1
    matrix = form.matrix(dtype=np.float32)
    _count, labels = csgraph.connected_components(matrix, directed=False)
    _values, roots = np.unique(labels, return_index=True)  # each component's first node
    seen = np.zeros(form.n, dtype=bool)
    seen[roots] = True
    frontier, depth = seen.astype(np.float32), 0
    while True:
        following = (matrix @ frontier > 0) & ~seen
        if not following.any():
            return 2 * depth + 1
        seen |= following
        frontier, depth = following.astype(np.float32), depth + 1


def sample_size(error: float, confidence: float, vertex_diameter: int, constant: float = 0.5) -> int:
    """Riondato–Kornaropoulos: pairs to sample so that every estimate is within ``error`` at ``confidence``.

    r = (c / ε²)·(⌊log₂(VD − 2)⌋ + 1 + ln(1/δ)), with c = 0.5 [5]_, δ = 1 − confidence and VD the
    vertex diameter (an upper bound is enough).

    Examples
    --------
    >>> sample_size(0.01, 0.95, 20)
    39979
    """
    if not 0 < error < 1 or not 0 < confidence < 1:
        raise ValueError(_("error and confidence must lie strictly between 0 and 1"))
    log_term = math.floor(math.log2(vertex_diameter - 2)) + 1 if vertex_diameter > 3 else 1
    return math.ceil(constant / error ** 2 * (log_term + math.log(1 / (1 - confidence))))


def betweenness(graph: nx.Graph, error: float | None = None, confidence: float = 0.95, seed: int = 42,
                force_sampling: bool = False) -> dict:
    """Normalized betweenness of every node: exact, or within ± ``error`` of it for all nodes at once.

    Parameters
    ----------
    graph : networkx.Graph
        Simple and undirected.
    error : float, optional
        Largest error allowed on every node's value (the NetworkX normalization, by (n−1)(n−2)/2
        pairs). None computes it exactly (Brandes [1]_). Otherwise KADABRA [6]_ samples shortest
        paths between random pairs until every node's estimate is within ``error`` of its exact
        value with probability ``confidence`` — simultaneously for all nodes. Up to
        :data:`EXACT_WHEN_CHEAPER_UP_TO` nodes, when Riondato and Kornaropoulos' fixed sample size
        [5]_ (an upper bound on what KADABRA needs) would exceed n sources, the exact value is
        computed instead.
    confidence : float
        Probability that every interval holds (0.95 by default).
    seed : int
        Seed of the sample.
    force_sampling : bool
        Sample even when exact would be as cheap (tests measure the intervals' coverage with it).

    Returns
    -------
    dict
        ``values`` (node → betweenness), ``interval`` (node → [low, high]; [v, v] when exact),
        ``error`` (the half-width), ``confidence``, ``method`` ("exact" or "sampled"), ``samples``
        (pairs drawn, or n sources when exact) and ``vertex_diameter_bound``.

    Examples
    --------
    >>> import networkx as nx
    >>> result = betweenness(nx.path_graph(3))
    >>> result["values"][1], result["method"], result["interval"][1]
    (1.0, 'exact', [1.0, 1.0])
    """
    if graph is None:
        raise ValueError(_("betweenness needs a graph, got None"))
    form = compact(graph)
    found = betweenness_arrays(form, error, confidence, seed, force_sampling)
    nodes, values = form.nodes, found.pop("values")
    return {"values": dict(zip(nodes, values)), "interval": {v: interval(found, x) for v, x in zip(nodes, values)},
            **found}


def interval(found: dict, value: float) -> list[float]:
    """A node's interval in :func:`betweenness_arrays`' result ``found``: the value itself when exact."""
    if found["method"] == "exact":
        return [value, value]
    return [max(0.0, value - found["error"]), min(1.0, value + found["error"])]


def betweenness_arrays(form, error: float | None = None, confidence: float = 0.95, seed: int = 42,
                       force_sampling: bool = False) -> dict:
    """:func:`betweenness` on a compact form: ``values`` a list in the form's order, no intervals
    (each is ``[x, x]`` when exact, else ``[max(0, x − error), min(1, x + error)]``)."""
    n = form.n
    vertex_diameter = diameter_bound(form)
    pairs = sample_size(error, confidence, vertex_diameter) if error is not None else None
    # Riondato–Kornaropoulos' r pairs cost more than n sources: exact, where n sources are affordable
    # (KADABRA stops far earlier than r, and each of its samples is a bidirectional search, not a full one)
    if pairs is None or n <= 2 or (pairs >= n and n <= EXACT_WHEN_CHEAPER_UP_TO and not force_sampling):
        return {"values": _exact(form), "error": 0.0, "confidence": 1.0, "method": "exact", "samples": n,
                "vertex_diameter_bound": vertex_diameter}
    values, samples = kadabra(form, error, confidence, seed, vertex_diameter)
    return {"values": values, "error": error, "confidence": confidence, "method": "sampled", "estimator": "kadabra",
            "samples": samples, "vertex_diameter_bound": vertex_diameter}


def kadabra(form, error: float, confidence: float, seed: int,
            vertex_diameter: int | None = None) -> tuple[list[float], int]:
    """Every node's betweenness within ± ``error`` at once with probability ``confidence``, and the pairs drawn.

    KADABRA [6]_ compiled on the compact form (:mod:`.kadabra`): adaptive (it stops as soon as every
    node's bounds hold), seeded (the same values on every run and machine), fed an upper bound of
    the vertex diameter (:func:`diameter_bound`, computed when not given) instead of the exact one.

    Examples
    --------
    >>> import networkx as nx
    >>> values, pairs = kadabra(compact(nx.path_graph(4)), 0.1, 0.95, 1)
    >>> exact = [0.0, 2 / 3, 2 / 3, 0.0]
    >>> all(abs(v - e) <= 0.1 for v, e in zip(values, exact))
    True
    """
    from .kadabra import kadabra_arrays

    if vertex_diameter is None:
        vertex_diameter = diameter_bound(form)
    values, pairs = kadabra_arrays(form, error, confidence, seed, vertex_diameter)
    return values.tolist(), pairs


def _exact(form) -> list[float]:
    """Brandes' exact betweenness, normalized as NetworkX does for undirected graphs."""
    n = form.n
    total = [0.0] * n
    if n > 2:
        matrix = form.matrix()
        batch = max(1, min(64, 4_000_000 // n))  # n × batch floats per work array
        for first in range(0, n, batch):
            delta = _dependencies(matrix, list(range(first, min(n, first + batch))))
            total = [t + d for t, d in zip(total, delta.sum(axis=1).tolist())]
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0  # undirected: pairs counted twice, so /2 twice
    return [t * scale for t in total]


def structural_holes(graph: nx.Graph) -> dict:
    """Burt's constraint and effective size of every node, for unweighted undirected ties.

    With p_ij = 1/deg(i), constraint c(i) = Σ_j (p_ij + Σ_q p_iq p_qj)² over i's neighbours j
    (q ranging over common neighbours), and effective size = deg − 2·triangles/deg. Same
    values as ``nx.constraint`` and ``nx.effective_size`` without their dense intermediate.

    Examples
    --------
    >>> import networkx as nx
    >>> holes = structural_holes(nx.star_graph(3))
    >>> holes["effective_size"][0], round(holes["constraint"][0], 3)
    (3.0, 0.333)
    """
    if graph is None:
        raise ValueError(_("structural_holes needs a graph, got None"))
    form = compact(graph)
    constraint, effective = holes_arrays(form)
    return {"constraint": dict(zip(form.nodes, constraint.tolist())),
            "effective_size": dict(zip(form.nodes, effective.tolist()))}


def holes_arrays(form) -> tuple:
    """Constraint and effective size of every node of a compact form, as arrays (NaN when isolated)."""
    import numpy as np

    degree = form.degree.astype(np.float64)
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    # per node: its triangles, and over its ties (i, j) the sums of w_ij = Σ_q 1/deg(q), q common neighbours
    triangles, first, second = _tie_sums(form, inverse)
    # c(i) = Σ_j (1/d + w_ij/d)² = 1/d + (2 Σ_j w_ij + Σ_j w_ij²)/d², the sums over i's ties with w_ij > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        constraint = np.where(degree > 0, inverse + (2.0 * first + second) * inverse * inverse, np.nan)
        effective = np.where(degree > 0, degree - 2.0 * triangles * inverse, np.nan)
    return constraint, effective


def _tie_sums(form, inverse):
    """Triangles, Σ_j w_ij and Σ_j w_ij² per node: compiled beyond :data:`.compiled.COMPILED_FROM` nodes (the
    forward algorithm, :mod:`.triangles`), else as sparse products (A·A and A·D⁻¹·A masked by A);
    the same values to rounding (tested)."""
    import numpy as np
    from scipy import sparse

    if form.n > COMPILED_FROM:
        from .triangles import tie_sums  # compiled (Numba): loaded only where it pays

        return tie_sums(form)
    adjacency = form.matrix()
    common = (adjacency @ adjacency).multiply(adjacency).tocsr()
    weighted = (adjacency @ sparse.diags(inverse) @ adjacency).multiply(adjacency).tocsr()
    triangles = np.asarray(common.sum(axis=1)).ravel() / 2.0
    first = np.asarray(weighted.sum(axis=1)).ravel()
    return triangles, first, np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel()


def cut_points(graph: nx.Graph) -> dict:
    """Articulation points and bridge edges, with how many actors each would cut off.

    ``cuts_off`` counts the nodes that would no longer reach the largest remaining piece of
    their component if the actor (or the tie) disappeared.

    Returns
    -------
    dict
        ``articulation_points``: node → {"cuts_off", "pieces"}; ``bridges``: (u, v) → cuts_off.

    Examples
    --------
    >>> import networkx as nx
    >>> cut_points(nx.path_graph(4))["articulation_points"][1]
    {'cuts_off': 1, 'pieces': 2}
    """
    if graph is None:
        raise ValueError(_("cut_points needs a graph, got None"))
    form = compact(graph)
    found = cut_points_arrays(form)
    nodes, cuts_off, pieces = form.nodes, found["cuts_off"].tolist(), found["pieces"].tolist()
    return {"articulation_points": {nodes[v]: {"cuts_off": cuts_off[v], "pieces": pieces[v]}
                                    for v in np.flatnonzero(found["pieces"]).tolist()},
            "bridges": {(nodes[u], nodes[v]): cut for u, v, cut in found["bridges"].tolist()}}


def cut_points_arrays(form, compiled: bool | None = None) -> dict:
    """:func:`cut_points` on a compact form, as arrays: ``cuts_off`` and ``pieces`` of each node (0
    for a node that is no articulation point) and ``bridges``, a row (u, v, cuts_off) per bridge
    edge. Compiled beyond :data:`.compiled.COMPILED_FROM` nodes (a région's walk: 5 s in Python;
    France has millions of cut points, which dictionaries would hold in gigabytes)."""
    if compiled if compiled is not None else form.n > COMPILED_FROM:
        from .kernels import cut_walk  # compiled (Numba): loaded only where it pays

        cuts_off, pieces, spans = cut_walk(form.indptr, form.indices)
        return {"cuts_off": cuts_off.astype(np.int64), "pieces": pieces.astype(np.int64),
                "bridges": spans.astype(np.int64)}
    # neighbours read by position in the CSR arrays: a list per node costs seconds at a région's size
    bounds, flat = form.indptr.tolist(), form.indices.tolist()
    n = form.n
    disc, low, size = [-1] * n, [0] * n, [1] * n
    cuts_off, pieces_of, bridges = [0] * n, [0] * n, []
    counter = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        component, separated, spans = [], {}, []
        disc[root] = low[root] = counter
        counter += 1
        stack = [[root, -1, bounds[root]]]  # node, parent, position of its next neighbour
        while stack:
            frame = stack[-1]
            v, parent, position, end = frame[0], frame[1], frame[2], bounds[frame[0] + 1]
            advanced = False
            while position < end:
                w = flat[position]
                position += 1
                if disc[w] < 0:
                    disc[w] = low[w] = counter
                    counter += 1
                    frame[2] = position
                    stack.append([w, v, bounds[w]])
                    advanced = True
                    break
                if w != parent:
                    low[v] = min(low[v], disc[w])
            if advanced:
                continue
            stack.pop()
            component.append(v)
            if parent >= 0:
                low[parent] = min(low[parent], low[v])
                size[parent] += size[v]
                if low[v] >= disc[parent]:
                    separated.setdefault(parent, []).append(size[v])
                if low[v] > disc[parent]:
                    spans.append((parent, v, size[v]))
        total = len(component)
        for v, pieces in separated.items():
            if v != root:
                pieces = pieces + [total - 1 - sum(pieces)]
            if len(pieces) >= 2:
                cuts_off[v], pieces_of[v] = total - 1 - max(pieces), len(pieces)
        bridges.extend((u, v, min(below, total - below)) for u, v, below in spans)
    return {"cuts_off": np.array(cuts_off, dtype=np.int64), "pieces": np.array(pieces_of, dtype=np.int64),
            "bridges": np.array(bridges, dtype=np.int64).reshape(-1, 3)}

"""Node positions computed once in Python, fast enough for a département's thousands of actors.

Up to :data:`SPRING_LIMIT` actors, NetworkX's spring layout (seeded). Beyond, its cost grows
with the square of the actors (45 s at 5,000 here), so each connected component is laid out by
pivot MDS instead — breadth-first distances from a few pivots, then classical scaling — in
O(pivots × ties), and the components are packed side by side, largest first.

References
----------
.. [1] U. Brandes and C. Pich, "Eigensolver methods for progressive multidimensional scaling of
   large data", Graph Drawing 2006, LNCS 4372.
"""

from __future__ import annotations

import math
import random

import networkx as nx

__all__ = ["layout", "pivot_mds", "induced", "SPRING_LIMIT"]

SPRING_LIMIT = 1_500
PIVOTS = 50


def pivot_mds(graph: nx.Graph, pivots: int = PIVOTS, seed: int = 42) -> dict:
    """2-D positions of a connected graph by pivot MDS (centred, unit-ish scale).

    Examples
    --------
    >>> import networkx as nx
    >>> positions = pivot_mds(nx.path_graph(5))
    >>> abs(positions[0][0] - positions[4][0]) > abs(positions[0][0] - positions[1][0])
    True
    """
    import numpy as np
    from scipy.sparse.csgraph import shortest_path

    nodes = list(graph)
    n = len(nodes)
    if n <= 2:
        return {node: (float(i), 0.0) for i, node in enumerate(nodes)}
    matrix = nx.to_scipy_sparse_array(graph, nodelist=nodes, format="csr", weight=None)
    rng = random.Random(seed)
    chosen, closest = [rng.randrange(n)], None
    rows = []
    while len(chosen) <= min(pivots, n - 1):  # farthest-first pivots spread over the graph
        row = shortest_path(matrix, unweighted=True, directed=False, indices=chosen[-1])
        rows.append(row)
        closest = row if closest is None else np.minimum(closest, row)
        if len(chosen) == min(pivots, n - 1):
            break
        chosen.append(int(np.argmax(closest)))
    squared = np.array(rows).T ** 2  # n × k
    centred = squared - squared.mean(axis=0) - squared.mean(axis=1, keepdims=True) + squared.mean()
    centred *= -0.5
    values, vectors = np.linalg.eigh(centred.T @ centred)
    coordinates = centred @ vectors[:, ::-1][:, :2]
    if coordinates.shape[1] < 2:
        coordinates = np.hstack([coordinates, np.zeros((n, 1))])
    coordinates -= coordinates.mean(axis=0)
    spread = np.abs(coordinates).max() or 1.0
    return {node: (float(x / spread), float(y / spread)) for node, (x, y) in zip(nodes, coordinates)}


def induced(graph: nx.Graph, nodes, rank: dict | None = None) -> nx.Graph:
    """The subgraph of ``nodes`` as a graph of its own, its nodes and ties in ``graph``'s order.

    NetworkX's subgraph view of fewer than half a graph's nodes iterates the set of them, whose
    order changes with PYTHONHASHSEED; seeded layouts depend on the order, so the same input would
    not give the same drawing. ``rank`` (node → place in ``graph``), when given, spares a pass over
    the whole graph for each small subgraph.

    Examples
    --------
    >>> list(induced(nx.path_graph(["a", "b", "c", "d"]), {"c", "b"}))
    ['b', 'c']
    """
    wanted = set(nodes)
    ordered = sorted(wanted, key=rank.__getitem__) if rank is not None else [v for v in graph if v in wanted]
    out = graph.__class__()
    out.add_nodes_from((v, graph.nodes[v]) for v in ordered)
    ties = graph.edges(ordered, keys=True, data=True) if graph.is_multigraph() else graph.edges(ordered, data=True)
    out.add_edges_from(tie for tie in ties if tie[1] in wanted)
    return out


def _component_positions(graph: nx.Graph, nodes, seed: int, rank: dict) -> dict:
    component = induced(graph, nodes, rank)
    if len(component) <= 200:
        return nx.spring_layout(component, seed=seed) if len(component) > 1 else {next(iter(nodes)): (0.0, 0.0)}
    return pivot_mds(component, seed=seed)


def layout(graph: nx.Graph, seed: int = 42) -> dict:
    """Positions of every node, in drawing units (about 60 per actor along each side).

    Examples
    --------
    >>> import networkx as nx
    >>> len(layout(nx.path_graph(4)))
    4
    """
    n = graph.number_of_nodes()
    if n == 0:
        return {}
    side = 60 * math.sqrt(n) + 150
    if n <= SPRING_LIMIT:
        return {k: (float(x * side), float(y * side)) for k, (x, y) in nx.spring_layout(graph, seed=seed).items()}
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    positions, x, y, row_height = {}, 0.0, 0.0, 0.0
    rank = {v: i for i, v in enumerate(graph)}
    for nodes in components:  # shelf packing, each component in a square proportional to its size
        width = 60 * math.sqrt(len(nodes)) + 40
        if x + width > side * 1.6 and x > 0:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (px, py) in _component_positions(graph, nodes, seed, rank).items():
            positions[node] = (x + width / 2 + px * (width / 2 - 20), y + width / 2 + py * (width / 2 - 20))
        x, row_height = x + width, max(row_height, width)
    return positions

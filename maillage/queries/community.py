"""Communities by the Louvain method, compiled (NetworKit's PLM), seeded and independent of insertion order.

NetworkX's pure-Python Louvain took 68 s on the Bas-Rhin's 42,000 actors (105,000 ties); igraph's C
implementation (Blondel et al. [1]_) 3.4 s for a modularity of 0.487; NetworKit's PLM [2]_ [3]_
(the same method, with a refinement phase after each coarsening), run sequentially in a seeded
random order, 0.4 s for 0.502 (measured on the same graph, ``benchmarks/run.py``'s anchors). The pair
features of every proposal, ``profile`` and the view's drill-down all need communities, so this is
the one place they are computed.

The graph is handed to NetworKit in a canonical order (nodes sorted by their text, each tie once,
sorted), on one thread, with its generator seeded for the call: the same graph gives the same
communities whatever order its nodes and ties were added in and whatever ``PYTHONHASHSEED``.

References
----------
.. [1] V. D. Blondel, J.-L. Guillaume, R. Lambiotte and E. Lefebvre, "Fast unfolding of
   communities in large networks", J. Stat. Mech. P10008, 2008.
.. [2] C. L. Staudt and H. Meyerhenke, "Engineering parallel algorithms for community detection in
   massive networks", IEEE Trans. Parallel Distrib. Syst. 27(1), 2016.
.. [3] C. L. Staudt, A. Sazonovs and H. Meyerhenke, "NetworKit: a tool suite for large-scale
   complex network analysis", Network Science 4(4), 2016.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import networkx as nx
import numpy as np

from ..errors import UsageError
from ..graph.arrays import unique_pairs
from ..i18n import _

__all__ = ["louvain", "louvain_labels", "seeded_networkit"]

_NETWORKIT_LOCK = threading.Lock()  # NetworKit's seed and thread count are process-wide


@contextmanager
def seeded_networkit(seed: int):
    """NetworKit on one thread with its generator seeded, for one call: the same answer every run."""
    import networkit

    threads = networkit.getMaxNumberOfThreads()
    with _NETWORKIT_LOCK:
        networkit.setNumberOfThreads(1)
        networkit.engineering.setSeed(seed, False)
        try:
            yield networkit
        finally:
            networkit.setNumberOfThreads(threads)


def louvain_labels(n: int, rows, cols, seed: int = 0) -> np.ndarray:
    """Community label of each of ``n`` integer nodes joined by the undirected ties (rows[i], cols[i]).

    Nodes without any tie get -1. Labels are numbered by the smallest node of each community.

    Examples
    --------
    >>> louvain_labels(7, [0, 0, 1, 3, 3, 4, 2], [1, 2, 2, 4, 5, 5, 3]).tolist()
    [0, 0, 0, 3, 3, 3, -1]
    """
    low, high = unique_pairs(rows, cols, n)  # sorted, one per pair: a canonical input
    if not len(low):
        return np.full(n, -1, dtype=np.int64)
    with seeded_networkit(seed) as networkit:
        graph = networkit.GraphFromCoo((low.astype(np.uint64), high.astype(np.uint64)), n=n, directed=False)
        method = networkit.community.PLM(graph, refine=True, par="none randomized")
        method.run()
        membership = np.asarray(method.getPartition().getVector(), dtype=np.int64)
    _values, first, inverse = np.unique(membership, return_index=True, return_inverse=True)
    labels = first[inverse].astype(np.int64)  # each community named by its smallest node
    labels[np.bincount(np.concatenate([low, high]), minlength=n) == 0] = -1
    return labels


def louvain(graph: nx.Graph, seed: int = 0) -> list[set]:
    """The Louvain communities of a simple graph, as sets of nodes (isolated nodes one set each).

    Examples
    --------
    >>> sorted(sorted(group) for group in louvain(nx.barbell_graph(5, 0)))
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    """
    if graph is None:
        raise UsageError(_("communities need a graph, got None"))
    nodes = sorted(graph, key=str)
    index = {node: i for i, node in enumerate(nodes)}
    ends = [(index[u], index[v]) for u, v in graph.edges()]
    labels = louvain_labels(len(nodes), [u for u, _v in ends], [v for _u, v in ends], seed)
    groups: dict = {}
    for node, label in zip(nodes, labels.tolist()):
        groups.setdefault(label if label >= 0 else ("alone", node), set()).add(node)
    return list(groups.values())

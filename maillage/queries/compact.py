"""The compact form of a simple graph: integer ids and a CSR adjacency, for the analyses that must scale.

The NetworkX graph stays what analyses take and what users see; the measures that touch every
actor (structural holes, brokerage, betweenness, modularity) run on this form instead, with numpy
and scipy's compiled kernels, and go back to node ids only for their results.

Nodes are numbered in their text order (the canonical order of :func:`.common.simple_graph`), and
each row of the adjacency lists its neighbours in increasing order, so every result is the same
whatever order the graph was built in and whatever ``PYTHONHASHSEED``. The form of a graph made by
``simple_graph`` is built once and kept with it, as that graph is; another graph's is built each call.

References
----------
.. [1] P. Virtanen et al., "SciPy 1.0: fundamental algorithms for scientific computing in Python",
   Nature Methods 17, 2020 (compressed sparse row matrices).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from ..i18n import _

__all__ = ["Compact", "compact", "from_ties", "from_arrays", "two_paths_closed"]


@dataclass(frozen=True)
class Compact:
    """Nodes in canonical order, their index, and the symmetric adjacency as CSR arrays (no self-loops)."""

    nodes: list
    indptr: np.ndarray
    indices: np.ndarray
    degree: np.ndarray

    @property
    def n(self) -> int:
        return len(self.nodes)

    @cached_property
    def index(self) -> dict:
        """Node → position, built when first asked (France's 12 million ids: seconds and a gigabyte)."""
        return dict(zip(self.nodes, range(len(self.nodes))))

    def matrix(self, dtype=np.float64):
        """The adjacency as a scipy CSR matrix of ones."""
        from scipy import sparse

        data = np.ones(len(self.indices), dtype=dtype)
        return sparse.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def owners(self) -> np.ndarray:
        """The row of each adjacency entry (the node whose neighbour ``indices[e]`` is)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), self.degree)

    def adjacency_lists(self) -> list[list[int]]:
        """Neighbours of each node as Python lists, for the searches written in Python."""
        bounds = self.indptr.tolist()
        flat = self.indices.tolist()
        return [flat[bounds[i]:bounds[i + 1]] for i in range(self.n)]


def compact(graph: nx.Graph) -> Compact:
    """The compact form of a simple undirected graph.

    Examples
    --------
    >>> import networkx as nx
    >>> form = compact(nx.Graph([("b", "a"), ("a", "c"), ("c", "c")]))
    >>> form.nodes, form.indptr.tolist(), form.indices.tolist()
    (['a', 'b', 'c'], [0, 2, 3, 4], [1, 2, 0, 0])
    """
    if graph is None:
        raise ValueError(_("compact needs a graph, got None"))
    kept = graph.graph.get("_compact")
    if kept is not None:
        return kept
    nodes = sorted(graph, key=str)
    index = {node: i for i, node in enumerate(nodes)}
    # one walk over the ties (counting them first would be another: NetworkX walks every node's)
    ends = np.fromiter((index[end] for tie in graph.edges() for end in tie), dtype=np.int64).reshape(-1, 2)
    form = from_ties(nodes, ends[:, 0], ends[:, 1])
    if graph.graph.get("_canonical"):  # a graph simple_graph made and keeps: its form is kept with it
        graph.graph["_compact"] = form
    return form


def from_ties(nodes, rows: np.ndarray, cols: np.ndarray) -> Compact:
    """The compact form of the undirected ties (rows[i], cols[i]) among ``nodes``, each pair given
    once; self-loops are left out.

    Examples
    --------
    >>> from_ties(["a", "b", "c"], np.array([1, 0]), np.array([0, 2])).indices.tolist()
    [1, 2, 0, 0]
    """
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    both_rows, both_cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    order = np.lexsort((both_cols, both_rows))
    degree = np.bincount(both_rows, minlength=len(nodes)).astype(np.int64)
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    return Compact(nodes, indptr, both_cols[order], degree)


def from_arrays(arrays) -> Compact:
    """The compact form of a scope read as arrays (:func:`maillage.graph.arrays.project_arrays`):
    the form :func:`compact` gives of that scope's simple graph, without building the graph.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> from maillage.graph.arrays import project_arrays
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     from_arrays(project_arrays(store)).n
    0
    """
    return from_ties(arrays.ids, arrays.low, arrays.high)


def two_paths_closed(form: Compact, chunk: int = 4_000_000):
    """Every closed two-path (v, a, c), a < c, of the graph: a and c both tied to v and to each other.

    Each triangle {x, y, z} gives three, one per middle node. Built by expanding every entry
    (v, a) into a's neighbours c > a and keeping those tied to v (a binary search in the sorted
    adjacency), ``chunk`` expanded entries at a time so memory stays bounded.

    Examples
    --------
    >>> import networkx as nx
    >>> v, a, c = two_paths_closed(compact(nx.complete_graph(3)))
    >>> sorted(zip(v.tolist(), a.tolist(), c.tolist()))
    [(0, 1, 2), (1, 0, 2), (2, 0, 1)]
    """
    owner, other = form.owners(), form.indices
    keys = owner * form.n + other  # sorted: rows in order, neighbours sorted within each
    found_v, found_a, found_c = [], [], []
    sizes = form.degree[other]
    ends = np.cumsum(sizes)
    start = 0
    while start < len(other):
        stop = int(np.searchsorted(ends, ends[start - 1] + chunk if start else chunk, side="right"))
        stop = max(stop, start + 1)
        v, a, size = owner[start:stop], other[start:stop], sizes[start:stop]
        first = np.repeat(form.indptr[a], size)
        offset = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(np.cumsum(size) - size, size)
        c = form.indices[first + offset]
        v, a = np.repeat(v, size), np.repeat(a, size)
        keep = c > a
        v, a, c = v[keep], a[keep], c[keep]
        wanted = v * form.n + c
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        tied = keys[at] == wanted
        found_v.append(v[tied]), found_a.append(a[tied]), found_c.append(c[tied])
        start = stop
    if not found_v:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(found_v), np.concatenate(found_a), np.concatenate(found_c)

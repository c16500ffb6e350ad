"""What the analyses that scale know of a scope's actors, whether it was read as a graph or as arrays.

``bridges`` and ``profile`` run on the compact form (:mod:`.compact`); their results then name and
describe a few actors (a ranking's rows, a community's hubs and themes). :class:`Described` carries
the form, every actor's kind as a code (what brokerage permutes), and a way to read the rows of the
few actors shown: from the NetworkX graph's nodes (:func:`of_graph`), or from the store
(:func:`of_arrays`, :meth:`maillage.graph.store.Store.fetch_rows`), so that a région or the whole of
France is analysed without building its graph. Both give the same answer on the same scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .compact import Compact, compact, from_arrays
from ..i18n import _

__all__ = ["Described", "of_graph", "of_arrays"]

_FETCH_CHUNK = 50_000  # ids per read of the store (one query each)


@dataclass(frozen=True)
class Described:
    """A compact form; each actor's kind as a code into ``kind_names`` (their text, sorted: the groups
    brokerage permutes), ``kind_values`` the kinds themselves; each actor's ``degree`` and the ``ties``
    of the scope's simple graph (self-loops included, where a graph given as such has them);
    ``fetch(positions)`` → {position: {name, kind, themes}} and ``themes(positions)`` → Counter, for
    the actors a result shows."""

    form: Compact
    kinds: np.ndarray
    kind_names: list[str]
    kind_values: list
    degree: np.ndarray
    ties: int
    fetch: Callable[[list[int]], dict[int, dict]]
    themes: Callable[[list[int]], Counter]

    def rows(self, positions: Iterable[int]) -> dict[int, dict]:
        """The rows of the actors at ``positions`` (each read once)."""
        return self.fetch(sorted(set(positions)))

    def kind_counts(self, positions: np.ndarray) -> Counter:
        """How many of the actors at ``positions`` are of each kind."""
        counts = np.bincount(self.kinds[positions], minlength=len(self.kind_names)).tolist()
        return Counter({self.kind_values[code]: count for code, count in enumerate(counts) if count})


def of_graph(simple: nx.Graph) -> Described:
    """The description of a simple graph (:func:`.common.simple_graph`): kinds and rows from its nodes.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([("b", "a")])
    >>> nx.set_node_attributes(G, {"a": "school", "b": "company"}, "kind")
    >>> found = of_graph(G)
    >>> found.kind_names, found.kinds.tolist(), found.rows([1])[1]["kind"]
    (['company', 'school'], [1, 0], 'company')
    """
    if simple is None:
        raise ValueError(_("of_graph needs a graph, got None"))
    form = compact(simple)
    values = [simple.nodes[v].get("kind") for v in form.nodes]
    groups = [str(value) for value in values]  # brokerage's groups, None included
    names = sorted(set(groups))
    code = {name: i for i, name in enumerate(names)}
    kinds = np.array([code[group] for group in groups], dtype=np.int64)
    kind_values = [None] * len(names)
    for value, group in zip(values, groups):
        kind_values[code[group]] = value
    # a graph made by simple_graph has no self-loop: its degrees are the form's
    degree = form.degree if simple.graph.get("_canonical") else np.array([simple.degree(v) for v in form.nodes], dtype=np.int64)

    def fetch(positions: list[int]) -> dict[int, dict]:
        return {i: _row(simple.nodes[form.nodes[i]]) for i in positions}

    def themes(positions: list[int]) -> Counter:
        return Counter(t for i in positions for t in simple.nodes[form.nodes[i]].get("themes") or [])

    return Described(form, kinds, names, kind_values, degree, simple.number_of_edges(), fetch, themes)


def of_arrays(store, arrays) -> Described:
    """The description of a scope read as arrays (:func:`maillage.graph.arrays.project_arrays`): the
    kinds from the arrays, the rows shown read from ``store`` (in the caller's snapshot)."""
    if store is None or arrays is None:
        raise ValueError(_("of_arrays needs a store and arrays"))
    form = from_arrays(arrays)

    def fetch(positions: list[int]) -> dict[int, dict]:
        found = {}
        for chunk in _chunks(positions):
            stored = store.fetch_rows("actors", [form.nodes[i] for i in chunk])
            found.update({i: _row(stored.get(form.nodes[i], {})) for i in chunk})
        return found

    def themes(positions: list[int]) -> Counter:
        found = Counter()
        for chunk in _chunks(positions):
            found.update(store.theme_counts([form.nodes[i] for i in chunk]))
        return found

    names = list(arrays.kind_names)
    return Described(form, arrays.kinds.astype(np.int64), names, names, form.degree, len(arrays.low), fetch, themes)


def _chunks(positions: list[int]):
    for start in range(0, len(positions), _FETCH_CHUNK):
        yield positions[start:start + _FETCH_CHUNK]


def _row(data: dict) -> dict:
    return {"name": data.get("name"), "kind": data.get("kind"), "themes": data.get("themes")}

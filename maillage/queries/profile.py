"""A territory's ecosystem at a glance: who is there, how they are tied, where the groups are.

Communities are Louvain's (:mod:`.community`: compiled, seeded, so the same graph gives the same
groups), at every size; the method used is stated in the result.

References
----------
.. [1] V. D. Blondel et al., "Fast unfolding of communities in large networks", J. Stat. Mech. 2008.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np

from ..errors import UsageError
from ..graph.projection import collector_paused
from .bridges import bridges
from .common import simple_graph
from .compact import compact
from .community import louvain_labels
from ..i18n import _

__all__ = ["profile", "communities"]


def communities(graph: nx.Graph, seed: int = 42) -> dict:
    """Community of each node of a simple graph, the method used and the modularity.

    Examples
    --------
    >>> import networkx as nx
    >>> found = communities(nx.barbell_graph(5, 0))
    >>> found["method"], len(set(found["membership"].values()))
    ('louvain', 2)
    """
    if graph is None:
        raise UsageError(_("communities needs a graph, got None"))
    if next(iter(graph.edges()), None) is None:  # number_of_edges() walks every node's ties
        return {"method": "none", "membership": {n: i for i, n in enumerate(graph)}, "modularity": 0.0}
    form = compact(graph)  # the ids' order; Louvain reads its pairs (self-loops left out, as before)
    labels = louvain_labels(form.n, form.owners(), form.indices, seed)
    group = np.where(labels >= 0, labels, np.arange(form.n))  # each group named by its first member
    sizes = np.bincount(group, minlength=form.n)
    heads = np.flatnonzero(sizes)
    # largest first, then by first member: the ids' order, so (−size, smallest id) as the rows show them
    rank_of = np.empty(form.n, dtype=np.int64)
    rank_of[heads[np.lexsort((heads, -sizes[heads]))]] = np.arange(len(heads))
    rank = rank_of[group]
    membership = dict(zip(form.nodes, rank.tolist()))
    return {"method": "louvain", "membership": membership,
            "modularity": round(_modularity(graph, form, rank, len(heads), membership), 4)}


def _modularity(graph: nx.Graph, form, rank, count: int, membership: dict) -> float:
    """Newman's modularity of the partition, on the compact form (NetworkX's own for weighted ties or
    self-loops, which the compact form does not carry): the same value, to rounding."""
    if nx.number_of_selfloops(graph) or any("weight" in data for *_ends, data in graph.edges(data=True)):
        groups: dict = {}
        for node, label in membership.items():
            groups.setdefault(label, set()).add(node)
        return nx.community.modularity(graph, list(groups.values()))
    ties = len(form.indices) / 2
    inside = np.count_nonzero(rank[form.owners()] == rank[form.indices]) / 2
    degrees = np.bincount(rank, weights=form.degree, minlength=count)
    return float(inside / ties - np.sum((degrees / (2 * ties)) ** 2))


def _component_sizes(form):
    """The size of each connected component (an actor tied only to itself is alone in its own)."""
    from scipy.sparse.csgraph import connected_components

    if not form.n:
        return np.zeros(0, dtype=np.int64)
    _count, labels = connected_components(form.matrix(), directed=False)
    return np.bincount(labels)


def _density(simple: nx.Graph, form) -> float:
    """``nx.density`` of a simple graph; its ties counted from the compact form when it has no
    self-loop (NetworkX counts a graph's ties by walking every node's)."""
    if not simple.graph.get("_canonical"):
        return nx.density(simple)
    n, m = form.n, len(form.indices) // 2
    if m == 0 or n <= 1:
        return 0
    return m / (n * (n - 1)) * 2  # NetworkX's own operations, in its order


def _ranked(counts: Counter) -> list[tuple]:
    """Most common first, equal counts by name (Counter.most_common keeps insertion order)."""
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _community_rows(graph: nx.Graph, membership: dict, top: int) -> tuple[list, list]:
    """The ``top`` largest communities (their kinds, themes and hubs) and the ties between communities,
    from arrays in the compact form's order: members are listed only for the communities shown."""
    form = compact(graph)
    rank = np.fromiter((membership[node] for node in form.nodes), dtype=np.int64, count=form.n)
    count = int(rank.max()) + 1 if form.n else 0
    sizes = np.bincount(rank, minlength=count)
    shown = [g for g in np.lexsort((np.arange(count), -sizes)).tolist() if sizes[g]][:top]
    order = np.argsort(rank, kind="stable")  # members of each community in the ids' order
    starts = np.concatenate([[0], np.cumsum(sizes)])
    rows = []
    for group in shown:
        nodes = [form.nodes[i] for i in order[starts[group]:starts[group + 1]].tolist()]
        hubs = sorted(nodes, key=lambda n: (-graph.degree(n), str(n)))[:3]
        themes = Counter(t for n in nodes for t in graph.nodes[n].get("themes") or [])
        rows.append({"community": group, "size": len(nodes),
                     "kinds": dict(_ranked(Counter(graph.nodes[n].get("kind") for n in nodes))),
                     "themes": [theme for theme, _ in _ranked(themes)[:3]],
                     "hubs": [{"id": n, "name": graph.nodes[n].get("name")} for n in hubs]})
    # each tie once (the form holds both directions); self-loops stay inside their community
    owners = form.owners()
    once = owners < form.indices
    a, b = rank[owners[once]], rank[form.indices[once]]
    across = a != b
    pairs, counts = np.unique(np.minimum(a, b)[across] * max(count, 1) + np.maximum(a, b)[across], return_counts=True)
    best = np.lexsort((pairs, -counts))[:top].tolist()
    ties = [{"communities": [int(pairs[k]) // max(count, 1), int(pairs[k]) % max(count, 1)], "ties": int(counts[k])}
            for k in best]
    return rows, ties


def profile(graph: nx.MultiGraph, top: int = 10, seed: int = 42, progress=None) -> dict:
    """Summarise the ecosystem of a projection.

    Returns
    -------
    dict
        ``actors`` and ``actors_by_kind``; ``partnerships``, ``partnerships_by_kind`` and
        ``partnerships_by_year`` (by start year, ``undated`` otherwise); ``co_membership_ties``
        (pairs of members of one initiative, which the analyses count as ties but are no
        partnership); ``density``;
        ``components`` (count, largest, isolated actors); ``communities`` (method, modularity,
        count, the largest with their kinds, themes and hubs, and the ties between them);
        ``top_brokers`` (from :func:`maillage.queries.bridges`); ``open_needs``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph()
    >>> G.add_edge("a", "b", kind="cooperation", start="2016-01-01")
    0
    >>> nx.set_node_attributes(G, {"a": "association", "b": "company"}, "kind")
    >>> profile(G)["partnerships_by_year"]
    {'2016': 1}
    """
    if graph is None:
        raise UsageError(_("profile needs a graph, got None"))
    with collector_paused():  # millions of objects made below and no cycle: see collector_paused
        return _profile(graph, top, seed, progress)


def _profile(graph: nx.MultiGraph, top: int, seed: int, progress) -> dict:
    simple = simple_graph(graph)
    form = compact(simple)
    components = _component_sizes(form)
    found = communities(simple, seed)
    rows, ties = _community_rows(simple, found["membership"], top)
    # ties between members of one initiative are no partnership of their own: counted apart
    every_tie, partnerships = 0, []
    for *_ends, data in graph.edges(data=True):  # one pass (a MultiGraph counts its ties by walking them)
        every_tie += 1
        if data.get("kind") != "initiative":
            partnerships.append(data)
    years = Counter((data.get("start") or "undated")[:4] if data.get("start") else "undated" for data in partnerships)
    brokers = bridges(graph, top=min(top, 5), seed=seed, progress=progress)
    return {
        "scope": graph.graph.get("scope", {}),
        "actors": graph.number_of_nodes(),
        "actors_by_kind": dict(sorted(Counter(d.get("kind") for _, d in graph.nodes(data=True)).items())),
        "partnerships": len(partnerships),
        "partnerships_by_kind": dict(sorted(Counter(d.get("kind") for d in partnerships).items())),
        "co_membership_ties": every_tie - len(partnerships),
        "partnerships_by_year": dict(sorted(years.items())),
        "density": round(_density(simple, form), 6) if simple.number_of_nodes() > 1 else 0.0,
        "components": {"count": len(components), "largest": int(components.max(initial=0)),
                       "isolated_actors": int(np.count_nonzero(components == 1))},
        "communities": {"method": found["method"], "modularity": found["modularity"],
                        "count": len(set(found["membership"].values())), "largest": rows, "ties_between": ties},
        "top_brokers": [{k: row[k] for k in ("id", "name", "kind", "score", "reasons", "why")} for row in brokers["ranking"]],
        "betweenness": brokers["betweenness"],
        "open_needs": [{"id": n["id"], "title": n.get("title"), "holder": n.get("holder"),
                        "themes": n.get("themes"), "resources": n.get("resources")}
                       for n in graph.graph.get("needs", []) if n.get("status", "open") == "open"],
    }

"""A territory's ecosystem at a glance: who is there, how they are tied, where the groups are.

Communities are Louvain's (:mod:`.community`: compiled, seeded, so the same graph gives the same
groups), at every size; the method used is stated in the result.

References
----------
.. [1] V. D. Blondel et al., "Fast unfolding of communities in large networks", J. Stat. Mech. 2008.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import numpy as np

from ..errors import UsageError
from ..graph.projection import collector_paused
from .bridges import brokers
from .common import simple_graph
from .compact import compact
from .described import Described, of_graph
from .community import louvain_labels
from ..i18n import _

__all__ = ["profile", "communities", "form_communities", "summary", "density"]


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
    rank, count = _ranked_groups(form, seed)
    membership = dict(zip(form.nodes, rank.tolist()))
    return {"method": "louvain", "membership": membership,
            "modularity": round(_modularity(graph, form, rank, count, membership), 4)}


def _ranked_groups(form, seed: int) -> tuple[np.ndarray, int]:
    """Louvain's groups as ranks: the largest first, equal sizes by first member (the ids' order)."""
    labels = louvain_labels(form.n, form.owners(), form.indices, seed)
    group = np.where(labels >= 0, labels, np.arange(form.n))  # each group named by its first member
    sizes = np.bincount(group, minlength=form.n)
    heads = np.flatnonzero(sizes)
    rank_of = np.empty(form.n, dtype=np.int64)
    rank_of[heads[np.lexsort((heads, -sizes[heads]))]] = np.arange(len(heads))
    return rank_of[group], len(heads)


def form_communities(form, seed: int) -> dict:
    """:func:`communities` of the simple graph a compact form holds, as ranks in the form's order
    (0 for the largest community), with their ``count``.

    Examples
    --------
    >>> import networkx as nx
    >>> from maillage.queries.compact import compact
    >>> found = form_communities(compact(nx.barbell_graph(5, 0)), seed=42)
    >>> found["method"], found["count"], found["rank"].tolist()
    ('louvain', 2, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    if not len(form.indices):
        return {"method": "none", "rank": np.arange(form.n, dtype=np.int64), "count": form.n, "modularity": 0.0}
    rank, count = _ranked_groups(form, seed)
    return {"method": "louvain", "rank": rank, "count": count,
            "modularity": round(_form_modularity(form, rank, count), 4)}


def _modularity(graph: nx.Graph, form, rank, count: int, membership: dict) -> float:
    """Newman's modularity of the partition, on the compact form (NetworkX's own for weighted ties or
    self-loops, which the compact form does not carry): the same value, to rounding."""
    if nx.number_of_selfloops(graph) or any("weight" in data for *_ends, data in graph.edges(data=True)):
        groups: dict = {}
        for node, label in membership.items():
            groups.setdefault(label, set()).add(node)
        return nx.community.modularity(graph, list(groups.values()))
    return _form_modularity(form, rank, count)


def _form_modularity(form, rank, count: int) -> float:
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


def density(n: int, ties: int) -> float:
    """``nx.density`` of a simple graph of ``n`` nodes and ``ties`` ties (no self-loop), computed as
    NetworkX does (its operations in its order: the same float).

    Examples
    --------
    >>> density(4, 3)
    0.5
    """
    if ties == 0 or n <= 1:
        return 0
    return ties / (n * (n - 1)) * 2


def _ranked(counts: Counter) -> list[tuple]:
    """Most common first, equal counts by name (Counter.most_common keeps insertion order)."""
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _community_rows(described: Described, rank: np.ndarray, count: int, top: int) -> tuple[list, list]:
    """The ``top`` largest communities (their kinds, themes and hubs) and the ties between communities,
    from arrays in the compact form's order: members are described only for the communities shown."""
    form = described.form
    sizes = np.bincount(rank, minlength=count)
    shown = [g for g in np.lexsort((np.arange(count), -sizes)).tolist() if sizes[g]][:top]
    order = np.argsort(rank, kind="stable")  # members of each community in the ids' order
    starts = np.concatenate([[0], np.cumsum(sizes)])
    rows = []
    for group in shown:
        members = order[starts[group]:starts[group + 1]]
        # the three of highest degree, equal degrees by position (the ids' order)
        hubs = members[np.lexsort((members, -described.degree[members]))[:3]].tolist()
        names = described.rows(hubs)
        themes = described.themes(members.tolist())
        rows.append({"community": group, "size": len(members),
                     "kinds": dict(_ranked(described.kind_counts(members))),
                     "themes": [theme for theme, _ in _ranked(themes)[:3]],
                     "hubs": [{"id": form.nodes[i], "name": names[i]["name"]} for i in hubs]})
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
        :func:`maillage.queries.scaled.profile_of` gives the same of a scope read from a store.

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
    described = of_graph(simple)
    form = described.form

    def grouped() -> dict:  # NetworkX's modularity where the form cannot say it (weights, self-loops)
        found = communities(simple, seed)
        return dict(found, rank=np.fromiter((found["membership"][v] for v in form.nodes), dtype=np.int64, count=form.n),
                    count=len(set(found["membership"].values())))

    # a simple graph made from a multigraph has no self-loop: its ties counted from the form
    dense = density(form.n, len(form.indices) // 2) if simple.graph.get("_canonical") else nx.density(simple)
    # one pass over the ties (a MultiGraph counts its ties by walking them)
    ties = Counter((data.get("kind"), data["start"][:4] if data.get("start") else None)
                   for *_ends, data in graph.edges(data=True))
    facts = {"scope": graph.graph.get("scope", {}), "actors": graph.number_of_nodes(),
             "actors_by_kind": Counter(d.get("kind") for _, d in graph.nodes(data=True)),
             "density": dense, "needs": graph.graph.get("needs", [])}
    return summary(described, facts, ties, grouped, top, seed, progress)


def summary(described: Described, facts: dict, ties: Counter, grouped, top: int, seed: int, progress) -> dict:
    """The profile from a described compact form, the scope's facts (``scope``, ``actors``,
    ``actors_by_kind``, ``density``, ``needs``), its ties counted by (kind, start year or None) and
    ``grouped()``, its communities (method, modularity, ``rank`` of each actor's community, ``count``).

    Louvain runs on a thread of its own while the brokers are ranked: it is compiled and releases
    the GIL, and a région's cut points and rankings leave a core free meanwhile (its answer rests
    on its seed alone)."""
    components = _component_sizes(described.form)
    with ThreadPoolExecutor(max_workers=1) as pool:
        finding = pool.submit(grouped)
        brokers_found = brokers(described, facts["scope"], top=min(top, 5), seed=seed, progress=progress)
        found = finding.result()
    rows, between = _community_rows(described, found["rank"], found["count"], top)
    # ties between members of one initiative are no partnership of their own: counted apart
    partnerships = Counter({key: count for key, count in ties.items() if key[0] != "initiative"})
    by_kind, years = Counter(), Counter()
    for (kind, year), count in partnerships.items():
        by_kind[kind] += count
        years[year or "undated"] += count
    return {
        "scope": facts["scope"],
        "actors": facts["actors"],
        "actors_by_kind": dict(sorted(facts["actors_by_kind"].items())),
        "partnerships": sum(partnerships.values()),
        "partnerships_by_kind": dict(sorted(by_kind.items())),
        "co_membership_ties": sum(ties.values()) - sum(partnerships.values()),
        "partnerships_by_year": dict(sorted(years.items())),
        "density": round(facts["density"], 6) if facts["actors"] > 1 else 0.0,
        "components": {"count": len(components), "largest": int(components.max(initial=0)),
                       "isolated_actors": int(np.count_nonzero(components == 1))},
        "communities": {"method": found["method"], "modularity": found["modularity"],
                        "count": found["count"], "largest": rows, "ties_between": between},
        "top_brokers": [{k: row[k] for k in ("id", "name", "kind", "score", "reasons", "why")}
                        for row in brokers_found["ranking"]],
        "betweenness": brokers_found["betweenness"],
        "open_needs": [{"id": n["id"], "title": n.get("title"), "holder": n.get("holder"),
                        "themes": n.get("themes"), "resources": n.get("resources")}
                       for n in facts["needs"] if n.get("status", "open") == "open"],
    }

"""Gould–Fernandez brokerage roles across actor kinds.

An open two-path a → v → b (a and b both tied to v, not to each other) makes v a broker
between a and b. Its role depends on the kinds of the three actors:

============== ===================== =========================================
role           kinds                 in words
============== ===================== =========================================
coordinator    a = v = b             brokers inside its own sector
itinerant      a = b ≠ v             an outsider brokering inside another sector
representative a = v ≠ b             speaks for its sector to another
gatekeeper     a ≠ v = b             lets another sector into its own
liaison        a, v, b all different links two sectors, belonging to neither
============== ===================== =========================================

Partnerships are undirected here, so each open two-path is counted in both directions (as
R's ``sna::brokerage`` does for symmetric data): representative and gatekeeper counts then
coincide. z-scores compare each count with its expectation when kinds are assigned at random
with the kinds' sizes fixed (exact expectation, binomial variance).

References
----------
.. [1] R. V. Gould and R. M. Fernandez, "Structures of Mediation: A Formal Approach to
   Brokerage in Transaction Networks", Sociological Methodology 19, 1989.
.. [2] C. T. Butts, ``sna::brokerage`` (R package sna).
"""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx

__all__ = ["brokerage_roles", "ROLES"]

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def _role(a: str, v: str, b: str) -> str:
    if a == v == b:
        return "coordinator"
    if a == b:
        return "itinerant"
    if a == v:
        return "representative"
    if b == v:
        return "gatekeeper"
    return "liaison"


def _counts(graph: nx.Graph, v, kind: dict) -> tuple[Counter, int]:
    """Ordered open two-paths through v by role: all ordered neighbour pairs minus closed ones."""
    around = set(graph[v]) - {v}
    by_kind = Counter(kind[a] for a in around)
    pairs = Counter()
    for ka, na in by_kind.items():
        for kb, nb in by_kind.items():
            pairs[(ka, kb)] += na * (nb - 1) if ka == kb else na * nb
    for a in around:
        others = graph[a]
        common = (around & others.keys()) if len(around) < len(others) else {b for b in others if b in around}
        for b in common:
            if b != a:
                pairs[(kind[a], kind[b])] -= 1
    roles = Counter()
    for (ka, kb), count in pairs.items():
        if count:
            roles[_role(ka, kind[v], kb)] += count
    return roles, sum(pairs.values())


def _probabilities(sizes: Counter, own: str, total: int) -> dict[str, float]:
    """Chance that a random ordered pair of other actors gives each role, kinds drawn without replacement."""
    if total < 3:
        return dict.fromkeys(ROLES, 0.0)
    pairs = (total - 1) * (total - 2)
    same = sizes[own] - 1
    outside = total - sizes[own]
    others = [n for kind, n in sizes.items() if kind != own]
    return {
        "coordinator": same * (same - 1) / pairs,
        "itinerant": sum(n * (n - 1) for n in others) / pairs,
        "representative": same * outside / pairs,
        "gatekeeper": same * outside / pairs,
        "liaison": sum(n * (outside - n) for n in others) / pairs,
    }


def brokerage_roles(graph: nx.Graph, attribute: str = "kind", nodes=None) -> dict:
    """Count each node's Gould–Fernandez roles across the groups given by ``attribute``.

    Parameters
    ----------
    graph : networkx.Graph
        Simple and undirected.
    attribute : str
        Node attribute naming the group (the actor kind by default).
    nodes : iterable, optional
        Only these nodes (all by default).

    Returns
    -------
    dict
        node → {"counts": {role: n}, "expected": {role: e}, "z": {role: z}, "open_two_paths": t}.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(3)
    >>> nx.set_node_attributes(G, {0: "association", 1: "collectivite", 2: "company"}, "kind")
    >>> brokerage_roles(G)[1]["counts"]["liaison"]
    2
    """
    if graph is None:
        raise ValueError("brokerage_roles needs a graph, got None")
    kind = {node: data.get(attribute) for node, data in graph.nodes(data=True)}
    sizes = Counter(kind.values())
    total = graph.number_of_nodes()
    out = {}
    for v in graph if nodes is None else nodes:
        counts, open_paths = _counts(graph, v, kind)
        chances = _probabilities(sizes, kind[v], total)
        expected = {role: open_paths * chances[role] for role in ROLES}
        z = {}
        for role in ROLES:
            spread = math.sqrt(open_paths * chances[role] * (1 - chances[role]))
            z[role] = round((counts[role] - expected[role]) / spread, 3) if spread else 0.0
        out[v] = {"counts": {role: counts[role] for role in ROLES},
                  "expected": {role: round(value, 3) for role, value in expected.items()},
                  "z": z, "open_two_paths": open_paths}
    return out

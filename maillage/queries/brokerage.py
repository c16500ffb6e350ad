"""Gould–Fernandez brokerage roles across actor kinds, tested against chance by permutation.

An open two-path a – v – c (a and c both tied to v, not to each other) makes v a broker between
a and c. Partnerships are undirected, so each open pair {a, c} is counted once, and Gould and
Fernandez's representative and gatekeeper (which differ only by the direction of the flow)
are one role here:

============ ================================= =====================================
role         kinds                             in words
============ ================================= =====================================
coordinator  a, v and c of one kind            brokers inside its own sector
itinerant    a and c of one kind, v of another an outsider linking two of one sector
gatekeeper   v shares its kind with one end    links its sector to another
liaison      a, v and c of three kinds         links two sectors, belonging to neither
============ ================================= =====================================

Whether a count is more than chance is tested by permuting the kinds among the actors (their
sizes kept, a seeded generator): the p-value is the share of permutations giving the actor a
count at least as large, (1 + #≥) / (1 + P), which is exact under the null of kinds assigned
at random. Beyond :data:`.compiled.COMPILED_FROM` actors the rounds are compiled (:mod:`.permutations`, each
drawn from its own seeded stream); below, they are array passes over NumPy's seeded generator.
A role is said "more than chance" only when its p-value is below α / 4 (Bonferroni over the four
roles, α = 0.05), so an actor is flagged at most 5 % of the time when kinds mean nothing (a test
measures it).

References
----------
.. [1] R. V. Gould and R. M. Fernandez, "Structures of Mediation: A Formal Approach to
   Brokerage in Transaction Networks", Sociological Methodology 19, 1989.
.. [2] P. Good, *Permutation, Parametric and Bootstrap Tests of Hypotheses*, Springer, 2005
   (the (1 + #≥) / (1 + P) p-value).
"""

from __future__ import annotations

import networkx as nx

from .compact import compact, two_paths_closed
from .compiled import COMPILED_FROM
from ..i18n import _

__all__ = ["brokerage_roles", "brokerage_arrays", "roles_arrays", "role_row", "ROLES", "ALPHA", "PERMUTATIONS"]

ROLES = ("coordinator", "itinerant", "gatekeeper", "liaison")
ALPHA = 0.05
PERMUTATIONS = 499


class _Structure:
    """The graph as arrays, for the nodes that can broker (two neighbours or more): their adjacency
    entries (v, a) and closed triples (v, a, c), a < c, a–c tied. Nodes with fewer neighbours have no
    open pair under any assignment of groups, so they are left out of the permutations' passes."""

    def __init__(self, form):
        import numpy as np

        self.n = form.n
        self.brokers = np.flatnonzero(form.degree >= 2)
        position = np.full(form.n, -1, dtype=np.int64)
        position[self.brokers] = np.arange(len(self.brokers), dtype=np.int64)
        owner = form.owners()
        kept = form.degree[owner] >= 2
        self.row = position[owner[kept]]  # the broker's row of each of its adjacency entries
        self.other = form.indices[kept]
        self.degree = form.degree[self.brokers]
        tv, ta, tc = two_paths_closed(form)
        order = np.argsort(tv, kind="stable")  # by broker: the compiled rounds take each one's in turn
        self.tv, self.ta, self.tc = position[tv[order]], ta[order], tc[order]

    def counts(self, labels, groups: int):
        """Open pairs per broker and role (brokers × 4) for one assignment of group labels."""
        import numpy as np

        m = len(self.brokers)
        key = self.row * groups + labels[self.other]
        by_group = np.bincount(key, minlength=m * groups)  # neighbours of each broker in each group
        table = by_group.reshape(m, groups)
        squares = np.einsum("ij,ij->i", table, table)  # Σ_g b_g² per broker in one pass
        same = by_group[np.arange(m, dtype=np.int64) * groups + labels[self.brokers]]
        itinerant = (squares - self.degree) // 2 - same * (same - 1) // 2
        out = np.empty((m, 4), dtype=np.int64)
        out[:, 0] = same * (same - 1) // 2
        out[:, 1] = itinerant
        out[:, 2] = same * (self.degree - same)
        out[:, 3] = (self.degree - same) * (self.degree - same - 1) // 2 - itinerant
        if len(self.tv):  # pairs closed by a tie between a and c are not brokerage: take them away
            lv, la, lc = labels[self.brokers][self.tv], labels[self.ta], labels[self.tc]
            role = np.where((la == lv) & (lc == lv), 0,
                            np.where(la == lc, 1, np.where((la == lv) | (lc == lv), 2, 3)))
            out -= np.bincount(self.tv * 4 + role, minlength=m * 4).reshape(m, 4)
        return out


def brokerage_arrays(form, labels, groups: int, permutations: int = PERMUTATIONS, seed: int = 42) -> tuple:
    """Open pairs per node and role (n × 4), their permutation p-values and means, on a compact form
    whose nodes carry the group ``labels`` (integers below ``groups``).

    Every node's label is permuted (the null keeps the groups' sizes); the counts are kept for the
    nodes that can broker, the others' are 0 under every permutation (p = 1, mean 0)."""
    import numpy as np

    structure = _Structure(form)
    found = structure.counts(labels, groups)
    observed = np.zeros((form.n, 4), dtype=np.int64)
    observed[structure.brokers] = found
    if not permutations:
        return observed, np.ones((form.n, 4), dtype=np.float64), np.full((form.n, 4), np.nan)
    if form.n > COMPILED_FROM:
        from .permutations import permutation_rounds  # compiled (Numba): loaded only where it pays

        above = permutation_rounds(structure, labels, groups, found, permutations, seed)
    else:
        above, generator = np.zeros_like(found), np.random.default_rng(seed)
        for _round in range(permutations):
            above += structure.counts(generator.permutation(labels), groups) >= found
    p, expected = np.ones((form.n, 4), dtype=np.float64), np.zeros((form.n, 4), dtype=np.float64)
    p[structure.brokers] = (1 + above) / (1 + permutations)
    expected[structure.brokers] = _expected(structure, labels, groups)
    return observed, p, expected


def _expected(structure, labels, groups: int):
    """The exact mean of each broker's counts over all permutations of the labels (brokers × 4).

    Labels are exchangeable under permutation, so each open pair (a, c) of a broker v, three distinct
    nodes, takes each role with the same probability, a function of the groups' sizes alone; the
    mean is the broker's open pairs times that probability (no sampling error, unlike the mean of
    the rounds drawn).
    """
    import numpy as np

    n, size = len(labels), np.bincount(labels, minlength=groups).astype(np.float64)
    g, h, k = np.meshgrid(np.arange(groups), np.arange(groups), np.arange(groups), indexing="ij")
    # ordered (v, a, c) in groups (g, h, k), drawn without replacement
    ways = size[g] * (size[h] - (h == g)) * (size[k] - (k == g) - (k == h))
    share = np.clip(ways, 0, None) / (n * (n - 1.0) * (n - 2.0)) if n > 2 else np.zeros_like(ways)
    role = np.where((h == g) & (k == g), 0, np.where(h == k, 1, np.where((h == g) | (k == g), 2, 3)))
    chance = np.bincount(role.ravel(), weights=share.ravel(), minlength=4)
    closed = np.bincount(structure.tv, minlength=len(structure.brokers))
    open_pairs = structure.degree * (structure.degree - 1) // 2 - closed
    return open_pairs[:, None] * chance[None, :]


def brokerage_roles(graph: nx.Graph, attribute: str = "kind", permutations: int = PERMUTATIONS,
                    seed: int = 42) -> dict:
    """Count each node's brokerage roles across the groups of ``attribute`` and test them against chance.

    Parameters
    ----------
    graph : networkx.Graph
        Simple and undirected.
    attribute : str
        Node attribute naming the group (the actor kind by default).
    permutations : int
        Random reassignments of the groups (seeded); 0 skips the test.
    seed : int
        Seed of the permutations.

    Returns
    -------
    dict
        node → {"counts": {role: n}, "expected": {role: mean under permutation}, "p": {role: p-value},
        "more_than_chance": [roles with p < α/4], "open_two_paths": t}.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(3)
    >>> nx.set_node_attributes(G, {0: "association", 1: "collectivite", 2: "company"}, "kind")
    >>> brokerage_roles(G, permutations=0)[1]["counts"]["liaison"]
    1
    """
    if graph is None:
        raise ValueError(_("brokerage_roles needs a graph, got None"))
    form, observed, p, expected = roles_arrays(graph, attribute, permutations, seed)
    return {v: role_row(observed, p, expected, i, permutations) for i, v in enumerate(form.nodes)}


def roles_arrays(graph: nx.Graph, attribute: str = "kind", permutations: int = PERMUTATIONS, seed: int = 42) -> tuple:
    """The compact form of ``graph`` and :func:`brokerage_arrays` on it, the groups read from ``attribute``
    (what :func:`brokerage_roles` gives, before any per-node dictionary: a région has a million)."""
    import numpy as np

    form = compact(graph)
    nodes = form.nodes  # a canonical order: the same answer whatever the input order
    groups = [str(graph.nodes[v].get(attribute)) for v in nodes]
    names = sorted(set(groups))
    code = {name: i for i, name in enumerate(names)}
    labels = np.array([code[group] for group in groups], dtype=np.int64)
    return (form, *brokerage_arrays(form, labels, len(names), permutations, seed))


def role_row(observed, p, expected, i: int, permutations: int) -> dict:
    """Node ``i``'s entry of :func:`brokerage_roles` from the arrays of :func:`brokerage_arrays`."""
    values = observed[i].tolist()
    p_values = {role: (round(float(p[i, r]), 4) if permutations else None) for r, role in enumerate(ROLES)}
    return {"counts": dict(zip(ROLES, values)),
            "expected": {role: (round(float(expected[i, r]), 3) if permutations else None)
                         for r, role in enumerate(ROLES)},
            "p": p_values, "open_two_paths": int(sum(values)),
            "more_than_chance": [role for role in ROLES if permutations and values[ROLES.index(role)]
                                 and p_values[role] < ALPHA / len(ROLES)]}

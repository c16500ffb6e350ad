"""Who holds the ecosystem together: one ranking of brokers, with the measures behind it.

Each actor gets five measures, each turned into a percentile rank among the actors (so no
measure's scale dominates), and the combined score is their weighted mean (:data:`WEIGHTS`):

- ``betweenness`` (0.30): share of shortest paths between other actors that pass through it;
  exact up to :data:`EXACT_LIMIT` actors, else estimated from sampled shortest paths within a
  stated error for every actor at once (KADABRA, ±0.005 by default), each row with its interval;
- ``cross_sector`` (0.25): open two-paths it brokers between actors of kinds other than its own
  or between two different kinds (Gould–Fernandez itinerant, gatekeeper, liaison), beyond the
  number expected when the kinds are permuted (raw counts follow degree); each role tested
  against chance by the same permutations;
- ``cuts_off`` (0.15): actors that would lose their way to the rest of the network without it;
- ``effective_size`` (0.15) and ``1 − constraint`` (0.15): Burt's structural holes.

References
----------
.. [1] L. C. Freeman, "A set of measures of centrality based on betweenness", Sociometry 40, 1977.
.. [2] R. S. Burt, *Structural Holes*, 1992; R. V. Gould and R. M. Fernandez, 1989.
"""

from __future__ import annotations

import heapq
import math

import networkx as nx

from ..errors import UsageError
from ..i18n import N_, _, number, percent
from .brokerage import PERMUTATIONS, brokerage_roles
from .common import simple_graph
from .reasons import words
from .structure import betweenness, cut_points, structural_holes

__all__ = ["bridges", "betweenness_ranking", "WEIGHTS", "EXACT_LIMIT", "DEFAULT_ERROR"]

WEIGHTS = {"betweenness": 0.30, "cross_sector": 0.25, "cuts_off": 0.15, "effective_size": 0.15,
           "openness": 0.15}
EXACT_LIMIT = 5_000
DEFAULT_ERROR = 0.005  # beyond EXACT_LIMIT actors, unless asked otherwise
_CROSS = ("itinerant", "gatekeeper", "liaison")


def _percentiles(values: dict) -> dict:
    """Percentile rank in [0, 1]: equal values share the mean rank, and so do all NaN (ranked last)."""
    import numpy as np
    from scipy.stats import rankdata

    nodes = list(values)
    if len(nodes) < 2:
        return {node: 0.0 for node in nodes}
    array = np.fromiter(values.values(), dtype=np.float64, count=len(nodes))
    array[np.isnan(array)] = -np.inf
    ranks = (rankdata(array, method="average") - 1.0) / (len(nodes) - 1)
    return dict(zip(nodes, ranks.tolist()))


def _excess(roles: dict) -> float:
    """Cross-sector brokerage beyond what the actor's position gives by chance: raw counts follow
    degree, so the score takes the excess over the permutation expectation (the counts without
    permutations)."""
    counts, expected = roles["counts"], roles["expected"]
    if any(expected[r] is None for r in _CROSS):
        return float(sum(counts[r] for r in _CROSS))
    return float(sum(counts[r] - expected[r] for r in _CROSS))


def _why(graph, node, row) -> list[dict]:
    """The reasons as codes with the measures' values (worded by :mod:`.reasons`)."""
    why = []
    if row["betweenness_interval"][0] > 0:  # said only where its interval excludes 0
        why.append({"code": "on_paths", "betweenness": row["betweenness"]})
    roles, p = row["brokerage"], row["brokerage_p"]
    cross = sum(roles[role] for role in _CROSS)
    if cross:
        why.append({"code": "brokers_across", "count": cross, "roles": {r: roles[r] for r in _CROSS if roles[r]}})
        above = [role for role in row["more_than_chance"] if role in _CROSS]
        if above:
            why.append({"code": "more_than_chance", "p": {role: p[role] for role in above}})
    if row["cuts_off"]:
        why.append({"code": "cuts_off", "count": row["cuts_off"]})
    if not math.isnan(row["constraint"]) and row["constraint"] < 0.5 and graph.degree(node) > 1:
        why.append({"code": "structural_holes", "constraint": row["constraint"],
                    "effective_size": row["effective_size"]})
    return why


def bridges(graph: nx.Graph, top: int = 20, error: float | None = None, confidence: float = 0.95, seed: int = 42,
            permutations: int = PERMUTATIONS, progress=None) -> dict:
    """Rank the actors that hold ``graph`` together, with every measure and the reasons.

    Parameters
    ----------
    graph : networkx.Graph or MultiGraph
        A projection; parallel ties count once.
    top : int
        Rows of the ranking returned.
    error : float, optional
        Largest betweenness error allowed on every actor (sampled shortest paths); default exact
        up to EXACT_LIMIT actors, else DEFAULT_ERROR.
    confidence : float
        Probability that all betweenness intervals hold together.
    seed : int
        Seed of the sampled betweenness and of the brokerage permutations.
    permutations : int
        Permutations of the kinds behind each brokerage p-value.

    progress : callable, optional
        Called as ``progress(done, total, stage)`` between the analysis' stages (``stage`` is an
        English message of the catalogue, empty when done): the CLI shows it on a terminal.

    Returns
    -------
    dict
        ``betweenness`` (method, samples, error statement), ``ranking`` (rows with id, name, kind,
        score, measures, brokerage counts and z-scores, reasons), ``articulation_points`` and
        ``bridge_edges`` (each with the actors it would cut off).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([("a", "hub"), ("b", "hub"), ("hub", "c"), ("c", "d")])
    >>> nx.set_node_attributes(G, {"a": "association", "b": "school", "hub": "collectivite",
    ...                            "c": "company", "d": "company"}, "kind")
    >>> nx.set_node_attributes(G, {n: n.upper() for n in G}, "name")
    >>> bridges(G, top=1)["ranking"][0]["id"]
    'hub'
    """
    if graph is None:
        raise UsageError(_("bridges needs a graph, got None"))
    simple = simple_graph(graph)
    n = simple.number_of_nodes()
    if error is None and n > EXACT_LIMIT:
        error = DEFAULT_ERROR
    step = progress or (lambda done, total, stage: None)
    step(0, 4, N_("shortest paths (betweenness)"))
    between = betweenness(simple, error=error, confidence=confidence, seed=seed)
    step(1, 4, N_("structural holes"))
    holes = structural_holes(simple)
    step(2, 4, N_("cut points"))
    cuts = cut_points(simple)
    step(3, 4, N_("brokerage roles and their test"))
    roles = brokerage_roles(simple, permutations=permutations, seed=seed)
    step(4, 4, "")
    measures = {
        "betweenness": between["values"],
        "cross_sector": {v: _excess(roles[v]) for v in simple},
        "cuts_off": {v: cuts["articulation_points"].get(v, {}).get("cuts_off", 0) for v in simple},
        "effective_size": holes["effective_size"],
        "openness": {v: 1 - c if not math.isnan(c) else math.nan for v, c in holes["constraint"].items()},
    }
    ranks = {name: _percentiles(values) for name, values in measures.items()}
    score = {v: round(sum(WEIGHTS[m] * ranks[m][v] for m in WEIGHTS), 4) for v in simple}
    # the rows shown only (a région has a million actors): the same order as sorting every row
    shown = heapq.nsmallest(top, sorted(simple, key=str),
                            key=lambda v: (-score[v], -round(between["values"][v], 6), str(v)))
    rows = []
    for v in shown:
        data = simple.nodes[v]
        row = {
            "id": v, "name": data.get("name"), "kind": data.get("kind"),
            "score": score[v],
            "betweenness": round(between["values"][v], 6),
            "betweenness_interval": [round(x, 6) for x in between["interval"][v]],
            "constraint": round(holes["constraint"][v], 4), "effective_size": round(holes["effective_size"][v], 3),
            "degree": simple.degree(v), "cuts_off": measures["cuts_off"][v],
            "brokerage": roles[v]["counts"], "brokerage_expected": roles[v]["expected"],
            "brokerage_p": roles[v]["p"],
            "brokerage_excess": round(measures["cross_sector"][v], 3),
            "more_than_chance": roles[v]["more_than_chance"],
        }
        row["why"] = _why(simple, row["id"], row)
        row["reasons"] = words(row["why"])
        rows.append(row)
    return {
        "scope": graph.graph.get("scope", {}), "actors": n, "ties": simple.number_of_edges(),
        "betweenness": {**_method(between, n), "ranking": betweenness_ranking(between, top)},
        "weights": WEIGHTS, "ranking": [_json_safe(row) for row in rows],
        "articulation_points": [
            {"id": v, "name": simple.nodes[v].get("name"), **info}
            for v, info in heapq.nsmallest(top, cuts["articulation_points"].items(),
                                           key=lambda item: (-item[1]["cuts_off"], str(item[0])))],
        "bridge_edges": [
            {"ends": [u, v], "names": [simple.nodes[u].get("name"), simple.nodes[v].get("name")], "cuts_off": cut}
            for (u, v), cut in heapq.nsmallest(top, cuts["bridges"].items(),
                                               key=lambda item: (-item[1], list(item[0])))],
    }


def betweenness_ranking(between: dict, top: int) -> dict:
    """What the intervals say of the order of the ``top`` actors of highest betweenness.

    The intervals hold for every actor at once with probability ``confidence``, so whatever they
    imply together holds with that probability too: an actor is certainly among the top when its
    lower bound exceeds the upper bound of every actor ranked below the top, and two neighbours in
    the ranking are certainly in order when the first one's lower bound exceeds the second one's
    upper bound. With exact values, only equal values leave an order open.

    Examples
    --------
    >>> between = {"values": {"a": 0.5, "b": 0.3, "c": 0.29, "d": 0.0},
    ...            "interval": {"a": [0.49, 0.51], "b": [0.29, 0.31], "c": [0.28, 0.30], "d": [0.0, 0.01]},
    ...            "confidence": 0.95}
    >>> betweenness_ranking(between, 2)
    {'top': 2, 'certainly_in_top': 1, 'pairs': 1, 'pairs_in_order': 1, 'confidence': 0.95}
    """
    ordered = sorted(between["values"], key=lambda node: (-between["values"][node], str(node)))
    shown, rest = ordered[:top], ordered[top:]
    low = [between["interval"][node][0] for node in shown]
    high = [between["interval"][node][1] for node in shown]
    ceiling = max((between["interval"][node][1] for node in rest), default=-1.0)
    return {"top": len(shown), "certainly_in_top": sum(1 for value in low if value > ceiling),
            "pairs": max(len(shown) - 1, 0),
            "pairs_in_order": sum(1 for i in range(len(shown) - 1) if low[i] > high[i + 1]),
            "confidence": between["confidence"]}


def _method(between: dict, n: int) -> dict:
    if between["method"] == "exact":
        return {"method": "exact", "samples": n, "error": 0.0, "note": _("exact (Brandes)")}
    return {"method": "sampled", "samples": between["samples"], "error": round(between["error"], 6),
            "confidence": between["confidence"],
            "note": _("estimated from {samples} shortest paths between random pairs of actors: with probability "
                      "{confidence}, every actor's value is within ±{error} of the exact one, all at once "
                      "(KADABRA, adaptive sampling; each row gives its interval)").format(
                samples=number(between["samples"]), confidence=percent(between["confidence"], 0),
                error=number(between["error"], 4))}


def _json_safe(row: dict) -> dict:
    """NaN (isolated actors' constraint) becomes None, so --json stays valid JSON."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}



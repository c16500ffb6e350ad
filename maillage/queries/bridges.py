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

import math

import networkx as nx
import numpy as np

from ..errors import UsageError
from ..graph.projection import collector_paused
from ..i18n import N_, _, number, percent
from .brokerage import PERMUTATIONS, ROLES, brokerage_arrays, role_row
from .common import simple_graph
from .described import Described, of_graph
from .reasons import words
from .structure import betweenness_arrays, cut_points_arrays, holes_arrays, interval

__all__ = ["bridges", "brokers", "betweenness_ranking", "WEIGHTS", "EXACT_LIMIT", "DEFAULT_ERROR"]

WEIGHTS = {"betweenness": 0.30, "cross_sector": 0.25, "cuts_off": 0.15, "effective_size": 0.15,
           "openness": 0.15}
EXACT_LIMIT = 5_000
DEFAULT_ERROR = 0.005  # beyond EXACT_LIMIT actors, unless asked otherwise
_CROSS = ("itinerant", "gatekeeper", "liaison")


def _percentiles(values):
    """Percentile rank in [0, 1]: equal values share the mean rank, and so do all NaN (ranked last)."""
    from scipy.stats import rankdata

    if len(values) < 2:
        return np.zeros(len(values), dtype=np.float64)
    array = np.array(values, dtype=np.float64)
    array[np.isnan(array)] = -np.inf
    return (rankdata(array, method="average") - 1.0) / (len(values) - 1)


def _excess(observed, expected, permutations: int):
    """Cross-sector brokerage beyond what the actor's position gives by chance: raw counts follow
    degree, so the score takes the excess over the permutation expectation as the rows give it
    (rounded to 3 decimals), or the counts without permutations."""
    total = np.zeros(len(observed), dtype=np.float64)
    for role in _CROSS:
        r = ROLES.index(role)
        total = total + (observed[:, r] - _rounded(expected[:, r], 3) if permutations else observed[:, r])
    return total


def _why(row: dict) -> list[dict]:
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
    if not math.isnan(row["constraint"]) and row["constraint"] < 0.5 and row["degree"] > 1:
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
    with collector_paused():  # millions of objects made below and no cycle: see collector_paused
        return _bridges(graph, top, error, confidence, seed, permutations, progress)


def _bridges(graph: nx.Graph, top: int, error: float | None, confidence: float, seed: int, permutations: int,
             progress) -> dict:
    return brokers(of_graph(simple_graph(graph)), graph.graph.get("scope", {}), top=top, error=error,
                   confidence=confidence, seed=seed, permutations=permutations, progress=progress)


def brokers(described: Described, scope: dict, top: int = 20, error: float | None = None, confidence: float = 0.95,
            seed: int = 42, permutations: int = PERMUTATIONS, progress=None) -> dict:
    """:func:`bridges` on a described compact form (:mod:`.described`): what ``bridges`` gives of a
    graph and :func:`maillage.queries.scaled.bridges_of` of a scope read as arrays."""
    form = described.form  # every measure below is an array in its order (a région: a million actors)
    n = form.n
    if error is None and n > EXACT_LIMIT:
        error = DEFAULT_ERROR
    step = progress or (lambda done, total, stage: None)
    step(0, 4, N_("shortest paths (betweenness)"))
    between = betweenness_arrays(form, error=error, confidence=confidence, seed=seed)
    values = np.asarray(between["values"], dtype=np.float64)
    step(1, 4, N_("structural holes"))
    constraint, effective = holes_arrays(form)
    step(2, 4, N_("cut points"))
    cuts = cut_points_arrays(form)
    step(3, 4, N_("brokerage roles and their test"))
    observed, p, expected = brokerage_arrays(form, described.kinds, len(described.kind_names), permutations, seed)
    step(4, 4, "")
    cuts_off = cuts["cuts_off"].astype(np.float64)
    measures = {"betweenness": values, "cross_sector": _excess(observed, expected, permutations),
                "cuts_off": cuts_off, "effective_size": effective, "openness": 1.0 - constraint}
    ranks = {name: _percentiles(array) for name, array in measures.items()}
    total = 0
    for name, weight in WEIGHTS.items():  # in this order, as a sum of Python floats would go
        total = total + weight * ranks[name]
    score = _rounded(total, 4)
    # the rows shown only: the same order as sorting every row by (−score, −betweenness, id); the
    # form's order is the ids' (compact sorts them), which a stable sort keeps among equals
    order = np.lexsort((-_rounded(values, 6), -score))[:top].tolist()
    # positions are in the ids' text order: (−cut, position) sorts as (−cut, id) did
    points = np.flatnonzero(cuts["pieces"])
    points = points[np.lexsort((points, -cuts["cuts_off"][points]))[:top]].tolist()
    spans = cuts["bridges"]
    spans = spans[np.lexsort((spans[:, 1], spans[:, 0], -spans[:, 2]))[:top]].tolist()
    described_rows = described.rows(order + points + [end for u, v, _cut in spans for end in (u, v)])
    rows = []
    for i in order:
        data, roles = described_rows[i], role_row(observed, p, expected, i, permutations)
        row = {
            "id": form.nodes[i], "name": data["name"], "kind": data["kind"],
            "score": float(score[i]),
            "betweenness": round(float(values[i]), 6),
            "betweenness_interval": [round(x, 6) for x in interval(between, float(values[i]))],
            "constraint": round(float(constraint[i]), 4), "effective_size": round(float(effective[i]), 3),
            "degree": int(described.degree[i]), "cuts_off": int(cuts_off[i]),
            "brokerage": roles["counts"], "brokerage_expected": roles["expected"],
            "brokerage_p": roles["p"],
            "brokerage_excess": round(float(measures["cross_sector"][i]), 3),
            "more_than_chance": roles["more_than_chance"],
        }
        row["why"] = _why(row)
        row["reasons"] = words(row["why"])
        rows.append(row)
    name = lambda v: described_rows[v]["name"]  # noqa: E731
    return {
        "scope": scope, "actors": n, "ties": described.ties,
        "betweenness": {**_method(between, n), "ranking": _ranking(values, between, top)},
        "weights": WEIGHTS, "ranking": [_json_safe(row) for row in rows],
        "articulation_points": [{"id": form.nodes[v], "name": name(v), "cuts_off": int(cuts["cuts_off"][v]),
                                 "pieces": int(cuts["pieces"][v])} for v in points],
        "bridge_edges": [{"ends": [form.nodes[u], form.nodes[v]], "names": [name(u), name(v)], "cuts_off": cut}
                         for u, v, cut in spans],
    }


def _rounded(array, digits: int):
    """Python's round() of each value: the double nearest the value rounded half-even in decimal.

    numpy's ``round`` scales, rounds and scales back: the scaling rounds, and can move a value that
    lies within a few units in the last place of a half-way point to the other side of it. Those
    values (and any beyond 2⁵², or not finite) get Python's round, one by one; for every other the
    scaled value is on the right side of the half, so its rounding is the right integer k, and k /
    10^digits (both exact) is divided correctly rounded: the double nearest k·10^−digits, as Python
    gives (``tests/test_statistics.py`` checks both on values placed at half-way points)."""
    values = np.asarray(array, dtype=np.float64)
    scale = 10.0 ** digits
    scaled = values * scale
    found = np.rint(scaled)
    found /= scale
    with np.errstate(invalid="ignore"):  # in place: France's arrays are 12 million values each
        gap = np.trunc(scaled)
        np.subtract(scaled, gap, out=gap)
        np.abs(gap, out=gap)
        gap -= 0.5
        np.abs(gap, out=gap)  # how far the scaled value is from a half-way point
        room = np.abs(scaled)
        large = ~(room < 2.0 ** 52)  # not finite included
        np.spacing(room, out=room)
        room *= 8
        doubtful = ~(gap > room) | large
    for i in np.flatnonzero(doubtful).tolist():
        found[i] = round(float(values[i]), digits)
    return found


def _ranking(values, between: dict, top: int) -> dict:
    """:func:`betweenness_ranking` on the values as an array in the compact form's order (the ids')."""
    ordered = np.argsort(-values, kind="stable")
    shown = [interval(between, x) for x in values[ordered[:top]].tolist()]
    # the intervals' upper ends grow with the value: the highest of the rest is the largest value's
    ceiling = interval(between, float(values[ordered[top]]))[1] if len(ordered) > top else -1.0
    return _ranking_summary([low for low, _ in shown], [high for _, high in shown], ceiling, between["confidence"])


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
    return _ranking_summary(low, high, ceiling, between["confidence"])


def _ranking_summary(low: list, high: list, ceiling: float, confidence: float) -> dict:
    return {"top": len(low), "certainly_in_top": sum(1 for value in low if value > ceiling),
            "pairs": max(len(low) - 1, 0),
            "pairs_in_order": sum(1 for i in range(len(low) - 1) if low[i] > high[i + 1]),
            "confidence": confidence}


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



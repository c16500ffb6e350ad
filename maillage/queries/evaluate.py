"""Backtest: would the allies ranking have foreseen the partnerships that really formed?

For each cut-off date, partnerships begun before it (or undated) form the training graph, and
those begun from it (until the next cut-off, in a rolling split) are the ties to foresee. For
a sample of actors that formed such a tie with an actor they were not yet tied to, every
method ranks candidates on the training graph alone:

- ``maillage``: :func:`maillage.queries.allies.score_candidates` (with the weights given, else the
  defaults);
- ``attributes_only``: the same score without its network part — what the actors' profiles alone
  (complementarity, themes, territory, sector) foresee; beating it is what the network adds;
- ``common_neighbours``, ``adamic_adar``, ``resource_allocation``: the classic local indices
  over friends of friends;
- ``preferential_attachment``: the best-connected actors (degree product);
- ``random``: actors drawn at random.

Reported per method: precision@k, recall@k, MRR (reciprocal rank of the first true partner in
the top 100) and AUC (chance that a true future partner outscores a random actor that did not
become one; ties count half), averaged over queries, per fold and over all folds.

References
----------
.. [1] D. Liben-Nowell and J. Kleinberg, "The link-prediction problem for social networks",
   JASIST 58(7), 2007.
.. [2] Y. Yang, R. N. Lichtenwalter and N. V. Chawla, "Evaluating link prediction methods",
   Knowledge and Information Systems 45, 2015 (temporal splits, AUC and top-k measures).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import networkx as nx

from ..errors import UsageError
from ..model import parse_date
from .allies import WEIGHTS, score_candidates
from ..i18n import _

__all__ = ["evaluate", "METHODS"]

METHODS = ("maillage", "attributes_only", "common_neighbours", "adamic_adar", "resource_allocation",
           "preferential_attachment", "random")
_DEPTH = 100  # ranks looked at for MRR
_NEGATIVES = 50  # non-partners drawn per query for the AUC


def _split(graph: nx.MultiGraph, start: str, end: str | None) -> tuple[nx.Graph, dict]:
    """Training graph (ties begun before ``start``) and the new ties begun in [start, end)."""
    train = nx.Graph()
    train.add_nodes_from(graph.nodes(data=True))
    train.graph.update({k: v for k, v in graph.graph.items() if not k.startswith("_")})
    later = []
    for u, v, data in graph.edges(data=True):
        begun = data.get("start")
        if begun is None or begun < start:
            train.add_edge(u, v)
        elif end is None or begun < end:
            later.append((u, v))
    future = defaultdict(set)
    for u, v in later:
        if u != v and not train.has_edge(u, v):
            future[u].add(v)
            future[v].add(u)
    return train, future


class _Scores(dict):
    """Candidate → score; a pair outside the candidates scores ``missing(pair)`` (0 by default)."""

    def __init__(self, scores: dict, missing=None):
        super().__init__(scores)
        self.missing = missing

    def __missing__(self, other):
        if self.missing is None:
            return 0.0
        value = self[other] = self.missing(other)
        return value


def _scores(method: str, train: nx.Graph, node, rng: random.Random, degrees: list, weights=None) -> _Scores:
    """The method's scores of node's candidates (the top ones ranked, any pair scorable for the AUC)."""
    if method in ("maillage", "attributes_only"):
        chosen = dict(weights or WEIGHTS)
        if method == "attributes_only":
            chosen["network"] = 0.0
        return _Scores({other: score for other, (score, _) in score_candidates(train, node, weights=chosen).items()})
    around = set(train[node])
    if method == "preferential_attachment":
        mine = len(around)
        return _Scores({other: mine * degree for other, degree in degrees[:_DEPTH + len(around) + 1]
                        if other != node and other not in around}, lambda other: mine * train.degree(other))
    if method == "random":
        pool = rng.sample(list(train), min(_DEPTH + len(around) + 1, train.number_of_nodes()))
        return _Scores({other: rng.random() for other in pool if other != node and other not in around},
                       lambda other: rng.random())
    out = {}
    for middle in around:
        degree = train.degree(middle)
        gain = {"common_neighbours": 1.0, "adamic_adar": 1 / math.log(degree) if degree > 1 else 0.0,
                "resource_allocation": 1 / degree}[method]
        for other in train[middle]:
            if other != node and other not in around:
                out[other] = out.get(other, 0.0) + gain
    return _Scores(out)


def _measure(scores: _Scores, truth: set, negatives: list, k: int) -> dict:
    ranked = sorted(scores, key=lambda other: (-scores[other], str(other)))[:_DEPTH]
    hits = [other in truth for other in ranked]
    first = next((i for i, hit in enumerate(hits) if hit), None)
    wins = 0.0
    for positive in truth:
        for negative in negatives:
            a, b = scores[positive], scores[negative]
            wins += 1.0 if a > b else 0.5 if a == b else 0.0
    return {"precision": sum(hits[:k]) / k, "recall": sum(hits[:k]) / len(truth),
            "mrr": 1 / (first + 1) if first is not None else 0.0,
            "auc": wins / (len(truth) * len(negatives)) if negatives else 0.5}


def _fold(graph, start, end, k, queries, seed, weights=None) -> dict:
    train, future = _split(graph, start, end)
    rng = random.Random(seed)
    asked = sorted((n for n in future if train.degree(n) > 0), key=str)
    asked = rng.sample(asked, min(queries, len(asked)))
    degrees = sorted(train.degree, key=lambda pair: (-pair[1], str(pair[0])))
    nodes = list(train)
    totals = {method: defaultdict(float) for method in METHODS}
    for node in asked:
        truth = future[node]
        around = set(train[node])
        negatives = [other for other in rng.sample(nodes, min(len(nodes), _NEGATIVES * 2))
                     if other != node and other not in around and other not in truth][:_NEGATIVES]
        for method in METHODS:
            scores = _scores(method, train, node, rng, degrees, weights)
            for name, value in _measure(scores, truth, negatives, k).items():
                totals[method][name] += value
    count = max(len(asked), 1)
    return {"start": start, "end": end, "training_ties": train.number_of_edges(),
            "new_ties": sum(len(v) for v in future.values()) // 2, "queries": len(asked),
            "methods": {method: {name: round(value / count, 4) for name, value in sorted(values.items())}
                        for method, values in totals.items()}}


def evaluate(graph: nx.MultiGraph, before, k: int = 10, queries: int = 300, seed: int = 42,
             weights: dict | None = None) -> dict:
    """Backtest the allies ranking against the partnerships that formed after each date in ``before``.

    Parameters
    ----------
    graph : networkx.MultiGraph
        A projection whose ties carry ``start`` dates.
    before : str or list of str
        Cut-off dates; with several, each fold's new ties end at the next cut-off (rolling split).
    k : int
        Cut-off rank of precision@k and recall@k.
    queries : int
        Actors sampled per fold (those that formed a new tie).
    seed : int
        Seed of the samples.
    weights : dict, optional
        Weights of maillage's score parts (as ``evaluate --fit`` writes them); the defaults otherwise.

    Returns
    -------
    dict
        ``folds`` (each with start, end, training_ties, new_ties, queries and per-method
        precision, recall, mrr, auc) and ``mean`` (the same measures averaged over the folds).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph()
    >>> G.add_edges_from([("a", "b", {"start": "2010-01-01"}), ("b", "c", {"start": "2010-01-01"}),
    ...                   ("a", "c", {"start": "2020-01-01"})])
    [0, 0, 0]
    >>> evaluate(G, "2015", k=1)["mean"]["common_neighbours"]["precision"]
    1.0
    """
    if graph is None:
        raise UsageError(_("evaluate needs a graph, got None"))
    dates = [before] if isinstance(before, str) else list(before)
    if not dates:
        raise UsageError(_("evaluate needs at least one cut-off date"))
    try:
        dates = sorted(parse_date(date) for date in dates)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if k < 1:
        raise UsageError(_("k must be at least 1, got {k}").format(k=k))
    folds = [_fold(graph, start, dates[i + 1] if i + 1 < len(dates) else None, k, queries, seed, weights)
             for i, start in enumerate(dates)]
    weighted = [fold for fold in folds if fold["queries"]]
    mean = {method: {name: round(sum(f["methods"][method][name] for f in weighted) / len(weighted), 4)
                     for name in ("auc", "mrr", "precision", "recall")} if weighted else {}
            for method in METHODS}
    return {"scope": graph.graph.get("scope", {}), "k": k, "folds": folds, "mean": mean}

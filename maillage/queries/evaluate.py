"""Backtest: would the ranking have foreseen the partnerships that really formed?

For each cut-off date, ties begun before it (or undated) are the past, and pairs first tied from
it (until the next cut-off, in a rolling split) are the future to foresee. Every actor present
before the cut-off that forms a new tie after it with another present actor is a query (a seeded
sample of :data:`MAX_QUERIES` past that bound, and the output says so); each method ranks *every*
present non-partner of the query, so what a method does not propose ranks last (ties in score are
broken by id, the same for every method).

Methods: ``maillage`` (the ranking :func:`.ranking.fit_ranker` chooses from the past alone: a
model trained on the folds before the cut-off, an index where one won its validation, or the
shipped model when the past is too short), the classic indices (common neighbours, Adamic–Adar,
resource allocation, Jaccard, preferential attachment, Katz), ``attributes_only`` (the actors'
profiles alone: complementarity, themes, territory, sector) and ``random``.

Per method: precision@k, recall@k, MRR (reciprocal rank of the first new partner), AUC against
every non-partner (the mean of AUCs against random negatives, computed exactly) and AUC against
the hard negatives (non-partners two steps away), each with a 95 % percentile bootstrap interval
over query actors; every method's paired difference to maillage with its interval, a method
"winning" only where that interval excludes 0. Newcomers (queries with at most one earlier tie)
are reported apart, and so are renewals (pairs tied before and again), ranked among the actor's
past partners with "repeat past ties" (most ties first) as their baseline.

References
----------
.. [1] D. Liben-Nowell and J. Kleinberg, "The link-prediction problem for social networks",
   JASIST 58(7), 2007.
.. [2] Y. Yang, R. N. Lichtenwalter and N. V. Chawla, "Evaluating link prediction methods",
   Knowledge and Information Systems 45, 2015 (temporal splits, every non-partner ranked, hard
   negatives, the pitfalls of AUC).
.. [3] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall, 1993.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..errors import UsageError
from ..i18n import _
from ..model import parse_date
from .pairfeatures import FEATURES, PairContext, split_ties
from .ranking import INDEX_METHODS, fit_ranker, fold_queries

__all__ = ["evaluate", "METHODS", "MEASURES", "MAX_QUERIES"]

METHODS = ("maillage", *INDEX_METHODS, "attributes_only", "random")
RENEWAL_METHODS = ("maillage", "repeat_past_ties", "latest_past_tie", "adamic_adar", "random")
MEASURES = ("precision", "recall", "mrr", "auc", "auc_hard")
MAX_QUERIES = 2000
_ATTRIBUTE_WEIGHTS = {"complementarity": 0.35, "themes": 0.15, "territory": 0.15}  # and 0.10 across sectors


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank (1 = first) of each candidate: higher score first, ties broken by position (id order)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def _auc(scores: np.ndarray, truth: np.ndarray, negatives: np.ndarray) -> float:
    """Probability that a true partner outscores a negative (ties count half); NaN without negatives."""
    positive, negative = scores[truth], np.sort(scores[negatives])
    if not len(positive) or not len(negative):
        return float("nan")
    below = np.searchsorted(negative, positive, side="left")
    equal = np.searchsorted(negative, positive, side="right") - below
    return float((below + 0.5 * equal).sum() / (len(positive) * len(negative)))


def _measure(scores: np.ndarray, truth: np.ndarray, hard: np.ndarray, k: int) -> list[float]:
    ranks = _ranks(scores)
    hits = ranks[truth]
    negatives = ~truth
    return [float((hits <= k).sum()) / k, float((hits <= k).sum()) / max(int(truth.sum()), 1),
            1.0 / hits.min(), _auc(scores, truth, negatives), _auc(scores, truth, hard & negatives)]


def _method_scores(method: str, x: np.ndarray, ranker, context, u, pool, rng, extra) -> np.ndarray:
    if method == "maillage":
        return ranker.score_features(x)
    if method in extra:
        return extra[method].score_features(x)
    if method in INDEX_METHODS:
        return x[:, FEATURES.index(INDEX_METHODS[method])]
    if method == "attributes_only":
        parts = sum(weight * x[:, FEATURES.index(name)] for name, weight in _ATTRIBUTE_WEIGHTS.items())
        return parts + 0.10 * (1 - x[:, FEATURES.index("same_kind")])
    return rng.random(len(pool))


def _interval(values: np.ndarray, samples: np.ndarray) -> dict:
    """Mean and 95 % percentile bootstrap interval of per-query values (NaN queries left out)."""
    kept = ~np.isnan(values)
    if not kept.any():
        return {"mean": None, "low": None, "high": None, "n": 0}
    filled = np.where(kept, values, 0.0)
    sums, counts = filled[samples].sum(axis=1), kept[samples].sum(axis=1)
    means = sums[counts > 0] / counts[counts > 0]
    low, high = np.percentile(means, [2.5, 97.5]) if len(means) else (np.nan, np.nan)
    return {"mean": round(float(values[kept].mean()), 4), "low": round(float(low), 4),
            "high": round(float(high), 4), "n": int(kept.sum())}


def _summary(table: dict, methods, samples, baseline: str | None) -> dict:
    """Per method and measure, the mean with its interval; per method, the paired difference."""
    out = {"methods": {m: {name: _interval(table[m][:, i], samples) for i, name in enumerate(MEASURES)}
                       for m in methods}}
    if baseline:
        out["differences"] = {}
        for m in methods:
            if m == baseline:
                continue
            cells = {}
            for i, name in enumerate(MEASURES):
                cell = _interval(table[m][:, i] - table[baseline][:, i], samples)
                cell["excludes_0"] = cell["n"] > 0 and (cell["low"] > 0 or cell["high"] < 0)
                cells[name] = cell
            out["differences"][m] = cells
    return out


def _renewals(context: PairContext, graph, end, before_index) -> dict:
    """Query → partners it was tied to before and ties with again in [at, end)."""
    found: dict[int, set] = {}
    for u, v, start in split_ties(graph, context.at)[1]:
        if end is not None and start is not None and str(start) >= end:
            continue
        i, j = before_index[u], before_index[v]
        if context.adjacency[i, j]:
            found.setdefault(i, set()).add(j)
            found.setdefault(j, set()).add(i)
    return found


def _suggested(graph) -> list[str]:
    """Cut-offs at the 50th and 75th percentiles of the graph's dated ties."""
    days = sorted(str(d.get("start"))[:10] for *_, d in graph.edges(data=True) if d.get("start"))
    return sorted({days[int(len(days) * q)] for q in (0.5, 0.75)}) if len(days) >= 4 else []


def _fold(graph, start, end, k, seed, bootstrap, ranker, extra) -> dict:
    context = PairContext(graph, start, seed=seed)
    future = fold_queries(context, graph, end)
    renewed = _renewals(context, graph, end, context.index)
    rng = np.random.default_rng(seed)
    head = {"start": start, "end": end, "training_ties": int(context.counts.sum() // 2),
            "new_pairs": sum(len(v) for v in future.values()) // 2,
            "renewed_pairs": sum(len(v) for v in renewed.values()) // 2}
    queries = sorted(future)
    sampled = len(queries) > MAX_QUERIES
    if sampled:
        queries = sorted(rng.choice(queries, MAX_QUERIES, replace=False).tolist())
    head.update(queries=len(queries), queries_with_new_ties=len(future), sampled=sampled)
    if len(queries) < 2:
        return dict(head, status="too_few_queries", suggested_cut_offs=_suggested(graph))
    ranker = ranker or fit_ranker(graph, start, seed=seed)
    head["ranker"] = ranker.describe()
    present = np.flatnonzero(context.present())
    methods = METHODS + tuple(extra)
    table = {m: np.zeros((len(queries), len(MEASURES))) for m in methods}
    for row, u in enumerate(queries):
        pool = np.setdiff1d(present, np.r_[context.adjacency.getrow(u).indices, u])
        x = context.features(u, pool)
        truth = np.isin(pool, list(future[u]))
        hard = x[:, FEATURES.index("distance")] == 2
        for m in methods:
            table[m][row] = _measure(_method_scores(m, x, ranker, context, u, pool, rng, extra), truth, hard, k)
    samples = rng.integers(0, len(queries), size=(bootstrap, len(queries)))
    result = dict(head, status="ok", **_summary(table, methods, samples, "maillage"))
    newcomers = np.array([context.degree[u] <= 1 for u in queries])
    if newcomers.sum() >= 2:
        picked = np.flatnonzero(newcomers)
        sub = {m: table[m][picked] for m in methods}
        result["newcomers"] = dict(queries=int(len(picked)), **_summary(
            sub, methods, rng.integers(0, len(picked), size=(bootstrap, len(picked))), "maillage"))
    result["renewals"] = _renewal_summary(context, renewed, ranker, k, rng, bootstrap)
    return result


def _renewal_summary(context, renewed, ranker, k, rng, bootstrap) -> dict:
    queries = sorted(renewed)
    if len(queries) < 2:
        return {"queries": len(queries)}
    table = {m: np.zeros((len(queries), len(MEASURES))) for m in RENEWAL_METHODS}
    for row, u in enumerate(queries):
        pool = context.adjacency.getrow(u).indices
        x = context.features(u, pool)
        truth = np.isin(pool, list(renewed[u]))
        no_hard = np.zeros(len(pool), dtype=bool)
        scores = {"maillage": ranker.score_features(x), "repeat_past_ties": x[:, FEATURES.index("past_ties")],
                  "latest_past_tie": -np.nan_to_num(x[:, FEATURES.index("since_pair")], nan=1e9),
                  "adamic_adar": x[:, FEATURES.index("adamic_adar")], "random": rng.random(len(pool))}
        for m in RENEWAL_METHODS:
            table[m][row] = _measure(scores[m], truth, no_hard, k)
    samples = rng.integers(0, len(queries), size=(bootstrap, len(queries)))
    return dict(queries=len(queries), **_summary(table, RENEWAL_METHODS, samples, "repeat_past_ties"))


def evaluate(graph: nx.MultiGraph, before, k: int = 10, seed: int = 42, bootstrap: int = 1000,
             ranker=None, extra: dict | None = None) -> dict:
    """Backtest the ranking against the partnerships that formed after each date in ``before``.

    Parameters
    ----------
    graph : networkx.MultiGraph
        A projection whose ties carry ``start`` dates.
    before : str or list of str
        Cut-off dates; with several, each fold's new ties end at the next cut-off (rolling split).
    k : int
        Cut-off rank of precision@k and recall@k.
    seed : int
        Seed of the query sample (past :data:`MAX_QUERIES`), of ``random`` and of the bootstrap.
    bootstrap : int
        Bootstrap resamples of the query actors for the 95 % intervals.
    ranker : Ranker, optional
        Ranks as maillage instead of the one :func:`.ranking.fit_ranker` chooses from each fold's past.
    extra : dict, optional
        More rankers to compare (name → Ranker), as methods of their own.

    Returns
    -------
    dict
        ``folds``: per cut-off, its counts, ``status`` ("ok", or "too_few_queries" with
        ``suggested_cut_offs``), the ranker used, and per method and measure the mean with its
        interval (``methods``), the paired differences to maillage (``differences``),
        ``newcomers`` and ``renewals`` apart.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph()
    >>> G.add_edges_from([("a", "b", {"start": "2010-01-01"}), ("b", "c", {"start": "2010-01-01"}),
    ...                   ("c", "d", {"start": "2010-01-01"}), ("a", "c", {"start": "2020-01-01"}),
    ...                   ("b", "d", {"start": "2020-01-01"})])
    [0, 0, 0, 0, 0]
    >>> fold = evaluate(G, "2015-01-01", k=1, bootstrap=10)["folds"][0]
    >>> fold["queries"], fold["methods"]["common_neighbours"]["precision"]["mean"]
    (4, 1.0)
    """
    if graph is None:
        raise UsageError(_("evaluate needs a graph, got None"))
    dates = [before] if isinstance(before, str) else list(before)
    if not dates:
        raise UsageError(_("evaluate needs at least one cut-off date"))
    try:
        dates = sorted({parse_date(date) for date in dates})
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if k < 1:
        raise UsageError(_("k must be at least 1, got {k}").format(k=k))
    if bootstrap < 1:
        raise UsageError(_("bootstrap must be at least 1, got {count}").format(count=bootstrap))
    folds = [_fold(graph, start, dates[i + 1] if i + 1 < len(dates) else None, k, seed, bootstrap, ranker, extra or {})
             for i, start in enumerate(dates)]
    return {"scope": graph.graph.get("scope", {}), "k": k, "bootstrap": bootstrap, "seed": seed,
            "max_queries": MAX_QUERIES, "folds": folds}

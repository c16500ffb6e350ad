"""The learned ranking of candidate partners: trained on a store's own history, checked before use.

A territory's dated ties are cut into folds ending at the date the ranking is for: for each
cut-off ``c`` (half a year apart, six at most; closer on a shorter history), the ties begun before
``c`` are the graph the features (:mod:`.pairfeatures`) are computed on, and the pairs first tied
from ``c`` to that date are the positives; each actor that formed one is a query, and its
negatives are non-partners drawn at random plus non-partners two steps away (the hard ones, so
the model learns what separates a friend of a friend who partners from one who does not). A
gradient boosted tree ranking model (LightGBM, LambdaRank: it optimises the order within each
query, which is what precision@k and MRR measure) is trained on the earlier folds and compared,
on the most recent fold, with every single classic index ranking every non-partner: if an index ranks better there
(mean reciprocal rank), that index is the ranking and the output says so; otherwise the model is
refitted on all folds and used. With too little history (fewer than :data:`MIN_POSITIVES` new
pairs or :data:`MIN_QUERIES` queries in the folds) the model shipped with maillage ranks —
trained on a real dated network of organisations (EU Horizon 2020 co-participations, see
``maillage/data/ranker/default.json``) — and the output says so too.

Why LightGBM: trees need no feature scaling, take missing values (an actor with no dated tie) as
they are, capture the interactions the indices miss (a common partner matters more between
actors of kinds that tie often), and give each prediction's exact additive contributions
(TreeSHAP, ``pred_contrib``): the reasons are worded from them. Its text model format is
portable across versions and platforms, so a model can be shipped and read back.

References
----------
.. [1] R. N. Lichtenwalter, J. T. Lussier and N. V. Chawla, "New perspectives and methods in link
   prediction", KDD 2010.
.. [2] G. Ke et al., "LightGBM: a highly efficient gradient boosting decision tree", NeurIPS 2017.
.. [3] S. M. Lundberg et al., "From local explanations to global understanding with explainable AI
   for trees", Nature Machine Intelligence 2, 2020 (TreeSHAP).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..i18n import _
from .pairfeatures import FEATURES, PairContext, split_ties

__all__ = ["Ranker", "fit_ranker", "default_ranker", "fold_queries", "history_rows", "train", "INDEX_METHODS", "MIN_POSITIVES",
           "MIN_QUERIES", "training_rows"]

INDEX_METHODS = {"common_neighbours": "common_neighbours", "adamic_adar": "adamic_adar",
                 "resource_allocation": "resource_allocation", "jaccard": "jaccard",
                 "preferential_attachment": "preferential_attachment", "katz": "katz"}
MIN_POSITIVES, MIN_QUERIES = 200, 30
SPACING_DAYS, FOLDS = 182.5, 6
RANDOM_NEGATIVES, HARD_NEGATIVES = 1000, 100
VALIDATION_QUERIES = 500
VALIDATION_FOLD = 1  # in the cut-offs, most recent first: a year before the date ranked for
PARAMS = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 40,
          "lambda_l2": 1.0, "feature_fraction": 1.0, "num_threads": 1, "deterministic": True,
          "force_row_wise": True, "seed": 0, "verbose": -1}
ROUNDS = 200
DEFAULT = Path(__file__).resolve().parent.parent / "data" / "ranker"


@dataclass
class Ranker:
    """A ranking of candidates: a LightGBM model, or one feature (a classic index) alone."""

    kind: str  # "model" or "index"
    name: str  # the index's feature, or "learned"
    source: str  # "store" (trained on this store's folds) or "default" (shipped)
    model: object = None
    report: dict = field(default_factory=dict)

    def score(self, context: PairContext, u: int, candidates, resources=None) -> np.ndarray:
        """Scores of (u, v) for each candidate v: higher ranks first."""
        return self.score_features(context.features(u, candidates, resources))

    def score_features(self, x: np.ndarray) -> np.ndarray:
        """Scores of pairs whose :data:`FEATURES` are already computed (rows of ``x``)."""
        if self.kind == "index":
            return x[:, FEATURES.index(self.name)]
        return self.model.predict(x, raw_score=True)

    def contributions(self, context: PairContext, u: int, candidates, resources=None) -> np.ndarray:
        """Per candidate, each feature's additive part of its score (the model's bias left out)."""
        x = context.features(u, candidates, resources)
        if self.kind == "index":
            out = np.zeros_like(x)
            out[:, FEATURES.index(self.name)] = x[:, FEATURES.index(self.name)]
            return out
        return np.asarray(self.model.predict(x, pred_contrib=True))[:, :len(FEATURES)]

    def describe(self) -> dict:
        return {"kind": self.kind, "name": self.name, "source": self.source, **self.report}


def _booster(x: np.ndarray, y: np.ndarray, groups: list[int]):
    import lightgbm

    data = lightgbm.Dataset(x, label=y, group=groups, feature_name=list(FEATURES), free_raw_data=True)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def default_ranker() -> Ranker:
    """The model shipped with maillage (see ``maillage/data/ranker/default.json`` for what it learnt from)."""
    import lightgbm

    meta_path, model_path = DEFAULT / "default.json", DEFAULT / "default.txt"
    if not model_path.exists():
        raise DataError(_("the default ranking model is missing from this install ({path})").format(path=model_path))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if tuple(meta.get("features", ())) != FEATURES:
        raise DataError(_("the default ranking model was trained on other features; reinstall maillage"))
    return Ranker("model", "learned", "default", lightgbm.Booster(model_str=model_path.read_text(encoding="utf-8")),
                  {"trained_on": meta.get("trained_on")})


def _date(day: float) -> str:
    return dt.date.fromordinal(int(day)).isoformat()


def _cutoffs(graph, at: str) -> list[str]:
    """Fold cut-offs before ``at``, most recent first, each with dated history before it."""
    before, _after = split_ties(graph, at)
    days = sorted(dt.date.fromisoformat(str(s)[:10]).toordinal() for *_, s in before if s and len(str(s)) >= 10)
    if not days:
        return []
    end = dt.date.fromisoformat(at[:10]).toordinal()
    spacing = min(SPACING_DAYS, (end - days[0]) / (FOLDS + 1))
    if spacing < 1:
        return []
    return [_date(end - k * spacing) for k in range(1, FOLDS + 1)]


def fold_queries(context: PairContext, graph, end: str | None) -> dict:
    """Query actor (int id) → its new partners (int ids) in [context.at, end): pairs not tied before."""
    present = context.present()
    future: dict[int, set] = {}
    adjacency = context.adjacency
    for u, v, start in split_ties(graph, context.at)[1]:
        if end is not None and start is not None and str(start) >= end:
            continue
        i, j = context.index[u], context.index[v]
        if present[i] and present[j] and not adjacency[i, j]:
            future.setdefault(i, set()).add(j)
            future.setdefault(j, set()).add(i)
    return future


def training_rows(context: PairContext, future: dict, rng: np.random.Generator):
    """Features, labels and query sizes: every positive of each query, random and hard negatives.

    Random negatives are drawn from every non-partner (as the ranking will face them), hard ones
    from those two steps away on top.
    """
    present = np.flatnonzero(context.present())
    distance = FEATURES.index("distance")
    xs, ys, groups = [], [], []
    for u in sorted(future):
        positives = sorted(future[u])
        excluded = np.r_[context.adjacency.getrow(u).indices, u, positives]
        pool = np.setdiff1d(present, excluded)
        if not len(pool):
            continue
        hard = pool[context.features(u, pool)[:, distance] == 2]
        chosen = np.union1d(rng.permutation(hard)[:HARD_NEGATIVES], rng.permutation(pool)[:RANDOM_NEGATIVES])
        xs.append(context.features(u, np.r_[positives, chosen]))
        ys.append(np.r_[np.ones(len(positives)), np.zeros(len(chosen))])
        groups.append(len(positives) + len(chosen))
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0), []
    return np.vstack(xs), np.concatenate(ys), groups


def _stack(parts: list):
    return (np.vstack([x for x, _y, _g in parts]), np.concatenate([y for _x, y, _g in parts]),
            [size for *_xy, g in parts for size in g])


def _mrr(context: PairContext, future: dict, scorer, rng) -> float:
    """Mean reciprocal rank of the first new partner, every present non-partner ranked."""
    present = np.flatnonzero(context.present())
    queries = sorted(future)
    if len(queries) > VALIDATION_QUERIES:
        queries = sorted(rng.choice(queries, VALIDATION_QUERIES, replace=False).tolist())
    total = 0.0
    for u in queries:
        neighbours = context.adjacency.getrow(u).indices
        pool = np.setdiff1d(present, np.r_[neighbours, u])
        scores = scorer(u, pool)
        truth = np.isin(pool, list(future[u]))
        best = scores[truth].max()
        rank = 1 + (scores > best).sum() + 0.5 * ((scores == best).sum() - 1)  # ties: the mean rank
        total += 1 / rank
    return total / max(len(queries), 1)


def fit_ranker(graph, at: str, seed: int = 0) -> Ranker:
    """Train, check and choose the ranking for ``graph`` as of ``at`` (see the module's text).

    Examples
    --------
    >>> import networkx as nx
    >>> fit_ranker(nx.MultiGraph([("a", "b", {"start": "2020-01-01"})]), "2021-01-01").source
    'default'
    """
    rng = np.random.default_rng(seed)
    contexts = [(cut, PairContext(graph, cut, seed=seed)) for cut in _cutoffs(graph, at)]
    folds = [(cut, context, fold_queries(context, graph, at)) for cut, context in contexts]
    positives = [sum(len(v) for v in f.values()) // 2 for *_, f in folds]
    queries = [len(f) for *_, f in folds]
    report = {"folds": [{"cut_off": c, "new_pairs": p, "queries": q} for (c, *_), p, q in zip(folds, positives, queries)],
              "min_positives": MIN_POSITIVES, "min_queries": MIN_QUERIES}
    if len(folds) < VALIDATION_FOLD + 2 or sum(positives[VALIDATION_FOLD + 1:]) < MIN_POSITIVES \
            or sum(queries[VALIDATION_FOLD + 1:]) < MIN_QUERIES or queries[VALIDATION_FOLD] < MIN_QUERIES // 3:
        ranker = default_ranker()
        ranker.report.update(report, reason="too_little_history")
        return ranker
    # validation: the fold a year before ``at``, against a model whose labels stop where it starts
    held, context, future = folds[VALIDATION_FOLD]
    train = [training_rows(earlier, fold_queries(earlier, graph, held), rng) for cut, earlier in contexts
             if cut < held]
    candidate = Ranker("model", "learned", "store", _booster(*_stack(train)))
    validation = {"learned": _mrr(context, future, lambda u, v: candidate.score(context, u, v), rng)}
    for name in INDEX_METHODS:
        column = FEATURES.index(name)
        validation[name] = _mrr(context, future, lambda u, v: context.features(u, v)[:, column], rng)
    best_index = max(INDEX_METHODS, key=lambda name: (validation[name], name))
    report.update(validation_mrr={k: round(float(v), 4) for k, v in sorted(validation.items())},
                  best_index=best_index, validation_cut_off=held)
    if validation[best_index] > validation["learned"]:
        return Ranker("index", best_index, "store", None, dict(report, reason="index_won_validation"))
    final = _booster(*_stack([training_rows(c, f, rng) for _cut, c, f in folds]))
    return Ranker("model", "learned", "store", final, dict(report, reason="model_won_validation"))

def history_rows(graph, at: str, seed: int = 0):
    """Training rows of every fold of ``graph`` before ``at`` (for a model trained elsewhere, as the
    default one is): features, labels, query sizes."""
    rng = np.random.default_rng(seed)
    parts = []
    for cut in _cutoffs(graph, at):
        context = PairContext(graph, cut, seed=seed)
        parts.append(training_rows(context, fold_queries(context, graph, at), rng))
    return _stack(parts) if parts else (np.zeros((0, len(FEATURES))), np.zeros(0), [])


def train(rows) -> object:
    """A LightGBM ranking model on (features, labels, query sizes), with :data:`PARAMS`."""
    return _booster(*rows)

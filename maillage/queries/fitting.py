"""Learn the allies score's weights from a territory's own dated partnerships.

For every cut-off but the last, partnerships begun before it form the training graph; for a
sample of actors that formed a new tie afterwards, each candidate maillage would score gets its
score parts (complementarity, themes, territory, network, cross-sector) as features and, as label,
whether the tie really formed. An L2-regularised logistic regression on these rows (scipy's
L-BFGS) gives one weight per part. The last fold is held out: the fitted and the default weights
are both backtested on it, and the gain is reported — the fit is kept only for what it shows there.

Weights are written as JSON (``{"allies": {...}, "gaps": {...}}``); ``gaps`` reuses them for its
parts of the same meaning (fit ← complementarity, themes, territory, network).

References
----------
.. [1] T. Hastie, R. Tibshirani and J. Friedman, *The Elements of Statistical Learning*, 2nd ed.,
   Springer, 2009, §4.4 (regularised logistic regression).
.. [2] R. N. Lichtenwalter, J. T. Lussier and N. V. Chawla, "New perspectives and methods in link
   prediction", KDD 2010 (supervised link prediction on temporal splits).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import networkx as nx

from ..errors import DataError, UsageError
from ..model import parse_date
from .allies import WEIGHTS, score_candidates
from .evaluate import _split, evaluate
from ..i18n import _

__all__ = ["fit_weights", "read_weights", "write_weights", "PARTS"]

PARTS = tuple(WEIGHTS)
_GAPS_PARTS = {"fit": "complementarity", "themes": "themes", "territory": "territory", "network": "network"}


def _rows(graph: nx.MultiGraph, start: str, end: str | None, queries: int, rng: random.Random):
    """(features, label) for every candidate of the sampled actors of one fold."""
    train, future = _split(graph, start, end)
    asked = sorted((n for n in future if train.degree(n) > 0), key=str)
    features, labels = [], []
    for node in rng.sample(asked, min(queries, len(asked))):
        for other, (_score, parts) in sorted(score_candidates(train, node).items(), key=lambda item: str(item[0])):
            features.append([parts[name] for name in PARTS])
            labels.append(1.0 if other in future[node] else 0.0)
    return features, labels


def _logistic(features, labels, penalty: float):
    """Coefficients of an L2-regularised logistic regression (intercept free of the penalty)."""
    import numpy as np
    from scipy.optimize import minimize

    x = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    x = np.hstack([x, np.ones((len(x), 1))])

    def loss(w):
        z = x @ w
        value = np.sum(np.logaddexp(0.0, z) - y * z) / len(y) + penalty * np.sum(w[:-1] ** 2)
        gradient = x.T @ (1.0 / (1.0 + np.exp(-z)) - y) / len(y)
        gradient[:-1] += 2 * penalty * w[:-1]
        return value, gradient

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def fit_weights(graph: nx.MultiGraph, before, queries: int = 300, seed: int = 42, penalty: float = 0.01,
                k: int = 10) -> dict:
    """Fit the allies score's weights on the folds before the last cut-off, and test them on the last.

    Parameters
    ----------
    graph : networkx.MultiGraph
        A projection whose ties carry ``start`` dates.
    before : list of str
        At least two cut-off dates (rolling folds); the last fold is held out.
    queries, seed : int
        Actors sampled per fold, and the seed of the sample.
    penalty : float
        L2 penalty on the weights.
    k : int
        Cut-off rank of the held-out precision and recall.

    Returns
    -------
    dict
        ``weights`` ({"allies": …, "gaps": …}), ``training`` (rows, positives, folds), ``held_out``
        (the last fold's start, the default and fitted measures, and the gain per measure).

    Examples
    --------
    >>> from maillage.synthetic import planted_ecosystem
    >>> result = fit_weights(planted_ecosystem(300, seed=2), ["2016-01-01", "2019-01-01", "2022-01-01"], queries=60)
    >>> sorted(result["weights"]["allies"]) == sorted(PARTS), set(result["held_out"]["gain"]) >= {"auc", "mrr"}
    (True, True)
    """
    if graph is None:
        raise UsageError(_("fit_weights needs a graph, got None"))
    try:
        dates = sorted(parse_date(date) for date in ([before] if isinstance(before, str) else before))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if len(dates) < 2:
        raise UsageError(_("--fit needs at least two --before dates: the folds before the last train, the last tests"))
    rng, features, labels = random.Random(seed), [], []
    for i, start in enumerate(dates[:-1]):
        rows, marks = _rows(graph, start, dates[i + 1], queries, rng)
        features += rows
        labels += marks
    positives = int(sum(labels))
    if positives == 0 or positives == len(labels):
        raise DataError(_("no partnership formed among the scored candidates before the last cut-off: "
                        "nothing to learn the weights from"))
    coefficients = _logistic(features, labels, penalty)[:-1]
    scale = sum(abs(c) for c in coefficients) or 1.0
    allies_weights = {name: round(float(c) / scale, 4) for name, c in zip(PARTS, coefficients)}
    held = dates[-1]
    default = evaluate(graph, [held], k=k, queries=queries, seed=seed)["mean"]["maillage"]
    if not default:
        raise DataError(_("no partnership began from {held} on between actors already tied before: nothing to test the fitted weights on (give an earlier last --before)").format(held=held))
    fitted = evaluate(graph, [held], k=k, queries=queries, seed=seed, weights=allies_weights)["mean"]["maillage"]
    return {
        "weights": {"allies": allies_weights, "gaps": gaps_weights(allies_weights)},
        "training": {"folds": [f"{a} → {b}" for a, b in zip(dates[:-1], dates[1:])],
                     "rows": len(labels), "positives": positives, "penalty": penalty},
        "held_out": {"start": held, "default": default, "fitted": fitted,
                     "gain": {m: round(fitted[m] - default[m], 4) for m in default}},
    }


def gaps_weights(allies_weights: dict) -> dict:
    """The gap analysis's weights from the allies ones (same-meaning parts), non-negative, summing to 1."""
    raw = {name: max(allies_weights.get(part, 0.0), 0.0) for name, part in _GAPS_PARTS.items()}
    total = sum(raw.values())
    return {name: round(value / total, 4) for name, value in raw.items()} if total else {}


def write_weights(result: dict, path: str | Path) -> None:
    from ..views.output import atomic_output

    with atomic_output(path) as handle:
        handle.write(json.dumps({**result["weights"], "held_out": result["held_out"], "training": result["training"]},
                                ensure_ascii=False, indent=1, sort_keys=True))


def read_weights(path: str | Path) -> dict:
    """``{"allies": {...}, "gaps": {...}}`` from a file ``evaluate --fit`` wrote; errors name the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(_("{path}: not a weights file ({exc})").format(path=path, exc=exc), file=str(path), line=1) from None
    allies_weights = data.get("allies") if isinstance(data, dict) else None
    if not isinstance(allies_weights, dict) or set(allies_weights) - set(PARTS) or not all(
            isinstance(v, (int, float)) and math.isfinite(v) for v in allies_weights.values()):
        raise DataError(_('{path}: expected {{"allies": {{{join}: number}}}}').format(path=path, join=', '.join(PARTS)), file=str(path), line=1)
    return {"allies": allies_weights, "gaps": data.get("gaps") or gaps_weights(allies_weights)}

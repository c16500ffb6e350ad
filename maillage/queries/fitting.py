"""Train the ranking on a store's own history, and keep it only if the held-out period says it is better.

:func:`fit_model` trains the ranking :func:`.ranking.fit_ranker` chooses on the history before
the last cut-off, and backtests it there (:func:`.evaluate.evaluate`, same protocol) against the
model shipped with maillage, query by query: the gain in MRR comes with its 95 % paired bootstrap
interval. The model is written (:func:`write_model`) only when the gain is positive, unless
forced; what is written is the same procedure trained on the whole history. ``allies``, ``gaps``
and ``evaluate`` read it back with ``--model`` (:func:`read_model`).

References
----------
.. [1] R. N. Lichtenwalter, J. T. Lussier and N. V. Chawla, "New perspectives and methods in link
   prediction", KDD 2010 (supervised link prediction on temporal splits).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import networkx as nx

from ..errors import DataError, UsageError
from ..i18n import _
from ..model import parse_date
from .evaluate import evaluate
from .ranking import INDEX_METHODS, Ranker, default_ranker, fit_ranker

__all__ = ["fit_model", "write_model", "read_model"]

FORMAT = "maillage-ranker"


def _last_day(graph) -> str:
    days = [str(d["start"])[:10] for *_, d in graph.edges(data=True) if d.get("start")]
    if not days:
        raise DataError(_("no partnership of this scope is dated: nothing to learn a ranking from"))
    return (dt.date.fromisoformat(max(days)) + dt.timedelta(days=1)).isoformat()


def fit_model(graph: nx.MultiGraph, before, seed: int = 42, force: bool = False, bootstrap: int = 1000) -> dict:
    """Fit on the history before the last cut-off, test on what followed, refit on everything.

    Returns
    -------
    dict
        ``held_out`` (the cut-off), ``ranker`` (what was trained, and why), ``gain`` (MRR of
        the fitted ranking minus the shipped model's, mean and 95 % interval over the queries),
        ``written`` (whether :func:`write_model` should keep it) and ``final`` (the ranker
        trained on the whole history, to write).
    """
    if graph is None:
        raise UsageError(_("fit needs a graph, got None"))
    try:
        held = max(parse_date(date) for date in ([before] if isinstance(before, str) else before))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    candidate = fit_ranker(graph, held, seed=seed)
    if candidate.source == "default":
        raise DataError(_("too little history before {held} to train a ranking: the shipped model stays (it needs "
                          "{count} new pairs in the folds before it)").format(
            held=held, count=candidate.report.get("min_positives")))
    fold = evaluate(graph, held, seed=seed, bootstrap=bootstrap, ranker=candidate,
                    extra={"shipped_model": default_ranker()})["folds"][0]
    if fold["status"] != "ok":
        raise DataError(_("no new partnership formed from {held} on: nothing to test the fitted ranking on "
                          "(give an earlier --before)").format(held=held))
    shipped = fold["differences"]["shipped_model"]["mrr"]
    gain = {"mean": -shipped["mean"], "low": -shipped["high"], "high": -shipped["low"]}
    better = gain["mean"] > 0
    final = fit_ranker(graph, _last_day(graph), seed=seed) if (better or force) else None
    return {"held_out": held, "ranker": candidate.describe(), "gain": gain, "written": bool(better or force),
            "forced": bool(force and not better), "final": final}


def write_model(result: dict, path: str | Path) -> None:
    """Write the refitted ranker (a LightGBM model as text, or the index's name) with its report."""
    from ..views.output import atomic_output

    ranker: Ranker = result["final"]
    document = {"format": FORMAT, "version": 1, "kind": ranker.kind, "name": ranker.name, "report": ranker.report,
                "held_out": {"cut_off": result["held_out"], "mrr_gain": result["gain"]},
                "model": ranker.model.model_to_string() if ranker.kind == "model" else None}
    with atomic_output(path) as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True, default=float))


def read_model(path: str | Path) -> Ranker:
    """The ranker ``evaluate --fit`` wrote; errors name the file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(_("{path}: not a ranking model file ({exc})").format(path=path, exc=exc),
                        file=str(path), line=1) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("kind") not in (
            "model", "index"):
        raise DataError(_("{path}: not a ranking model file (written by `maillage evaluate --fit`)").format(
            path=path), file=str(path), line=1)
    model = None
    if document["kind"] == "model":
        import lightgbm

        try:
            model = lightgbm.Booster(model_str=document.get("model") or "")
        except lightgbm.basic.LightGBMError as exc:
            raise DataError(_("{path}: the model in it cannot be read ({exc})").format(path=path, exc=exc),
                            file=str(path), line=1) from None
    elif document.get("name") not in INDEX_METHODS:
        raise DataError(_("{path}: unknown index {name!r}").format(path=path, name=document.get("name")),
                        file=str(path), line=1)
    return Ranker(document["kind"], document.get("name") or "learned", "store", model, document.get("report") or {})

"""The backtest (``maillage evaluate``) as lines of text, in the run's language.

Every measure is shown with its 95 % interval; a method's difference to maillage is marked as a
win or a loss only where its paired interval excludes 0.
"""

from __future__ import annotations

from .queries.outcomes import outcome_label
from .i18n import _, date_text, join, ngettext, number, percent

__all__ = ["evaluate_lines", "ranker_line", "method_name"]


def method_name(method: str) -> str:
    return {"maillage": _("maillage"), "attributes_only": _("attributes only (no network)"),
            "common_neighbours": _("common partners"), "adamic_adar": "Adamic–Adar",
            "resource_allocation": _("resource allocation"), "jaccard": "Jaccard",
            "preferential_attachment": _("preferential attachment"), "katz": "Katz",
            "random": _("chance"), "repeat_past_ties": _("repeat past ties"),
            "latest_past_tie": _("latest past tie first"), "learned": _("learned model"),
            "shipped_model": _("model shipped with maillage")}.get(method, method)


def ranker_line(ranker: dict) -> str:
    """Which ranking maillage used, and why, in one sentence."""
    if ranker.get("source") == "default":
        return _("Ranked by the model shipped with maillage (trained on EU Horizon 2020 co-participations, a real "
                 "dated network of organisations): this history is too short to train one (at least {positives} new "
                 "pairs and {queries} actors needed in its folds).").format(
            positives=number(ranker.get("min_positives", 0)),
            queries=number(ranker.get("min_queries", 0)))
    if ranker.get("kind") == "index":
        return _("Ranked by {index}: on the last year of this history, held out, it ranked better than the learned "
                 "model (MRR {index_mrr} against {model_mrr}).").format(
            index=method_name(ranker["name"]), index_mrr=number(ranker["validation_mrr"][ranker["name"]], 3),
            model_mrr=number(ranker["validation_mrr"]["learned"], 3))
    folds = ranker.get("folds") or []
    return _("Ranked by a model trained on this history ({folds} folds, {pairs} new pairs); on the last year of it, "
             "held out, it beat the best single index, {index} (MRR {model_mrr} against {index_mrr}).").format(
        folds=number(len(folds)), pairs=number(sum(f["new_pairs"] for f in folds)),
        index=method_name(ranker.get("best_index", "")),
        model_mrr=number(ranker.get("validation_mrr", {}).get("learned", 0), 3),
        index_mrr=number(ranker.get("validation_mrr", {}).get(ranker.get("best_index"), 0), 3))


def _cell(cell: dict) -> str:
    if cell["mean"] is None:
        return "—"
    return f"{number(cell['mean'], 3)} [{number(cell['low'], 3)}–{number(cell['high'], 3)}]"


def _difference(cell: dict) -> str:
    if cell["mean"] is None:
        return "—"
    mark = (" " + (_("worse") if cell["high"] < 0 else _("better"))) if cell["excludes_0"] else ""
    return f"{cell['mean']:+.3f} [{cell['low']:+.3f}, {cell['high']:+.3f}]{mark}"


def _table(rows: list[list[str]], headers: list[str]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    return out + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _measures_table(block: dict, k: int) -> list[str]:
    headers = [_("method"), _("precision@{k}").format(k=k), _("recall@{k}").format(k=k), "MRR", "AUC",
               _("AUC, hard negatives")]
    rows = [[method_name(m)] + [_cell(cells[name]) for name in ("precision", "recall", "mrr", "auc", "auc_hard")]
            for m, cells in block["methods"].items()]
    return _table(rows, headers)


def _differences_table(block: dict, k: int, against: str) -> list[str]:
    headers = [_("difference to {method}").format(method=method_name(against)), _("precision@{k}").format(k=k),
               "MRR", "AUC", _("AUC, hard negatives")]
    rows = [[method_name(m)] + [_difference(cells[name]) for name in ("precision", "mrr", "auc", "auc_hard")]
            for m, cells in block["differences"].items()]
    return _table(rows, headers)


def _fold_lines(fold: dict, k: int) -> list[str]:
    counts = dict(known=number(fold["training_ties"]), new=number(fold["new_pairs"]),
                  renewed=number(fold["renewed_pairs"]), queries=number(fold["queries"]))
    if fold["end"]:
        head = _("From {start} to {end}: {known} ties before, {new} new pairs, {renewed} renewed; {queries} "
                 "actors asked.").format(start=date_text(fold["start"]), end=date_text(fold["end"]), **counts)
    else:  # « du … au la dernière date » reads wrong: an open fold has a sentence of its own
        head = _("From {start} on: {known} ties before, {new} new pairs, {renewed} renewed; {queries} "
                 "actors asked.").format(start=date_text(fold["start"]), **counts)
    lines = [head]
    if fold["status"] != "ok":
        # in words for reading, with the option to type beside each
        suggested = join([f"{date_text(day)} (--before {day})" for day in fold.get("suggested_cut_offs") or []]) or "—"
        return lines + [_("Too few actors formed a new tie after {start} to say anything (at least 2 are needed). "
                          "Cut-offs this store's dates allow: {dates}.").format(start=date_text(fold["start"]),
                                                                              dates=suggested)]
    if fold.get("sampled"):
        lines.append(_("A seeded sample of {count} of the {total} actors with a new tie was asked.").format(
            count=number(fold["queries"]), total=number(fold["queries_with_new_ties"])))
    lines += [ranker_line(fold["ranker"]), "", _("New pairs (every present non-partner ranked; 95 % bootstrap "
                                                   "intervals over the actors asked):")]
    lines += _measures_table(fold, k) + [""] + _differences_table(fold, k, "maillage")
    newcomers = fold.get("newcomers")
    if newcomers:
        lines += ["", ngettext("Newcomers ({count} actor with at most one earlier tie):",
                               "Newcomers ({count} actors with at most one earlier tie):",
                               newcomers["queries"]).format(count=number(newcomers["queries"]))]
        lines += _measures_table(newcomers, k)
    renewals = fold.get("renewals") or {}
    if renewals.get("methods"):
        lines += ["", ngettext("Renewals ({count} actor tied again to a past partner, ranked among its past "
                               "partners):", "Renewals ({count} actors tied again to a past partner, ranked among "
                               "their past partners):", renewals["queries"]).format(count=number(renewals["queries"]))]
        lines += _measures_table(renewals, k) + [""] + _differences_table(renewals, k, "repeat_past_ties")
    return lines


def evaluate_lines(result: dict, k: int | None = None) -> list[str]:
    k = k or result["k"]
    lines = []
    fitted = result.get("fit")
    if fitted:
        lines += fit_lines(fitted) + [""]
    for fold in result["folds"]:
        lines += _fold_lines(fold, k) + [""]
    outcomes = result.get("outcomes")
    if outcomes and outcomes["recorded"]:
        acceptance = outcomes["acceptance"]
        lines += [_("Proposals followed up in the workbench: {count} ({statuses}); accepted ones count as "
                    "partnerships foreseen above.").format(
            count=number(outcomes["recorded"]),
            statuses=", ".join(f"{outcome_label(k)} {number(v)}" for k, v in outcomes["by_status"].items()))]
        if acceptance["decided"]:
            low, high = acceptance["interval_95"]
            lines.append(_("Accepted: {accepted} of {decided} decided ({rate}; 95 % interval {low} to {high}, "
                           "Wilson)").format(accepted=number(acceptance["accepted"]),
                                             decided=number(acceptance["decided"]), rate=percent(acceptance["rate"]),
                                             low=percent(low), high=percent(high)))
    return lines[:-1] if lines and lines[-1] == "" else lines


def fit_lines(fitted: dict) -> list[str]:
    """What ``evaluate --fit`` learnt, what the held-out period says of it, and what was written."""
    gain = fitted["gain"]
    lines = [ranker_line(fitted["ranker"]),
             _("On the held-out period from {start}, against the shipped model: MRR {gain} [{low}, {high}] "
               "(95 % paired bootstrap interval).").format(start=fitted["held_out"], gain=f"{gain['mean']:+.3f}",
                                                           low=f"{gain['low']:+.3f}", high=f"{gain['high']:+.3f}")]
    if fitted["written"]:
        lines.append(_("Model written to {file}.").format(file=fitted["file"]))
    else:
        lines.append(_("Not written: it does not rank better than the shipped model on the held-out period (use "
                       "--force to write it anyway); maillage keeps the shipped model."))
    return lines

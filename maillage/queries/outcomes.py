"""What became of the proposals: outcomes recorded in the workbench, as ground truth.

An intermediary follows a bridge proposal through its stages — *contacted*, *met* (a meeting held),
then *accepted* (a partnership agreed, which the workbench then records as a partnership) or
*declined* —, each with its date and who. Those marks are journal entries (action ``outcome``)
stored with the graph. :func:`with_outcomes` turns each
accepted proposal into a tie begun on the day it was accepted (kind ``proposal_accepted``), so
``maillage evaluate`` counts it as a tie foreseen in the period holding that day; and
:func:`outcome_summary` says how often proposals were accepted, with a Wilson interval.

References
----------
.. [1] E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
   Journal of the American Statistical Association 22(158), 1927.

Examples
--------
>>> entries = [{"subject": "need-1", "at": "2026-01-02T10:00:00", "data": {"provider": "ibm", "holder": "ba67",
...             "status": "accepted", "date": "2026-01-02", "by": "Léa"}}]
>>> outcome_summary(entries)["by_status"]
{'accepted': 1}
"""

from __future__ import annotations

import math

import networkx as nx

from ..errors import UsageError
from ..i18n import _

__all__ = ["OUTCOME_STATUSES", "outcome_label", "latest_outcomes", "stages", "with_outcomes", "outcome_summary",
           "wilson_interval"]

OUTCOME_STATUSES = ("contacted", "met", "accepted", "declined")  # in the order an introduction goes


def outcome_label(status: str) -> str:
    """A stage in words, in the run's language."""
    return {"contacted": _("contacted"), "met": _("meeting held"), "accepted": _("partnership agreed"),
            "declined": _("declined")}.get(status, status)


def latest_outcomes(entries: list[dict]) -> dict[tuple[str, str], dict]:
    """The last outcome recorded for each (need, provider), from journal entries oldest first."""
    return {pair: recorded[-1] for pair, recorded in stages(entries).items()}


def stages(entries: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Every stage recorded for each (need, provider), oldest first: the introduction's history."""
    found: dict = {}
    for entry in entries:
        data = entry.get("data") or {}
        if data.get("status") in OUTCOME_STATUSES and data.get("provider"):
            found.setdefault((entry["subject"], data["provider"]), []).append(
                dict(data, need=entry["subject"], recorded_at=entry["at"], by=entry.get("by") or data.get("by")))
    return found


def with_outcomes(graph: nx.MultiGraph, entries: list[dict]) -> nx.MultiGraph:
    """A copy of ``graph`` where each accepted proposal is a tie holder–provider begun when accepted."""
    if graph is None:
        raise UsageError(_("with_outcomes needs a graph, got None"))
    out = graph.copy()
    for cached in [key for key in out.graph if key.startswith("_")]:  # caches of the graph without these ties
        del out.graph[cached]
    for (need, provider), outcome in sorted(latest_outcomes(entries).items()):
        holder = outcome.get("holder")
        if outcome["status"] == "accepted" and holder in out and provider in out and holder != provider:
            out.add_edge(holder, provider, key=f"outcome:{need}:{provider}", kind="proposal_accepted",
                         start=outcome.get("date") or outcome["recorded_at"][:10], end=None, need=need)
    return out


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); (0, 1) without trials.

    Examples
    --------
    >>> [round(x, 3) for x in wilson_interval(3, 4)]
    [0.301, 0.954]
    """
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def outcome_summary(entries: list[dict]) -> dict:
    """How the recorded proposals turned out: counts by status and the acceptance rate among decided ones."""
    latest = latest_outcomes(entries)
    by_status = {}
    for outcome in latest.values():
        by_status[outcome["status"]] = by_status.get(outcome["status"], 0) + 1
    accepted, declined = by_status.get("accepted", 0), by_status.get("declined", 0)
    low, high = wilson_interval(accepted, accepted + declined)
    return {
        "recorded": len(latest),
        "by_status": dict(sorted(by_status.items())),
        "acceptance": {"accepted": accepted, "decided": accepted + declined,
                       "rate": round(accepted / (accepted + declined), 4) if accepted + declined else None,
                       "interval_95": [round(low, 4), round(high, 4)]},
        "accepted": [{"need": o["need"], "holder": o.get("holder"), "provider": o["provider"], "date": o.get("date"),
                      "by": o.get("by")} for o in sorted(latest.values(), key=lambda o: (o["need"], o["provider"]))
                     if o["status"] == "accepted"],
    }

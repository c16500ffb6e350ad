"""A territory's key figures for a partners' meeting: who is there, how they work together, what is asked.

:func:`territory_report` gathers, from one projection (a territory as of a date), what
``maillage report`` prints: actors by kind, partnerships by kind and by year, open needs — met
in reach or not (white zones) — per commune and per theme, the brokers with what they link, and
the communities named by their hubs and themes. It returns data; :mod:`maillage.views.report`
writes the document.
"""

from __future__ import annotations

import networkx as nx

from ..errors import UsageError
from ..i18n import _
from .gaps import gaps
from .profile import profile

__all__ = ["territory_report"]


def territory_report(graph: nx.MultiGraph, top: int = 8, reach: str = "departement", seed: int = 42) -> dict:
    """The figures of a territory's report, each with what it counts.

    Returns
    -------
    dict
        ``scope`` (territory and date), ``actors_by_kind``, ``partnerships_by_kind``,
        ``partnerships_by_year``, ``needs`` (``open``; of them ``covered`` — a partner already
        provides what is asked —, ``in_reach`` — a provider within ``reach`` —, ``white`` — none;
        ``by_commune`` {commune: {"open", "white"}},
        ``white_themes``), ``brokers`` (name, kind, reasons), ``communities`` (size, hubs, themes),
        and the totals ``actors``, ``partnerships`` and ``co_membership_ties``.

    Examples
    --------
    >>> import networkx as nx
    >>> place = {"commune": "67482", "epcis": [], "departement": "67", "region": "44"}
    >>> G = nx.MultiGraph(areas={}, needs=[{"id": "n", "title": "Jardin", "territory": "commune:67482", "holder": "a",
    ...     "themes": ["environnement"], "resources": ["premises"], "status": "open", "places": place}])
    >>> G.add_node("a", name="A", kind="association", themes=["environnement"], offers=[], **place)
    >>> G.add_node("b", name="B", kind="company", themes=[], offers=[], **place)
    >>> _ = G.add_edge("a", "b", kind="cooperation", start="2020-01-01")
    >>> report = territory_report(G)
    >>> report["actors_by_kind"], report["needs"]["open"], report["needs"]["by_commune"]
    ({'association': 1, 'company': 1}, 1, {'67482': {'open': 1, 'white': 1}})
    """
    if graph is None:
        raise UsageError(_("territory_report needs a graph, got None"))
    summary = profile(graph, top=top, seed=seed)
    found = gaps(graph, reach=reach, top=1)
    by_commune: dict[str, dict] = {}
    states = {"covered": 0, "open": 0, "no_provider": 0}  # gaps: met by a partner already, a provider in reach, none
    for need in found["needs"]:
        states[need["status"]] += 1
        commune = _commune_of(graph, need)
        if commune:
            slot = by_commune.setdefault(commune, {"open": 0, "white": 0})
            slot["open"] += 1
            slot["white"] += need["status"] == "no_provider"
    return {
        "scope": summary["scope"], "reach": reach,
        "actors": summary["actors"], "actors_by_kind": summary["actors_by_kind"],
        "partnerships": summary["partnerships"], "co_membership_ties": summary["co_membership_ties"],
        "partnerships_by_kind": summary["partnerships_by_kind"],
        "partnerships_by_year": summary["partnerships_by_year"],
        "needs": {"open": len(found["needs"]), "covered": states["covered"], "in_reach": states["open"],
                  "white": states["no_provider"],
                  "by_commune": dict(sorted(by_commune.items())),
                  "white_themes": found["summary"].get("white_zones", []),
                  "by_theme": found["summary"].get("needs_by_theme", {})},
        "brokers": [{"id": row["id"], "name": row["name"], "kind": row["kind"], "reasons": row["reasons"]}
                    for row in summary["top_brokers"][:top]],
        "communities": summary["communities"].get("largest", [])[:top],
        "actor_communes": {node: data.get("commune") for node, data in graph.nodes(data=True)},
    }


def _commune_of(graph, need: dict) -> str | None:
    """The commune a need is about: the one it names, else its holder's."""
    territory = need.get("territory") or ""
    if territory.startswith("commune:"):
        return territory.partition(":")[2]
    holder = need.get("holder")
    return graph.nodes[holder].get("commune") if holder in graph else None

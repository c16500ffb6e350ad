"""Gap analysis: who could meet each open need, and who could introduce them.

For each open need, the providers are the actors that offer at least one of the
resources it asks for, within territorial reach of the need. A need whose holder is
already tied to a provider is covered; otherwise each provider becomes a *bridge
proposal* with the actors on the shortest paths between holder and provider as
introducers, a score, and the reasons in words.

References
----------
.. [1] R. S. Burt, "Structural Holes and Good Ideas", American Journal of Sociology
   110(2), 2004: brokers spanning otherwise separate groups are where new ties start.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from ..errors import UsageError
from .common import LEVEL_WORDS, REACH_LEVELS, TERRITORY_SCORE, labels, shared_level, simple_graph

__all__ = ["gaps", "REACH_LEVELS", "WEIGHTS"]

WEIGHTS = {"fit": 0.4, "themes": 0.2, "territory": 0.15, "network": 0.25}
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _area_level(need_places: dict, area: dict) -> str | None:
    """The level at which an actor's operating area contains the need's place."""
    if area["level"] == "national":
        return "national"
    level, code = area["id"].split(":", 1)
    if level in ("epci", "ept"):
        return "epci" if code in (need_places.get("epcis") or []) else None
    return level if need_places.get(level) == code else None


def _reach_level(graph: nx.Graph, need_places: dict, actor: str) -> str | None:
    """The finest level at which ``actor`` (its seat or its operating areas) meets the need's place."""
    node = graph.nodes[actor]
    found = [shared_level(need_places, node)]
    found += [_area_level(need_places, graph.graph["areas"][area]) for area in node.get("operates_in") or []]
    order = REACH_LEVELS + ("national",)
    return min((level for level in found if level), key=order.index, default=None)


def _within(level: str | None, reach: str) -> bool:
    return level == "national" or (level is not None and REACH_LEVELS.index(level) <= REACH_LEVELS.index(reach))


def _paths(graph: nx.Graph, sources: list[str], target: str, max_hops: int) -> list[list[str]]:
    """Shortest paths (up to 20) from the nearest source to ``target``, within ``max_hops`` steps."""
    best: list[list[str]] = []
    for source in sources:
        try:
            paths = list(nx.all_shortest_paths(graph, source, target))[:20]
        except nx.NetworkXNoPath:
            continue
        if len(paths[0]) - 1 > max_hops:
            continue
        if not best or len(paths[0]) < len(best[0]):
            best = paths
    return best


def _proposal(graph, need, origins, provider, max_hops) -> dict:
    node = graph.nodes[provider]
    offered = sorted(set(node["offers"]) & set(need["resources"]))
    themes = sorted(set(node["themes"]) & set(need["themes"]))
    level = _reach_level(graph, need["places"], provider)
    paths = _paths(graph, origins, provider, max_hops)
    distance = len(paths[0]) - 1 if paths else None
    introducers = list(dict.fromkeys(actor for path in paths for actor in path[1:-1]))
    parts = {
        "fit": len(offered) / len(need["resources"]),
        "themes": len(themes) / len(need["themes"]) if need["themes"] else 0.0,
        "territory": TERRITORY_SCORE.get(level, 0.0),
        "network": 1.0 / (distance - 1) if distance and distance > 1 else 0.0,
    }
    reasons = [f"offers {labels('resource', offered)}"]
    if themes:
        reasons.append(f"works on {labels('theme', themes)}")
    if level:
        reasons.append(LEVEL_WORDS[level])
    if distance == 1:
        reasons.append(f"already partners with {graph.nodes[paths[0][0]]['name']}, active on the need's themes")
    elif distance:
        names = " or ".join(graph.nodes[i]["name"] for i in introducers[:3])
        steps = _NUMBERS.get(distance, str(distance))
        both = ", which partners with both" if distance == 2 else ""
        reasons.append(f"{steps} steps away through {names}{both}")
    else:
        reasons.append(f"no path within {max_hops} steps: an introduction must be built")
    return {
        "provider": provider, "provider_name": node["name"], "provider_kind": node["kind"],
        "score": round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3),
        "score_parts": {k: round(v, 3) for k, v in parts.items()},
        "distance": distance,
        "introducers": [{"id": i, "name": graph.nodes[i]["name"], "kind": graph.nodes[i]["kind"]}
                        for i in introducers],
        "reasons": reasons,
    }


def _analyse_need(graph: nx.Graph, need: dict, reach: str, top: int, max_hops: int) -> dict:
    holder = need.get("holder") if need.get("holder") in graph else None
    providers = [n for n, data in graph.nodes(data=True)
                 if n != holder and set(data["offers"]) & set(need["resources"])
                 and _within(_reach_level(graph, need["places"], n), reach)]
    if holder:
        origins = [holder]
    else:  # a need without holder: start from the area's actors working on its themes
        origins = [n for n, data in graph.nodes(data=True)
                   if set(data["themes"]) & set(need["themes"]) and shared_level(need["places"], data)
                   and n not in providers]
    covered_by = sorted(p for p in providers if holder and graph.has_edge(holder, p))
    result = {
        "id": need["id"], "title": need["title"], "holder": holder,
        "holder_name": graph.nodes[holder]["name"] if holder else None,
        "territory": need.get("territory"), "themes": need["themes"], "resources": need["resources"],
        "status": "covered" if covered_by else ("open" if providers else "no_provider"),
        "covered_by": [{"id": p, "name": graph.nodes[p]["name"]} for p in covered_by],
        "providers": len(providers), "proposals": [],
        # a fragility signal: the need sits in a commune with a priority neighbourhood (QPV)
        "priority_areas": graph.graph.get("priority_areas", {}).get(need["places"].get("commune") or "", []),
    }
    if not covered_by:
        proposals = [_proposal(graph, need, origins, p, max_hops) for p in providers]
        proposals.sort(key=lambda p: (-p["score"], p["provider"]))
        result["proposals"] = proposals[:top]
    return result


def _summary(graph: nx.Graph, needs: list[dict]) -> dict:
    by_theme: dict[str, Counter] = {}
    for need in needs:
        for theme in need["themes"] or ["(none)"]:
            by_theme.setdefault(theme, Counter())[need["status"]] += 1
    ties = Counter()
    for a, b in graph.edges():
        ties[" / ".join(sorted((graph.nodes[a]["kind"], graph.nodes[b]["kind"])))] += 1
    served = {theme for need in needs for theme in need["themes"] if need["status"] == "covered"
              or any(theme in graph.nodes[p["provider"]]["themes"] for p in need["proposals"])}
    white = sorted({theme for need in needs for theme in need["themes"]} - served)
    return {
        "needs_by_theme": {theme: dict(counts) for theme, counts in sorted(by_theme.items())},
        "cross_sector_ties": dict(sorted(ties.items())),
        "isolated_actors": sorted(n for n in graph if graph.degree(n) == 0),
        "white_zones": white,  # themes whose needs no in-reach provider working on the theme could meet
        "needs_in_priority_areas": sorted(need["id"] for need in needs if need["priority_areas"]),
    }


def gaps(graph: nx.MultiGraph, reach: str = "departement", top: int = 5, max_hops: int = 4) -> dict:
    """Return, for each open need of ``graph``, its coverage and the bridge proposals.

    Parameters
    ----------
    graph : networkx.MultiGraph
        A projection (:func:`maillage.graph.projection.project`), with ``graph.graph["needs"]``.
    reach : {"commune", "epci", "departement", "region"}
        How far from the need a provider may sit.
    top : int
        Proposals kept per need, best first.
    max_hops : int
        Longest introduction path considered.

    Returns
    -------
    dict
        ``needs`` (one entry per open need: status ``covered``, ``open`` or ``no_provider``,
        ``covered_by``, ``proposals`` with provider, score, score_parts, distance,
        introducers, reasons) and ``summary`` (needs by theme, cross-sector ties, isolated
        actors, white zones).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph(areas={}, needs=[{"id": "n", "title": "Software", "holder": "a", "themes": [],
    ...     "resources": ["software"], "status": "open", "places": {"departement": "67"}}])
    >>> place = {"commune": None, "epcis": [], "departement": "67", "region": "44"}
    >>> G.add_node("a", name="A", kind="association", themes=[], offers=[], **place)
    >>> G.add_node("b", name="B", kind="collectivite", themes=[], offers=[], **place)
    >>> G.add_node("c", name="C", kind="company", themes=[], offers=["software"], **place)
    >>> G.add_edges_from([("a", "b"), ("b", "c")])
    [0, 0]
    >>> [i["name"] for i in gaps(G)["needs"][0]["proposals"][0]["introducers"]]
    ['B']
    """
    if graph is None:
        raise UsageError("gaps needs a graph, got None")
    if reach not in REACH_LEVELS:
        raise UsageError(f"reach must be one of {', '.join(REACH_LEVELS)}, got {reach!r}")
    simple = simple_graph(graph)
    simple.graph.setdefault("areas", graph.graph.get("areas", {}))
    needs = [_analyse_need(simple, need, reach, top, max_hops)
             for need in graph.graph.get("needs", []) if need.get("status", "open") == "open"]
    return {"scope": graph.graph.get("scope", {}), "reach": reach, "needs": needs,
            "summary": _summary(simple, needs)}

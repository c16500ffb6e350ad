"""Gap analysis: who could meet each open need, and who could introduce them.

For each open need, the providers are the actors that offer at least one of the
resources it asks for, within territorial reach of the need. A need whose holder is
already tied to a provider is covered; otherwise each provider becomes a *bridge
proposal* with the actors on the shortest paths between holder and provider as
introducers, a score, and the reasons in words.

The providers of a need with a holder are ranked by the learned ranking of ``allies``
(:mod:`.ranking`: the pair holder–provider, complementarity being the share of the need's
resources the provider offers), and the reasons come in the order of what pushed each one up.
A need without a holder has no actor to pair them with: the fixed :data:`WEIGHTS` rank its
providers, and the need says so (``ranked_by``).

References
----------
.. [1] R. S. Burt, "Structural Holes and Good Ideas", American Journal of Sociology
   110(2), 2004: brokers spanning otherwise separate groups are where new ties start.
"""

from __future__ import annotations

import heapq
from collections import Counter

import networkx as nx

from ..errors import UsageError
from .allies import candidate_index
from .reach import provider_levels, reach_from, shortest_paths
from .common import REACH_LEVELS, TERRITORY_SCORE, shared_level, simple_graph
from .proposals import contributions_by_part, rank_candidates, ranker_for, reasons_from
from .reasons import words
from ..i18n import _

__all__ = ["gaps", "coverage", "REACH_LEVELS", "WEIGHTS"]

WEIGHTS = {"fit": 0.4, "themes": 0.2, "territory": 0.15, "network": 0.25}


def _quick_score(node: dict, need: dict, level, steps, weights: dict = WEIGHTS) -> float:
    """The score of :func:`_score` without its explanation: it runs for every provider of a need."""
    resources, themes = need["resources"], need["themes"]
    fit = sum(1 for r in node["offers"] if r in resources) / len(resources)
    shared = sum(1 for t in node["themes"] if t in themes) / len(themes) if themes else 0.0
    network = 1.0 / (steps - 1) if steps and steps > 1 else 0.0
    return round(weights["fit"] * fit + weights["themes"] * shared + weights["territory"] * TERRITORY_SCORE.get(level, 0.0)
                 + weights["network"] * network, 3)


def _score(graph, need, provider, distance: dict, levels: dict, weights: dict = WEIGHTS) -> tuple[float, dict, dict]:
    node = graph.nodes[provider]
    offered = sorted(set(node["offers"]) & set(need["resources"]))
    themes = sorted(set(node["themes"]) & set(need["themes"]))
    level = levels.get(provider)
    steps = distance.get(provider)
    parts = {
        "fit": len(offered) / len(need["resources"]),
        "themes": len(themes) / len(need["themes"]) if need["themes"] else 0.0,
        "territory": TERRITORY_SCORE.get(level, 0.0),
        "network": 1.0 / (steps - 1) if steps and steps > 1 else 0.0,
    }
    facts = {"offered": offered, "themes": themes, "level": level, "distance": steps}
    return round(sum(weights[k] * v for k, v in parts.items()), 3), parts, facts


def _provenance(graph, path) -> dict:
    """Whether a chain runs through a tie marked illustrative, or one with no source file."""
    ties = [graph.edges[a, b] for a, b in zip(path, path[1:]) if graph.has_edge(a, b)]
    return {"illustrative": any(t.get("illustrative") for t in ties),
            "unsourced": any(not t.get("source_file") for t in ties)}


def _why(graph, facts, paths, holder, max_hops) -> list[dict]:
    """The facts of a proposal, each with the part of the ranking it belongs to."""
    distance = facts["distance"]
    why = [{"code": "offers_needed", "resources": facts["offered"], "part": "complementarity"}]
    if facts["themes"]:
        why.append({"code": "works_on", "themes": facts["themes"], "part": "themes"})
    if facts["level"]:
        why.append({"code": "proximity", "level": facts["level"], "part": "territory"})
    if distance == 1:
        why.append({"code": "already_partner", "actor": graph.nodes[paths[0][0]]["name"],
                    "holder": paths[0][0] == holder, "part": "network"})
    elif distance:
        for path in paths[:3]:  # each chain as it runs, never members of different chains mixed
            why.append({"code": "chain", "steps": distance, "names": [graph.nodes[actor]["name"] for actor in path],
                        **_provenance(graph, path), "part": "network"})
        if len(paths) > 3:
            why.append({"code": "more_chains", "count": len(paths) - 3, "steps": distance, "part": "network"})
    else:
        why.append({"code": "no_path", "max_hops": max_hops, "part": "network"})
    return why


def _proposal(graph, provider, score, parts, facts, predecessors, max_hops, holder=None, learned=None) -> dict:
    """One bridge proposal; ``learned`` (model score, contributions by part) when the ranking ranked it,
    its reasons then ordered by what pushed it up most."""
    node = graph.nodes[provider]
    paths = shortest_paths(predecessors, provider) if facts["distance"] else []
    introducers = list(dict.fromkeys(actor for path in paths for actor in path[1:-1]))
    why = _why(graph, facts, paths, holder, max_hops)
    row = {"provider": provider, "provider_name": node["name"], "provider_kind": node["kind"], "score": score}
    if learned is not None:
        row["model_score"], row["contributions"] = learned
        why = reasons_from(row["contributions"], why)
    row.update({
        "score_parts": {k: round(v, 3) for k, v in parts.items()},
        "distance": facts["distance"],
        "introducers": [{"id": i, "name": graph.nodes[i]["name"], "kind": graph.nodes[i]["kind"]}
                        for i in introducers],
        "paths": [list(path) for path in paths],
        "reasons": words(why),
        "why": why,
    })
    return row


def _providers(graph: nx.Graph, need: dict, holder, reach: str) -> dict:
    """Actors offering one of the need's resources within reach → the level they reach it at."""
    index = candidate_index(graph)
    offering = set().union(*(index["offers"].get(resource, set()) for resource in need["resources"]))
    offering.discard(holder)
    return provider_levels(graph, need["places"], offering, reach)


def _origins(graph: nx.Graph, need: dict, providers: list) -> list:
    """A need without holder starts from the area's actors working on its themes."""
    index, places = candidate_index(graph), need["places"]
    area = index["departement"].get(places.get("departement")) if places.get("departement") else None
    pool = sorted(area, key=str) if area is not None else list(graph)
    excluded = set(providers)
    return [n for n in pool if set(graph.nodes[n]["themes"]) & set(need["themes"])
            and shared_level(places, graph.nodes[n]) and n not in excluded]


def _state(graph: nx.Graph, need: dict, reach: str) -> tuple:
    """A need's holder, its providers within reach (→ their levels), the partners of the holder
    among them, and its status: ``covered``, ``open`` (a provider in reach) or ``no_provider``."""
    holder = need.get("holder") if need.get("holder") in graph else None
    levels = _providers(graph, need, holder, reach)
    covered_by = sorted(set(graph[holder]).intersection(levels), key=str) if holder is not None else []
    return holder, levels, covered_by, "covered" if covered_by else ("open" if levels else "no_provider")


def _analyse_need(source, graph: nx.Graph, need: dict, reach: str, top: int, max_hops: int, weights: dict,
                  ranker) -> dict:
    holder, levels, covered_by, status = _state(graph, need, reach)
    providers = sorted(levels, key=str)
    origins = [holder] if holder else _origins(graph, need, providers)
    result = {
        "id": need["id"], "title": need["title"], "holder": holder,
        "holder_name": graph.nodes[holder]["name"] if holder else None,
        "territory": need.get("territory"), "themes": need["themes"], "resources": need["resources"],
        "status": status,
        "covered_by": [{"id": p, "name": graph.nodes[p]["name"]} for p in covered_by],
        "providers": len(providers), "ranked_by": None, "proposals": [],
        # a fragility signal: the need sits in a commune with a priority neighbourhood (QPV)
        "priority_areas": graph.graph.get("priority_areas", {}).get(need["places"].get("commune") or "", []),
    }
    if not covered_by and providers:
        distance, predecessors = reach_from(graph, origins, max_hops)
        if holder is not None:  # the learned ranking ranks pairs: the holder and each provider
            result["ranked_by"] = "ranking"
            result["proposals"] = _ranked(source, graph, need, holder, providers, levels, distance, predecessors,
                                          ranker, top, max_hops)
        else:  # no actor to pair the providers with: the fixed weights rank them
            result["ranked_by"] = "weights"
            best = heapq.nsmallest(top, ((-_quick_score(graph.nodes[p], need, levels.get(p), distance.get(p), weights),
                                          str(p), p) for p in providers))
            scored = [(*_score(graph, need, p, distance, levels, weights), p) for *_, p in best]
            result["proposals"] = [_proposal(graph, p, score, parts, facts, predecessors, max_hops, holder)
                                   for score, parts, facts, p in scored]
    return result


def _ranked(source, graph, need, holder, providers, levels, distance, predecessors, ranker, top, max_hops) -> list:
    """The ``top`` providers by the learned ranking of (holder, provider) pairs for the need's resources;
    the score is the share of the need's other providers each one outranks."""
    ranked = rank_candidates(source, holder, providers, ranker, need["resources"], top=top)
    contributions = contributions_by_part(source, holder, [p for p, *_ in ranked], ranker, need["resources"])
    rows = []
    for (provider, model_score, share), parts_of in zip(ranked, contributions):
        _weighted, parts, facts = _score(graph, need, provider, distance, levels)
        rows.append(_proposal(graph, provider, round(share, 4), parts, facts, predecessors, max_hops, holder,
                              learned=(round(model_score, 4), parts_of)))
    return rows


def _graph_wide(graph: nx.Graph) -> dict:
    """The summary's parts that depend on the graph alone (ties across kinds, actors without a tie),
    computed once per graph: the workbench asks for one need at a time."""
    cached = graph.graph.get("_gaps_graph_wide")
    if cached is None:
        ties = Counter()
        for a, b in graph.edges():
            ties[" / ".join(sorted((graph.nodes[a]["kind"], graph.nodes[b]["kind"])))] += 1
        isolated = sorted(n for n in graph if graph.degree(n) == 0)
        cached = {"cross_sector_ties": dict(sorted(ties.items())), "isolated_actors": isolated,
                  "isolated_actor_names": [graph.nodes[n].get("name") or str(n) for n in isolated]}
        graph.graph["_gaps_graph_wide"] = cached
    return cached


def _summary(graph: nx.Graph, needs: list[dict]) -> dict:
    by_theme: dict[str, Counter] = {}
    for need in needs:
        for theme in need["themes"] or ["(none)"]:
            by_theme.setdefault(theme, Counter())[need["status"]] += 1
    served = {theme for need in needs for theme in need["themes"] if need["status"] == "covered"
              or any(theme in graph.nodes[p["provider"]]["themes"] for p in need["proposals"])}
    white = sorted({theme for need in needs for theme in need["themes"]} - served)
    wide = _graph_wide(graph)
    return {
        "needs_by_theme": {theme: dict(counts) for theme, counts in sorted(by_theme.items())},
        "cross_sector_ties": dict(wide["cross_sector_ties"]),
        "isolated_actors": list(wide["isolated_actors"]),
        "isolated_actor_names": list(wide["isolated_actor_names"]),
        "white_zones": white,  # themes whose needs no in-reach provider working on the theme could meet
        "needs_in_priority_areas": sorted(need["id"] for need in needs if need["priority_areas"]),
    }


def _open_needs(graph: nx.MultiGraph, only=None, themes=None) -> list[dict]:
    return [need for need in graph.graph.get("needs", []) if need.get("status", "open") == "open"
            and (only is None or need["id"] in only) and (not themes or set(need["themes"]) & set(themes))]


def _check_reach(reach: str) -> None:
    if reach not in REACH_LEVELS:
        raise UsageError(_("reach must be one of {join}, got {reach!r}").format(join=', '.join(REACH_LEVELS), reach=reach))


def coverage(graph: nx.MultiGraph, reach: str = "departement") -> dict:
    """Each open need's status as :func:`gaps` gives it, without ranking any proposal.

    What the map shades: a need ``covered`` (its holder already works with a provider of what it
    asks), ``open`` (a provider within ``reach``) or ``no_provider`` (a white zone). It costs a
    look-up per need, where :func:`gaps` also ranks every provider.

    Parameters
    ----------
    graph : networkx.MultiGraph
        A projection, with ``graph.graph["needs"]``.
    reach : {"commune", "epci", "departement", "region"}
        How far from the need a provider may sit.

    Returns
    -------
    dict
        ``{need id: status}``, in the order of the projection's needs.

    Examples
    --------
    >>> import networkx as nx
    >>> place = {"commune": None, "epcis": [], "departement": "67", "region": "44"}
    >>> G = nx.MultiGraph(areas={}, needs=[
    ...     {"id": "n1", "title": "Software", "holder": "a", "themes": [], "resources": ["software"],
    ...      "status": "open", "places": {"departement": "67"}},
    ...     {"id": "n2", "title": "Premises", "holder": "a", "themes": [], "resources": ["premises"],
    ...      "status": "open", "places": {"departement": "67"}}])
    >>> G.add_node("a", name="A", kind="association", themes=[], offers=[], **place)
    >>> G.add_node("c", name="C", kind="company", themes=[], offers=["software"], **place)
    >>> coverage(G)
    {'n1': 'open', 'n2': 'no_provider'}

    See Also
    --------
    gaps : the same statuses, with the bridge proposals ranked.
    """
    if graph is None:
        raise UsageError(_("coverage needs a graph, got None"))
    _check_reach(reach)
    # the projection's own adjacency says who works with whom: no simple graph to build
    return {need["id"]: _state(graph, need, reach)[3] for need in _open_needs(graph)}


def gaps(graph: nx.MultiGraph, reach: str = "departement", top: int = 5, max_hops: int = 4,
         weights: dict | None = None, only=None, themes=None, ranker=None) -> dict:
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
    weights : dict, optional
        Replaces some of :data:`WEIGHTS`, which rank the providers of needs without a holder.
    only : collection of str, optional
        Analyse only these needs (the workbench's need page); the summary then covers them alone.
    themes : collection of str, optional
        Analyse only the needs on one of these themes (codes).
    ranker : Ranker, optional
        Ranks the providers of needs with a holder (default: the model shipped with maillage).

    Returns
    -------
    dict
        ``ranker`` (which learned ranking ranked, or None), ``needs`` (one entry per open need:
        status ``covered``, ``open`` or ``no_provider``, ``covered_by``, ``ranked_by``
        (``ranking`` or ``weights``), ``proposals`` with provider, score (with the ranking: the share
        of the need's other providers it outranks), model_score and contributions (with the
        ranking), score_parts, distance, introducers, reasons) and ``summary`` (needs by theme, cross-sector ties, isolated
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
        raise UsageError(_("gaps needs a graph, got None"))
    _check_reach(reach)
    simple = simple_graph(graph)
    simple.graph.setdefault("areas", graph.graph.get("areas", {}))
    weights = {**WEIGHTS, **(weights or {})}
    chosen = _open_needs(graph, only, themes)
    ranker = ranker_for(graph, ranker) if any(need.get("holder") in simple for need in chosen) else ranker
    needs = [_analyse_need(graph, simple, need, reach, top, max_hops, weights, ranker) for need in chosen]
    return {"scope": graph.graph.get("scope", {}), "reach": reach, "ranker": ranker and ranker.describe(),
            "needs": needs, "summary": _summary(simple, needs)}

"""Potential allies of one actor: who it is not yet tied to, and why they would fit.

Candidates come from an index built once per projection (what each actor offers and seeks,
where it sits), never from scoring every pair: friends of friends, actors that offer what
it seeks (or what one of its needs asks) or seek what it offers within reach, and actors of
its commune or intercommunalité working on its themes. Each candidate gets (:data:`WEIGHTS`):

- ``complementarity``: share of what it seeks that they offer, and of what it offers that they seek;
- ``themes``: Jaccard similarity of their themes;
- ``territory``: how close they sit (same commune 1, EPCI .75, département .5, région .25);
- ``network``: Adamic–Adar index of the pair, relative to the best candidate's (common
  neighbours and resource allocation are reported too);
- ``cross_sector``: 1 when their kinds differ. Link prediction rewards closure, the opposite
  of brokerage; this term keeps cross-sector proposals from being drowned by same-circle ones.

References
----------
.. [1] D. Liben-Nowell and J. Kleinberg, "The link-prediction problem for social networks",
   JASIST 58(7), 2007.
.. [2] T. Zhou, L. Lü and Y.-C. Zhang, "Predicting missing links via local information",
   European Physical Journal B 71, 2009 (resource allocation).
"""

from __future__ import annotations

import heapq
import math
import os
from collections import defaultdict

import networkx as nx
import numpy as np

from ..errors import NotFoundError, UsageError
from .compact import compact
from .common import REACH_LEVELS, TERRITORY_SCORE, resolve_actor, shared_level, simple_graph
from .reasons import words
from ..i18n import _

__all__ = ["allies", "score_candidates", "candidate_index", "pair_indices", "WEIGHTS"]

WEIGHTS = {"complementarity": 0.35, "themes": 0.15, "territory": 0.15, "network": 0.25, "cross_sector": 0.10}


def candidate_index(graph: nx.Graph) -> dict:
    """Inverted indexes (resource → actors offering / seeking it, place → actors), built once per graph."""
    cached = graph.graph.get("_allies_index")
    if cached is not None:
        return cached
    index = {"offers": defaultdict(set), "seeks": defaultdict(set), "commune": defaultdict(set),
             "epci": defaultdict(set), "departement": defaultdict(set), "region": defaultdict(set),
             "national": set(), "areas": defaultdict(set)}
    for node, data in graph.nodes(data=True):
        for resource in data.get("offers") or []:
            index["offers"][resource].add(node)
        for resource in data.get("seeks") or []:
            index["seeks"][resource].add(node)
        for level in ("commune", "departement", "region"):
            if data.get(level):
                index[level][data[level]].add(node)
        for epci in data.get("epcis") or []:
            index["epci"][epci].add(node)
        for area in data.get("operates_in") or []:
            if area == "france":
                index["national"].add(node)
            else:
                index["areas"][area].add(node)
    graph.graph["_allies_index"] = index
    return index


def _nearby(graph: nx.Graph, index: dict, node, reach: str) -> set:
    """Actors within ``reach`` of node's seat, plus those operating nationwide."""
    data = graph.nodes[node]
    found = set(index["national"])
    if reach == "epci":
        for epci in data.get("epcis") or []:
            found |= index["epci"][epci]
    elif reach in ("commune", "departement", "region") and data.get(reach):
        found |= index[reach][data[reach]]
    if reach != "commune" and data.get("commune"):
        found |= index["commune"][data["commune"]]
    return found


def pair_indices(graph: nx.Graph, u, v, around_u: set | None = None) -> dict:
    """Common neighbours, Adamic–Adar and resource allocation of a pair (unweighted).

    Examples
    --------
    >>> import networkx as nx
    >>> pair_indices(nx.Graph([(0, 1), (1, 2)]), 0, 2)["common_neighbours"]
    [1]
    """
    around_u = set(graph[u]) if around_u is None else around_u  # given once when u is scored against many
    common = sorted((w for w in graph[v] if w in around_u and w != u and w != v), key=str)
    degrees = [graph.degree(w) for w in common]
    return {"common_neighbours": common,
            "adamic_adar": sum(1 / math.log(d) for d in degrees if d > 1),
            "resource_allocation": sum(1 / d for d in degrees if d > 0)}


def _candidates(graph: nx.Graph, node, wanted: set, offered: set, reach: str) -> set:
    index = candidate_index(graph)
    data = graph.nodes[node]
    near = _nearby(graph, index, node, reach)
    found = {w for v in graph[node] for w in graph[v]}
    for resource in wanted:
        found |= index["offers"][resource] & near
    for resource in offered:
        found |= index["seeks"][resource] & near
    themes = set(data.get("themes") or [])
    for w in index["commune"].get(data.get("commune"), set()) | set().union(
            *(index["epci"][e] for e in data.get("epcis") or [])):
        if themes & set(graph.nodes[w].get("themes") or []):
            found.add(w)
    return found - set(graph[node]) - {node}


def _network(graph: nx.Graph, node) -> dict:
    """Common neighbours, Adamic–Adar and resource allocation of node with every actor two steps
    away, in one pass over its neighbours' neighbours (other candidates score 0)."""
    found: dict = {}
    for middle in graph[node]:
        degree = graph.degree(middle)
        aa, ra = (1 / math.log(degree) if degree > 1 else 0.0), (1 / degree if degree else 0.0)
        for other in graph[middle]:
            if other != node:
                entry = found.setdefault(other, [0, 0.0, 0.0])
                entry[0] += 1
                entry[1] += aa
                entry[2] += ra
    return found


def _parts(mine: dict, theirs: dict, wanted: set, offered: set, my_themes: set, network, best_aa: float,
           for_need: bool = False) -> dict:
    """The score's parts for one candidate (kept cheap: it runs for every candidate).

    For a need, complementarity is how much of the need the candidate offers: what it seeks of
    the actor's offers is no part of meeting that need.
    """
    forward = len(wanted.intersection(theirs.get("offers") or ())) / len(wanted) if wanted else 0.0
    backward = 0.0 if for_need else (
        len(offered.intersection(theirs.get("seeks") or ())) / len(offered) if offered else 0.0)
    their_themes = theirs.get("themes") or ()
    shared = len(my_themes.intersection(their_themes))
    union = len(my_themes) + len(set(their_themes)) - shared
    level = shared_level(mine, theirs) or ("national" if "france" in (theirs.get("operates_in") or ()) else None)
    return {
        "complementarity": forward if for_need else (forward + backward) / 2 if wanted and offered else forward or backward,
        "themes": shared / union if union else 0.0,
        "territory": TERRITORY_SCORE.get(level, 0.0),
        "network": network[1] / best_aa if network and best_aa else 0.0,
        "cross_sector": 1.0 if mine.get("kind") != theirs.get("kind") else 0.0,
    }


def _details(graph: nx.Graph, node, other, wanted: set, offered: set) -> dict:
    """What the reasons of one proposed ally say (computed for the rows returned only)."""
    mine, theirs = graph.nodes[node], graph.nodes[other]
    level = shared_level(mine, theirs) or ("national" if "france" in (theirs.get("operates_in") or []) else None)
    return {"gives": sorted(wanted & set(theirs.get("offers") or [])),
            "takes": sorted(offered & set(theirs.get("seeks") or [])),
            "themes": sorted(set(mine.get("themes") or []) & set(theirs.get("themes") or [])),
            "level": level, **pair_indices(graph, node, other)}


def _chain_ties(graph, a, b) -> list[dict]:
    """The ties between a and b in the projection, with where each comes from."""
    if not graph.is_multigraph() or not graph.has_edge(a, b):
        return []
    # the file's name, not its path: where a file was loaded from is no property of the tie
    return [{"source_file": os.path.basename(data["source_file"]) if data.get("source_file") else None,
             "illustrative": bool(data.get("illustrative")),
             "kind": data.get("kind")} for _key, data in sorted(graph[a][b].items(), key=lambda t: str(t[0]))]


def _introducer(graph, node, middle, other) -> dict:
    """An introducer with the provenance of the two ties its introduction runs through."""
    ties = _chain_ties(graph, node, middle) + _chain_ties(graph, middle, other)
    shaky = any(t["illustrative"] or not t["source_file"] for t in ties) if ties else False
    data = graph.nodes[middle]
    return {"id": middle, "name": data.get("name"), "kind": data.get("kind"), "ties": ties,
            "illustrative": any(t["illustrative"] for t in ties), "unsourced": shaky and not any(
                t["illustrative"] for t in ties)}


def _why(graph, node, other, scored, introducers) -> list[dict]:
    """The reasons as codes with values, each with the score part it belongs to."""
    mine, theirs = graph.nodes[node], graph.nodes[other]
    why = []
    if scored["gives"]:
        why.append({"code": "offers_sought", "resources": scored["gives"], "actor": mine["name"],
                    "part": "complementarity"})
    if scored["takes"]:
        why.append({"code": "seeks_offered", "resources": scored["takes"], "actor": mine["name"],
                    "part": "complementarity"})
    if scored["themes"]:
        why.append({"code": "same_themes", "themes": scored["themes"], "part": "themes"})
    if scored["level"]:
        why.append({"code": "proximity", "level": scored["level"], "part": "territory"})
    if introducers:
        why.append({"code": "common_partners", "count": len(introducers), "part": "network",
                    "names": [i["name"] for i in introducers[:3]],
                    "illustrative": [i["name"] for i in introducers[:3] if i["illustrative"]],
                    "unsourced": [i["name"] for i in introducers[:3] if i["unsourced"]]})
    degree = graph.degree(other)
    if degree:
        why.append({"code": "active_partner", "actor": theirs.get("name"), "count": degree, "part": "activity"})
    if mine.get("kind") != theirs.get("kind") and "unknown" not in (mine.get("kind"), theirs.get("kind")):
        why.append({"code": "other_sector", "kind": theirs.get("kind"), "part": "kinds"})
    return why or [{"code": "within_reach", "actor": theirs.get("name"), "part": "territory"}]


def allies(graph: nx.Graph, actor: str, need: str | None = None, top: int = 10,
           reach: str = "departement", ranker=None) -> dict:
    """Rank the actors ``actor`` is not yet tied to, with the reasons and the introducers.

    Candidates are the actors within ``reach`` of its seat and its partners' partners; the
    ranking is a :class:`.ranking.Ranker` (the model shipped with maillage unless one is given,
    e.g. trained on the store's own history by ``maillage evaluate --fit``); the reasons are the
    facts of the parts that contributed most to each proposal's score.

    Parameters
    ----------
    graph : networkx.Graph or MultiGraph
        A projection.
    actor : str
        Node id, key, SIREN, RNA or (unambiguous part of a) name.
    need : str, optional
        Id of one of its needs: candidates offering some of its resources come first, and
        complementarity is the share of the need's resources each candidate offers.
    top : int
        Rows returned.
    reach : {"commune", "epci", "departement", "region"}
        How far candidates may sit (partners' partners are always candidates).
    ranker : Ranker, optional
        Replaces the shipped model.

    Returns
    -------
    dict
        ``actor``, ``need``, ``candidates`` (how many were ranked), ``ranker`` (which ranking, and
        why) and ``allies``: rows with id, name, kind, score (the share of the candidates it
        outranks), model_score, contributions (per part), score_parts (the facts as measures),
        common_neighbours, adamic_adar, resource_allocation, introducers (with the provenance of
        the ties they link through) and reasons.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([("asso", "mairie"), ("mairie", "boite")])
    >>> G.add_node("asso", name="Asso", kind="association", seeks=["skills"], offers=[], themes=[])
    >>> G.add_node("mairie", name="Mairie", kind="collectivite", seeks=[], offers=[], themes=[])
    >>> G.add_node("boite", name="Boîte", kind="company", seeks=[], offers=["skills"], themes=[])
    >>> row = allies(G, "Asso")["allies"][0]
    >>> row["name"], "offers skills, which Asso seeks" in row["reasons"]
    ('Boîte', True)
    """
    if graph is None:
        raise UsageError(_("allies needs a graph, got None"))
    if reach not in REACH_LEVELS:
        raise UsageError(_("reach must be one of {join}, got {reach!r}").format(join=', '.join(REACH_LEVELS), reach=reach))
    from .proposals import pair_context, ranker_for, rank_candidates

    simple = simple_graph(graph)
    node = resolve_actor(simple, actor)
    data = simple.nodes[node]
    chosen_need = None
    if need is not None:
        chosen_need = next((n for n in graph.graph.get("needs", []) if n["id"] == need), None)
        if chosen_need is None:
            raise NotFoundError(_("no need {need!r} in this scope").format(need=need))
    resources = chosen_need.get("resources") if chosen_need else None
    wanted, offered = _wanted_offered(data, resources)
    ranker = ranker_for(graph, ranker)
    context = pair_context(graph)
    candidates = reachable_ids(simple, context, node, reach)
    # for a need, who offers some of what it asks comes first
    offers_some = _offering(context, wanted) if chosen_need else None
    ranked = rank_candidates(graph, node, candidates, ranker, resources, top=top, first=offers_some)
    rows = _rows(graph, simple, node, ranked, ranker, wanted, offered, resources)
    return {
        "actor": {"id": node, "name": data.get("name"), "kind": data.get("kind")},
        "need": chosen_need and {"id": chosen_need["id"], "title": chosen_need.get("title"),
                                 "description": chosen_need.get("description")},
        "candidates": len(candidates), "ranker": ranker.describe(), "allies": rows,
    }


def reachable(graph, node, wanted: set, offered: set, reach: str) -> set:
    """Partners' partners, complementary actors within reach, and every actor of node's area at ``reach``.

    The definition, set by set; :func:`reachable_ids` finds the same actors with arrays.
    """
    index = candidate_index(graph)
    found = _candidates(graph, node, wanted, offered, reach) | _nearby(graph, index, node, reach)
    if not any(graph.nodes[node].get(level) for level in ("commune", "departement", "region")):
        found |= set(graph)  # an actor with no seat: nothing to narrow by
    return found - set(graph[node]) - {node}


def reachable_ids(simple, context, node, reach: str) -> np.ndarray:
    """The actors :func:`reachable` finds, as sorted ids of the pair context, in a few array passes.

    Actors that offer what node seeks (or seek what it offers) within reach are within reach, so
    the area at ``reach`` (plus node's commune and the actors operating nationwide), partners'
    partners and the actors of its commune or intercommunalities sharing a theme are all it takes.
    """
    u, data = context.index[node], simple.nodes[node]
    form = compact(simple)  # the same nodes in the same (text) order as the context's
    partners = form.indices[form.indptr[u]:form.indptr[u + 1]]
    if any(data.get(level) for level in ("commune", "departement", "region")):
        keep = _area_mask(context, u, data, reach)
        for v in partners.tolist():  # partners' partners
            keep[form.indices[form.indptr[v]:form.indptr[v + 1]]] = True
    else:
        keep = np.ones(len(context.nodes), dtype=bool)  # an actor with no seat: nothing to narrow by
    keep[partners] = False
    keep[u] = False
    return np.flatnonzero(keep)


def _area_mask(context, u: int, data: dict, reach: str) -> np.ndarray:
    """Actors operating nationwide, those of u's area at ``reach`` and of its commune, and those of
    its commune or intercommunalities sharing one of its themes."""
    def shares(incidence) -> np.ndarray:  # actors holding one of u's codes in an actors × codes matrix
        return np.asarray((incidence @ incidence[u].T).todense()).ravel() > 0

    nobody = np.zeros(len(context.nodes), dtype=bool)
    same_epci = shares(context.epcis) if data.get("epcis") else nobody
    same_commune = context.places["commune"] == context.places["commune"][u] if data.get("commune") else nobody
    keep = context.national | same_commune
    if reach == "epci":
        keep |= same_epci
    elif data.get(reach):
        keep |= context.places[reach] == context.places[reach][u]
    if data.get("themes"):
        keep |= shares(context.themes) & (same_commune | same_epci)
    return keep


def _offering(context, wanted: set) -> np.ndarray:
    """Per actor of the context, whether it offers some of ``wanted``."""
    columns = [context.offer_codes[code] for code in sorted(map(str, wanted)) if code in context.offer_codes]
    if not columns:
        return np.zeros(len(context.nodes), dtype=bool)
    return np.asarray(context.offers[:, columns].sum(axis=1)).ravel() > 0


def _rows(graph, simple, node, ranked, ranker, wanted, offered, resources) -> list[dict]:
    from .proposals import contributions_by_part, reasons_from

    others = [other for other, _score, _share in ranked]
    parts_of = contributions_by_part(graph, node, others, ranker, resources)
    network = _network(simple, node)
    best_aa = max((network[o][1] for o in others if o in network), default=0.0)
    rows = []
    for (other, score, share), contributions in zip(ranked, parts_of):
        theirs = simple.nodes[other]
        scored = _details(simple, node, other, wanted, offered)
        introducers = [_introducer(graph, node, w, other) for w in scored["common_neighbours"]]
        why = reasons_from(contributions, _why(simple, node, other, scored, introducers))
        facts = _parts(simple.nodes[node], theirs, wanted, offered, set(simple.nodes[node].get("themes") or []),
                       network.get(other), best_aa, for_need=resources is not None)
        rows.append({
            "id": other, "name": theirs.get("name"), "kind": theirs.get("kind"), "score": round(share, 4),
            "model_score": round(score, 4), "contributions": contributions,
            "score_parts": {k: round(v, 4) for k, v in facts.items()},
            "common_neighbours": len(scored["common_neighbours"]),
            "adamic_adar": round(scored["adamic_adar"], 4),
            "resource_allocation": round(scored["resource_allocation"], 4),
            "introducers": introducers, "reasons": words(why), "why": why,
        })
    return rows


def score_candidates(graph: nx.Graph, node, resources=None, reach: str = "departement",
                     weights: dict | None = None) -> dict:
    """Score every candidate ally of ``node`` in a simple graph: candidate → (score, parts).

    ``resources`` replaces what the actor seeks (a need's resources). Used by the backtest and
    the weight fit, which need the scores of all candidates; :func:`allies` keeps only the top ones.
    """
    weights = weights or WEIGHTS
    data, wanted, offered, candidates, network, best_aa = _scoring_inputs(graph, node, resources, reach)
    my_themes = set(data.get("themes") or [])
    nodes, out = graph.nodes, {}
    for other in candidates:
        parts = _parts(data, nodes[other], wanted, offered, my_themes, network.get(other), best_aa,
                       for_need=resources is not None)
        out[other] = (sum(weights.get(k, 0.0) * v for k, v in parts.items()), parts)
    return out


_PARTS = ("complementarity", "themes", "territory", "network", "cross_sector")


def _wanted_offered(data: dict, resources) -> tuple[set, set]:
    """What the actor seeks (or the need's resources) and what it offers."""
    return (set(data.get("seeks") or []) if resources is None else set(resources)), set(data.get("offers") or [])


def _scoring_inputs(graph, node, resources, reach):
    """What every candidate's score is computed from: the actor, wanted, offered, candidates,
    the two-step network indices and the best Adamic–Adar among the candidates."""
    data = graph.nodes[node]
    wanted, offered = _wanted_offered(data, resources)
    candidates = _candidates(graph, node, wanted, offered, reach)
    network = _network(graph, node)
    best_aa = max((network[c][1] for c in candidates if c in network), default=0.0)
    return data, wanted, offered, candidates, network, best_aa


def _features(graph: nx.Graph) -> dict:
    """Per actor, what scoring reads, as sets and plain values (built once per graph)."""
    cached = graph.graph.get("_allies_features")
    if cached is None:
        cached = {node: (frozenset(d.get("offers") or ()), frozenset(d.get("seeks") or ()),
                         frozenset(d.get("themes") or ()), d.get("kind"), d.get("commune") or None,
                         frozenset(d.get("epcis") or ()), d.get("departement") or None, d.get("region") or None,
                         "france" in (d.get("operates_in") or ()))
                  for node, d in graph.nodes(data=True)}
        graph.graph["_allies_features"] = cached
    return cached


def _top_candidates(graph, node, resources, reach, weights, top, for_need):
    """(number of candidates, the ``top`` (score, candidate, parts) rows), scores computed as
    :func:`score_candidates` computes them, with no dictionary per candidate: allies only shows
    a few, and a région's actor has tens of thousands of candidates."""
    data, wanted, offered, candidates, network, best_aa = _scoring_inputs(graph, node, resources, reach)
    features = _features(graph)
    my = features[node]
    my_themes, my_kind, my_commune, my_epcis, my_dep, my_reg = my[2], my[3], my[4], my[5], my[6], my[7]
    n_wanted, n_offered, n_themes = len(wanted), len(offered), len(my_themes)
    w = [weights.get(k, 0.0) for k in _PARTS]
    scores = []
    for other in candidates:
        offers, seeks, themes, kind, commune, epcis, dep, reg, national = features[other]
        forward = len(wanted.intersection(offers)) / n_wanted if wanted else 0.0
        backward = 0.0 if for_need else (len(offered.intersection(seeks)) / n_offered if offered else 0.0)
        shared = len(my_themes.intersection(themes))
        union = n_themes + len(themes) - shared
        if my_commune and my_commune == commune:
            territory = TERRITORY_SCORE["commune"]
        elif my_epcis & epcis:
            territory = TERRITORY_SCORE["epci"]
        elif my_dep and my_dep == dep:
            territory = TERRITORY_SCORE["departement"]
        elif my_reg and my_reg == reg:
            territory = TERRITORY_SCORE["region"]
        else:
            territory = TERRITORY_SCORE["national"] if national else 0.0
        link = network.get(other)
        complementarity = forward if for_need else (forward + backward) / 2 if wanted and offered else forward or backward
        score = 0
        score += w[0] * complementarity
        score += w[1] * (shared / union if union else 0.0)
        score += w[2] * territory
        score += w[3] * (link[1] / best_aa if link and best_aa else 0.0)
        score += w[4] * (1.0 if my_kind != kind else 0.0)
        # for a need, every candidate offering something it asks ranks above every one that offers nothing
        scores.append((for_need and complementarity <= 0, -score, str(other), other))
    best = heapq.nsmallest(top, scores)
    rows = [(-negative, other, _parts(data, graph.nodes[other], wanted, offered, set(my_themes), network.get(other),
                                      best_aa, for_need=for_need)) for _miss, negative, _key, other in best]
    return len(candidates), rows


def _row(graph, node, other, score, parts, wanted, offered) -> dict:
    theirs = graph.nodes[other]
    scored = dict(_details(graph, node, other, wanted, offered), parts=parts)
    return {
        "id": other, "name": theirs.get("name"), "kind": theirs.get("kind"), "score": round(score, 4),
        "score_parts": {k: round(v, 4) for k, v in parts.items()},
        "common_neighbours": len(scored["common_neighbours"]),
        "adamic_adar": round(scored["adamic_adar"], 4),
        "resource_allocation": round(scored["resource_allocation"], 4),
        "introducers": [{"id": w, "name": graph.nodes[w].get("name"), "kind": graph.nodes[w].get("kind")}
                        for w in scored["common_neighbours"]],
        "reasons": words(why := _why(graph, node, other, scored)),
        "why": why,
    }

"""Candidates ranked by the learned ranking, and their reasons worded from its largest contributions.

:func:`rank_candidates` scores an actor's candidates with a :class:`.ranking.Ranker` on the
projection's :class:`.pairfeatures.PairContext` (built once per graph); :func:`contributions_by_part`
groups each proposal's additive contributions (TreeSHAP for the model, the index itself for an
index) into the parts a practitioner reads — what they offer and seek, themes, territory, common
partners and network closeness, how active the candidate is, how often their two kinds partner —
and :func:`reasons_from` says the facts of the parts that pushed the proposal up, largest first.
"""

from __future__ import annotations

import numpy as np

from .pairfeatures import FEATURES, PairContext

__all__ = ["PARTS", "pair_context", "rank_candidates", "contributions_by_part", "reasons_from", "ranker_for"]

PARTS = {
    "complementarity": ("complementarity",),
    "themes": ("themes",),
    "territory": ("territory",),
    "network": ("common_neighbours", "adamic_adar", "resource_allocation", "jaccard", "katz", "distance",
                "same_community"),
    "activity": ("preferential_attachment", "degree_actor", "degree_candidate", "recent_actor", "recent_candidate",
                 "idle_candidate", "age_candidate"),
    "kinds": ("same_kind", "kind_affinity"),
    "history": ("past_ties", "since_pair"),
}


def pair_context(graph) -> PairContext:
    """The projection's pair context (ties as of its scope's date), built once per graph."""
    cached = graph.graph.get("_pair_context")
    if cached is None:
        cached = graph.graph["_pair_context"] = PairContext(graph, (graph.graph.get("scope") or {}).get("at"))
    return cached


def ranker_for(graph, ranker=None):
    """The ranker given, else the one shipped with maillage (kept on the graph)."""
    if ranker is not None:
        return ranker
    cached = graph.graph.get("_default_ranker")
    if cached is None:
        from .ranking import default_ranker

        cached = graph.graph["_default_ranker"] = default_ranker()
    return cached


def rank_candidates(graph, node, candidates, ranker, resources=None, top: int | None = None,
                    first=None) -> list[tuple]:
    """(candidate, model score, share of the candidates it outranks) for each, best first.

    ``candidates`` are nodes, or sorted ids of the pair context; ``top`` keeps the best ones only (a
    région's actor has tens of thousands of candidates, a page shows ten); ``first`` (candidate →
    bool, or a boolean per actor of the context) ranks the candidates it marks above all others (a
    need's providers), each group by score.
    """
    context = pair_context(graph)
    index = context.index
    if isinstance(candidates, np.ndarray):  # ids of the context already, sorted
        ids = candidates
    else:
        ids = np.sort(np.fromiter((index[c] for c in candidates), dtype=np.int64, count=len(candidates)))
    if not len(ids):
        return []
    scores = ranker.score(context, index[node], ids, resources)
    if first is None:
        keys = (ids, -scores)
    elif isinstance(first, np.ndarray):  # a mark per actor of the context
        keys = (ids, -scores, ~first[ids])
    else:
        keys = (ids, -scores, ~np.fromiter((bool(first(context.nodes[i])) for i in ids.tolist()), dtype=bool,
                                           count=len(ids)))
    order = np.lexsort(keys)[:top]
    lower = np.searchsorted(np.sort(scores), scores[order], side="left")  # candidates with a strictly lower score
    share = lower / (len(ids) - 1) if len(ids) > 1 else np.ones(1)  # a sole candidate outranks all others
    nodes = context.nodes
    return [(nodes[ids[i]], float(scores[i]), float(s)) for i, s in zip(order.tolist(), share.tolist())]


def contributions_by_part(graph, node, others: list, ranker, resources=None) -> list[dict]:
    """Per proposal, each part's share of the score (contributions summed within the part)."""
    if not others:
        return []
    context = pair_context(graph)
    ids = np.array([context.index[o] for o in others], dtype=np.int64)
    matrix = ranker.contributions(context, context.index[node], ids, resources)
    columns = {name: i for i, name in enumerate(FEATURES)}
    return [{part: round(float(sum(row[columns[f]] for f in names)), 4) for part, names in PARTS.items()}
            for row in matrix]


def reasons_from(parts: dict, facts: list[dict]) -> list[dict]:
    """The facts (reason dicts, each with the ``part`` it belongs to) ordered by their part's
    contribution, largest first; facts of parts that pushed the proposal down come last."""
    return sorted(facts, key=lambda fact: (-parts.get(fact.get("part"), 0.0), fact.get("part") or ""))

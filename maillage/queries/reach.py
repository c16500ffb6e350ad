"""Where a need's providers sit and how far they are from its holder: the searches of ``gaps``.

:func:`provider_levels` finds the finest territorial level at which each candidate meets a need's
places by set intersections over the projection's index; :func:`reach_from` is one breadth-first
search from every origin of a need at once, whose predecessors :func:`shortest_paths` turns into the
introduction chains, each as it runs.
"""

from __future__ import annotations

import networkx as nx

from .allies import candidate_index
from .common import REACH_LEVELS

__all__ = ["provider_levels", "within_reach", "reach_from", "shortest_paths"]


def provider_levels(graph: nx.Graph, places: dict, candidates: set, reach: str = "region") -> dict:
    """The finest level at which each candidate (its seat or an operating area) meets ``places``,
    from the projection's index by set intersections (fast enough for every provider of every
    need at the scale of a région); candidates beyond ``reach`` (national ones excepted) are absent."""
    index = candidate_index(graph)
    areas = index["areas"]
    tiers = []
    if places.get("commune"):
        tiers.append(("commune", [index["commune"].get(places["commune"], set()),
                                  areas.get(f"commune:{places['commune']}", set())]))
    epcis = places.get("epcis") or []
    tiers.append(("epci", [index["epci"].get(e, set()) for e in epcis]
                  + [areas.get(f"{level}:{e}", set()) for e in epcis for level in ("epci", "ept")]))
    for level in ("departement", "region"):
        if places.get(level):
            tiers.append((level, [index[level].get(places[level], set()), areas.get(f"{level}:{places[level]}", set())]))
    tiers = [(name, groups) for name, groups in tiers if within_reach(name, reach)]
    tiers.append(("national", [index["national"]]))
    levels = {}  # coarsest first, so the finest level a candidate reaches is written last (set operations in C)
    for name, groups in reversed(tiers):
        for group in groups:
            levels.update(dict.fromkeys(group & candidates, name))
    return levels


def within_reach(level: str | None, reach: str) -> bool:
    return level == "national" or (level is not None and REACH_LEVELS.index(level) <= REACH_LEVELS.index(reach))


def reach_from(graph: nx.Graph, origins: list, max_hops: int) -> tuple[dict, dict]:
    """One breadth-first search from all origins at once: distance and shortest-path predecessors
    of every actor within ``max_hops`` steps (so a need costs one search, not one per provider)."""
    distance, predecessors = dict.fromkeys(origins, 0), {origin: [] for origin in origins}
    frontier = list(origins)
    for step in range(1, max_hops + 1):
        following = []
        for node in frontier:
            for other in graph[node]:
                if other not in distance:
                    distance[other], predecessors[other] = step, [node]
                    following.append(other)
                elif distance[other] == step:
                    predecessors[other].append(node)
        frontier = following
    return distance, predecessors


def shortest_paths(predecessors: dict, target, limit: int = 20) -> list[list]:
    """Up to ``limit`` shortest paths from the nearest origin to ``target``, origin first."""
    if target not in predecessors:
        return []
    paths, stack = [], [[target]]
    while stack and len(paths) < limit:
        path = stack.pop()
        before = sorted(predecessors[path[-1]], key=str, reverse=True)
        if not before:
            paths.append(path[::-1])
        stack.extend(path + [node] for node in before)
    return paths

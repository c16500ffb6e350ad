"""Synthetic ecosystems with a planted structure, to test and benchmark the analyses.

Actors get a seat, themes, what they offer and what they seek. Partnerships then form year
after year by a known rule (``rule``):

- ``planted`` (the default): most often between an actor and a nearby actor that offers what it
  seeks (complementarity, usually across sectors and on a shared theme), otherwise by triadic
  closure (a partner of a partner) or at random nearby. This is the rule maillage's score
  encodes, so a backtest on it alone is circular;
- ``off``: the same share of ties by closure or at random nearby, never by complementarity
  (a control: what is left when the planted rule is switched off);
- ``kind_theme``: most often between actors of the same kind sharing a theme nearby, otherwise by
  closure (another rule, which maillage's score does not encode).
"""

from __future__ import annotations

import random

import networkx as nx

from .vocabulary import RESOURCES, THEMES
from .i18n import _

__all__ = ["planted_ecosystem", "KIND_SHARES", "RULES"]

RULES = ("planted", "off", "kind_theme")

KIND_SHARES = {"association": 0.45, "company": 0.40, "collectivite": 0.06, "public_body": 0.03, "school": 0.03,
               "foundation": 0.02, "intermediary": 0.01}


def _actor(rng: random.Random, index: int, place: dict) -> dict:
    kind = rng.choices(list(KIND_SHARES), weights=list(KIND_SHARES.values()))[0]
    resources = list(RESOURCES)
    offers = rng.sample(resources, rng.randint(1, 2))
    seeks = rng.sample([r for r in resources if r not in offers], rng.randint(1, 2))
    return {"id": f"x{index}", "name": f"Acteur {index}", "kind": kind, "themes": rng.sample(list(THEMES), 2),
            "offers": offers, "seeks": seeks, "operates_in": [], **place}


def planted_ecosystem(actors: int = 1000, departements: int = 4, years: range = range(2010, 2025),
                      ties_per_year: int | None = None, complementary_share: float = 0.7, seed: int = 42,
                      places: list[dict] | None = None, rule: str = "planted") -> nx.MultiGraph:
    """A projection-like MultiGraph whose ties follow the planted rule (see module doc).

    ``places`` (dicts with commune, epcis, departement, region and population) seats the actors
    in proportion to population, e.g. the real communes of a région; by default ``departements``
    synthetic départements of 20 communes each.

    Examples
    --------
    >>> G = planted_ecosystem(200, seed=1)
    >>> G.number_of_nodes(), min(d["start"] for *_, d in G.edges(data=True))[:4]
    (200, '2010')
    """
    if rule not in RULES:
        raise ValueError(_("rule must be one of {join}, got {rule!r}").format(join=', '.join(RULES), rule=rule))
    rng = random.Random(seed)
    graph = nx.MultiGraph(scope={"territory": None, "at": None, "kinds": None}, areas={}, needs=[])
    by_place: dict[str, list[str]] = {}
    if places:
        seats = rng.choices(places, weights=[max(p.get("population") or 1, 1) for p in places], k=actors)
    for i in range(actors):
        if places:
            place = {k: seats[i][k] for k in ("commune", "epcis", "departement", "region")}
        else:
            dep = f"{67 + i % departements}"
            place = {"commune": f"{dep}{rng.randint(1, 20):03d}", "epcis": [], "departement": dep, "region": "44"}
        node = _actor(rng, i, place)
        graph.add_node(node.pop("id"), **node)
        by_place.setdefault(place["departement"], []).append(f"x{i}")
    offering = {}  # (département, resource) and (département, resource, theme) → providers
    for node, data in graph.nodes(data=True):
        for resource in data["offers"]:
            offering.setdefault((data["departement"], resource), []).append(node)
            for theme in data["themes"]:
                offering.setdefault((data["departement"], resource, theme), []).append(node)
    per_year = ties_per_year or actors // 4
    for year in years:
        for _draw in range(per_year):
            u = f"x{rng.randrange(actors)}"
            v = _partner(graph, rng, u, offering, by_place, complementary_share, rule)
            if v and v != u and not graph.has_edge(u, v):
                graph.add_edge(u, v, key=f"{u}-{v}", kind="cooperation", start=f"{year}-{rng.randint(1, 12):02d}-01",
                               end=None, themes=[], amount=None, description=None)
    return graph


def _partner(graph, rng, u, offering, by_place, complementary_share, rule="planted"):
    data = graph.nodes[u]
    roll = rng.random()
    if rule == "kind_theme" and roll < complementary_share:
        pool = [v for v in rng.sample(by_place[data["departement"]], min(60, len(by_place[data["departement"]])))
                if graph.nodes[v]["kind"] == data["kind"] and set(graph.nodes[v]["themes"]) & set(data["themes"])]
        return rng.choice(pool) if pool else None
    if rule == "off" and roll < complementary_share:
        roll = complementary_share + rng.random() * (1 - complementary_share)  # closure or random instead
    if rule == "planted" and roll < complementary_share:
        wanted = (data["departement"], rng.choice(data["seeks"]))
        themed = offering.get(wanted + (rng.choice(data["themes"]),), [])
        pool = themed if themed and rng.random() < 0.7 else offering.get(wanted, [])  # mostly on a shared theme
        if not pool:
            return None
        if rng.random() < 0.8:  # usually across sectors: draw until another kind comes (a few tries)
            for _try in range(8):
                v = rng.choice(pool)
                if graph.nodes[v]["kind"] != data["kind"]:
                    return v
        return rng.choice(pool)
    neighbours = list(graph[u])
    if roll < complementary_share + (1 - complementary_share) / 2 and neighbours:
        middle = rng.choice(neighbours)
        return rng.choice(list(graph[middle]))
    return rng.choice(by_place[data["departement"]])

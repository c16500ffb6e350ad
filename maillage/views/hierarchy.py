"""Groups that make a territory's graph readable: the territorial level with a readable number of groups.

Beyond :data:`DETAIL_LIMIT` actors a view shows groups, not actors: the actors of a région by
département, of a département by EPCI (intercommunalité), of an EPCI by commune. A group still too
big is split again, down to the commune; a single commune still too big is split by community
(Louvain), and as a last resort by kind of actor — never into "1 commune". Groups are named by the
official names the store holds for its territories (codes only when no name is known), and each
group knows its actors by kind and its open needs, so the page can say them in words.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from ..i18n import _, number
from ..vocabulary import default_vocabulary
from ..queries.community import louvain

__all__ = ["group_tree", "community_name", "DETAIL_LIMIT"]

DETAIL_LIMIT = 400
MAX_GROUPS = 30  # beyond, the smallest groups are gathered into one « autres » group, opened like the others
_LEVELS = ("region", "departement", "epci", "commune")


def _place(data: dict, level: str) -> str | None:
    if level == "epci":
        return sorted(data.get("epcis") or [None], key=str)[0]
    return data.get(level)


def _name(names: dict, level: str, code) -> str:
    if code is None:
        return _("Place unknown")
    territory = names.get(f"{level}:{code}") or (names.get(f"ept:{code}") if level == "epci" else None)
    if territory:
        return territory
    return {"region": _("Région {code}"), "departement": _("Département {code}"),
            "epci": _("Intercommunality {code}"), "commune": _("Commune {code}")}.get(level, "{code}").format(code=code)


def _capped(parts: dict, level: str) -> dict:
    """At most MAX_GROUPS groups: the largest kept, the rest gathered (and split again when opened)."""
    if len(parts) <= MAX_GROUPS:
        return parts
    ordered = sorted(parts, key=lambda key: (-len(parts[key][1]), str(key)))
    kept = {key: parts[key] for key in ordered[:MAX_GROUPS - 1]}
    rest = [actor for key in ordered[MAX_GROUPS - 1:] for actor in parts[key][1]]
    # « 899 other communities »: the view adds the actors' count once, « (4 266) », never a second bracket
    what = {"community": _("{count} other communities"), "commune": _("{count} other communes"),
            "epci": _("{count} other intercommunalities"), "departement": _("{count} other départements"),
            "region": _("{count} other régions")}.get(level, _("{count} other groups"))
    kept[("autres",)] = (what.format(count=number(len(ordered) - MAX_GROUPS + 1)), rest)
    return kept


def _partition(graph: nx.Graph, actors: list, level_index: int, names: dict, seed: int):
    """The first finer level splitting ``actors`` into at least two groups: (level, {key: (name, actors)})."""
    for index in range(level_index, len(_LEVELS)):
        level = _LEVELS[index]
        parts: dict = {}
        for actor in actors:
            parts.setdefault(_place(graph.nodes[actor], level), []).append(actor)
        largest = max(len(members) for members in parts.values())
        if len(parts) > 1 and largest < 0.9 * len(actors):  # one part holding nearly all says nothing: go finer
            named = {key: (_name(names, level, key), members) for key, members in parts.items()}
            return index + 1, level, _capped(named, level)
    tied = _tied_among(graph, actors)
    alone = sorted((a for a in actors if a not in tied), key=str)
    if tied.number_of_edges():
        found = louvain(tied, seed)
        ordered = sorted(found, key=lambda group: (-len(group), min(map(str, group))))
        parts = {i: (None, sorted(group, key=str)) for i, group in enumerate(ordered)}
        if alone:  # actors with no tie here are one group, not thousands of one-actor communities
            parts["alone"] = (_("Actors without a partnership here"), alone)
        if len(parts) > 1:
            # named once capped: a commune's thousands of small communities are gathered unnamed
            kept = _capped(parts, "community")
            return len(_LEVELS), "community", {key: (name if name is not None else community_name(graph, members),
                                                     members) for key, (name, members) in kept.items()}
    parts = {}
    for actor in actors:
        parts.setdefault(graph.nodes[actor].get("kind") or "?", []).append(actor)
    return len(_LEVELS) + 2, "kind", {key: (str(key), members) for key, members in parts.items()}


def _tied_among(graph: nx.Graph, actors: list) -> nx.Graph:
    """The ties among ``actors``, as a graph of the tied ones without their attributes: the induced
    subgraph without copying every actor's attributes (a région's tree asks for thousands)."""
    members = set(actors)
    tied = nx.Graph()
    tied.add_edges_from((a, b) for a in actors for b in graph[a] if b in members)
    return tied


def community_name(graph: nx.Graph, members) -> str:
    """A community named as ``profile`` names them: by its hubs (most ties inside it) and its main theme.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")])
    >>> nx.set_node_attributes(G, {"a": "Amis", "b": "Banque", "c": "Cité", "d": "Dojo"}, "name")
    >>> nx.set_node_attributes(G, {n: ["sport"] for n in G}, "themes")
    >>> community_name(G, {"a", "b", "c", "d"})
    'around Cité, Amis (Sport)'
    """
    inside = graph.subgraph(members)
    hubs = sorted(members, key=lambda n: (-inside.degree(n), str(graph.nodes[n].get("name") or n)))[:2]
    themes = Counter(theme for n in members for theme in graph.nodes[n].get("themes") or [])
    names = ", ".join(str(graph.nodes[n].get("name") or n) for n in hubs)
    if themes:
        theme = min(themes, key=lambda t: (-themes[t], t))
        return _("around {hubs} ({theme})").format(hubs=names, theme=default_vocabulary().label("theme", theme))
    return _("around {hubs}").format(hubs=names)


def _kinds(graph: nx.Graph, members: list, kind_label) -> dict:
    """A group's actors by kind, most first: counted by code, then labelled (a région's tree counts a
    million memberships; labelling each one cost 20 s)."""
    labelled: Counter = Counter()
    for kind, count in Counter(graph.nodes[a].get("kind") for a in members).items():
        labelled[kind_label(kind)] += count
    return dict(sorted(labelled.items(), key=lambda item: (-item[1], item[0])))


def group_tree(graph: nx.Graph, root_name: str, limit: int = DETAIL_LIMIT, seed: int = 42,
               kind_label=str) -> tuple[list[dict], dict]:
    """The groups of ``graph`` (index 0 the whole scope) and each actor's leaf group.

    Returns ``(groups, leaf_of)``: each group has ``name``, ``level``, ``parent``, ``children``
    (group indexes, or None for a leaf whose actors are drawn), ``actors`` (count) and ``kinds``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from((f"a{i}", {"kind": "association", "commune": f"6748{i % 2}", "epcis": [],
    ...                             "departement": "67", "region": "44"}) for i in range(10))
    >>> groups, leaf_of = group_tree(G, "Bas-Rhin", limit=6)
    >>> [g["name"] for g in groups], groups[0]["children"]
    (['Bas-Rhin', 'Commune 67480', 'Commune 67481'], [1, 2])
    """
    names = graph.graph.get("territory_names", {})
    actors = sorted(graph, key=str)
    groups = [{"name": root_name, "level": "scope", "parent": None, "children": None, "members": actors,
               "depth": 0}]
    leaf_of: dict = {}
    pending = [0]
    while pending:
        index = pending.pop(0)
        group = groups[index]
        members = group.pop("members")
        group["actors"] = len(members)
        group["kinds"] = _kinds(graph, members, kind_label)
        if len(members) <= limit or group["depth"] > len(_LEVELS) + 1:  # small enough, or split by kind already
            for actor in members:
                leaf_of[actor] = index
            continue
        depth, level, parts = _partition(graph, members, group["depth"], names, seed)
        if len(parts) < 2:  # nothing splits it further: its actors are drawn, however many
            for actor in members:
                leaf_of[actor] = index
            continue
        group["children"] = []
        for key in sorted(parts, key=lambda k: (-len(parts[k][1]), str(k))):
            name, part = parts[key]
            gathered = key == ("autres",)  # the smallest groups, split again at the same level when opened
            group["children"].append(len(groups))
            pending.append(len(groups))
            groups.append({"name": name, "level": "gathered" if gathered else level if key is not None else "unknown",
                           "code": None if gathered else key, "parent": index, "children": None, "members": part,
                           "depth": depth - 1 if gathered else depth})
    for group in groups:
        group.pop("depth", None)
    return groups, leaf_of

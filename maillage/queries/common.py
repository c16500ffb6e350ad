"""What the analyses share: territorial proximity, vocabulary labels in reasons, finding an actor."""

from __future__ import annotations

import networkx as nx

from ..errors import NotFoundError
from ..graph.projection import collector_paused
from ..vocabulary import default_vocabulary, fold
from ..i18n import _

__all__ = ["REACH_LEVELS", "TERRITORY_SCORE", "LEVEL_WORDS", "shared_level", "labels", "resolve_actor",
           "simple_graph"]

REACH_LEVELS = ("commune", "epci", "departement", "region")
TERRITORY_SCORE = {"commune": 1.0, "epci": 0.75, "departement": 0.5, "region": 0.25, "national": 0.1}
LEVEL_WORDS = {"commune": "same commune", "epci": "same intercommunalité", "departement": "same département",
               "region": "same région", "national": "operates nationwide"}


def shared_level(a: dict, b: dict) -> str | None:
    """The finest territorial level two places (node attribute dicts) share.

    Examples
    --------
    >>> shared_level({"commune": "67482", "departement": "67"}, {"commune": "67218", "departement": "67"})
    'departement'
    """
    if a.get("commune") and a["commune"] == b.get("commune"):
        return "commune"
    if set(a.get("epcis") or []) & set(b.get("epcis") or []):
        return "epci"
    for level in ("departement", "region"):
        if a.get(level) and a[level] == b.get(level):
            return level
    return None


def labels(name: str, codes) -> str:
    """Vocabulary codes as lower-case French labels, for reasons in words."""
    vocabulary = default_vocabulary()
    return ", ".join(vocabulary.label(name, code).lower() for code in codes)


def simple_graph(graph: nx.Graph) -> nx.Graph:
    """The projection with parallel ties merged and self-loops dropped (built once per graph)."""
    if not graph.is_multigraph():
        return graph
    if graph.graph.get("_simple") is not None:
        return graph.graph["_simple"]
    with collector_paused():  # a million nodes and ties made, no cycle: see collector_paused
        simple = _simple_of(graph)
    graph.graph["_simple"] = simple
    return simple


def _simple_of(graph: nx.MultiGraph) -> nx.Graph:
    # a canonical order (nodes and ties sorted), so every analysis answers the same whatever the
    # order the store returned rows in, the orientation ties were written in, or the hash seed
    simple = nx.Graph()
    simple.graph.update({k: v for k, v in graph.graph.items() if k not in ("_simple", "_compact", "_canonical")})
    simple.add_nodes_from(sorted(graph.nodes(data=True), key=lambda item: str(item[0])))
    ties, shaky = {}, {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u != v:
            ends = (u, v) if str(u) <= str(v) else (v, u)
            key = str(key)
            kept = ties.get(ends)
            if kept is None or key < kept[0]:
                ties[ends] = (key, data)
            # a pair is illustrative only if all its ties are, and sourced if one of them is
            was = shaky.get(ends, (True, None))
            shaky[ends] = (was[0] and bool(data.get("illustrative")), was[1] or data.get("source_file"))
    ordered = sorted(ties, key=lambda ends: (str(ends[0]), str(ends[1])))
    simple.add_edges_from((u, v, dict(ties[(u, v)][1], illustrative=shaky[(u, v)][0], source_file=shaky[(u, v)][1]))
                          for u, v in ordered)
    simple.graph["_canonical"] = True  # kept with its multigraph and never changed: compact() may keep its form
    return simple


def resolve_actor(graph: nx.Graph, text: str) -> str:
    """The node an id, key, SIREN, RNA or name designates; NotFoundError with close matches otherwise.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node("siren:552118465", name="IBM France", key="ibm-france", siren="552118465")
    >>> resolve_actor(G, "ibm")
    'siren:552118465'
    """
    if text in graph:
        return text
    for node, data in graph.nodes(data=True):
        if text in (data.get("key"), data.get("siren"), data.get("rna"), data.get("siret")):
            return node
    wanted = fold(text)
    exact = [n for n, data in graph.nodes(data=True) if fold(data.get("name") or "") == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [n for n, data in graph.nodes(data=True) if wanted in fold(data.get("name") or "")]
    if len(partial) == 1:
        return partial[0]
    names = sorted(f"{graph.nodes[n].get('name')} ({n})" for n in partial)
    if partial:
        raise NotFoundError(_("{text!r} matches {count} actors: {names}. Give an id.").format(
            text=text, count=len(partial), names="; ".join(names[:10]) + ("; …" if len(names) > 10 else "")), names)
    close = _close_names(graph, wanted)
    hint = " " + _("Did you mean: {names}?").format(names="; ".join(close)) if close else ""
    raise NotFoundError(_("no actor {text!r} in this scope.{hint}").format(text=text, hint=hint), close)


def _close_names(graph: nx.Graph, wanted: str) -> list[str]:
    from difflib import get_close_matches

    by_name = {fold(data.get("name") or ""): f"{data.get('name')} ({n})" for n, data in graph.nodes(data=True)}
    return [by_name[name] for name in get_close_matches(wanted, list(by_name), n=5, cutoff=0.6)]

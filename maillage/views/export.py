"""Export a projection to the format its file name asks for, with measures and proposals.

``.html`` (the interactive view), ``.gexf`` and ``.graphml`` (Gephi, all attributes, dates as
GEXF spells), ``.json`` (node-link) and ``.csv`` (a nodes and an edges table).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ..errors import OutputError, UsageError
from ..graph.projection import active
from ..queries.bridges import DEFAULT_ERROR, EXACT_LIMIT, bridges
from ..queries.common import resolve_actor, simple_graph
from ..queries.gaps import coverage
from ..queries.structure import betweenness
from .files import write_csv, write_gexf, write_graphml, write_json
from .html import MAX_NODES, write_html
from .layout import induced
from ..i18n import _

__all__ = ["export", "FORMATS", "COLOR_BY", "SIZE_BY", "focus_graph", "as_of", "tie_counts"]

FORMATS = {".html": "html", ".htm": "html", ".gexf": "gexf", ".graphml": "graphml", ".json": "json", ".csv": "csv"}
COLOR_BY = ("kind", "territory", "community")
SIZE_BY = ("degree", "betweenness", "brokerage")


def focus_graph(graph: nx.MultiGraph, actor: str, hops: int = 1) -> tuple[nx.MultiGraph, str]:
    """The actors within ``hops`` steps of ``actor`` (id or name), with the ties among them."""
    node = resolve_actor(simple_graph(graph), actor)
    keep = nx.single_source_shortest_path_length(simple_graph(graph), node, cutoff=hops)
    focused = induced(graph, keep)  # in the graph's order, whatever the hash seed
    focused.graph = {k: v for k, v in graph.graph.items() if not k.startswith("_")}
    return focused, node


def _sizes(graph: nx.MultiGraph, size: str, seed: int) -> dict:
    simple = simple_graph(graph)
    if size == "degree":
        return dict(simple.degree())
    if size == "betweenness":
        error = DEFAULT_ERROR if simple.number_of_nodes() > EXACT_LIMIT else None
        return betweenness(simple, error=error, seed=seed)["values"]
    if size == "brokerage":
        return {row["id"]: row["score"] for row in bridges(graph, top=graph.number_of_nodes(), seed=seed)["ranking"]}
    raise UsageError(_("size must be one of {join}, got {size!r}").format(join=', '.join(SIZE_BY), size=size))


def _proposals(graph: nx.MultiGraph, focus: str | None) -> list[dict]:
    """Bridge proposals of the gap analysis (and allies of the focused actor) as edges to draw."""
    from ..queries import allies, gaps

    drawn, found = [], gaps(graph, top=3)["needs"]
    for need in found:
        for proposal in need["proposals"] if need["holder"] else []:
            drawn.append({"source": need["holder"], "target": proposal["provider"],
                          "label": _("Proposal for « {need} »: {reasons}").format(
                              need=need["title"], reasons="; ".join(proposal["reasons"]))})
    if focus is not None:
        for row in allies(graph, focus, top=5)["allies"]:
            drawn.append({"source": focus, "target": row["id"], "label": _("Potential ally: {reasons}").format(
                reasons="; ".join(row["reasons"]))})
    return drawn


def _active_degree(graph: nx.MultiGraph, at: str | None) -> dict:
    """Each actor's number of distinct partners through ties active at ``at``."""
    partners: dict = {node: set() for node in graph}
    for u, v, data in graph.edges(data=True):
        if u != v and active(data, at):
            partners[u].add(v)
            partners[v].add(u)
    return {node: len(found) for node, found in partners.items()}


def as_of(graph: nx.MultiGraph, at: str | None) -> nx.MultiGraph:
    """The ties active at ``at`` (all of them when None), for what is computed at one date."""
    if at is None:
        return graph
    current = nx.MultiGraph()
    current.graph.update({k: v for k, v in graph.graph.items() if not k.startswith("_")})  # caches stay behind
    current.add_nodes_from(graph.nodes(data=True))
    current.add_edges_from((u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if active(d, at))
    return current


def export(graph: nx.MultiGraph, out: str | Path, *, focus: str | None = None, hops: int = 1,
           color: str = "kind", size: str = "degree", proposals: bool = False, max_nodes: int = MAX_NODES,
           title: str | None = None, seed: int = 42, raw: bool = False, at: str | None = None) -> dict:
    """Write ``graph`` to ``out`` in the format of its suffix and return what was written.

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> G = nx.MultiGraph()
    >>> G.add_node("a", name="A", kind="association", themes=["sport"])
    >>> export(G, os.path.join(tempfile.mkdtemp(), "g.gexf"))["nodes"]
    1
    """
    if graph is None:
        raise UsageError(_("export needs a graph, got None"))
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(_("cannot tell the format of {name}: use one of {join}").format(name=out.name, join=', '.join(sorted(FORMATS))))
    if color not in COLOR_BY:
        raise UsageError(_("color must be one of {join}, got {color!r}").format(join=', '.join(COLOR_BY), color=color))
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise OutputError(_("cannot write {out}: folder {parent} does not exist").format(out=out, parent=out.parent))
    focus_id = None
    if focus is not None:
        graph, focus_id = focus_graph(graph, focus, hops)
    if fmt == "html" and size == "degree":
        sizes = _active_degree(graph, at)  # without copying a région's graph to count its ties at one date
    else:
        sizes = _sizes(as_of(graph, at) if fmt == "html" else graph, size, seed)
    communities = None
    if color == "community" or fmt != "html":
        from ..queries.profile import communities as find_communities

        communities = find_communities(simple_graph(graph), seed)["membership"]
    if fmt != "html":
        extra = {size: sizes, "community": communities}
        if fmt == "csv":
            written = write_csv(graph, out, extra, raw=raw)
        else:
            written = {"gexf": write_gexf, "graphml": write_graphml, "json": write_json}[fmt](graph, out, extra)
        paths = [str(p) for p in written["paths"]]
        notice = ""
        if written.get("xml_replaced"):
            notice = _("{count} values held characters XML cannot carry (control characters, U+FFFE, U+FFFF): "
                       "they were replaced by U+FFFD.").format(count=written["xml_replaced"])
        return {"path": paths[0], "paths": paths, "format": fmt, "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(), **tie_counts(graph), "proposals": 0, "notice": notice,
                "xml_replaced": written.get("xml_replaced", 0), "csv_neutralized": written.get("neutralized")}
    # computed only because the page draws them
    dated = as_of(graph, at)
    drawn = _proposals(dated, focus_id) if proposals else []
    white = {need for need, status in coverage(dated).items() if status == "no_provider"}
    names = graph.graph.get("territory_names", {})
    scope = graph.graph.get("scope") or {}
    place = names.get(scope.get("territory")) or scope.get("territory") or _("the whole ecosystem")
    heading = title or ("maillage — " + place + (f" — {graph.nodes[focus_id].get('name')}" if focus_id else ""))
    size_label = {"degree": _("number of partnerships"), "betweenness": _("betweenness: the share of shortest "
                  "paths between others running through the actor"),
                  "brokerage": _("brokerage: ties between actors not tied to each other")}.get(size)
    written = write_html(graph, out, sizes=sizes, color=color, communities=communities, proposals=drawn,
                         size_label=size_label, white_needs=white,
                         title=heading, seed=seed, at=at, limit=max_nodes, scope_name=place)
    return dict(written, **tie_counts(graph))


def tie_counts(graph: nx.MultiGraph) -> dict:
    """Partnerships and ties between members of one initiative, counted apart (every date)."""
    co_membership = sum(1 for *_, kind in graph.edges(data="kind") if kind == "initiative")
    return {"partnerships": graph.number_of_edges() - co_membership, "co_membership": co_membership}

"""The interactive HTML view: one self-contained file, drawn by vis-network (from pyvis).

The page reads at the scale of a territory. Up to :data:`~maillage.views.hierarchy.DETAIL_LIMIT`
actors it draws them; beyond, it draws groups (EPCI within a département, départements within a
région …, see :mod:`maillage.views.hierarchy`) tied by the number of partnerships between them, and
a click opens a group in place, down to its actors, with a breadcrumb back up — all inside the same
offline file. A slider shows the ecosystem as of a date. Positions are computed once in Python
(seeded), so the page is interactive as soon as it opens.

vis-network and its stylesheet are inlined and a Content-Security-Policy forbids any network
access. Text from the data reaches the page only inside a JSON block (with ``<``, ``>`` and ``&``
escaped) and is shown with ``textContent`` or as vis-network's plain-text tooltips: a name can never
run as HTML or script. Colours are the Okabe–Ito palette, safe for colour-blind readers.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import networkx as nx

from ..errors import UsageError
from ..graph.projection import today
from ..queries.common import simple_graph
from ..vocabulary import default_vocabulary
from .hierarchy import DETAIL_LIMIT, group_tree
from .layout import induced, layout
from .texts import level_names, view_texts
from .output import atomic_output
from ..i18n import _

__all__ = ["write_html", "KIND_COLOURS", "PALETTE", "MAX_NODES"]

# Okabe & Ito, "Color Universal Design" (2008): eight colours told apart with any colour vision.
KIND_COLOURS = {
    "association": "#009E73", "company": "#E69F00", "collectivite": "#0072B2", "public_body": "#56B4E9",
    "school": "#F0E442", "foundation": "#CC79A7", "intermediary": "#D55E00", "citizen_group": "#000000",
    "unknown": "#BBBBBB",  # grey: not a sector (told apart from the eight under the three simulations)
}
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MAX_NODES = DETAIL_LIMIT  # kept for callers: beyond it the page groups actors
_ASSETS = Path(__file__).resolve().parent
_FONT = "DejaVu Sans, Arial, sans-serif"
_OPTIONS = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "edges": {"smooth": False, "color": {"inherit": False}},
    # labels with a white halo, readable across ties and outlines
    "nodes": {"shape": "dot", "font": {"size": 12, "face": _FONT, "strokeWidth": 4, "strokeColor": "#ffffff"},
              "scaling": {"label": {"enabled": False}}},
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True, "navigationButtons": False},
}


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS, as shipped inside the pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")


def _safe_json(value) -> str:
    """JSON that cannot close the <script> block it sits in."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# columns with few distinct values travel as a table of values and one small integer per row: a
# région's page is 40 % lighter, so the browser parses less before it draws (unpacked on opening)
PACKED = {"actors": ("colour", "kind", "place", "themes", "offers", "seeks"), "ties": ("kind", "start", "end", "text")}


def _packed(payload: dict) -> dict:
    """The payload as the page carries it: :data:`PACKED` columns dictionary-encoded when at most
    a quarter of their rows are distinct (values in first-seen order, so the bytes are stable)."""
    out = dict(payload)
    for table, columns in PACKED.items():
        out[table] = dict(payload[table])
        for column in columns:
            rows, codes, values = payload[table][column], {}, []
            for value in rows:
                key = tuple(value) if isinstance(value, list) else value
                if key not in codes:
                    codes[key] = len(values)
                    values.append(value)
            if len(values) * 4 <= len(rows):
                out[table][column] = {"values": values,
                                      "codes": [codes[tuple(v) if isinstance(v, list) else v] for v in rows]}
    return out


def _colour_groups(graph: nx.Graph, color: str, communities: dict | None) -> tuple[dict, list[dict], str]:
    """Each actor's colour group, the legend, and the legend's title."""
    vocabulary = default_vocabulary()
    names = graph.graph.get("territory_names", {})
    if color == "kind":
        group = {n: d.get("kind") for n, d in graph.nodes(data=True)}
        colour = lambda value, i: KIND_COLOURS.get(value, PALETTE[i % len(PALETTE)])  # noqa: E731
        label = lambda value: vocabulary.label("actor_kind", value)  # noqa: E731
        title = _("Kinds of actors")
    elif color == "territory":
        group = {n: d.get("departement") or "?" for n, d in graph.nodes(data=True)}
        colour = lambda value, i: PALETTE[i % len(PALETTE)]  # noqa: E731
        label = lambda value: names.get(f"departement:{value}") or _("Département {code}").format(code=value)  # noqa: E731
        title = _("Départements")
    elif color == "community":
        group = {n: str((communities or {}).get(n, -1)) for n in graph}
        colour = lambda value, i: PALETTE[i % len(PALETTE)]  # noqa: E731
        label = lambda value: _("Community {number}").format(number=value)  # noqa: E731
        title = "Communautés (Louvain)"
    else:
        raise UsageError(_("color must be kind, territory or community, got {color!r}").format(color=color))
    counts: dict = {}
    for value in group.values():
        counts[value] = counts.get(value, 0) + 1
    ordered = sorted(counts, key=lambda value: (-counts[value], str(value)))
    legend = [{"value": str(value), "label": label(value), "color": colour(value, i), "count": counts[value]}
              for i, value in enumerate(ordered)]
    return {n: str(v) for n, v in group.items()}, legend, title


def _positions(simple: nx.Graph, groups: list[dict], leaf_of: dict, seed: int) -> tuple[dict, dict]:
    """Actor positions inside their leaf group, and each group's position among its siblings."""
    leaves: dict[int, nx.Graph] = {}
    for actor in sorted(leaf_of, key=str):
        leaves.setdefault(leaf_of[actor], nx.Graph()).add_node(actor)
    for u, v in simple.edges():  # one pass over the ties, not one subgraph view per leaf (slow at 2,000 leaves)
        if leaf_of[u] == leaf_of[v]:
            leaves[leaf_of[u]].add_edge(u, v)
    actor_xy = {}
    for leaf, graph in leaves.items():
        actor_xy.update(_normalised(_leaf_layout(graph, seed), graph.number_of_nodes()))
    group_xy = {}
    chains = {}  # actor → its groups from the root down to its leaf
    for actor, leaf in leaf_of.items():
        chain, node = [], leaf
        while node is not None:
            chain.append(node)
            node = groups[node]["parent"]
        chains[actor] = chain[::-1]
    between = {i: nx.Graph() for i, g in enumerate(groups) if g["children"]}
    for index, graph in between.items():
        graph.add_nodes_from(groups[index]["children"])
    for u, v in simple.edges():  # one pass: each tie counts between the two groups where its ends part
        a, b = chains[u], chains[v]
        depth = 0
        while depth < len(a) and depth < len(b) and a[depth] == b[depth]:
            depth += 1
        if 0 < depth < len(a) and depth < len(b):
            graph = between[a[depth - 1]]
            graph.add_edge(a[depth], b[depth], weight=graph.get_edge_data(a[depth], b[depth], {}).get("weight", 0) + 1)
    for graph in between.values():  # groups sit further apart than actors: they are drawn up to 40 units wide
        for _u, _v, data in graph.edges(data=True):  # damped, so one heavy tie does not fling light ones away
            data["pull"] = 1 + math.log(data["weight"])
        placed = _normalised(_leaf_layout(graph, seed, weight="pull"), graph.number_of_nodes(), spacing=260)
        group_xy.update({child: (float(x), float(y)) for child, (x, y) in placed.items()})
    return actor_xy, group_xy


def _leaf_layout(graph: nx.Graph, seed: int, weight: str | None = None) -> dict:
    """Actors of one leaf group: the tied ones by spring layout (seeded; pivot MDS when many), the others on a
    grid beside them; a few actors on a circle."""
    if graph.number_of_nodes() <= 3:
        return nx.circular_layout(graph)
    alone = sorted((v for v in graph if graph.degree(v) == 0), key=str)
    # the tied actors in the graph's own order: a subgraph view of fewer than half the nodes iterates
    # a set, whose order changes with PYTHONHASHSEED, and the seeded layouts depend on the order
    tied = induced(graph, [v for v in graph if graph.degree(v) > 0])
    if tied.number_of_nodes() > DETAIL_LIMIT:
        positions = {v: (x / 1000, y / 1000) for v, (x, y) in layout(tied, seed).items()}
    elif tied.number_of_nodes():
        iterations = min(40, max(15, tied.number_of_nodes()))
        positions = dict(nx.spring_layout(tied, seed=seed, iterations=iterations, method="force", weight=weight))
    else:
        positions = {}
    if alone:
        xs = [p[0] for p in positions.values()] or [0.0]
        ys = [p[1] for p in positions.values()] or [0.0]
        side = max(1, round(len(alone) ** 0.5))
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        step = extent / max(side, 6) if positions and extent else 1.0  # close beside the tied ones, not far away
        left = max(xs) + step if positions else 0.0
        for k, v in enumerate(alone):
            positions[v] = (left + (k % side) * step, min(ys) + (k // side) * step)
    return positions


def _normalised(positions: dict, count: int, spacing: float = 160) -> dict:
    """Positions centred and scaled so that actors sit well apart (node radii are 6–26 units), whatever the layout's scale."""
    if not positions:
        return {}
    xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy, target = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2, spacing * max(count, 2) ** 0.5
    return {node: ((x - cx) / extent * target / 1000, (y - cy) / extent * target / 1000)
            for node, (x, y) in positions.items()}


def _needs_by_group(graph: nx.Graph, groups: list[dict], leaf_of: dict) -> list[int]:
    """Open needs held by each group's actors."""
    counts = [0] * len(groups)
    for need in graph.graph.get("needs", []):
        node = leaf_of.get(need.get("holder"))
        while node is not None and need.get("status", "open") == "open":
            counts[node] += 1
            node = groups[node]["parent"]
    return counts


def _map(graph, actors: list, white_needs: set | None = None) -> dict | None:
    """The map of the view (see :mod:`.geo`): places, outlines, borders, each actor's position, and
    each commune's open needs (held there, or asked for there)."""
    from .geo import SPREAD, map_layer

    layer = map_layer({a: graph.nodes[a].get("commune") for a in actors})
    if layer is None:
        return None
    open_needs: dict[str, int] = {}
    white: dict[str, int] = {}  # needs no provider within reach could meet (queries.gaps.coverage)
    for need in graph.graph.get("needs", []):
        if need.get("status", "open") != "open":
            continue
        territory = need.get("territory") or ""
        holder = need.get("holder")
        commune = territory.partition(":")[2] if territory.startswith("commune:") else (
            graph.nodes[holder].get("commune") if holder in graph else None)
        if commune:
            open_needs[commune] = open_needs.get(commune, 0) + 1
            if white_needs is not None and need["id"] in white_needs:
                white[commune] = white.get(commune, 0) + 1
    places = layer["communes"]
    places["needs"] = [open_needs.get(code, 0) for code in places["code"]]
    places["white"] = [white.get(code, 0) for code in places["code"]] if white_needs is not None else None
    position, place_of = layer["actors"], {code: k for k, code in enumerate(places["code"])}
    # each actor's commune only: the page spreads the actors of one town hall itself (see geo.spread)
    return {"communes": places, "borders": layer["borders"], "source": layer["source"],
            "unplaced": layer["unplaced"], "spread": SPREAD,
            "at": [place_of.get(graph.nodes[a].get("commune")) if a in position else None for a in actors]}


def _payload(graph, simple, groups, leaf_of, sizes, colour_of, legend, proposals, seed, white_needs=None) -> dict:
    vocabulary = default_vocabulary()
    names = graph.graph.get("territory_names", {})
    actors = sorted(simple, key=str)
    index = {actor: i for i, actor in enumerate(actors)}
    actor_xy, group_xy = _positions(simple, groups, leaf_of, seed)
    biggest = max(sizes.values(), default=0) or 1
    data = lambda field: [simple.nodes[a].get(field) for a in actors]  # noqa: E731
    ties = {"a": [], "b": [], "kind": [], "start": [], "end": [], "text": []}
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True)
    for *ends, attributes in sorted(edges, key=lambda e: tuple(map(str, e[:-1]))):
        u, v = ends[0], ends[1]
        if u == v or u not in index or v not in index:
            continue
        ties["a"].append(index[u])
        ties["b"].append(index[v])
        ties["kind"].append(attributes.get("kind") or "lien")
        ties["start"].append(attributes.get("start"))
        ties["end"].append(attributes.get("end"))
        ties["text"].append(attributes.get("description") or "")
    needs = _needs_by_group(graph, groups, leaf_of)
    levels = level_names()
    return {
        "actors": {"id": actors, "name": [str(n) for n in data("name")], "colour": [colour_of[a] for a in actors],
                   "kind": data("kind"), "leaf": [leaf_of[a] for a in actors],
                   "x": [round(actor_xy[a][0] * 1000, 1) for a in actors],
                   "y": [round(actor_xy[a][1] * 1000, 1) for a in actors],
                   "size": [round(6 + 20 * (sizes.get(a, 0) / biggest) ** 0.5, 2) for a in actors],
                   "place": [names.get(f"commune:{c}") or c or "" for c in data("commune")],
                   "themes": [d or [] for d in data("themes")], "offers": [d or [] for d in data("offers")],
                   "seeks": [d or [] for d in data("seeks")]},
        "ties": ties,
        "proposals": [{"a": index[p["source"]], "b": index[p["target"]], "text": p.get("label", "")}
                      for p in proposals if p["source"] in index and p["target"] in index],
        "groups": [{"name": g["name"], "level": levels.get(g["level"], g["level"]), "parent": g["parent"],
                    "children": g["children"], "actors": g["actors"], "kinds": g["kinds"], "needs": needs[i],
                    "x": round(group_xy.get(i, (0, 0))[0] * 1000, 1), "y": round(group_xy.get(i, (0, 0))[1] * 1000, 1)}
                   for i, g in enumerate(groups)],
        "legend": legend,
        "map": _map(graph, actors, white_needs),
        "holders": sorted({index[n["holder"]] for n in graph.graph.get("needs", [])
                           if n.get("status", "open") == "open" and n.get("holder") in index}),
        "labels": {name: {code: vocabulary.label(name, code) for code in vocabulary.terms[name]}
                   for name in ("actor_kind", "theme", "resource", "partnership_kind")},
    }


def write_html(graph: nx.Graph, path: str | Path, *, sizes: dict | None = None, color: str = "kind",
               communities: dict | None = None, proposals: list[dict] | None = None, notice: str = "",
               title: str = "maillage", seed: int = 42, at: str | None = None, limit: int = DETAIL_LIMIT,
               scope_name: str | None = None, size_label: str | None = None, white_needs: set | None = None) -> dict:
    """Write the interactive view of ``graph`` to ``path``; return what was drawn.

    Parameters
    ----------
    graph : networkx.Graph or MultiGraph
        A projection (all of its history: the page's slider chooses the date).
    sizes : dict, optional
        Actor → value scaling its size (degree by default).
    color : {"kind", "territory", "community"}
        What colours the actors (and what the legend filters).
    communities : dict, optional
        Actor → community, for ``color="community"``.
    proposals : list of dict, optional
        ``source``, ``target`` and ``label``: dashed edges between actors, counts between groups.
    at : str, optional
        The slider's first position (ISO date); None shows every tie ever recorded.
    limit : int
        Most actors drawn at once; beyond, groups.
    white_needs : set, optional
        Ids of the needs no provider within reach could meet: their communes are shaded red on the map.

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> G = nx.MultiGraph()
    >>> G.add_node("a", name="<b>A</b>", kind="association", themes=[], offers=[], commune=None)
    >>> info = write_html(G, os.path.join(tempfile.mkdtemp(), "view.html"))
    >>> info["nodes"], "<b>A</b>" in open(info["path"], encoding="utf-8").read()
    (1, False)
    """
    if graph is None:
        raise UsageError(_("write_html needs a graph, got None"))
    simple = simple_graph(graph) if graph.is_multigraph() else graph
    sizes = sizes if sizes is not None else dict(simple.degree())
    colour_of, legend, legend_title = _colour_groups(simple, color, communities)
    vocabulary = default_vocabulary()
    groups, leaf_of = group_tree(simple, scope_name or title, limit, seed,
                                 kind_label=lambda kind: vocabulary.label("actor_kind", kind))
    payload = _payload(graph, simple, groups, leaf_of, sizes, colour_of, legend, proposals or [], seed, white_needs)
    payload.update(title=title, notice=notice, legend_title=legend_title, at=at, options=_OPTIONS, today=today(),
                   size_label=size_label or _("number of partnerships"), **view_texts())
    vis_js, vis_css = _vis_assets()
    values = {"VIS_CSS": vis_css, "DATA": _safe_json(_packed(payload)), "VIS_JS": vis_js,
              "TITLE": title.replace("&", "&amp;").replace("<", "&lt;"), "LANG": payload["lang"]}
    template = (_ASSETS / "template.html").read_text(encoding="utf-8")
    # one pass over the template only: text from the data is never scanned for placeholders
    page = re.sub(r"__(VIS_CSS|DATA|TITLE|VIS_JS|LANG)__", lambda match: values[match.group(1)], template)
    with atomic_output(path) as handle:
        handle.write(page)
    return {"path": str(path), "format": "html", "nodes": simple.number_of_nodes(),
            "edges": len(payload["ties"]["a"]), "proposals": len(payload["proposals"]),
            "groups": len(groups) - 1, "notice": notice, "bytes": len(page.encode("utf-8"))}

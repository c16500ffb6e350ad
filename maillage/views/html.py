"""The interactive HTML view: one self-contained file, drawn by vis-network (from pyvis).

The layout is computed once in Python (:mod:`maillage.views.layout`, seeded) and
shipped with the page, with physics off, so even a 5,000-actor view is interactive as soon
as it opens. Beyond :data:`MAX_NODES` actors the view aggregates them by commune and says so.
The vis-network library and its stylesheet are inlined and a Content-Security-Policy forbids
any network access: the file works offline, from disk. Text from the data reaches the page
only inside a JSON block (with ``<``, ``>`` and ``&`` escaped) and is displayed with
``textContent`` or as vis-network's plain-text tooltips: a name can never run as HTML or script.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from ..errors import UsageError
from ..vocabulary import default_vocabulary
from .layout import layout
from .output import atomic_output

__all__ = ["write_html", "KIND_COLOURS", "MAX_NODES", "PALETTE"]

KIND_COLOURS = {
    "association": "#2a9d8f", "company": "#e76f51", "collectivite": "#264653", "public_body": "#8d99ae",
    "school": "#e9c46a", "foundation": "#9b5de5", "intermediary": "#f4a261", "citizen_group": "#43aa8b",
}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]
PROPOSAL_COLOUR = "#d62828"
MAX_NODES = 5_000
_ASSETS = Path(__file__).resolve().parent
_OPTIONS = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},  # vis's own pre-layout is slow on big graphs; positions are given
    "edges": {"smooth": False, "color": {"inherit": False}},
    "nodes": {"shape": "dot", "font": {"size": 12}, "scaling": {"label": {"drawThreshold": 7}}},
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True, "navigationButtons": False},
}


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS, as shipped inside the pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")


def _safe_json(value) -> str:
    """JSON that cannot close the <script> block it sits in."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _tooltip(graph: nx.Graph, node) -> str:
    """Plain text: name, kind, place, themes, offers and partnerships."""
    data, vocabulary = graph.nodes[node], default_vocabulary()
    if data.get("aggregate"):
        return data["tooltip"]
    names = graph.graph.get("territory_names", {})
    place = names.get(f"commune:{data.get('commune')}") or data.get("commune") or "?"
    department = data.get("departement")
    label = lambda name, codes: ", ".join(vocabulary.label(name, c) for c in codes or []) or "—"  # noqa: E731
    ties = []
    for other in graph.neighbors(node):
        for edge in (graph.get_edge_data(node, other) or {}).values() if graph.is_multigraph() else [graph[node][other]]:
            kind = vocabulary.label("partnership_kind", edge.get("kind")) if edge.get("kind") else "lien"
            ties.append(f"{graph.nodes[other].get('name')} ({kind})")
    ties.sort()
    lines = [
        str(data.get("name")),
        f"{vocabulary.label('actor_kind', data.get('kind'))} — {place}" + (f" ({department})" if department else ""),
        f"Thèmes : {label('theme', data.get('themes'))}",
        f"Offre : {label('resource', data.get('offers'))}",
        f"Recherche : {label('resource', data.get('seeks'))}",
        f"Partenariats ({len(ties)}) : " + ("; ".join(ties[:15]) + (" …" if len(ties) > 15 else "") if ties else "aucun"),
    ]
    return "\n".join(lines)


def _groups(graph: nx.Graph, color: str, communities: dict | None) -> tuple[dict, list[dict], str]:
    """Each node's colour group, the legend, and the legend's title."""
    vocabulary = default_vocabulary()
    if color == "kind":
        group = {n: d.get("kind") for n, d in graph.nodes(data=True)}
        colour = lambda value, i: KIND_COLOURS.get(value, PALETTE[i % len(PALETTE)])  # noqa: E731
        label = lambda value: vocabulary.label("actor_kind", value)  # noqa: E731
        title = "Types d'acteurs"
    elif color == "territory":
        group = {n: d.get("departement") or "?" for n, d in graph.nodes(data=True)}
        names = graph.graph.get("territory_names", {})
        colour = lambda value, i: PALETTE[i % len(PALETTE)]  # noqa: E731
        label = lambda value: names.get(f"departement:{value}") or f"Département {value}"  # noqa: E731
        title = "Départements"
    elif color == "community":
        group = {n: f"{communities.get(n, -1)}" for n in graph}
        colour = lambda value, i: PALETTE[i % len(PALETTE)]  # noqa: E731
        label = lambda value: f"Communauté {value}"  # noqa: E731
        title = "Communautés (Louvain)"
    else:
        raise UsageError(f"color must be kind, territory or community, got {color!r}")
    counts = Counter(group.values())
    ordered = sorted(counts, key=lambda value: (-counts[value], str(value)))
    legend = [{"value": value, "label": label(value), "color": colour(value, i), "count": counts[value]}
              for i, value in enumerate(ordered)]
    return group, legend, title


def _territories(graph: nx.Graph, node) -> list[str]:
    data = graph.nodes[node]
    return [f"{level}:{data[level]}" for level in ("commune", "departement", "region") if data.get(level)] + \
        [f"epci:{code}" for code in data.get("epcis") or []]


def _territory_options(graph: nx.Graph) -> list[dict]:
    names = graph.graph.get("territory_names", {})
    found = Counter(t for n in graph for t in _territories(graph, n))
    order = {"region": 0, "departement": 1, "epci": 2, "commune": 3}
    return [{"value": t, "label": f"{names.get(t) or t} ({count})"}
            for t, count in sorted(found.items(), key=lambda item: (order[item[0].split(":")[0]], item[0]))]


def write_html(graph: nx.Graph, path: str | Path, *, sizes: dict | None = None, color: str = "kind",
               communities: dict | None = None, proposals: list[dict] | None = None, notice: str = "",
               title: str = "maillage", seed: int = 42) -> dict:
    """Write the interactive view of ``graph`` to ``path``; return what was drawn.

    Parameters
    ----------
    graph : networkx.Graph or MultiGraph
        A projection (or an aggregate of one, see :mod:`maillage.views.export`).
    sizes : dict, optional
        Node → value scaling its size (degree by default).
    color : {"kind", "territory", "community"}
        What colours the nodes (and what the legend filters).
    communities : dict, optional
        Node → community, for ``color="community"``.
    proposals : list of dict, optional
        ``source``, ``target`` and ``label``: drawn as dashed red edges.
    notice : str
        Shown at the top of the page (e.g. that the view is aggregated).

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
        raise UsageError("write_html needs a graph, got None")
    path = Path(path)
    simple = nx.Graph(graph)
    positions = layout(simple, seed)
    sizes = sizes if sizes is not None else dict(simple.degree())
    biggest = max(sizes.values(), default=0) or 1
    group, legend, legend_title = _groups(graph, color, communities)
    colours = {item["value"]: item["color"] for item in legend}
    net = Network(height="100%", width="100%", cdn_resources="in_line")
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        net.add_node(node, label=str(data.get("name")), title=_tooltip(graph, node), x=float(x), y=float(y),
                     color=colours[group[node]], size=6 + 20 * (sizes.get(node, 0) / biggest) ** 0.5,
                     colour_group=group[node], themes=list(data.get("themes") or []),
                     territories=_territories(graph, node), kind=data.get("kind"))
    vocabulary = default_vocabulary()
    for number, (source, target, data) in enumerate(graph.edges(data=True)):
        label = vocabulary.label("partnership_kind", data["kind"]) if data.get("kind") else "lien"
        description = f" — {data['description']}" if data.get("description") else ""
        dates = " → ".join(filter(None, (data.get("start"), data.get("end"))))
        # appended as pyvis's add_edge would, without its duplicate scan (quadratic: 40 s at 25,000 ties)
        net.edges.append({"from": source, "to": target, "id": f"e{number}",
                          "title": f"{label}{description}" + (f" ({dates})" if dates else ""),
                          "color": "#c9c9c9" if data.get("kind") == "initiative" else "#9a9a9a",
                          "width": min(1 + (data.get("weight") or 1) ** 0.5, 8)})
    drawn = [p for p in proposals or [] if p["source"] in graph and p["target"] in graph]
    for number, proposal in enumerate(drawn):
        net.edges.append({"from": proposal["source"], "to": proposal["target"], "id": f"p{number}",
                          "title": proposal.get("label", ""), "color": PROPOSAL_COLOUR, "dashes": True, "width": 2,
                          "proposal": True})
    nodes, edges, *_ = net.get_network_data()
    themes = Counter(t for n in graph for t in graph.nodes[n].get("themes") or [])
    options = json.loads(json.dumps(_OPTIONS))
    options["nodes"]["scaling"]["label"]["drawThreshold"] = 4 if len(nodes) <= 200 else 9  # labels on zoom
    payload = {
        "title": title, "notice": notice, "nodes": nodes, "edges": edges, "options": options,
        "legend": legend, "legend_title": legend_title, "has_proposals": bool(drawn),
        "territories": _territory_options(graph),
        "themes": [{"value": t, "label": f"{vocabulary.label('theme', t)} ({n})"} for t, n in sorted(themes.items())],
    }
    vis_js, vis_css = _vis_assets()
    values = {"VIS_CSS": vis_css, "DATA": _safe_json(payload), "VIS_JS": vis_js,
              "TITLE": title.replace("&", "&amp;").replace("<", "&lt;")}
    template = (_ASSETS / "template.html").read_text(encoding="utf-8")
    # one pass over the template only: text from the data is never scanned for placeholders
    page = re.sub(r"__(VIS_CSS|DATA|TITLE|VIS_JS)__", lambda match: values[match.group(1)], template)
    with atomic_output(path) as handle:
        handle.write(page)
    return {"path": str(path), "format": "html", "nodes": len(nodes), "edges": len(edges) - len(drawn),
            "proposals": len(drawn), "notice": notice}

"""The interactive HTML view of an ecosystem, drawn with pyvis (vis-network).

The layout is computed once in Python (seeded, so the same graph gives the same
picture) and shipped with the page, with physics off: the page is interactive as soon
as it opens instead of settling for minutes. The vis-network library is inlined.
Text from the data reaches the page only as JSON (escaped by Jinja's ``tojson``) and
tooltips are plain text, so names can never run as HTML or script.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from ..errors import UsageError
from ..vocabulary import default_vocabulary

__all__ = ["write_html", "KIND_COLOURS"]

KIND_COLOURS = {
    "association": "#2a9d8f", "company": "#e76f51", "collectivite": "#264653", "public_body": "#8d99ae",
    "school": "#e9c46a", "foundation": "#9b5de5", "intermediary": "#f4a261", "citizen_group": "#43aa8b",
}
PROPOSAL_COLOUR = "#d62828"


def _tooltip(graph: nx.MultiGraph, node: str) -> str:
    data, vocabulary = graph.nodes[node], default_vocabulary()
    names = graph.graph.get("territory_names", {})
    place = names.get(f"commune:{data.get('commune')}") or data.get("commune") or "?"
    partners = sorted({graph.nodes[other]["name"] for other in graph.neighbors(node)})
    lines = [
        data["name"],
        f"{vocabulary.label('actor_kind', data['kind'])} — {place}",
        "Thèmes : " + (", ".join(vocabulary.label("theme", t) for t in data.get("themes") or []) or "—"),
        "Offre : " + (", ".join(vocabulary.label("resource", r) for r in data.get("offers") or []) or "—"),
        f"Partenaires ({len(partners)}) : " + (", ".join(partners[:12]) + (" …" if len(partners) > 12 else "")
                                               if partners else "aucun"),
    ]
    return "\n".join(lines)


def _legend(graph: nx.MultiGraph, proposals: bool) -> str:
    kinds = sorted({data["kind"] for _, data in graph.nodes(data=True)})
    vocabulary = default_vocabulary()
    items = "".join(f'<li><span style="background:{KIND_COLOURS.get(k, "#999")}"></span>'
                    f'{html.escape(vocabulary.label("actor_kind", k))}</li>' for k in kinds)
    if proposals:
        items += f'<li><span style="border:2px dashed {PROPOSAL_COLOUR};background:none"></span>proposed bridge</li>'
    return ('<div id="maillage-legend" style="position:absolute;top:10px;right:10px;background:#fffd;'
            'padding:8px 12px;font:13px sans-serif;border:1px solid #ccc;z-index:10"><b>maillage</b>'
            f'<ul style="list-style:none;padding:0;margin:4px 0">{items}</ul></div>'
            '<style>#maillage-legend span{display:inline-block;width:12px;height:12px;margin-right:6px;'
            'border-radius:6px;vertical-align:middle}</style>')


def write_html(graph: nx.MultiGraph, path: str | Path, proposals: list[dict] | None = None,
               seed: int = 42) -> Path:
    """Write the interactive view of ``graph`` to ``path`` and return the path.

    ``proposals`` are dicts with ``source``, ``target`` and ``label``, drawn as dashed edges.

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> G = nx.MultiGraph()
    >>> G.add_node("a", name="<b>A</b>", kind="association", themes=[], offers=[], commune=None)
    >>> out = write_html(G, os.path.join(tempfile.mkdtemp(), "view.html"))
    >>> "<b>A</b>" in out.read_text()
    False
    """
    if graph is None:
        raise UsageError("write_html needs a graph, got None")
    path = Path(path)
    simple = nx.Graph(graph)  # one node pair, one spring: parallel partnerships don't pull harder
    positions = nx.spring_layout(simple, seed=seed, scale=600) if len(simple) else {}
    net = Network(height="900px", width="100%", cdn_resources="in_line", directed=False)
    degree = dict(simple.degree())
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        net.add_node(node, label=data["name"], title=_tooltip(graph, node), x=float(x), y=float(y),
                     color=KIND_COLOURS.get(data["kind"], "#999999"), size=10 + 4 * degree.get(node, 0),
                     kind=data["kind"], shape="dot")
    for source, target, data in graph.edges(data=True):
        net.add_edge(source, target, title=f"{data.get('kind')}: {data.get('description') or ''}".strip(": "),
                     color="#999999" if data.get("kind") != "initiative" else "#c9c9c9")
    for proposal in proposals or []:
        if proposal["source"] in graph and proposal["target"] in graph:
            net.add_edge(proposal["source"], proposal["target"], title=proposal.get("label", "proposed"),
                         color=PROPOSAL_COLOUR, dashes=True, width=2)
    net.toggle_physics(False)
    page = net.generate_html(name=path.name, notebook=False)
    page = page.replace("<body>", "<body>" + _legend(graph, bool(proposals)), 1)
    path.write_text(page, encoding="utf-8")
    return path

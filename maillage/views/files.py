"""Graph files for Gephi and other tools: GEXF, GraphML, node-link JSON, CSV node and edge tables.

GEXF and GraphML hold scalar attributes only: lists (themes, offers …) are written as
``;``-separated text, and empty values are left out. In GEXF, partnership dates become the
edges' ``start``/``end`` spells (``timeformat="date"``), so Gephi's timeline plays the history.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from .output import atomic_output, json_safe, neutralize_cell, xml_safe

__all__ = ["flat_graph", "write_gexf", "write_graphml", "write_json", "write_csv"]

NODE_FIELDS = ("name", "kind", "commune", "epcis", "departement", "region", "siren", "siret", "rna", "website",
               "key", "themes", "offers", "seeks", "operates_in")
EDGE_FIELDS = ("kind", "start", "end", "themes", "amount", "description")


def _flat(value):
    if isinstance(value, (list, tuple, set)):
        return ";".join(map(str, value))
    return value


def flat_graph(graph: nx.Graph, extra: dict | None = None, clean=None) -> nx.MultiGraph:
    """A copy with scalar attributes only (lists joined with ';', None dropped, ``extra`` node measures added).

    ``clean`` (for XML: :func:`~maillage.views.output.xml_safe`) is applied to every id and value.
    """
    clean = clean or (lambda value: value)
    flat = nx.MultiGraph()
    flat.graph.update({k: clean(str(v)) for k, v in (graph.graph.get("scope") or {}).items() if v is not None})
    for node, data in graph.nodes(data=True):
        attributes = {k: clean(_flat(data.get(k))) for k in NODE_FIELDS if data.get(k) not in (None, [], "")}
        for name, values in (extra or {}).items():
            if values.get(node) is not None:
                attributes[name] = values[node]
        flat.add_node(clean(node), label=clean(str(data.get("name"))), **attributes)
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, f"{u}|{v}", d) for u, v, d in graph.edges(data=True))
    for source, target, key, data in edges:
        attributes = {k: clean(_flat(data.get(k))) for k in EDGE_FIELDS if data.get(k) not in (None, [], "")}
        flat.add_edge(clean(source), clean(target), key=clean(str(key)), **attributes)
    return flat


def _xml_graph(graph, extra) -> tuple[nx.MultiGraph, int]:
    changed: list = []
    flat = flat_graph(graph, extra, clean=lambda value: xml_safe(value, changed))
    return flat, len(changed)


def write_gexf(graph: nx.Graph, path: Path, extra: dict | None = None) -> dict:
    """GEXF; characters XML cannot hold are replaced by U+FFFD (the count is returned)."""
    flat, changed = _xml_graph(graph, extra)
    with atomic_output(path, "wb", encoding=None) as handle:
        nx.write_gexf(flat, handle)
    return {"paths": [path], "xml_replaced": changed}


def write_graphml(graph: nx.Graph, path: Path, extra: dict | None = None) -> dict:
    """GraphML; characters XML cannot hold are replaced by U+FFFD (the count is returned)."""
    flat, changed = _xml_graph(graph, extra)
    with atomic_output(path, "wb", encoding=None) as handle:
        nx.write_graphml(flat, handle, edge_id_from_attribute=None)
    return {"paths": [path], "xml_replaced": changed}


def write_json(graph: nx.Graph, path: Path, extra: dict | None = None) -> None:
    """Node-link JSON (``nodes`` and ``edges``), lists kept as lists, plus the scope and the needs."""
    copy = nx.MultiGraph()
    copy.add_nodes_from((n, {k: v for k, v in d.items() if not k.startswith("_")}) for n, d in graph.nodes(data=True))
    for name, values in (extra or {}).items():
        for node, value in values.items():
            if node in copy:
                copy.nodes[node][name] = value
    copy.add_edges_from(graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True))
    copy.graph.update({k: graph.graph[k] for k in ("scope", "needs", "initiatives") if k in graph.graph})
    data = json_safe(nx.node_link_data(copy, edges="edges"))
    with atomic_output(path) as handle:
        handle.write(json.dumps(data, ensure_ascii=False, indent=1, default=str, allow_nan=False))
    return {"paths": [path]}


def write_csv(graph: nx.Graph, path: Path, extra: dict | None = None, raw: bool = False) -> dict:
    """``<stem>-nodes.csv`` and ``<stem>-edges.csv`` with Gephi's column names (Id, Label; Source, Target, Type).

    Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a CR get a leading apostrophe, as
    OWASP recommends against formula injection (a name like ``=HYPERLINK(…)`` would otherwise run
    in a spreadsheet); ``raw`` writes them as they are.
    """
    flat = flat_graph(graph, extra, clean=None if raw else neutralize_cell)
    nodes_path = path.with_name(f"{path.stem}-nodes.csv")
    edges_path = path.with_name(f"{path.stem}-edges.csv")
    node_columns = [c for c in NODE_FIELDS + tuple(extra or ()) if c != "name"]
    with atomic_output(nodes_path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "Label", *node_columns])
        for node, data in flat.nodes(data=True):
            writer.writerow([node, data.get("label"), *(data.get(c, "") for c in node_columns)])
    with atomic_output(edges_path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Source", "Target", "Type", "Id", *EDGE_FIELDS])
        for source, target, key, data in flat.edges(keys=True, data=True):
            writer.writerow([source, target, "Undirected", key, *(data.get(c, "") for c in EDGE_FIELDS)])
    return {"paths": [nodes_path, edges_path], "neutralized": not raw}

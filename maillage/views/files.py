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

__all__ = ["flat_graph", "write_gexf", "write_graphml", "write_json", "write_csv"]

NODE_FIELDS = ("name", "kind", "commune", "epcis", "departement", "region", "siren", "siret", "rna", "website",
               "key", "themes", "offers", "seeks", "operates_in")
EDGE_FIELDS = ("kind", "start", "end", "themes", "amount", "description")


def _flat(value):
    if isinstance(value, (list, tuple, set)):
        return ";".join(map(str, value))
    return value


def flat_graph(graph: nx.Graph, extra: dict | None = None) -> nx.MultiGraph:
    """A copy with scalar attributes only (lists joined with ';', None dropped, ``extra`` node measures added)."""
    flat = nx.MultiGraph()
    flat.graph.update({k: str(v) for k, v in (graph.graph.get("scope") or {}).items() if v is not None})
    for node, data in graph.nodes(data=True):
        attributes = {k: _flat(data.get(k)) for k in NODE_FIELDS if data.get(k) not in (None, [], "")}
        for name, values in (extra or {}).items():
            if values.get(node) is not None:
                attributes[name] = values[node]
        flat.add_node(node, label=str(data.get("name")), **attributes)
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, f"{u}|{v}", d) for u, v, d in graph.edges(data=True))
    for source, target, key, data in edges:
        attributes = {k: _flat(data.get(k)) for k in EDGE_FIELDS if data.get(k) not in (None, [], "")}
        flat.add_edge(source, target, key=str(key), **attributes)
    return flat


def write_gexf(graph: nx.Graph, path: Path, extra: dict | None = None) -> None:
    nx.write_gexf(flat_graph(graph, extra), path)


def write_graphml(graph: nx.Graph, path: Path, extra: dict | None = None) -> None:
    nx.write_graphml(flat_graph(graph, extra), path, edge_id_from_attribute=None)


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
    data = nx.node_link_data(copy, edges="edges")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def write_csv(graph: nx.Graph, path: Path, extra: dict | None = None) -> list[Path]:
    """``<stem>-nodes.csv`` and ``<stem>-edges.csv`` with Gephi's column names (Id, Label; Source, Target, Type)."""
    flat = flat_graph(graph, extra)
    nodes_path = path.with_name(f"{path.stem}-nodes.csv")
    edges_path = path.with_name(f"{path.stem}-edges.csv")
    node_columns = [c for c in NODE_FIELDS + tuple(extra or ()) if c != "name"]
    with open(nodes_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "Label", *node_columns])
        for node, data in flat.nodes(data=True):
            writer.writerow([node, data.get("label"), *(data.get(c, "") for c in node_columns)])
    with open(edges_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Source", "Target", "Type", "Id", *EDGE_FIELDS])
        for source, target, key, data in flat.edges(keys=True, data=True):
            writer.writerow([source, target, "Undirected", key, *(data.get(c, "") for c in EDGE_FIELDS)])
    return [nodes_path, edges_path]

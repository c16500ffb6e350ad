"""What an intermediary checks before a meeting: each tie as stored, with where it comes from.

The projection keeps what analyses need; the pages that prepare a meeting show more — the
amount, the description, the direction of a grant or a contract, and the provenance of each tie
(the file and line it was loaded from, or the workbench change; ties invented to illustrate the
example say so, with their note). These are read from the store for the ties a page shows only.
"""

from __future__ import annotations

from pathlib import PurePath

__all__ = ["FUNDING_KINDS", "tie_rows", "funding_history", "chain_ties", "place_name"]

FUNDING_KINDS = ("subvention", "marche_public", "mecenat_financier")
CHART_FUNDERS = 6  # funders drawn in the chart; the others are summed as one row


def place_name(graph, commune: str | None) -> str | None:
    """« Strasbourg (67482) » for a commune code, the code alone when the COG was not loaded."""
    if not commune:
        return None
    name = graph.graph.get("territory_names", {}).get(f"commune:{commune}")
    return f"{name} ({commune})" if name else commune


def _origin(row: dict) -> dict:
    """Where a tie comes from: the file's name (never its path on the server) and line; illustrative or not."""
    extra = row.get("extra") or {}
    source = PurePath(row.get("source_file") or "")
    # a form or an upload of the workbench was loaded from a file of the server's own: say which it was
    workbench = source.parent.name.startswith("maillage-form-") or source.parent.name.endswith(".uploads") \
        or source.parent.name.startswith("uploads-")
    return {"file": None if workbench or not source.name else source.name, "workbench": workbench,
            "line": None if workbench else row.get("source_line"),
            "illustrative": str(extra.get("invented", extra.get("illustrative", ""))).lower() in ("true", "1", "yes"),
            "note": extra.get("source_note")}


def tie_rows(reader, graph, actor_id: str) -> list[dict]:
    """The actor's partnerships as stored, newest first: the other party, direction, amount,
    description and provenance (co-membership of an initiative, which has no row, as the graph has it)."""
    edges = list(graph.edges(actor_id, keys=True, data=True))
    stored = reader.fetch_rows("partnerships", [key for _u, _v, key, _d in edges])
    rows = []
    for _u, other, key, data in edges:
        row = stored.get(key)
        names = {"id": other, "name": graph.nodes[other].get("name") or other,
                 "place": place_name(graph, graph.nodes[other].get("commune"))}
        if row is None:  # a tie the projection derived (same initiative): no row of its own
            rows.append({"other": names, "kind": data.get("kind"), "start": data.get("start"), "end": data.get("end"),
                         "amount": None, "description": None, "outgoing": None, "origin": {}})
            continue
        rows.append({"other": names, "kind": row["kind"], "start": row.get("start"), "end": row.get("end"),
                     "amount": row.get("amount"), "description": row.get("description"),
                     "outgoing": row["source"] == actor_id, "origin": _origin(row)})
    return sorted(rows, key=lambda t: (t["start"] or "", t["other"]["name"]), reverse=True)


def funding_history(rows: list[dict]) -> dict | None:
    """Grants, public contracts and financial sponsorship the actor received, per funder and year.

    ``{"years", "funders": [{"name", "id", "years": {year: {"count", "amount"}}, "count", "amount"}],
    "by": "amount" | "count", "top"}``: bars show amounts when every tie has one, else counts."""
    received = [row for row in rows if row["kind"] in FUNDING_KINDS and row["outgoing"] is False and row["start"]]
    if not received:
        return None
    funders: dict[str, dict] = {}
    for row in received:
        funder = funders.setdefault(row["other"]["id"], {"id": row["other"]["id"], "name": row["other"]["name"],
                                                         "years": {}, "count": 0, "amount": 0.0})
        year = funder["years"].setdefault(row["start"][:4], {"count": 0, "amount": 0.0})
        for target in (year, funder):
            target["count"] += 1
            target["amount"] += row["amount"] or 0.0
    by = "amount" if all(row["amount"] for row in received) else "count"
    ordered = sorted(funders.values(), key=lambda f: (-f[by], f["name"]))
    if len(ordered) > CHART_FUNDERS:
        rest = {"id": None, "name": None, "others": len(ordered) - CHART_FUNDERS + 1, "years": {}, "count": 0,
                "amount": 0.0}
        for funder in ordered[CHART_FUNDERS - 1:]:
            for year, value in funder["years"].items():
                slot = rest["years"].setdefault(year, {"count": 0, "amount": 0.0})
                slot["count"] += value["count"]
                slot["amount"] += value["amount"]
            rest["count"] += funder["count"]
            rest["amount"] += funder["amount"]
        ordered = ordered[:CHART_FUNDERS - 1] + [rest]
    first, last = min(r["start"][:4] for r in received), max(r["start"][:4] for r in received)
    years = [str(year) for year in range(int(first), int(last) + 1)]
    top = max(value[by] for funder in ordered for value in funder["years"].values()) or 1
    return {"years": years, "funders": ordered, "by": by, "top": top}


def chain_ties(reader, graph, paths: list[list[str]]) -> list[dict]:
    """Each step of an introduction's chain with the ties it stands on and their provenance."""
    steps = []
    for path in paths[:1]:
        keys = {(a, b): list(graph[a][b]) for a, b in zip(path, path[1:]) if graph.has_edge(a, b)}
        stored = reader.fetch_rows("partnerships", [key for found in keys.values() for key in found])
        for (a, b), found in keys.items():
            ties = []
            for key in found:
                row = stored.get(key)
                data = graph[a][b][key]
                ties.append({"kind": (row or data).get("kind"), "start": (row or data).get("start"),
                             "origin": _origin(row) if row else {}})
            steps.append({"from": graph.nodes[a].get("name") or a, "to": graph.nodes[b].get("name") or b,
                          "ties": ties})
    return steps

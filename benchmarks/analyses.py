"""Benchmark: the analyses on one store, as a user's commands run them (CPU and wall seconds).

Usage: python benchmarks/analyses.py STORE [--allies 50] [--seed 7]

Projects the whole store (cache off), then times ``bridges`` (top 20, default error), ``profile``
and the full ``gaps`` report, each once, then ``allies`` for ``--allies`` actors drawn at random
(seeded; the pair features built by the first, as on a server): median and p90. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("MAILLAGE_CACHE", "off")

from maillage.graph import open_store  # noqa: E402
from maillage.graph.projection import project  # noqa: E402
from maillage.queries import allies, bridges, gaps, profile  # noqa: E402


def timed(function) -> tuple[object, dict]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, {"cpu_s": round(time.process_time() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--allies", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with open_store(args.store, read_only=True) as source:
        graph, report = timed(lambda: project(source))
    figures = {"store": args.store, "actors": graph.number_of_nodes(), "ties": graph.number_of_edges(),
               "projection": report}
    result, figures["bridges"] = timed(lambda: bridges(graph, top=20))
    figures["bridges"]["betweenness"] = result["betweenness"]["note"]
    _, figures["profile"] = timed(lambda: profile(graph))
    result, figures["gaps"] = timed(lambda: gaps(graph))
    figures["gaps"]["needs"] = len(result["needs"])
    chosen = random.Random(args.seed).sample(sorted(graph, key=str), min(args.allies, graph.number_of_nodes()))
    _, figures["allies_first"] = timed(lambda: allies(graph, chosen[0]))
    times = []
    for actor in chosen[1:]:
        began = time.perf_counter()
        allies(graph, actor)
        times.append((time.perf_counter() - began) * 1000)
    if times:
        ordered = sorted(times)
        figures["allies_ms"] = {"n": len(times), "median": round(statistics.median(times), 1),
                                "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1)}
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Benchmark: the measures of ``bridges`` on the whole of France, on the compact form read from the store.

Usage: python benchmarks/france_bridges.py STORE [--error 0.005] [--permutations 499] [--at DATE] [--top 20]

A NetworkX projection of France (millions of actors, each a dictionary of attributes) does not fit
in memory; the measures that touch every actor run on arrays instead. The actors' ids and kinds and
the ends of the partnerships active at ``--at`` are read through the store contract from its
covering indexes (``maillage.graph.arrays.project_arrays``, what a user's Python code calls), each
tied pair kept once, and put in CSR form (``maillage.queries.compact.from_arrays``).
Then, as ``bridges`` runs them: KADABRA (every actor within ±error at once with probability 95 %),
Burt's constraint and effective size, and the Gould–Fernandez brokerage counts with their
permutation test; the actors of highest betweenness are then named from the store. Cut points (a
depth-first search in Python) are left out and said so.
Prints each step's seconds and the peak memory (VmHWM), then the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.graph import open_store  # noqa: E402
from maillage.graph.arrays import project_arrays  # noqa: E402
from maillage.graph.projection import Scope  # noqa: E402
from maillage.queries.brokerage import brokerage_arrays  # noqa: E402
from maillage.queries.compact import from_arrays  # noqa: E402
from maillage.queries.structure import holes_arrays, kadabra  # noqa: E402


def peak_mib() -> float:
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024


def step(figures: dict, name: str, started: float) -> float:
    figures[name + "_s"] = round(time.perf_counter() - started, 1)
    print(f"{name:<40} {figures[name + '_s']:8.1f} s   peak {peak_mib():7.0f} MiB", flush=True)
    return time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--error", type=float, default=0.005)
    parser.add_argument("--permutations", type=int, default=499)
    parser.add_argument("--at", default=date.today().isoformat())
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    figures: dict = {"store": args.store, "error": args.error, "permutations": args.permutations, "at": args.at}
    store = open_store(args.store, read_only=True)
    started = time.perf_counter()
    arrays = project_arrays(store, Scope.parse(at=args.at))
    figures.update(actors=len(arrays.ids), ties=len(arrays.low))
    started = step(figures, "actors and ties read as arrays", started)
    form = from_arrays(arrays)
    labels, kinds = arrays.kinds.astype(np.int64), arrays.kind_names
    started = step(figures, "compact form", started)
    values, samples = kadabra(form, args.error, 0.95, 42)
    figures["kadabra_samples"] = samples
    started = step(figures, f"betweenness (KADABRA, ±{args.error})", started)
    constraint, _effective = holes_arrays(form)
    started = step(figures, "structural holes", started)
    observed, p, _expected = brokerage_arrays(form, labels, len(kinds), args.permutations, 42)
    figures["flagged_more_than_chance"] = int(((p < 0.05 / 4) & (observed > 0)).any(axis=1).sum())
    started = step(figures, f"brokerage ({args.permutations} permutations)", started)
    best = np.argsort(-np.asarray(values), kind="stable")[:args.top]
    named = store.fetch_rows("actors", [arrays.ids[i] for i in best.tolist()])
    figures["top"] = [{"name": named[arrays.ids[i]]["name"], "kind": kinds[labels[i]], "betweenness": round(values[i], 6)}
                      for i in best.tolist()]
    step(figures, "names of the top actors", started)
    figures["total_s"] = round(sum(v for k, v in figures.items() if k.endswith("_s")), 1)
    figures["peak_mib"] = round(peak_mib())
    print(f"{'total':<40} {figures['total_s']:8.1f} s   peak {figures['peak_mib']:7.0f} MiB "
          f"({figures['actors']:,} actors, {figures['ties']:,} tied pairs)", flush=True)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

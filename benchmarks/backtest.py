"""Backtest of `allies` on a synthetic ecosystem with a planted structure (see maillage.synthetic).

Usage: python benchmarks/backtest.py [--actors 5000] [--before 2019-01-01 2021-01-01 2023-01-01] [--k 10]

Prints precision@k, recall@k, MRR and AUC of maillage's ranking next to the baselines, over a
rolling temporal split, and the time it took. On your own data: `maillage evaluate --before …`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.queries import evaluate  # noqa: E402
from maillage.synthetic import planted_ecosystem  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=5000)
    parser.add_argument("--before", nargs="+", default=["2019-01-01", "2021-01-01", "2023-01-01"])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    graph = planted_ecosystem(args.actors, seed=args.seed)
    started = time.perf_counter()
    result = evaluate(graph, args.before, k=args.k, queries=args.queries, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"{graph.number_of_nodes():,} actors, {graph.number_of_edges():,} ties; folds "
          + ", ".join(f"{f['start']}→{f['end'] or 'end'} ({f['new_ties']:,} new ties, {f['queries']} asked)"
                      for f in result["folds"]))
    print(f"| method | precision@{args.k} | recall@{args.k} | MRR | AUC |\n|---|---|---|---|---|")
    for method, values in result["mean"].items():
        print(f"| {method} | {values['precision']:.3f} | {values['recall']:.3f} | {values['mrr']:.3f} | "
              f"{values['auc']:.3f} |")
    print(f"backtest time: {elapsed:.1f} s")


if __name__ == "__main__":
    main()

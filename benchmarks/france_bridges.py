"""Benchmark: the measures of ``bridges`` on the whole of France, on the compact form read from the store.

Usage: python benchmarks/france_bridges.py STORE [--error 0.005] [--permutations 499] [--at DATE] [--top 20]

A NetworkX projection of France (millions of actors, each a dictionary of attributes) does not fit
in memory; the measures that touch every actor run on arrays instead. The actors' row numbers and
kinds and the ends of the partnerships active at ``--at`` are read from the SQLite store as
columns (the ends joined to row numbers by SQLite itself, no Python dictionary of ids), numbered
densely, merged into one undirected tie per pair and put in CSR form (``maillage.queries.compact``).
Then, as ``bridges`` runs them: KADABRA (every actor within ±error at once with probability 95 %),
Burt's constraint and effective size, and the Gould–Fernandez brokerage counts with their
permutation test; the actors of highest betweenness are then named from the store. Cut points (a
depth-first search in Python) and ties between members of an initiative are left out and said so.
Prints each step's seconds and the peak memory (VmHWM), then the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.queries.brokerage import brokerage_arrays  # noqa: E402
from maillage.queries.compact import from_ties  # noqa: E402
from maillage.queries.structure import holes_arrays, kadabra  # noqa: E402


def peak_mib() -> float:
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024


def step(figures: dict, name: str, started: float) -> float:
    figures[name + "_s"] = round(time.perf_counter() - started, 1)
    print(f"{name:<40} {figures[name + '_s']:8.1f} s   peak {peak_mib():7.0f} MiB", flush=True)
    return time.perf_counter()


def read_actors(db: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray, list]:
    """Row numbers (sorted) and kind codes of every actor, and the kinds' names."""
    names = [kind for (kind,) in db.execute("SELECT DISTINCT kind FROM actors ORDER BY kind")]
    code = {kind: i for i, kind in enumerate(names)}
    ids, labels, cursor = [], [], db.execute("SELECT rowid, kind FROM actors ORDER BY rowid")
    while True:  # a million rows at a time: no list of every actor's row in memory
        block = cursor.fetchmany(1_000_000)
        if not block:
            break
        ids.append(np.fromiter((r for r, _k in block), dtype=np.int64, count=len(block)))
        labels.append(np.fromiter((code[k] for _r, k in block), dtype=np.int64, count=len(block)))
    return np.concatenate(ids), np.concatenate(labels), names


def read_ties(db: sqlite3.Connection, ids: np.ndarray, at: str) -> tuple[np.ndarray, np.ndarray]:
    """The dense ends of every pair tied by a partnership active at ``at``, each pair once."""
    query = ('SELECT s.rowid, t.rowid FROM partnerships p JOIN actors s ON s.id = p.source '
             'JOIN actors t ON t.id = p.target WHERE (p.start IS NULL OR p.start <= ?) '
             'AND (p."end" IS NULL OR p."end" >= ?)')
    chunks, cursor = [], db.execute(query, (at, at))
    while True:
        block = cursor.fetchmany(1_000_000)
        if not block:
            break
        chunks.append(np.array(block, dtype=np.int64))
    pairs = np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)
    a, b = np.searchsorted(ids, pairs[:, 0]), np.searchsorted(ids, pairs[:, 1])
    keep = a != b
    low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    unique = np.unique(low * len(ids) + high)
    return unique // len(ids), unique % len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--error", type=float, default=0.005)
    parser.add_argument("--permutations", type=int, default=499)
    parser.add_argument("--at", default=date.today().isoformat())
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    figures: dict = {"store": args.store, "error": args.error, "permutations": args.permutations, "at": args.at}
    db = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    started = time.perf_counter()
    ids, labels, kinds = read_actors(db)
    started = step(figures, "read actors", started)
    low, high = read_ties(db, ids, args.at)
    started = step(figures, "read ties", started)
    form = from_ties(range(len(ids)), {}, low, high)
    figures.update(actors=len(ids), ties=len(low))
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
    named = dict(db.execute("SELECT rowid, name FROM actors WHERE rowid IN (SELECT value FROM json_each(?))",
                            (json.dumps(ids[best].tolist()),)).fetchall())
    figures["top"] = [{"name": named[int(ids[i])], "kind": kinds[labels[i]], "betweenness": round(values[i], 6)}
                      for i in best.tolist()]
    step(figures, "names of the top actors", started)
    figures["total_s"] = round(sum(v for k, v in figures.items() if k.endswith("_s")), 1)
    figures["peak_mib"] = round(peak_mib())
    print(f"{'total':<40} {figures['total_s']:8.1f} s   peak {figures['peak_mib']:7.0f} MiB "
          f"({figures['actors']:,} actors, {figures['ties']:,} tied pairs)", flush=True)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

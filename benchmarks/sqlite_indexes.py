"""Benchmark: writing N more ties into a large SQLite store, the ways a load session could.

Usage: python benchmarks/sqlite_indexes.py STORE [--ties 200000] [--seed 1]

Draws N ties between actors the store holds (ids digests, as the loader makes them) and writes
them with ``executemany`` in batches of 20,000, each way inside a transaction that is rolled
back (the store is left as it was; use a copy if another process may write it):

- *as loads did until 2026-12-06*: foreign keys checked, 32 MB of page cache, every index kept;
- *foreign keys left to the loader, 1 GiB cache*: what a load session does now below its
  deferral threshold;
- *secondary indexes deferred*: the same, with ``partnerships_ends`` and ``partnerships_target``
  dropped first and built again after the rows (drop and rebuild counted in the time): what a
  session does once it has written an eighth of what the table held.

Prints seconds and rows/s of each. The rebuild is over the whole table, so on a store of millions
of ties it only pays when N is a fair share of them: that is the rule ``sqlite_indexes`` applies.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.graph.sqlite_indexes import DEFERRABLE  # noqa: E402
from maillage.graph.sqlite_store import UPSERT  # noqa: E402


def draw_ties(db: sqlite3.Connection, count: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    top = db.execute("SELECT max(rowid) FROM actors").fetchone()[0]
    rowids = sorted({rng.randrange(1, top + 1) for _ in range(min(top, 2 * count))})
    ids = [row[0] for row in db.execute("SELECT id FROM actors WHERE rowid IN (SELECT value FROM json_each(?))",
                                        (str(rowids),))]
    ties = []
    for n in range(count):
        source, target = rng.choice(ids), rng.choice(ids)
        if source != target:
            digest = hashlib.blake2b(f"bench|{source}|{target}|{n}".encode(), digest_size=8).hexdigest()
            ties.append((f"p:{digest}", source, target, "cooperation", "2020-01-01", None, '["emploi"]', None,
                         None, "{}", "bench.csv", n + 2))
    return ties


def write(db: sqlite3.Connection, label: str, ties: list[tuple], foreign_keys: bool, cache_kib: int,
          defer: bool) -> dict:
    db.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    db.execute(f"PRAGMA cache_size = -{cache_kib}")
    db.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    try:
        if defer:
            for name in DEFERRABLE["partnerships"]:
                db.execute(f"DROP INDEX {name}")
        for start in range(0, len(ties), 20_000):
            db.executemany(UPSERT["partnerships"], ties[start:start + 20_000])
        if defer:
            for statement in DEFERRABLE["partnerships"].values():
                db.execute(statement)
        seconds = time.perf_counter() - started
    finally:
        db.execute("ROLLBACK")
    print(f"{label:<58} {seconds:7.1f} s  {len(ties) / seconds:>8,.0f} rows/s", flush=True)
    return {"seconds": round(seconds, 2), "rows_per_s": round(len(ties) / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--ties", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db = sqlite3.connect(args.store, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    held = db.execute("SELECT max(rowid) FROM partnerships").fetchone()[0] or 0
    ties = draw_ties(db, args.ties, args.seed)
    print(f"{len(ties):,} ties into a store holding about {held:,}")
    write(db, "as loads did: foreign keys, 32 MB cache, indexes kept", ties, True, 32_000, False)
    write(db, "foreign keys left to the loader, 1 GiB cache", ties, False, 1_048_576, False)
    write(db, "the same, secondary indexes dropped and rebuilt", ties, False, 1_048_576, True)
    db.close()


if __name__ == "__main__":
    main()

"""Benchmark: load an N-row actors CSV into a fresh SQLite store; print rows/s and peak RSS.

Usage: python benchmarks/load_actors.py [--rows 1000000] [--keep DIR]

The load runs as ``maillage load`` in a child process so its peak resident memory
(ru_maxrss of the child) is measured alone. Memory stays flat whatever the file size:
rows are streamed, validated and written in batches inside one SQLite transaction.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THEMES = ["emploi", "education", "sante", "alimentation", "lien_social", "environnement", "numerique", "sport"]
OFFERS = ["funding", "skills", "volunteers", "premises", "equipment", "software", "network", "training"]
KINDS = ["association", "association", "company", "company", "collectivite", "school", "foundation"]
COMMUNES = ["67482", "67218", "67043", "94018", "94069", "75056", "2A004", "97411", "01001", "59350"]


def write_actors(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "commune", "themes", "offers", "website"])
        for i in range(rows):
            writer.writerow([f"a{i}", f"Acteur numéro {i}", KINDS[i % len(KINDS)], COMMUNES[i % len(COMMUNES)],
                             f"{THEMES[i % 8]};{THEMES[(i * 7) % 8]}", OFFERS[i % 8], f"https://example.org/{i}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and store in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="maillage-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, store = folder / "actors.csv", folder / "bench.db"
    for stale in folder.glob("bench.db*"):
        stale.unlink()
    started = time.perf_counter()
    write_actors(csv_path, args.rows)
    print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "maillage.cli", "load", "--quiet", "--store", str(store), str(csv_path)],
                   check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"loaded {args.rows:,} actors in {elapsed:.1f} s: {args.rows / elapsed:,.0f} rows/s, "
          f"peak RSS of the load {peak_mib:.0f} MiB, store {store.stat().st_size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()

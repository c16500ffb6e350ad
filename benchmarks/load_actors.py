"""Benchmark: load an N-row actors CSV into SQLite with maillage, sqlite-utils and executemany; rows/s, peak RSS.

Usage: python benchmarks/load_actors.py [--rows 100000] [--keep DIR] [--no-sqlite-utils]

Three loads of the same CSV, each in a child process of its own (its peak resident memory is
its own): ``maillage load`` (every row validated, identities resolved, the report counted from
the store), ``sqlite-utils insert --csv`` (no validation; ``pip install -e '.[bench]'``) and a
plain ``csv`` + ``executemany`` (the floor). Rows are streamed, validated and written in batches
inside one SQLite transaction; the report's bookkeeping grows by about 450 bytes per entity.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


PLAIN = """
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.execute("CREATE TABLE actors (id TEXT PRIMARY KEY, name TEXT, kind TEXT, commune TEXT, themes TEXT, "
           "offers TEXT, website TEXT)")
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    with db:
        db.executemany("INSERT INTO actors VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
"""

# each contender runs in a child of its own, which prints its own peak memory when done
WRAP = """
import resource, runpy, sys
module, argv = sys.argv[1], sys.argv[2:]
sys.argv = [module] + argv
try:
    if module == "-c":
        sys.argv = ["-c"] + argv[1:]
        exec(compile(argv[0], "plain", "exec"), {"__name__": "__main__"})
    else:
        runpy.run_module(module, run_name="__main__")
except SystemExit as exc:
    if exc.code not in (None, 0):
        raise
print("PEAK_KIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run(label: str, argv: list[str], rows: int) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAP, *argv], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{label} failed: {done.stderr[-2000:]}")
    peak = int(done.stderr.rsplit("PEAK_KIB", 1)[1].split()[0]) / 1024
    print(f"{label:<42} {elapsed:7.2f} s  {rows / elapsed:>9,.0f} rows/s  peak {peak:5.0f} MiB")
    return {"seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed), "peak_mib": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and stores in")
    parser.add_argument("--no-sqlite-utils", action="store_true", help="skip sqlite-utils (not installed)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="maillage-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "actors.csv"
    for stale in folder.glob("*.db*"):
        stale.unlink()
    started = time.perf_counter()
    write_actors(csv_path, args.rows)
    print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - started:.1f} s")
    results = {"rows": args.rows}
    results["maillage"] = run("maillage load (validated, counted)",
                              ["maillage.cli", "load", "--quiet", "--store", str(folder / "maillage.db"),
                               str(csv_path)], args.rows)
    if not args.no_sqlite_utils:
        results["sqlite_utils"] = run("sqlite-utils insert --csv (no validation)",
                                      ["sqlite_utils", "insert", str(folder / "su.db"), "actors", str(csv_path),
                                       "--csv", "--pk", "id"], args.rows)
    results["plain"] = run("csv + executemany (no validation)", ["-c", PLAIN, str(csv_path),
                                                                 str(folder / "plain.db")], args.rows)
    if "sqlite_utils" in results:
        ratio = results["sqlite_utils"]["seconds"] / results["maillage"]["seconds"]
        print(f"maillage / sqlite-utils speed: {ratio:.1f}x (target: 5x)")
        results["speedup_vs_sqlite_utils"] = round(ratio, 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

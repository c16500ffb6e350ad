"""Benchmark: load N actors and N partnerships (CSV) into SQLite with maillage, sqlite-utils and executemany.

Usage: python benchmarks/load_actors.py [--rows 100000] [--ties N] [--keep DIR] [--no-sqlite-utils] [--row-path]

Three loads of the same two CSV files, each in child processes of their own (peak resident memory
is their own): ``maillage load`` (every row validated, identities and ties' ends resolved, the
report counted from the store; the columnar path when pyarrow is installed, ``--row-path`` for
the row path alone), ``sqlite-utils insert --csv`` of each file (no validation; ``pip install -e
'.[bench]'``) and a plain ``csv`` + ``executemany`` (the floor). Prints rows/s side by side.
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


def write_ties(path: Path, rows: int, actors: int) -> None:
    kinds = ["cooperation", "subvention", "mecenat_competences", "cooperation"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "kind", "start", "themes", "amount"])
        for i in range(rows):
            source, target = i % actors, (i * 7919 + 1) % actors
            target = target if target != source else (target + 1) % actors
            writer.writerow([f"a{source}", f"a{target}", kinds[i % 4], f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}",
                             THEMES[i % 8], str(1000 + i % 5000) if i % 4 == 1 else ""])


PLAIN = """
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.execute("CREATE TABLE actors (id TEXT PRIMARY KEY, name TEXT, kind TEXT, commune TEXT, themes TEXT, "
           "offers TEXT, website TEXT)")
db.execute("CREATE TABLE ties (source TEXT, target TEXT, kind TEXT, start TEXT, themes TEXT, amount TEXT)")
with db:
    for path, table, width in ((sys.argv[1], "actors", 7), (sys.argv[3], "ties", 6)):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            next(rows)
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
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


def run(label: str, argvs: list[list[str]], rows: int, env: dict | None = None) -> dict:
    """Run each argv in a child of its own, one after the other: total seconds, the highest peak."""
    elapsed, peak = 0.0, 0.0
    for argv in argvs:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", WRAP, *argv], capture_output=True, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
        elapsed += time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"{label} failed: {done.stderr[-2000:]}")
        peak = max(peak, int(done.stderr.rsplit("PEAK_KIB", 1)[1].split()[0]) / 1024)
    print(f"{label:<42} {elapsed:7.2f} s  {rows / elapsed:>9,.0f} rows/s  peak {peak:5.0f} MiB")
    return {"seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed), "peak_mib": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="actors")
    parser.add_argument("--ties", type=int, help="partnerships (as many as actors by default)")
    parser.add_argument("--row-path", action="store_true", help="maillage without the columnar path")
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and stores in")
    parser.add_argument("--no-sqlite-utils", action="store_true", help="skip sqlite-utils (not installed)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="maillage-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, ties_path = folder / "actors.csv", folder / "partnerships.csv"
    ties = args.rows if args.ties is None else args.ties
    for stale in folder.glob("*.db*"):
        stale.unlink()
    started = time.perf_counter()
    write_actors(csv_path, args.rows)
    write_ties(ties_path, ties, args.rows)
    size = (csv_path.stat().st_size + ties_path.stat().st_size) / 2**20
    rows = args.rows + ties
    print(f"generated {args.rows:,} actors and {ties:,} partnerships ({size:.0f} MiB) in "
          f"{time.perf_counter() - started:.1f} s")
    results = {"actors": args.rows, "partnerships": ties}
    label = "maillage load (validated, counted" + (", row path)" if args.row_path else ")")
    results["maillage"] = run(label, [["maillage.cli", "load", "--quiet", "--store", str(folder / "maillage.db"),
                                       str(csv_path), str(ties_path)]], rows,
                              env={"MAILLAGE_COLUMNAR": "off"} if args.row_path else None)
    if not args.no_sqlite_utils:
        results["sqlite_utils"] = run("sqlite-utils insert --csv (no validation)", [
            ["sqlite_utils", "insert", str(folder / "su.db"), "actors", str(csv_path), "--csv", "--pk", "id"],
            ["sqlite_utils", "insert", str(folder / "su.db"), "partnerships", str(ties_path), "--csv"]], rows)
    results["plain"] = run("csv + executemany (no validation)", [["-c", PLAIN, str(csv_path),
                                                                  str(folder / "plain.db"), str(ties_path)]], rows)
    if "sqlite_utils" in results:
        ratio = results["sqlite_utils"]["seconds"] / results["maillage"]["seconds"]
        print(f"maillage / sqlite-utils speed: {ratio:.1f}x (target: 5x)")
        results["speedup_vs_sqlite_utils"] = round(ratio, 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

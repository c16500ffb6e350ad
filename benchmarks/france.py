"""Benchmark: France on one machine — the whole chain from published files, at a chosen scale.

Usage: python benchmarks/france.py [--scale 0.05] [--keep DIR [--reuse | --analyses-only]] [--seed 7] [--bridges]

Writes, for every current commune of France (the real COG, ``@etalab/decoupage-administratif``):
an RNA import file in the waldec format (about 2.3 million rows at ``--scale 1``, a third of them
dissolved), SIRENE's StockUniteLegale and StockEtablissement (about 29 million units at scale 1,
with the national proportions of closed units and individual entrepreneurs, 1.4 establishments
each), head offices and associations placed by population, and partnerships among the actors
that will be kept (about 1.5 each, mostly within a département). Then runs, each as a user would
and in a child process whose peak memory is measured: the COG load, the RNA load, the SIRENE load,
the partnerships' load, into one SQLite store; then a département's projection and a région's
``profile`` from that national store; with ``--bridges``, ``maillage bridges --json`` on the whole
of it (every actor within ±0.005 at 95 %), as a user runs it. Prints each step's time and peak
memory, and the totals.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import fetch_cog, territory, write_cog  # noqa: E402
from benchmarks.sirene_stream import E_AT, U_AT, establishment, siren_of, stock_writers  # noqa: E402
from tests.opendata_files import RNA_HEADER, UNITS_HEADER  # noqa: E402

NATIONAL_RNA, NATIONAL_UNITS = 2_300_000, 29_000_000
SOCIAL = ["011000", "020010", "024000", "006030", "017025", "007010", "015010", "019005"]
CATEGORIES = ["1000"] * 45 + ["5710"] * 20 + ["5499"] * 15 + ["9220"] * 12 + ["7210"] * 3 + ["7344"] * 5
ACTIVITIES = ["62.01Z", "94.99Z", "56.10A", "47.11F", "88.10A", "85.59A", "43.21A", "86.21Z"]


class Places:
    """Communes drawn in proportion to their population."""

    def __init__(self, places: list[dict], rng: random.Random):
        self.places, self.rng = places, rng
        self.cumulative = list(itertools.accumulate(max(p["population"], 1) for p in places))

    def draw(self) -> dict:
        return self.places[bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]


def write_rna(path: Path, rows: int, places: Places, rng: random.Random) -> list[tuple[str, str]]:
    """The waldec file; returns (key, département) of the associations a load keeps (not dissolved)."""
    kept = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, RNA_HEADER, delimiter=";")
        writer.writeheader()
        for n in range(rows):
            place = places.draw()
            departement = place["departement"]
            number = f"W{departement[:2].replace('2A', '20').replace('2B', '20')}{n:07d}"[:10]
            dissolved = rng.random() < 0.35
            writer.writerow({key: "" for key in RNA_HEADER} | {
                "id": number, "gestion": f"{departement[:2]}2P", "date_creat": f"{rng.randint(1950, 2024)}-03-12",
                "date_disso": "2020-01-01" if dissolved else "0001-01-01", "nature": "D", "groupement": "S",
                "titre": f"ASSOCIATION {n}", "objet": f"objet de l'association {n}", "objet_social1": rng.choice(SOCIAL),
                "objet_social2": "000000", "adrs_codeinsee": place["commune"], "adrs_codepostal": "00000",
                "adrs_libcommune": "COMMUNE", "position": "D" if dissolved else "A", "maj_time": "2024-01-15 10:12:00"})
            if not dissolved:
                kept.append((f"rna:{number}", departement))
    return kept


def write_sirene(folder: Path, units: int, places: Places, rng: random.Random) -> tuple[list, Path, Path]:
    """The two stock files; returns (key, département) of the units a load keeps."""
    units_path, seats_path = folder / "StockUniteLegale_utf8.csv", folder / "StockEtablissement_utf8.csv"
    u_at, e_at = U_AT, E_AT
    kept = []
    with stock_writers(folder) as (units_out, seats_out):
        for n in range(units):
            siren = siren_of(n)
            unit, category = [""] * len(UNITS_HEADER), rng.choice(CATEGORIES)
            closed, public = rng.random() < 0.33, rng.random() > 0.03
            unit[u_at["siren"]], unit[u_at["statutDiffusionUniteLegale"]] = siren, "O" if public else "P"
            unit[u_at["etatAdministratifUniteLegale"]] = "C" if closed else "A"
            unit[u_at["categorieJuridiqueUniteLegale"]] = category
            unit[u_at["denominationUniteLegale" if category != "1000" else "nomUniteLegale"]] = f"ORGANISATION {n}"
            unit[u_at["activitePrincipaleUniteLegale"]] = rng.choice(ACTIVITIES)
            unit[u_at["nomenclatureActivitePrincipaleUniteLegale"]] = "NAFRev2"
            unit[u_at["dateCreationUniteLegale"]] = f"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-01"
            units_out.writerow(unit)
            place = places.draw()
            for k in range(1 if rng.random() < 0.6 else 2):
                seat = establishment(siren, k, place["commune"] if k == 0 else places.draw()["commune"])
                seat[e_at["etatAdministratifEtablissement"]] = "F" if closed else "A"
                seats_out.writerow(seat)
            if not closed and public and category != "1000":
                kept.append((f"siren:{siren}", place["departement"]))
    return kept, units_path, seats_path


def write_partnerships(path: Path, actors: list[tuple[str, str]], rng: random.Random) -> int:
    """About 1.5 partnerships per actor, nine in ten within its département."""
    by_departement: dict[str, list[str]] = {}
    for key, departement in actors:
        by_departement.setdefault(departement, []).append(key)
    kinds = ["cooperation", "mecenat_competences", "mecenat_financier", "benevolat", "subvention", "co_construction"]
    count, seen = 0, set()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "kind", "start"])
        for key, departement in actors:
            for _tie in range(rng.choice((1, 1, 2))):
                pool = by_departement[departement] if rng.random() < 0.9 else actors
                other = rng.choice(pool)
                other = other[0] if isinstance(other, tuple) else other
                kind, start = rng.choice(kinds), f"{rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-01"
                if other == key or (key, other, kind, start) in seen:
                    continue
                seen.add((key, other, kind, start))
                writer.writerow([key, other, kind, start])
                count += 1
    return count


STEP = """
import json, resource, sys, time
from maillage.cli import cli
started = time.perf_counter()
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps({"seconds": time.perf_counter() - started,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""

ANALYSIS = """
import json, resource, sys, time
from maillage.graph import open_store
from maillage.graph.arrays import project_arrays
from maillage.graph.projection import Scope, project
from maillage.queries.scaled import profile_of
with open_store(sys.argv[1], read_only=True) as store:
    scope = Scope.parse(sys.argv[2], None)
    started = time.perf_counter()
    arrays = project_arrays(store, scope)
    arrays_s, actors, ties, arrays = time.perf_counter() - started, len(arrays.ids), len(arrays.low), None
    started = time.perf_counter()
    summary = profile_of(store, scope) if sys.argv[3] == "profile" else None  # what `maillage profile` runs
    analysed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    graph = project(store, scope)  # the NetworkX graph the Python API and the other analyses work on
    seconds = time.perf_counter() - started
print(json.dumps({"arrays_s": arrays_s, "projection_s": seconds, "profile_s": analysed if summary else None,
                  "actors": actors, "tied_pairs": ties, "profile_peak_mib": peak,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def step(label: str, argv: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, *argv], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    if done.returncode:
        raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
    print(f"{label:<44} {measured['seconds']:8.1f} s  peak {measured['peak_mib']:6.0f} MiB", flush=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="With --keep: load the files a previous run wrote there (same scale) instead of writing them again.")
    parser.add_argument("--analyses-only", action="store_true",
                        help="With --keep: run the analyses again on the store a previous run loaded there.")
    parser.add_argument("--bridges", action="store_true",
                        help="Also run `maillage bridges --json` on the whole national store (9 minutes at scale 1).")
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyses_only and args.keep:
        print(json.dumps({"analyses": run_analyses(str(args.keep / "france.db"), args.bridges)}))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="maillage-france-"))
    folder.mkdir(parents=True, exist_ok=True)
    written = folder / "scale"  # files written at another scale are written again, not reused
    if args.reuse and (folder / "partnerships.count").is_file() and (
            not written.is_file() or float(written.read_text()) == args.scale):
        print(f"reusing the files of {folder}", flush=True)
        return run_steps(folder, args.scale, args.bridges)
    if not args.write_only:
        # the files are written by a child process: Linux keeps a process's peak memory across exec,
        # so the steps must be started from a process that never held the generated data
        subprocess.run([sys.executable, __file__, "--scale", str(args.scale), "--seed", str(args.seed),
                        "--keep", str(folder), "--write-only"], check=True)
        return run_steps(folder, args.scale, args.bridges)
    write_published(folder, args.scale, args.seed, fetch_cog(None))


def write_published(folder: Path, scale: float, seed: int, cog: Path) -> dict:
    """Write France's files in their published formats at ``scale`` (also ``generate.py --france --published``)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    places_list, data = territory(cog, None, None)
    write_cog(folder, data, places_list)
    places = Places(places_list, rng)
    rna_kept = write_rna(folder / "rna_import.csv", int(NATIONAL_RNA * scale), places, rng)
    sirene_kept, units_path, seats_path = write_sirene(folder, int(NATIONAL_UNITS * scale), places, rng)
    ties = write_partnerships(folder / "partnerships.csv", rna_kept + sirene_kept, rng)
    sizes = {path.name: path.stat().st_size for path in folder.iterdir() if path.is_file()}
    print(f"scale {scale}: {len(places_list):,} communes, {int(NATIONAL_RNA * scale):,} RNA rows, "
          f"{int(NATIONAL_UNITS * scale):,} SIRENE units, {ties:,} partnerships "
          f"({sum(sizes.values()) / 2**20:,.0f} MiB) written in {time.perf_counter() - started:.0f} s", flush=True)
    (folder / "partnerships.count").write_text(str(ties))
    (folder / "scale").write_text(str(scale))
    return {"communes": len(places_list), "rna_rows": int(NATIONAL_RNA * scale),
            "sirene_units": int(NATIONAL_UNITS * scale), "partnerships": ties, "bytes": sum(sizes.values())}


def run_steps(folder: Path, scale: float, bridges: bool = False) -> None:
    ties = int((folder / "partnerships.count").read_text())
    units_path, seats_path = folder / "StockUniteLegale_utf8.csv", folder / "StockEtablissement_utf8.csv"
    for stale in folder.glob("france.db*"):
        stale.unlink()
    store = str(folder / "france.db")
    steps = {
        "cog": step("COG (communes, EPCI, départements, régions)",
                    ["load", "--quiet", "--store", store, *map(str, sorted((folder / "cog").glob("*.json")))]),
        "rna": step("RNA (waldec import file)", ["load", "--quiet", "--store", store, str(folder / "rna_import.csv")]),
        "sirene": step("SIRENE (units + establishments)",
                       ["load", "--quiet", "--store", store, str(units_path), str(seats_path)]),
        "partnerships": step("partnerships", ["load", "--quiet", "--store", store,
                                              str(folder / "partnerships.csv")]),
    }
    total = sum(s["seconds"] for s in steps.values())
    peak = max(s["peak_mib"] for s in steps.values())
    print(f"{'national chain':<44} {total:8.1f} s  peak {peak:6.0f} MiB", flush=True)
    analyses = run_analyses(store, bridges)
    print(json.dumps({"scale": scale, "steps": steps, "total_s": total, "peak_mib": peak, "analyses": analyses,
                      "partnerships": ties}))


def run_analyses(store: str, bridges: bool = False) -> dict:
    """A département's and a région's projections (as arrays, then as the NetworkX graph) and the
    région's ``profile`` from the store (as ``maillage profile`` runs it), each in a process of its own;
    with ``bridges``, ``maillage bridges --json`` on the whole store."""
    analyses = {}
    for label, scope, what in (("département 67: projection", "67", "none"),
                               ("région 44: projection and profile", "region:44", "profile")):
        done = subprocess.run([sys.executable, "-c", ANALYSIS, store, scope, what], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        result = json.loads(done.stdout)
        analyses[scope] = result
        print(f"{label:<44} arrays {result['arrays_s']:.1f} s, projection {result['projection_s']:.1f} s"
              + (f", profile {result['profile_s']:.1f} s" if result["profile_s"] is not None else "")
              + f" ({result['actors']:,} actors, {result['tied_pairs']:,} tied pairs), peak {result['peak_mib']:.0f} MiB"
              + (f" ({result['profile_peak_mib']:.0f} MiB before the projection)" if result["profile_s"] is not None else ""),
              flush=True)
    if bridges:
        analyses["bridges"] = step("bridges, the whole of France (±0.005)", ["bridges", "--store", store, "--json"])
    return analyses


if __name__ == "__main__":
    main()

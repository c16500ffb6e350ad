"""Benchmark: SIRENE's stock files streamed and filtered — input rows read per second.

Usage: python benchmarks/sirene_stream.py [--units 1000000] [--departement 67] [--keep DIR]

Writes a StockUniteLegale and a StockEtablissement file in the published format (all columns,
header as INSEE publishes it; synthetic but valid identifiers) with the national proportions:
about a third of the units closed, 45 % individual entrepreneurs (category 1000), 1.5
establishments per unit (one head office), head offices spread over the départements like
France's population (a département holds about 1 to 3 % of them). Then times ``maillage load
--source sirene --departement D --dry-run``, the whole chain but the final write: both files
read, the filters applied while streaming, the kept units validated as every row is. Reports the
input rows (units + establishments) per second, and the kept units.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.opendata_files import ESTABLISHMENTS_HEADER, UNITS_HEADER  # noqa: E402

# départements weighted roughly by population (the 20 largest named, the rest evenly)
LARGE = {"75": 2.1, "13": 2.0, "59": 2.6, "69": 1.9, "92": 1.6, "93": 1.6, "33": 1.6, "62": 1.5, "78": 1.4,
         "77": 1.4, "94": 1.4, "06": 1.1, "44": 1.4, "31": 1.4, "76": 1.3, "91": 1.3, "95": 1.2, "38": 1.3,
         "67": 1.7, "34": 1.2}
OTHERS = [f"{d:02d}" for d in range(1, 96) if f"{d:02d}" not in LARGE and d != 20] + ["2A", "2B"]


def _luhn_digit(base: str) -> str:
    for digit in "0123456789":
        total = 0
        for i, c in enumerate(reversed(base + digit)):
            n = int(c) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return digit
    raise AssertionError


U_AT = {name: i for i, name in enumerate(UNITS_HEADER)}
E_AT = {name: i for i, name in enumerate(ESTABLISHMENTS_HEADER)}


def siren_of(n: int) -> str:
    """The n-th synthetic SIREN (valid: Luhn)."""
    base = f"{100_000_00 + n:08d}"
    return base + _luhn_digit(base)


def establishment(siren: str, k: int, commune: str) -> list[str]:
    """The k-th establishment of a unit (the first is its head office), its other columns empty."""
    nic = f"{12 + k * 7:04d}"
    seat = [""] * len(ESTABLISHMENTS_HEADER)
    seat[E_AT["siren"]], seat[E_AT["nic"]] = siren, nic
    seat[E_AT["siret"]] = siren + nic + _luhn_digit(siren + nic)
    seat[E_AT["etablissementSiege"]] = "true" if k == 0 else "false"
    seat[E_AT["codeCommuneEtablissement"]] = commune
    return seat


@contextmanager
def stock_writers(folder: Path):
    """CSV writers of StockUniteLegale and StockEtablissement in ``folder``, headers written: (units, seats)."""
    with open(folder / "StockUniteLegale_utf8.csv", "w", newline="", encoding="utf-8") as u_file, \
            open(folder / "StockEtablissement_utf8.csv", "w", newline="", encoding="utf-8") as e_file:
        units_out, seats_out = csv.writer(u_file), csv.writer(e_file)
        units_out.writerow(UNITS_HEADER)
        seats_out.writerow(ESTABLISHMENTS_HEADER)
        yield units_out, seats_out


def write_files(folder: Path, units: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    weights = list(LARGE.values()) + [(100 - sum(LARGE.values())) / len(OTHERS)] * len(OTHERS)
    departements = list(LARGE) + OTHERS
    units_path, seats_path = folder / "StockUniteLegale_utf8.csv", folder / "StockEtablissement_utf8.csv"
    u_at, e_at = U_AT, E_AT
    categories = ["1000"] * 45 + ["5710"] * 20 + ["5499"] * 15 + ["9220"] * 12 + ["7210"] * 3 + ["7344"] * 5
    activities = ["62.01Z", "94.99Z", "56.10A", "47.11F", "88.10A", "85.59A", "43.21A", "86.21Z"]
    with stock_writers(folder) as (units_out, seats_out):
        for n in range(units):
            siren = siren_of(n)
            unit = [""] * len(UNITS_HEADER)
            category = rng.choice(categories)
            unit[u_at["siren"]], unit[u_at["statutDiffusionUniteLegale"]] = siren, "O" if rng.random() > .03 else "P"
            unit[u_at["dateCreationUniteLegale"]] = f"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-01"
            unit[u_at["etatAdministratifUniteLegale"]] = "C" if rng.random() < .33 else "A"
            unit[u_at["categorieJuridiqueUniteLegale"]] = category
            if category == "1000":
                unit[u_at["nomUniteLegale"]], unit[u_at["prenom1UniteLegale"]] = f"NOM{n}", "JEANNE"
            else:
                unit[u_at["denominationUniteLegale"]] = f"ORGANISATION {n}"
            if category == "9220" and rng.random() < .7:
                unit[u_at["identifiantAssociationUniteLegale"]] = f"W{rng.randint(10, 95)}{n % 10_000_000:07d}"
            unit[u_at["activitePrincipaleUniteLegale"]] = rng.choice(activities)
            unit[u_at["nomenclatureActivitePrincipaleUniteLegale"]] = "NAFRev2"
            unit[u_at["nicSiegeUniteLegale"]] = "00012"
            unit[u_at["trancheEffectifsUniteLegale"]] = rng.choice(["", "NN", "01", "02", "11", "12"])
            units_out.writerow(unit)
            departement = rng.choices(departements, weights)[0]
            for k in range(1 if rng.random() < .6 else 2):
                seat = establishment(siren, k, f"{departement}{rng.randint(1, 600):03d}")
                seat[e_at["codePostalEtablissement"]] = f"{departement[:2].replace('2A', '20').replace('2B', '20')}000"
                seat[e_at["libelleVoieEtablissement"]], seat[e_at["typeVoieEtablissement"]] = "DE LA REPUBLIQUE", "RUE"
                seat[e_at["etatAdministratifEtablissement"]] = unit[u_at["etatAdministratifUniteLegale"]]
                seat[e_at["dateCreationEtablissement"]] = unit[u_at["dateCreationUniteLegale"]]
                seats_out.writerow(seat)
    return units_path, seats_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--departement", default="67")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="maillage-sirene-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    units_path, seats_path = write_files(folder, args.units)
    with open(units_path, "rb") as handle:
        units = sum(1 for _ in handle) - 1
    with open(seats_path, "rb") as handle:
        seats = sum(1 for _ in handle) - 1
    size = (units_path.stat().st_size + seats_path.stat().st_size) / 2 ** 20
    print(f"wrote {units:,} units and {seats:,} establishments ({size:.0f} MiB) in {time.perf_counter() - started:.0f} s")
    command = [sys.executable, "-m", "maillage.cli", "load", "--source", "sirene", "--departement", args.departement,
               "--dry-run", "--json", "--store", str(folder / "dry.db"), str(units_path), str(seats_path)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr[-3000:] or done.stdout[-3000:])
    report = json.loads(done.stdout)
    skipped = {reason: count for f in report["files"] for reason, count in f["skipped"].items()}
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rate = (units + seats) / elapsed
    print(f"filtered to département {args.departement} in {elapsed:.1f} s: {rate:,.0f} input rows/s "
          f"(target 300,000), {report['loaded']:,} units kept and validated, peak {peak:.0f} MiB; left out: {skipped}")
    print(json.dumps({"units": units, "establishments": seats, "seconds": round(elapsed, 2),
                      "input_rows_per_s": round(rate), "kept": report["loaded"], "skipped": skipped,
                      "peak_mib": round(peak)}))


if __name__ == "__main__":
    main()

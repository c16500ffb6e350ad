"""Generate a synthetic ecosystem on the real territory of a région (or a département), deterministically.

Usage: python benchmarks/generate.py OUT [--region 44] [--departement 67] [--scale 1.0] [--cog DIR] [--seed 42]
       python benchmarks/generate.py OUT --france --published [--scale 0.1]

Uses the real communes, EPCI, départements and populations of ``@etalab/decoupage-administratif``
(``--cog DIR`` or fetched with ``npm pack`` into ~/.cache/maillage/cog). Writes to OUT:
``actors.csv`` (associations and companies in proportion to population: about 1.8 of each per 100
inhabitants at ``--scale 1``, so ≈100,000 + 100,000 for Grand Est), ``partnerships.csv`` (mostly
local, themed, cross-sector, dated 2010–2024, following the planted rule of
:mod:`maillage.synthetic`, plus subsidies from each commune to some of its associations),
``initiatives.csv``, ``needs.csv`` (open needs concentrated in under-served communes: the fewest
actors per inhabitant) and a copy of the COG files of the territory. Load with:
``maillage load OUT/cog/*.json`` then ``maillage load OUT/*.csv``.

With ``--france --published`` it writes France in the formats the open-data loaders read
instead: the COG, an RNA waldec import file (about 2.3 million rows at ``--scale 1``), SIRENE's
StockUniteLegale and StockEtablissement (about 29 million units) and partnerships among the
actors kept (see ``benchmarks/france.py``, which writes them the same way and loads them).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tarfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.synthetic import planted_ecosystem  # noqa: E402

COG_VERSION = "6.0.0"
PER_INHABITANT = 0.036  # associations + companies per inhabitant at scale 1


def fetch_cog(folder: Path | None) -> Path:
    """The decoupage-administratif data folder: given, cached, or fetched with npm pack."""
    if folder:
        return folder
    cache = Path.home() / ".cache" / "maillage" / "cog" / COG_VERSION
    if not (cache / "package" / "data" / "communes.json").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "pack", f"@etalab/decoupage-administratif@{COG_VERSION}"], cwd=cache,
                              capture_output=True, text=True, check=True)
        with tarfile.open(cache / done.stdout.strip().splitlines()[-1]) as archive:
            archive.extractall(cache, filter="data")
    return cache / "package" / "data"


def territory(cog: Path, region: str | None, departement: str | None) -> tuple[list[dict], dict]:
    """The current communes of the territory (with EPCI, département, région, population), and the COG data."""
    data = {name: json.loads((cog / f"{name}.json").read_text(encoding="utf-8"))
            for name in ("communes", "epci", "ept", "departements", "regions")}
    epcis = defaultdict(list)
    for grouping in data["epci"] + data["ept"]:
        for member in grouping["membres"]:
            epcis[member["code"]].append(grouping["code"])
    places = [{"commune": c["code"], "epcis": epcis.get(c["code"], []), "departement": c["departement"],
               "region": c["region"], "population": c.get("population") or 0, "siren": c.get("siren")}
              for c in data["communes"] if c["type"] == "commune-actuelle"
              and (region is None or c["region"] == region) and (departement is None or c["departement"] == departement)]
    return places, data


def write_cog(out: Path, data: dict, places: list[dict]) -> None:
    """The COG files cut to the territory (communes, their groupings, départements, régions)."""
    codes = {p["commune"] for p in places}
    departements = {p["departement"] for p in places}
    regions = {p["region"] for p in places}
    folder = out / "cog"
    folder.mkdir(parents=True, exist_ok=True)
    cut = {
        "communes": [c for c in data["communes"] if c["code"] in codes and c["type"] == "commune-actuelle"],
        "epci": [g for g in data["epci"] if any(m["code"] in codes for m in g["membres"])],
        "ept": [g for g in data["ept"] if any(m["code"] in codes for m in g["membres"])],
        "departements": [d for d in data["departements"] if d["code"] in departements],
        "regions": [r for r in data["regions"] if r["code"] in regions],
    }
    for name, rows in cut.items():
        (folder / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--region", default="44")
    parser.add_argument("--departement")
    parser.add_argument("--france", action="store_true", help="the whole of France (ignores --region)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cog", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--published", action="store_true",
                        help="with --france: France's files in their published formats (COG, RNA waldec import, "
                             "SIRENE's two stocks, partnerships), as benchmarks/france.py loads them")
    args = parser.parse_args()
    if args.published:
        if not args.france:
            parser.error("--published writes the whole of France: add --france")
        from benchmarks.france import write_published

        args.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(write_published(args.out, args.scale, args.seed, fetch_cog(args.cog))))
        return
    summary = generate(args.out, None if args.france else args.region, args.departement, args.scale,
                       fetch_cog(args.cog), args.seed)
    print(json.dumps(summary))


def generate(out: Path, region, departement, scale: float, cog: Path, seed: int = 42) -> dict:
    places, data = territory(cog, region, departement)
    if not places:
        raise SystemExit(f"no commune in region {region!r} / département {departement!r}")
    population = sum(p["population"] for p in places)
    count = max(int(population * PER_INHABITANT * scale), 100)
    graph = planted_ecosystem(count, places=places, ties_per_year=max(count // 6, 1), seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    write_cog(out, data, places)
    rng = random.Random(seed)
    with open(out / "actors.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "commune", "themes", "offers", "seeks"])
        for node, d in graph.nodes(data=True):
            writer.writerow([node, d["name"], d["kind"], d["commune"], ";".join(d["themes"]), ";".join(d["offers"]),
                             ";".join(d["seeks"])])
    seats = {p["commune"]: p for p in places}
    ties = 0
    with open(out / "partnerships.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "kind", "start", "themes"])
        for u, v, d in graph.edges(data=True):
            shared = sorted(set(graph.nodes[u]["themes"]) & set(graph.nodes[v]["themes"]))
            writer.writerow([u, v, rng.choice(["cooperation", "mecenat_competences", "mecenat_financier",
                                               "benevolat", "co_construction"]), d["start"], ";".join(shared)])
            ties += 1
        for node, d in graph.nodes(data=True):  # communes fund some of their associations
            commune = seats[d["commune"]]
            if d["kind"] == "association" and commune.get("siren") and rng.random() < 0.3:
                writer.writerow([f"siren:{commune['siren']}", node, "subvention",
                                 f"{rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-01", ";".join(d["themes"][:1])])
                ties += 1
    needs = write_needs(out, graph, places, rng)
    initiatives = write_initiatives(out, graph, data, rng)
    return {"out": str(out), "communes": len(places), "population": population, "actors": graph.number_of_nodes(),
            "partnerships": ties, "needs": needs, "initiatives": initiatives}


def write_needs(out: Path, graph, places, rng) -> int:
    """Open needs where the fewest actors serve the most inhabitants (under-served communes)."""
    actors_in = Counter(d["commune"] for _, d in graph.nodes(data=True))
    by_commune = defaultdict(list)
    for node, d in graph.nodes(data=True):
        by_commune[d["commune"]].append(node)
    weights = {p["commune"]: (p["population"] + 1) / (actors_in[p["commune"]] + 1) ** 2 for p in places
               if by_commune[p["commune"]]}
    communes = rng.choices(list(weights), weights=list(weights.values()), k=max(graph.number_of_nodes() // 100, 5))
    with open(out / "needs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "holder", "themes", "resources", "status", "since"])
        for i, commune in enumerate(communes):
            holder = rng.choice(by_commune[commune])
            d = graph.nodes[holder]
            writer.writerow([f"need-{i}", f"Besoin {i} de {d['name']}", holder, ";".join(d["themes"]),
                             ";".join(d["seeks"]), "open", f"{rng.randint(2020, 2024)}-01-01"])
    return len(communes)


def write_initiatives(out: Path, graph, data, rng) -> int:
    """A collective dynamic led by each of the largest EPCI, with local members."""
    by_epci = defaultdict(list)
    for node, d in graph.nodes(data=True):
        for epci in d["epcis"]:
            by_epci[epci].append(node)
    largest = sorted(by_epci, key=lambda e: (-len(by_epci[e]), e))[:20]
    with open(out / "initiatives.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "territory", "members", "start"])
        for epci in largest:
            members = rng.sample(by_epci[epci], min(len(by_epci[epci]), rng.randint(5, 20)))
            writer.writerow([f"dynamique-{epci}", f"Dynamique collective {epci}", f"epci:{epci}",
                             ";".join([f"siren:{epci}:porteur"] + [f"{m}:membre" for m in members]), "2018-01-01"])
    return len(largest)


if __name__ == "__main__":
    main()

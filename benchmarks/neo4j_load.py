"""Benchmark: load actors and partnerships into a real Neo4j server, next to the naive per-row MERGE.

Usage: python benchmarks/neo4j_load.py [--actors 200000] [--partnerships 500000] [--naive-sample 5000]
                                       [--uri bolt://…] [--reload]

Without ``--uri`` (or ``NEO4J_URI``) a throwaway server is started with scripts/neo4j-dev and
stopped at the end. The database is CLEARED first: never point this at real data.
Prints, side by side in one run: maillage's loader (whole load, and the Bolt commit alone), the
same load as the loader did when issue 17 was filed (every row through pydantic and merged, one
transaction at a time), a best-practice plain
UNWIND loader without validation, the naive pattern (one ``MERGE`` per row through
``session.run``, on a sample), and the projection time.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.graph import open_store  # noqa: E402
from maillage.graph.neo4j_store import Neo4jLoadSession  # noqa: E402
from maillage.graph.projection import Scope, project  # noqa: E402
from maillage.loaders.pipeline import load_files  # noqa: E402

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j-dev"
THEMES = ["emploi", "education", "sante", "alimentation", "lien_social", "environnement", "numerique", "sport"]
OFFERS = ["funding", "skills", "volunteers", "premises", "equipment", "software", "network", "training"]
KINDS = ["association", "association", "company", "company", "collectivite", "school", "foundation"]
PARTNERSHIP_KINDS = ["cooperation", "subvention", "mecenat_financier", "mecenat_competences", "benevolat"]
COMMUNES = [f"67{n:03d}" for n in range(1, 200)] + [f"68{n:03d}" for n in range(1, 200)]


def write_files(folder: Path, actors: int, partnerships: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    actor_path, partnership_path = folder / "actors.csv", folder / "partnerships.csv"
    with open(actor_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "commune", "themes", "offers"])
        for i in range(actors):
            writer.writerow([f"a{i}", f"Acteur {i}", KINDS[i % len(KINDS)], COMMUNES[i % len(COMMUNES)],
                             f"{THEMES[i % 8]};{THEMES[(i * 7) % 8]}", OFFERS[i % 8]])
    with open(partnership_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "kind", "start"])
        seen = set()
        while len(seen) < partnerships:
            source = rng.randrange(actors)
            target = (source + len(COMMUNES) * rng.randint(1, 50)) % actors  # mostly same commune
            kind = rng.choice(PARTNERSHIP_KINDS)
            if source != target and (source, target, kind) not in seen:
                seen.add((source, target, kind))
                writer.writerow([f"a{source}", f"a{target}", kind, f"{rng.randint(2005, 2025)}-01-01"])
    return actor_path, partnership_path


def naive_load(store, actor_path: Path, partnership_path: Path, sample: int) -> tuple[float, int]:
    """One MERGE per row through session.run, as a first script would (constraints already exist)."""
    driver, rows = store._driver, 0
    started = time.perf_counter()
    with driver.session(database=store.database) as session:
        with open(actor_path, encoding="utf-8") as handle:
            for row in list(csv.DictReader(handle))[:sample]:
                session.run("MERGE (a:Actor {id: $id}) SET a.name = $name, a.kind = $kind, a.commune = $commune, "
                            "a.themes = split($themes, ';'), a.offers = split($offers, ';')", row).consume()
                rows += 1
        with open(partnership_path, encoding="utf-8") as handle:
            for row in list(csv.DictReader(handle))[:sample]:
                session.run("MATCH (s:Actor {id: $source}) MATCH (t:Actor {id: $target}) "
                            "MERGE (s)-[p:PARTNERSHIP {id: $source + '|' + $target + '|' + $kind}]->(t) "
                            "SET p.kind = $kind, p.start = $start", row).consume()
                rows += 1
    return time.perf_counter() - started, rows


def plain_unwind_load(store, actor_path: Path, partnership_path: Path, batch: int = 10_000) -> float:
    """The best-practice loader without validation: UNWIND batches, MERGE nodes, CREATE relationships."""
    def batches(path):
        with open(path, encoding="utf-8", newline="") as handle:
            rows = []
            for row in csv.DictReader(handle):
                rows.append(row)
                if len(rows) == batch:
                    yield rows
                    rows = []
            if rows:
                yield rows

    started = time.perf_counter()
    with store._driver.session(database=store.database) as session:
        for rows in batches(actor_path):
            session.execute_write(lambda tx, rows=rows: tx.run(
                "UNWIND $rows AS row MERGE (a:Actor {id: row.id}) SET a.name = row.name, a.kind = row.kind, "
                "a.commune = row.commune, a.themes = split(row.themes, ';'), a.offers = split(row.offers, ';')",
                rows=rows).consume())
        for rows in batches(partnership_path):
            session.execute_write(lambda tx, rows=rows: tx.run(
                "UNWIND $rows AS row MATCH (s:Actor {id: row.source}) MATCH (t:Actor {id: row.target}) "
                "CREATE (s)-[p:PARTNERSHIP {id: row.source + '|' + row.target + '|' + row.kind + '|' + row.start}]->(t) "
                "SET p.kind = row.kind, p.start = row.start", rows=rows).consume())
    return time.perf_counter() - started


def timed_commit():
    """Wrap Neo4jLoadSession.commit to measure the Bolt part of a load alone."""
    spent = []
    original = Neo4jLoadSession.commit

    def commit(self):
        started = time.perf_counter()
        original(self)
        spent.append(time.perf_counter() - started)

    Neo4jLoadSession.commit = commit
    return spent


def start_server() -> tuple[str, dict]:
    env = dict(os.environ, NEO4J_DEV_PORT=os.environ.get("NEO4J_DEV_PORT", "7699"),
               NEO4J_DEV_STATE=tempfile.mkdtemp(prefix="maillage-bench-neo4j-"))
    done = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1], env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=200_000)
    parser.add_argument("--partnerships", type=int, default=500_000)
    parser.add_argument("--naive-sample", type=int, default=5_000)
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI"))
    parser.add_argument("--reload", action="store_true", help="load the same files again (idempotence at scale)")
    args = parser.parse_args()
    server_env = None
    if not args.uri:
        args.uri, server_env = start_server()
    try:
        run(args)
    finally:
        if server_env:
            subprocess.run([str(SCRIPT), "stop"], env=server_env, capture_output=True)


def run(args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="maillage-bench-"))
    actor_path, partnership_path = write_files(folder, args.actors, args.partnerships)
    total = args.actors + args.partnerships
    commits = timed_commit()
    with open_store(args.uri) as store:
        store.clear()
        started = time.perf_counter()
        load_files(store, [actor_path, partnership_path])
        elapsed = time.perf_counter() - started
        stats = store.stats()
        assert stats["actors"] == args.actors and stats["partnerships"] == args.partnerships, stats
        reload = None
        if args.reload:
            started = time.perf_counter()
            load_files(store, [actor_path, partnership_path])
            reload = time.perf_counter() - started
            assert store.stats() == stats, "a second load changed the counts"
        started = time.perf_counter()
        graph = project(store)
        projection = time.perf_counter() - started
        started = time.perf_counter()
        departement = project(store, Scope.parse("67"))
        projection_67 = time.perf_counter() - started
        store.clear()
        # the load as it was when issue 17 was filed: every row through pydantic, every entity
        # merged (none created as proven new), one transaction at a time
        from maillage.graph import cypher
        from maillage.loaders import columnar, kinds

        kept, cypher.CREATE_NEW, writers = cypher.CREATE_NEW, {}, store.writers
        store.writers, columnar.ENABLED, kinds.FAST_PATH = 1, False, False
        try:
            started = time.perf_counter()
            load_files(store, [actor_path, partnership_path])
            merge_only = time.perf_counter() - started
        finally:
            cypher.CREATE_NEW, store.writers, columnar.ENABLED, kinds.FAST_PATH = kept, writers, True, True
        store.clear()
        unwind = plain_unwind_load(store, actor_path, partnership_path)
        store.clear()
        naive_seconds, naive_rows = naive_load(store, actor_path, partnership_path, args.naive_sample)
        store.clear()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = total / elapsed
    naive = naive_rows / naive_seconds
    print(f"{'':38}{'rows':>10}{'seconds':>10}{'rows/s':>10}")
    print(f"{'maillage load (validate + Bolt)':38}{total:>10,}{elapsed:>10.1f}{ours:>10,.0f}")
    print(f"{'  of which the Bolt commit':38}{total:>10,}{commits[0]:>10.1f}{total / commits[0]:>10,.0f}")
    if reload is not None:
        print(f"{'maillage reload (no change)':38}{total:>10,}{reload:>10.1f}{total / reload:>10,.0f}")
    print(f"{'maillage as before (pydantic, MERGE, 1 tx)':38}{total:>10,}{merge_only:>10.1f}{total / merge_only:>10,.0f}")
    print(f"{'plain UNWIND loader, no validation':38}{total:>10,}{unwind:>10.1f}{total / unwind:>10,.0f}")
    print(f"{'naive MERGE per row (sample)':38}{naive_rows:>10,}{naive_seconds:>10.1f}{naive:>10,.0f}")
    print(f"speed-up over the naive pattern: {ours / naive:.0f}x (Bolt commit alone: "
          f"{total / commits[0] / naive:.0f}x)")
    print(f"projection of the whole graph ({graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges): "
          f"{projection:.1f} s; of département 67 ({departement.number_of_nodes():,} nodes): {projection_67:.1f} s")
    print(f"peak RSS of this process: {peak:.0f} MiB")
    print(json.dumps({"rows": total, "maillage_s": round(elapsed, 2), "maillage_rows_per_s": round(ours),
                      "bolt_commit_s": round(commits[0], 2), "before_s": round(merge_only, 2),
                      "before_rows_per_s": round(total / merge_only), "speedup_vs_before": round(merge_only / elapsed, 2),
                      "unwind_s": round(unwind, 2), "unwind_rows_per_s": round(total / unwind),
                      "naive_rows_per_s": round(naive), "projection_s": round(projection, 1),
                      "projection_67_s": round(projection_67, 1), "peak_mib": round(peak)}))


if __name__ == "__main__":
    main()

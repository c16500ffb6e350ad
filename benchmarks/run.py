"""Benchmarks at the scale of a département and a région, with the naive alternatives side by side.

Usage: python benchmarks/run.py [--sizes departement region france] [--france-scale 0.1] [--cog DIR]
                                [--france-files DIR] [--json results.json] [--no-neo4j]

For each size it generates the synthetic ecosystem (benchmarks/generate.py) and measures: the load
into SQLite (``maillage load`` in a child process: rows/s and peak memory) and into a real Neo4j
(started with scripts/neo4j-dev unless NEO4J_URI is set) next to the naive per-row MERGE on a
sample; the projection; ``bridges`` next to exact NetworkX betweenness (extrapolated from 20
sources) and igraph's exact betweenness (within a time limit), and the compiled anchors alone on the
same graph (NetworKit's KADABRA at ±0.005, igraph's Louvain beside maillage's PLM); ``profile``; the full ``gaps`` report;
``allies`` (median and 90th percentile over 50 actors, the projection built); and the export of
a département's view with the time until it is interactive in headless Chromium. The france size
runs the side-by-side benchmarks (load_actors.py at 100,000 and 1,000,000 rows next to sqlite-utils
and executemany, sirene_stream.py, neo4j_load.py next to the loader of issue 17's day and a plain
UNWIND loader) and france.py: the national chain from published files at --france-scale (written
into --france-files, or read from there when a run at that scale wrote them; at scale 1 also
``maillage bridges`` on the whole of France). Prints
the tables and writes the figures as JSON. Sizes: departement (67), region (44, Grand Est),
france, france1m (about one million synthetic actors: needs ~16 GB and an hour).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import networkx as nx  # noqa: E402

from generate import fetch_cog, generate  # noqa: E402
from maillage.graph import open_store  # noqa: E402
from maillage.graph.arrays import project_arrays  # noqa: E402
from maillage.graph.projection import Scope, project  # noqa: E402
from maillage.queries import allies, bridges, gaps, profile  # noqa: E402
from maillage.queries.scaled import bridges_of, profile_of  # noqa: E402
from maillage.queries.common import simple_graph  # noqa: E402
from maillage.views import export  # noqa: E402

SIZES = {"departement": {"region": "44", "departement": "67", "scale": 1.0},
         "region": {"region": "44", "departement": None, "scale": 1.0},
         "france1m": {"region": None, "departement": None, "scale": 0.43}}
IGRAPH_LIMIT = 300


def timed(call, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


def child_load(store: str, files: list[Path]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of ``maillage load`` into ``store`` in a child process."""
    # VmHWM, not ru_maxrss: after fork + exec, ru_maxrss still counts the (big) parent's pages
    code = ("import sys; from maillage.graph import open_store; from maillage.loaders.pipeline import load_files;"
            "s = open_store(sys.argv[1]); load_files(s, sys.argv[2:]); s.close();"
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, store, *map(str, files)], capture_output=True, text=True,
                          check=True, env=dict(os.environ, MAILLAGE_CACHE="off"))
    return time.perf_counter() - started, int(done.stdout.strip().splitlines()[-1]) / 1024


def rows_in(files: list[Path]) -> int:
    return sum(sum(1 for _ in open(f, encoding="utf-8")) - 1 for f in files if f.suffix == ".csv")


def igraph_betweenness(graph: nx.Graph, limit: float) -> float | None:
    """Seconds of igraph's exact betweenness in a child process, or None past ``limit``."""
    folder = Path(tempfile.mkdtemp())
    index = {node: i for i, node in enumerate(graph)}
    (folder / "edges.txt").write_text("\n".join(f"{index[u]} {index[v]}" for u, v in graph.edges()))
    code = ("import igraph, sys, time; g = igraph.Graph.Read_Edgelist(sys.argv[1], directed=False);"
            "t = time.perf_counter(); g.betweenness(); print(time.perf_counter() - t)")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder / "edges.txt")], capture_output=True,
                              text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    except (subprocess.CalledProcessError, FileNotFoundError):
        return float("nan")
    return float(done.stdout.strip())


def anchors(simple: nx.Graph) -> dict:
    """The compiled anchors on the same graph, each alone, graph building excluded: NetworKit's KADABRA
    (every actor within ±0.005 at 95 %, one thread: what ``bridges`` asks of maillage's own) and igraph's
    Louvain (what ``profile`` and the pair features run)."""
    import igraph
    import networkit

    from maillage.queries.community import louvain_labels
    from maillage.queries.compact import compact

    form = compact(simple)
    owner, other = form.owners(), form.indices
    upper = owner < other
    rows, cols = owner[upper], other[upper]
    kit = networkit.GraphFromCoo((rows.astype("uint64"), cols.astype("uint64")), n=form.n, directed=False)
    networkit.setNumberOfThreads(1)
    networkit.engineering.setSeed(42, False)
    # NetworKit bounds the share of drawn ordered pairs a node is inside of, b·(n − 2)/n: asked so,
    # its guarantee is ±0.005 on NetworkX's scale, as maillage's (asked 2·(n − 2)/n times that, as
    # before 2026-12-06, it gave ±0.01)
    estimator = networkit.centrality.KadabraBetweenness(kit, 0.005 * (form.n - 2) / form.n, 0.05)
    _, kadabra_s = timed(estimator.run)
    graph = igraph.Graph(n=form.n, edges=list(zip(rows.tolist(), cols.tolist())))
    found, louvain_s = timed(graph.community_multilevel)
    labels, plm_s = timed(lambda: louvain_labels(form.n, rows, cols, 42))  # what maillage runs
    return {"anchor_kadabra_s": kadabra_s, "anchor_igraph_louvain_s": louvain_s,
            "anchor_igraph_louvain_modularity": round(graph.modularity(found.membership), 4),
            "communities_plm_s": plm_s, "communities_plm_modularity": round(graph.modularity(
                np.where(labels < 0, np.arange(form.n), labels).tolist()), 4)}


def neo4j_figures(uri: str, files_cog: list[Path], files: list[Path], out: Path) -> dict:
    from neo4j_load import naive_load

    with open_store(uri) as store:
        store.clear()
    seconds, _ = child_load(uri, files_cog)
    seconds, peak = child_load(uri, files)
    rows = rows_in(files)
    with open_store(uri) as store:
        store.clear()
        naive_seconds, naive_rows = naive_load(store, out / "actors.csv", out / "partnerships.csv", 2000)
        store.clear()
    return {"neo4j_load_s": seconds, "neo4j_rows_per_s": rows / seconds, "neo4j_peak_mib": peak,
            "naive_rows_per_s": naive_rows / naive_seconds}


def measure(name: str, options: dict, cog: Path, work: Path, uri: str | None) -> dict:
    out = work / name
    if not (out / "actors.csv").is_file():
        generate(out, options["region"], options["departement"], options["scale"], cog)
    files_cog, files = sorted((out / "cog").glob("*.json")), sorted(out.glob("*.csv"))
    database = out / "bench.db"
    for stale in out.glob("bench.db*"):
        stale.unlink()
    child_load(str(database), files_cog)
    seconds, peak = child_load(str(database), files)
    rows = rows_in(files)
    figures = {"size": name, "rows": rows, "sqlite_load_s": seconds, "sqlite_rows_per_s": rows / seconds,
               "sqlite_peak_mib": peak}
    if uri:
        figures.update(neo4j_figures(uri, files_cog, files, out))
    with open_store(database) as store:
        graph, figures["projection_s"] = timed(project, store)
        _, figures["projection_arrays_s"] = timed(project_arrays, store)  # actors' kinds and ties only
        departement_graph = project(store, Scope.parse("67"))
    figures["actors"], figures["ties"] = graph.number_of_nodes(), graph.number_of_edges()
    simple = simple_graph(graph)
    with open_store(database, read_only=True) as store:  # what the CLI runs: from the store, read as arrays
        result, figures["bridges_s"] = timed(bridges_of, store, top=20)
        _, figures["profile_s"] = timed(profile_of, store)
    figures["bridges_method"] = result["betweenness"]["note"]
    _, figures["bridges_on_graph_s"] = timed(bridges, graph, top=20)  # the Python API, on a projection made
    _, sample_seconds = timed(nx.betweenness_centrality, simple, k=20, seed=1)
    figures["networkx_exact_betweenness_s"] = sample_seconds * simple.number_of_nodes() / 20
    igraph_seconds = igraph_betweenness(simple, IGRAPH_LIMIT)
    figures["igraph_exact_betweenness_s"] = igraph_seconds
    figures.update(anchors(simple))
    _, figures["profile_on_graph_s"] = timed(profile, graph)
    _, figures["gaps_s"] = timed(gaps, graph)
    nodes = sorted(graph)[:: max(1, graph.number_of_nodes() // 50)][:50]
    allies(graph, nodes[0])  # builds the candidate index once, as the first query of a session does
    times = sorted(timed(allies, graph, node)[1] for node in nodes)
    figures["allies_median_ms"] = 1000 * statistics.median(times)
    figures["allies_p90_ms"] = 1000 * times[int(len(times) * 0.9) - 1]
    figures["analyses_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process so far
    info, figures["export_departement_s"] = timed(export, departement_graph, out / "view-67.html")
    figures["export_departement_nodes"] = info["nodes"]
    figures["export_departement_aggregated"] = bool(info["notice"])
    try:
        from tests.browser import open_view, start_browser

        driver = start_browser()
        try:
            figures["view_interactive_s"] = open_view(driver, out / "view-67.html", timeout=120)
        finally:
            driver.quit()
    except BaseException as exc:  # noqa: BLE001 - a missing browser only loses this figure
        figures["view_interactive_s"] = f"not measured: {exc}"
    return figures


def table(results: list[dict]) -> str:
    lines = []
    fmt = lambda value: f"{value:,.1f}" if isinstance(value, float) else str(value)  # noqa: E731
    keys = [k for k in results[0] if k != "size"]
    lines.append("| figure | " + " | ".join(r["size"] for r in results) + " |")
    lines.append("|---|" + "---|" * len(results))
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(fmt(r.get(key)) for r in results) + " |")
    return "\n".join(lines)


def script(name: str, *argv: str) -> dict:
    """Run ``benchmarks/<name>`` (it prints its side-by-side table, then its figures as JSON)."""
    print(f"+ python3 benchmarks/{name} {' '.join(argv)}", flush=True)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *argv], capture_output=True, text=True)
    print(done.stdout.rstrip(), flush=True)
    if done.returncode:
        return {"failed": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def side_by_side(uri: str | None, france_scale: float, work: Path, france_files: Path | None = None) -> dict:
    """The loads next to what a user would otherwise run, and France from its published files."""
    figures = {"loads_100k": script("load_actors.py", "--rows", "100000"),
               "loads_1m": script("load_actors.py", "--rows", "1000000", "--no-sqlite-utils"),
               "sirene": script("sirene_stream.py", "--units", "2000000", "--keep", str(work / "sirene"))}
    if uri:
        figures["neo4j"] = script("neo4j_load.py", "--uri", uri)
    folder = france_files or work / f"france-{france_scale}"
    bridges = ["--bridges"] if france_scale >= 1 else []  # below, France's own `bridges` says little
    figures["france"] = script("france.py", "--scale", str(france_scale), "--keep", str(folder), "--reuse", *bridges)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["departement", "region", "france"],
                        choices=list(SIZES) + ["france"])
    parser.add_argument("--france-scale", type=float, default=0.1,
                        help="the france size: the share of France's published files written and loaded")
    parser.add_argument("--cog", type=Path)
    parser.add_argument("--france-files", type=Path,
                        help="where France's published files are written, or read when a run at that scale wrote them")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "maillage-bench")
    parser.add_argument("--json", type=Path, default=Path("benchmark-results.json"))
    parser.add_argument("--no-neo4j", action="store_true")
    args = parser.parse_args()
    cog = fetch_cog(args.cog)
    uri, server = os.environ.get("NEO4J_URI"), None
    if not uri and not args.no_neo4j:
        from tests.neo4j_server import DevServer

        server = DevServer()
        uri = server.start()
    try:
        results = [measure(name, SIZES[name], cog, args.work, uri) for name in args.sizes if name != "france"]
        others = side_by_side(uri, args.france_scale, args.work, args.france_files) if "france" in args.sizes else {}
    finally:
        if server:
            server.stop()
    if results:
        print(table(results))
    print(f"machine: {os.cpu_count()} cores; peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    args.json.write_text(json.dumps({"sizes": results, **others}, indent=1, default=str))


if __name__ == "__main__":
    main()

"""Benchmark: export time, file size and time until the view is interactive in headless Chromium.

Usage: python benchmarks/html_view.py [--actors 5000] [--timeout 600]
       python benchmarks/html_view.py --store STORE [--territory 67] [--no-pyvis]

With ``--store`` (for example a département or a région made by ``benchmarks/generate.py`` and
loaded), the whole chain a user runs is timed: projection, export, opening in the browser.

maillage's view ships positions computed once in Python (physics off): "interactive" is its
first complete drawing. pyvis's default page runs vis-network's physics until stabilisation
behind a loading bar: "interactive" is when the bar goes away. Both pages are written with
the JS inlined and opened from disk in the same browser, one after the other.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.synthetic import planted_ecosystem  # noqa: E402
from maillage.views import export  # noqa: E402
from tests.browser import open_view, start_browser  # noqa: E402


def pyvis_default_page(graph, path: Path) -> None:
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")  # everything else as pyvis sets it: physics on, stabilisation
    for node, data in graph.nodes(data=True):
        net.add_node(node, label=data["name"], title=data["name"])
    for source, target in {tuple(sorted(edge)) for edge in graph.edges()}:
        net.add_edge(source, target)
    net.write_html(str(path), notebook=False)


def time_pyvis(driver, path: Path, timeout: float) -> float | None:
    from selenium.common.exceptions import TimeoutException

    driver.set_script_timeout(timeout)
    driver.set_page_load_timeout(timeout)
    started = time.perf_counter()
    driver.get(path.resolve().as_uri())
    while time.perf_counter() - started < timeout:
        try:  # while physics runs the page's main thread is busy: a script may wait its turn
            if driver.execute_script("var bar = document.getElementById('loadingBar');"
                                     "return bar !== null && bar.style.opacity === '0';"):
                return time.perf_counter() - started
        except TimeoutException:
            pass
        time.sleep(0.2)
    return None


# At the initial fit: labels drawn, pairs of label boxes that overlap, share of the canvas the drawing spans.
LEGIBILITY = """
    var net = maillage.network, c = document.getElementById('graph'), l = 1e9, t = 1e9, r = -1e9, b = -1e9;
    maillage.nodes.get().forEach(function (n) {
      var p = net.canvasToDOM(net.getPositions([n.id])[n.id]);
      l = Math.min(l, p.x); t = Math.min(t, p.y); r = Math.max(r, p.x); b = Math.max(b, p.y);
    });
    var shown = window.maillageLabelBoxes, ids = Object.keys(shown), discs = window.maillageNodeBoxes, overlaps = 0, crossing = 0;
    for (var i = 0; i < ids.length; i++) {
      var p = shown[ids[i]];
      for (var j = i + 1; j < ids.length; j++) { var q = shown[ids[j]]; if (p.l < q.r && q.l < p.r && p.t < q.b && q.t < p.b) overlaps++; }
      discs.forEach(function (d) { if (d.id !== ids[i] && p.l < d.r && d.l < p.r && p.t < d.b && d.t < p.b) crossing++; });
    }
    return {nodes: maillage.nodes.length, labels: ids.length, overlaps: overlaps, crossing: crossing,
            fill: Math.max((r - l) / c.clientWidth, (b - t) / c.clientHeight), first: maillage.drawn().kind,
            heading: document.getElementById('counts').textContent};"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--store", help="Export this store's ecosystem instead of a synthetic one.")
    parser.add_argument("--territory", help="With --store: only this territory.")
    parser.add_argument("--no-pyvis", action="store_true", help="Skip pyvis's default page (hours on big graphs).")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="maillage-html-"))
    started = time.perf_counter()
    if args.store:
        from maillage.graph import open_store
        from maillage.graph.projection import Scope, project

        with open_store(args.store, read_only=True) as store:
            graph = project(store, Scope.parse(args.territory))
    else:
        graph = planted_ecosystem(args.actors, years=range(2015, 2025), ties_per_year=args.actors // 8, seed=1)
    projected = time.perf_counter() - started
    started = time.perf_counter()
    info = export(graph, folder / "maillage.html", at="2026-11-26")
    written = time.perf_counter() - started
    if not args.no_pyvis:
        pyvis_default_page(graph, folder / "pyvis.html")
    driver = start_browser()
    try:
        ours = open_view(driver, folder / "maillage.html", timeout=args.timeout)
        ready_ms = driver.execute_script("return window.maillageReadyMs")
        legibility = driver.execute_script(LEGIBILITY)
        mapped = None
        if driver.execute_script("return maillage.data.map !== null"):  # the map mode: switched to, drawn, timed
            switched = time.perf_counter()
            driver.execute_script("maillage.setMode('map'); return maillage.drawn().kind")
            mapped = {"seconds": time.perf_counter() - switched,
                      "drawn": driver.execute_script("var d = maillage.drawn(); return [d.kind, d.ids.length]"),
                      "communes": driver.execute_script("return maillage.data.map.communes.code.length"),
                      "counts": driver.execute_script("return document.getElementById('counts').textContent")}
        theirs = None if args.no_pyvis else time_pyvis(driver, folder / "pyvis.html", args.timeout)
    finally:
        driver.quit()
    print(f"{info['nodes']:,} actors, {info['edges']:,} ties, {info['groups']:,} groups; projection {projected:.1f} s, "
          f"maillage export (groups, layouts, page) {written:.1f} s, "
          f"{(folder / 'maillage.html').stat().st_size / 2**20:.1f} MiB")
    print(f"first screen: {legibility['nodes']} {legibility['first']}, {legibility['labels']} labels, "
          f"{legibility['overlaps']} overlapping another, {legibility['crossing']} crossing a node, drawing spans {legibility['fill']:.0%} of the canvas; "
          f"« {legibility['heading']} »")
    if mapped:
        print(f"map mode: {mapped['communes']:,} communes outlined, {mapped['drawn'][1]:,} {mapped['drawn'][0]} drawn, "
              f"switch and first map drawing {mapped['seconds']:.2f} s; « {mapped['counts']} »")
    print(f"{'view':24}{'interactive after':>20}")
    print(f"{'maillage':24}{ours:>18.1f} s   (first drawing at {ready_ms / 1000:.1f} s after navigation)")
    if not args.no_pyvis:
        print(f"{'pyvis defaults':24}" + (f"{theirs:>18.1f} s" if theirs is not None else f"{'> ' + str(args.timeout):>18} s"))


if __name__ == "__main__":
    main()

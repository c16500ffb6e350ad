"""Benchmark: time until a 5,000-actor view is interactive in headless Chromium, maillage vs pyvis defaults.

Usage: python benchmarks/html_view.py [--actors 5000] [--timeout 600]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="maillage-html-"))
    graph = planted_ecosystem(args.actors, years=range(2015, 2025), ties_per_year=args.actors // 8, seed=1)
    started = time.perf_counter()
    info = export(graph, folder / "maillage.html")
    written = time.perf_counter() - started
    pyvis_default_page(graph, folder / "pyvis.html")
    driver = start_browser()
    try:
        ours = open_view(driver, folder / "maillage.html", timeout=args.timeout)
        ready_ms = driver.execute_script("return window.maillageReadyMs")
        theirs = time_pyvis(driver, folder / "pyvis.html", args.timeout)
    finally:
        driver.quit()
    print(f"{info['nodes']:,} actors, {info['edges']:,} ties; maillage export (layout + page) {written:.1f} s, "
          f"{(folder / 'maillage.html').stat().st_size / 2**20:.1f} MiB")
    print(f"{'view':24}{'interactive after':>20}")
    print(f"{'maillage':24}{ours:>18.1f} s   (first drawing at {ready_ms / 1000:.1f} s after navigation)")
    print(f"{'pyvis defaults':24}" + (f"{theirs:>18.1f} s" if theirs is not None else f"{'> ' + str(args.timeout):>18} s"))


if __name__ == "__main__":
    main()

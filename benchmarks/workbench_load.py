"""Benchmark: the workbench under load — p50/p95 latency of the actor and need pages.

Usage: python benchmarks/workbench_load.py --store STORE [--requests 2000] [--clients 20]
                                           [--actors 200] [--seed 7]

Starts ``maillage serve`` on 127.0.0.1 in a subprocess (as a user would), waits until it
answers, warms nothing, then sends ``--requests`` GET requests from ``--clients`` concurrent
clients (threads, keep-alive connections): actor pages of ``--actors`` actors drawn at random
(seeded) and the need pages of the store's open needs, three actor pages for one need page.
Each page's first request computes its answer (allies, proposals) and later ones reuse it
until the store changes: the report gives first requests and repeated ones apart.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maillage.graph import open_store  # noqa: E402
from maillage.graph.projection import Scope, project  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pages(store: str, actors: int, seed: int) -> tuple[list[str], list[str]]:
    with open_store(store, read_only=True) as source:
        graph = project(source, Scope.parse(None, None))
    rng = random.Random(seed)
    chosen = rng.sample(sorted(graph, key=str), min(actors, graph.number_of_nodes()))
    needs = [n["id"] for n in graph.graph.get("needs", []) if n.get("status", "open") == "open"]
    needs = rng.sample(needs, min(len(needs), max(1, actors // 3)))
    return [f"/actors/{quote(a)}" for a in chosen], [f"/needs/{quote(n)}" for n in needs]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    actor_pages, need_pages = _pages(args.store, args.actors, args.seed)
    rng = random.Random(args.seed)
    plan = [(kind, rng.choice(actor_pages if kind == "actor" else need_pages))
            for kind in rng.choices(["actor", "actor", "actor", "need"], k=args.requests)]
    port = _free_port()
    token = secrets.token_urlsafe(24)  # the workbench always wants a secret: the clients send it as a script would
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "maillage.cli", "serve", "--store", args.store,
                               "--port", str(port)], env=dict(os.environ, PYTHONUNBUFFERED="1", MAILLAGE_TOKEN=token),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                connection.request("GET", "/static/style.css")
                connection.getresponse().read()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(server.stderr.read().decode())
                time.sleep(0.2)
        ready = time.perf_counter() - started
        seen, lock, results = set(), threading.Lock(), []
        queue = list(enumerate(plan))

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            while True:
                with lock:
                    if not queue:
                        return
                    _index, (kind, path) = queue.pop()
                    first = path not in seen
                    seen.add(path)
                began = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
                with lock:
                    results.append((kind, first, response.status, elapsed))

        began = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(30)
    report = {"store": args.store, "requests": len(results), "clients": args.clients,
              "distinct_actor_pages": len(actor_pages), "distinct_need_pages": len(need_pages),
              "server_ready_s": round(ready, 2), "wall_s": round(wall, 2),
              "requests_per_s": round(len(results) / wall, 1),
              "errors": sum(1 for r in results if r[2] != 200), "pages": {}}
    for kind in ("actor", "need"):
        for label, chosen in (("all", None), ("first", True), ("repeated", False)):
            times = [r[3] * 1000 for r in results if r[0] == kind and (chosen is None or r[1] == chosen)]
            if times:
                report["pages"][f"{kind}/{label}"] = {
                    "n": len(times), "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(_percentile(times, 0.95), 1), "max_ms": round(max(times), 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

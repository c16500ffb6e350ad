"""The analyses' statistics say what they know: interval coverage, brokerage calibration, ties, determinism."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import networkx as nx
import pytest

from maillage.queries.structure import betweenness
from maillage.synthetic import planted_ecosystem

NETWORKS = Path(__file__).parent / "fixtures" / "networks"


def _wormnet() -> nx.Graph:
    with gzip.open(NETWORKS / "WormNet.v3.benchmark.txt.gz", "rt") as handle:
        return nx.parse_edgelist(handle, data=False)


GRAPHS = {
    "clustered power-law (5 000)": lambda: nx.powerlaw_cluster_graph(5000, 3, 0.3, seed=11),
    "synthetic ecosystem (3 000)": lambda: nx.Graph(planted_ecosystem(3000, seed=5)),
    "WormNet v3, real (2 445)": _wormnet,
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_sampled_betweenness_intervals_cover_the_exact_values(name):
    """Over 5 seeds, the stated 95 % intervals contain the exact value for ≥ 93 % of the top 50 and of all actors."""
    graph = GRAPHS[name]()
    assert 2000 <= graph.number_of_nodes() <= 10_000
    exact = betweenness(graph)["values"]
    top = sorted(graph, key=lambda v: (-exact[v], str(v)))[:50]
    inside_top, inside_all, runs = 0, 0, 5
    for seed in range(runs):
        sampled = betweenness(graph, error=0.02, confidence=0.95, seed=seed, force_sampling=True)
        assert sampled["method"] == "sampled" and sampled["error"] == pytest.approx(0.02 * 1.001, rel=0.01)
        inside = {v for v, (low, high) in sampled["interval"].items() if low - 1e-12 <= exact[v] <= high + 1e-12}
        inside_top += sum(v in inside for v in top)
        inside_all += len(inside)
    coverage_top, coverage_all = inside_top / (50 * runs), inside_all / (graph.number_of_nodes() * runs)
    print(f"{name}: coverage top 50 {coverage_top:.3f}, all {coverage_all:.3f}")
    assert coverage_top >= 0.93 and coverage_all >= 0.93


def test_sampling_errors_stay_within_the_stated_error_and_exact_is_used_when_cheaper():
    graph = nx.powerlaw_cluster_graph(600, 3, 0.3, seed=3)
    assert betweenness(graph, error=0.01)["method"] == "exact"  # 39 979 pairs would cost more than 600 sources
    exact = betweenness(graph)["values"]
    sampled = betweenness(graph, error=0.05, seed=1, force_sampling=True)
    assert max(abs(sampled["values"][v] - exact[v]) for v in graph) <= sampled["error"]
    assert betweenness(graph, error=0.05, seed=1, force_sampling=True) == sampled  # seeded: the same answer
    reference = nx.betweenness_centrality(graph)
    assert max(abs(exact[v] - reference[v]) for v in graph) < 1e-9

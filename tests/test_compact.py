"""The compact form against NetworkX: the analyses that run on arrays give NetworkX's answers."""

import itertools
import math
import random

import networkx as nx
import pytest

from maillage.queries.brokerage import ROLES, brokerage_roles
from maillage.queries.common import simple_graph
from maillage.queries.compact import compact, two_paths_closed
from maillage.queries.profile import communities
from maillage.queries.structure import structural_holes
from maillage.synthetic import planted_ecosystem

from .generated_files import write_ecosystem


def _generated(seed: int) -> nx.Graph:
    return simple_graph(planted_ecosystem(600, seed=seed))


def _shuffled(graph: nx.Graph, seed: int) -> nx.Graph:
    """The same graph built in another order (nodes and ties shuffled, ties written either way)."""
    rng = random.Random(seed)
    nodes, edges = list(graph.nodes(data=True)), [(v, u) if rng.random() < 0.5 else (u, v) for u, v in graph.edges()]
    rng.shuffle(nodes), rng.shuffle(edges)
    other = nx.Graph()
    other.add_nodes_from(nodes)
    other.add_edges_from(edges)
    return other


def _roles_by_hand(graph: nx.Graph, v) -> dict:
    """Open pairs {a, c} around v by role, enumerated pair by pair."""
    counts = dict.fromkeys(ROLES, 0)
    kind = graph.nodes[v]["kind"]
    for a, c in itertools.combinations(sorted(set(graph[v]) - {v}, key=str), 2):
        if graph.has_edge(a, c):
            continue
        ka, kc = graph.nodes[a]["kind"], graph.nodes[c]["kind"]
        role = ("coordinator" if ka == kc == kind else "itinerant" if ka == kc else
                "gatekeeper" if kind in (ka, kc) else "liaison")
        counts[role] += 1
    return counts


@pytest.mark.parametrize("seed", [1, 2])
def test_structural_holes_and_modularity_equal_networkx_on_generated_graphs(seed):
    graph = _generated(seed)
    holes = structural_holes(graph)
    for name, reference in (("constraint", nx.constraint(graph)), ("effective_size", nx.effective_size(graph))):
        for node, value in reference.items():
            if math.isnan(value):
                assert math.isnan(holes[name][node])
            else:
                assert math.isclose(holes[name][node], value, abs_tol=1e-9), (name, node)
    found = communities(graph, seed=42)
    groups = {}
    for node, group in found["membership"].items():
        groups.setdefault(group, set()).add(node)
    assert found["modularity"] == round(nx.community.modularity(graph, list(groups.values())), 4)


def _real(name: str) -> nx.Graph:
    """A real network from NetworkX's collection, with kinds spread over its actors."""
    source = {"les_miserables": nx.les_miserables_graph, "karate": nx.karate_club_graph,
              "florentine": nx.florentine_families_graph}[name]()
    graph = nx.Graph()
    graph.add_edges_from(source.edges())
    kinds = ("association", "company", "collectivite")
    nx.set_node_attributes(graph, {v: kinds[i % 3] for i, v in enumerate(sorted(graph, key=str))}, "kind")
    return graph


@pytest.mark.parametrize("source", [1, 2, "les_miserables", "karate", "florentine"])
def test_closed_two_paths_and_brokerage_counts_equal_a_count_by_hand(source):
    graph = _generated(source) if isinstance(source, int) else _real(source)
    v, a, c = two_paths_closed(compact(graph), chunk=500)  # small chunks: the chunking is exercised
    assert len(v) == sum(nx.triangles(graph).values())
    nodes = compact(graph).nodes
    assert all(graph.has_edge(nodes[x], nodes[y]) and graph.has_edge(nodes[x], nodes[z]) and graph.has_edge(
        nodes[y], nodes[z]) and y < z for x, y, z in zip(v.tolist(), a.tolist(), c.tolist()))
    roles = brokerage_roles(graph, permutations=0)
    for node in sorted(graph, key=str)[::7 if isinstance(source, int) else 1]:
        assert roles[node]["counts"] == _roles_by_hand(graph, node), node


@pytest.mark.parametrize("source", [1, 2, "les_miserables", "karate"])
def test_the_compiled_permutation_rounds_count_as_the_array_passes_do(source, monkeypatch):
    """Each round of the compiled test counts what ``_Structure.counts`` counts for that round's
    labels; the rounds' totals do not depend on the number of cores the lanes ran on."""
    import numpy as np

    from maillage.queries import compiled, kernels, permutations
    from maillage.queries.brokerage import _Structure

    graph = _generated(source) if isinstance(source, int) else _real(source)
    form = compact(graph)
    kinds = sorted({graph.nodes[v]["kind"] for v in form.nodes})
    labels = np.array([kinds.index(graph.nodes[v]["kind"]) for v in form.nodes])
    groups = len(kinds)
    structure = _Structure(form)
    found = structure.counts(labels, groups)
    rounds = [np.random.default_rng(r).permutation(labels) for r in range(3)] + [labels]
    start = np.concatenate([[0], np.cumsum(structure.degree)])
    closed = np.searchsorted(structure.tv, np.arange(len(structure.brokers) + 1))
    a_at, c_at = permutations.local_positions(structure)
    for shuffled in rounds:  # each broker counted from its own and its neighbours' kinds: the same counts
        expected = structure.counts(shuffled, groups)
        for i, broker in enumerate(structure.brokers.tolist()):
            drawn = shuffled[structure.other[start[i]:start[i + 1]]].astype(np.int64)
            got = kernels.count_roles(int(shuffled[broker]), int(structure.degree[i]), drawn, closed[i], closed[i + 1],
                                      a_at, c_at, np.zeros(groups, np.int64))
            assert list(got) == expected[i].tolist(), broker
    both = permutations.permutation_rounds(structure, labels, groups, found, 40, seed=7)
    monkeypatch.setattr(compiled.os, "cpu_count", lambda: 1)
    alone = permutations.permutation_rounds(structure, labels, groups, found, 40, seed=7)
    assert both.tolist() == alone.tolist() and (both >= 1).any() and (both <= 40).all()


@pytest.mark.parametrize("source", [1, "les_miserables"])
def test_the_compiled_paths_give_what_the_array_passes_give(source, monkeypatch):
    """Triangles walked compiled equal the sparse products' sums (to rounding); brokerage's compiled
    rounds give the same counts and expectation, and p-values within the rounds' sampling error."""
    import numpy as np

    from maillage.queries import brokerage, structure

    graph = _generated(source) if isinstance(source, int) else _real(source)
    form = compact(graph)
    kinds = sorted({graph.nodes[v]["kind"] for v in form.nodes})
    labels = np.array([kinds.index(graph.nodes[v]["kind"]) for v in form.nodes])
    inverse = 1.0 / np.maximum(form.degree, 1)
    sparse_sums = structure._tie_sums(form, inverse)
    array_test = brokerage.brokerage_arrays(form, labels, len(kinds), 399, seed=3)
    monkeypatch.setattr(structure, "COMPILED_FROM", 0)
    monkeypatch.setattr(brokerage, "COMPILED_FROM", 0)
    for walked, summed in zip(structure._tie_sums(form, inverse), sparse_sums):
        assert np.allclose(walked, summed, rtol=1e-12, atol=1e-12)
    compiled_test = brokerage.brokerage_arrays(form, labels, len(kinds), 399, seed=3)
    assert compiled_test[0].tolist() == array_test[0].tolist() and np.array_equal(compiled_test[2], array_test[2])
    p = (compiled_test[1] + array_test[1]) / 2  # two seeded samples of 399 rounds: within 5 standard errors
    assert (np.abs(compiled_test[1] - array_test[1]) <= 5 * np.sqrt(2 * p * (1 - p) / 400) + 1e-9).all()


def test_the_compiled_shuffle_draws_every_permutation_alike():
    """6,000 shuffles of 4 values, each round from its own stream: each of the 24 orders about 250
    times (within 5 standard deviations: a biased or sticky shuffle is far outside)."""
    from collections import Counter

    import numpy as np

    from maillage.queries.kernels import shuffle, stream

    state, seen = np.zeros(1, np.uint64), Counter()
    for r in range(6000):
        values = np.arange(4)
        stream(11, r, state)
        shuffle(values, state)
        seen[tuple(values.tolist())] += 1
    assert len(seen) == 24 and all(abs(count - 250) <= 5 * math.sqrt(250) for count in seen.values()), seen


def test_the_streams_of_successive_rounds_are_unrelated():
    """Round r + 1's draws are not round r's shifted or repeated: no draw is shared, and the first
    draw of each round is uncorrelated with the draws of the round before."""
    import numpy as np

    from maillage.queries.kernels import stream, uniform

    state, draws = np.zeros(1, np.uint64), []
    for r in range(5000):
        stream(3, r, state)
        draws.append([uniform(state) for _ in range(3)])
    draws = np.array(draws)
    assert len(np.unique(draws)) == draws.size
    for lag in range(3):
        assert abs(np.corrcoef(draws[1:, 0], draws[:-1, lag])[0, 1]) < 0.06


def test_the_expected_brokerage_is_the_mean_over_every_permutation():
    """The exact expectation equals the mean of the counts over all 7! assignments of the kinds."""
    import numpy as np

    from maillage.queries.brokerage import _Structure, _expected

    graph = nx.Graph([(0, 1), (0, 2), (0, 3), (1, 2), (3, 4), (4, 5), (5, 6), (4, 6), (2, 5)])
    form = compact(graph)
    labels, structure = np.array([0, 0, 0, 1, 1, 2, 2]), _Structure(form)
    total = sum(structure.counts(np.array(order), 3).astype(np.float64)
                for order in itertools.permutations(labels.tolist()))
    mean = total / math.factorial(len(labels))
    assert np.allclose(_expected(structure, labels, 3), mean, rtol=0, atol=1e-12)


def test_the_compact_form_and_its_answers_do_not_depend_on_the_order_the_graph_was_built_in():
    graph = _generated(3)
    other = _shuffled(graph, 5)
    assert compact(graph).indices.tolist() == compact(other).indices.tolist()
    assert brokerage_roles(graph, permutations=49, seed=1) == brokerage_roles(other, permutations=49, seed=1)
    ours, theirs = structural_holes(graph), structural_holes(other)
    assert all(ours["constraint"][n] == theirs["constraint"][n] for n in graph if graph.degree(n))


def test_the_form_of_a_graph_simple_graph_made_is_kept_and_another_s_is_not():
    made = _generated(4)
    assert compact(made) is compact(made)
    plain = nx.path_graph(4)
    assert compact(plain) is not compact(plain)
    plain.add_edge(3, 4)  # a graph the caller may still change: never a stale form
    assert compact(plain).n == 5


def test_the_candidates_found_with_arrays_are_the_candidates_of_the_definition():
    from maillage.queries.allies import reachable, reachable_ids
    from maillage.queries.proposals import pair_context

    graph = planted_ecosystem(400, seed=6)
    rng = random.Random(2)
    for node, data in sorted(graph.nodes(data=True), key=lambda item: str(item[0])):
        draw = rng.random()
        data["epcis"] = [f"epci-{data['commune'][:4]}"] + (["epci-shared"] if draw < 0.1 else [])
        if draw > 0.95:
            data["operates_in"] = ["france"]
        if 0.5 < draw < 0.53:  # no seat at all: every actor is a candidate
            data.update(commune=None, departement=None, region=None, epcis=[])
        if 0.6 < draw < 0.65:
            data["themes"] = []
    simple, context = simple_graph(graph), pair_context(graph)
    for node in sorted(graph, key=str)[::3]:
        data = simple.nodes[node]
        wanted, offered = set(data.get("seeks") or []), set(data.get("offers") or [])
        for reach in ("commune", "epci", "departement", "region"):
            expected = sorted(context.index[n] for n in reachable(simple, node, wanted, offered, reach))
            assert reachable_ids(simple, context, node, reach).tolist() == expected, (node, reach)


@pytest.mark.parametrize("source", [1, 2, "les_miserables", "karate", "florentine"])
def test_the_diameter_bound_of_the_searches_run_together_is_the_bound_of_the_searches_one_by_one(source):
    from maillage.queries.structure import diameter_bound, vertex_diameter_bound

    graph = _generated(source) if isinstance(source, int) else _real(source)
    graph.add_nodes_from(["lone-1", "lone-2"])  # components of one actor too
    graph.add_edges_from([("pair-a", "pair-b"), ("path-a", "path-b"), ("path-b", "path-c")])
    form = compact(graph)
    assert diameter_bound(form) == vertex_diameter_bound(form.adjacency_lists())


@pytest.mark.parametrize("seed", [5, 6])
def test_the_arrays_read_from_a_store_are_the_form_of_its_projection(tmp_path, seed):
    """A generated ecosystem written as files (repeated ties, both ways, some ended), loaded, and
    projected both ways: the arrays' form is the simple graph's form for every scope."""
    from maillage.graph import open_store
    from maillage.graph.arrays import project_arrays
    from maillage.graph.projection import Scope, project
    from maillage.loaders.pipeline import load_files
    from maillage.queries.compact import from_arrays

    with open_store(tmp_path / "m.db") as store:
        load_files(store, write_ecosystem(tmp_path, seed, 400))
        for scope in (Scope(), Scope.parse("67"), Scope.parse("68", at="2016-01-01"),
                      Scope.parse(kinds=["association", "company"], partnership_kinds=["subvention"])):
            expected, got = compact(simple_graph(project(store, scope))), from_arrays(project_arrays(store, scope))
            assert got.nodes == expected.nodes and got.degree.sum() > 0
            assert got.indptr.tolist() == expected.indptr.tolist() and got.indices.tolist() == expected.indices.tolist()


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_cut_points_are_the_walk_in_python(seed):
    """Trees, sparse random graphs (many pieces) and a generated ecosystem: the same points, pieces
    and bridges, and the Python walk's points are NetworkX's articulation points."""
    from maillage.queries.structure import cut_points_arrays

    rng = random.Random(seed)
    graphs = [nx.random_labeled_tree(rng.randint(2, 60), seed=seed), _generated(seed) if seed < 2 else _real("karate"),
              nx.gnm_random_graph(rng.randint(20, 300), rng.randint(10, 320), seed=seed)]
    for graph in graphs:
        form = compact(graph)
        walked, compiled = cut_points_arrays(form, compiled=False), cut_points_arrays(form, compiled=True)
        assert {key: value.tolist() for key, value in compiled.items()} == {key: value.tolist() for key, value in walked.items()}
        assert {form.nodes[v] for v in walked["pieces"].nonzero()[0]} == set(nx.articulation_points(graph))
        assert {frozenset((form.nodes[u], form.nodes[v])) for u, v, _cut in walked["bridges"].tolist()} == {
            frozenset(ends) for ends in nx.bridges(graph)}

"""The analyses: measures against hand-computed and published values, and the answers on the examples."""

import math
import random

import networkx as nx
import pytest

from maillage.errors import NotFoundError
from maillage.graph.projection import project
from maillage.loaders.pipeline import load_files
from maillage.queries import allies, bridges, evaluate, gaps, profile
from maillage.queries.brokerage import brokerage_roles
from maillage.queries.structure import betweenness, cut_points, structural_holes
from maillage.synthetic import planted_ecosystem

CLASSICS = [nx.karate_club_graph, nx.florentine_families_graph, nx.les_miserables_graph]


def plain(graph):
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from(graph.edges())
    return simple


def test_betweenness_published_values():
    # Zachary's karate club: the instructor (0) and the president (33), as published and in NetworkX
    karate = betweenness(plain(nx.karate_club_graph()))["values"]
    assert round(karate[0], 4) == 0.4376 and round(karate[33], 4) == 0.3041
    # Padgett's Florentine families: the Medici broker most (0.522)
    assert round(betweenness(plain(nx.florentine_families_graph()))["values"]["Medici"], 3) == 0.522


@pytest.mark.parametrize("make", CLASSICS)
def test_betweenness_and_holes_match_networkx(make):
    graph = plain(make())
    ours = betweenness(graph)["values"]
    assert all(math.isclose(ours[n], value, abs_tol=1e-12) for n, value in nx.betweenness_centrality(graph).items())
    holes = structural_holes(graph)
    for name, reference in (("constraint", nx.constraint(graph)), ("effective_size", nx.effective_size(graph))):
        assert all(math.isclose(holes[name][n], value, abs_tol=1e-12) for n, value in reference.items())


def test_structural_holes_by_hand():
    # a star's centre: constraint = deg * (1/deg)^2 = 1/3; a triangle corner: (1/2 + 1/4)^2 * 2 = 1.125
    assert math.isclose(structural_holes(nx.star_graph(3))["constraint"][0], 1 / 3)
    triangle = structural_holes(nx.complete_graph(3))
    assert math.isclose(triangle["constraint"][0], 1.125) and triangle["effective_size"][0] == 1.0


def test_sampled_betweenness_narrows_with_the_error_asked():
    graph = nx.barabasi_albert_graph(600, 2, seed=3)
    exact = nx.betweenness_centrality(graph)
    loose = betweenness(graph, error=0.05, seed=1, force_sampling=True)
    tight = betweenness(graph, error=0.005, seed=1, force_sampling=True)
    # KADABRA stops as soon as its bound holds: a tighter error takes more samples, not 1/ε² more
    assert tight["samples"] > loose["samples"] and tight["error"] < loose["error"]
    assert loose["estimator"] == tight["estimator"] == "kadabra"
    for result in (loose, tight):  # the guarantee: every actor within the error (here, in this run)
        assert all(low <= exact[v] + 1e-12 and exact[v] <= high + 1e-12 for v, (low, high) in result["interval"].items())
    central = sorted(graph, key=exact.get, reverse=True)[:10]
    assert len(set(sorted(graph, key=tight["values"].get, reverse=True)[:10]) & set(central)) >= 8


def test_cut_points_against_removal():
    graph = nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4), (4, 5), (5, 6), (6, 4), (4, 7), (8, 9)])
    found = cut_points(graph)
    assert found["articulation_points"] == {3: {"cuts_off": 2, "pieces": 2}, 4: {"cuts_off": 3, "pieces": 3}}
    assert found["bridges"] == {(3, 4): 3, (4, 7): 1, (8, 9): 1}
    for seed in range(5):
        random_graph = nx.gnm_random_graph(60, 70, seed=seed)
        found = cut_points(random_graph)
        assert set(found["articulation_points"]) == set(nx.articulation_points(random_graph))
        for v, info in found["articulation_points"].items():
            component = nx.node_connected_component(random_graph, v) - {v}
            pieces = [len(c) for c in nx.connected_components(random_graph.subgraph(component))]
            assert info == {"cuts_off": len(component) - max(pieces), "pieces": len(pieces)}


def kinds(graph, mapping):
    nx.set_node_attributes(graph, mapping, "kind")
    return graph


def test_brokerage_roles_by_hand():
    # v brokers a1–a2 (both associations: v, a company, is itinerant), a1–c (representative one way,
    # gatekeeper the other) … a2 and c are tied, so a2–v–c is closed and not brokerage.
    graph = kinds(nx.Graph([("v", "a1"), ("v", "a2"), ("v", "c"), ("v", "k"), ("a2", "c")]),
                  {"v": "company", "a1": "association", "a2": "association", "c": "company", "k": "collectivite"})
    counts = brokerage_roles(graph)["v"]["counts"]
    # open pairs, each once: a1-a2 (itinerant), a1-c (gatekeeper: v shares c's kind), a1-k (liaison),
    # a2-k (liaison), c-k (gatekeeper)
    assert counts == {"coordinator": 0, "itinerant": 1, "gatekeeper": 2, "liaison": 2}
    assert brokerage_roles(graph)["v"]["open_two_paths"] == 5


def test_brokerage_expectation_is_the_mean_over_shuffled_kinds():
    graph = nx.barabasi_albert_graph(150, 2, seed=5)
    labels = ["association"] * 70 + ["company"] * 60 + ["collectivite"] * 20
    kinds(graph, dict(zip(graph, labels)))
    expected = brokerage_roles(graph, permutations=400, seed=3)[0]["expected"]
    rng, totals = random.Random(0), {role: 0 for role in expected}
    for _ in range(400):  # every actor's kind shuffled, sizes kept
        shuffled = list(labels)
        rng.shuffle(shuffled)
        counts = brokerage_roles(kinds(graph.copy(), dict(zip(graph, shuffled))), permutations=0)[0]["counts"]
        for role in totals:
            totals[role] += counts[role] / 400
    for role, value in expected.items():
        assert abs(totals[role] - value) <= 0.1 * max(value, 5), role


@pytest.fixture
def examples(store, example_files):
    load_files(store, example_files)
    return project(store)


def test_gaps_bridges_the_food_banks_to_a_software_provider_through_the_departement(examples):
    need = next(n for n in gaps(examples)["needs"] if n["id"] == "ba67-tracabilite")
    best = need["proposals"][0]
    assert set(examples.nodes[best["provider"]]["offers"]) & {"software", "skills"}
    assert "cd67" in [i["id"] for i in best["introducers"]]
    assert any("Conseil départemental du Bas-Rhin" in reason for reason in best["reasons"])


def test_bridges_on_the_examples(examples):
    result = bridges(examples, top=30)
    assert result["betweenness"]["method"] == "exact"
    assert len(result["ranking"]) == examples.number_of_nodes()
    top = result["ranking"][0]
    assert top["score"] >= result["ranking"][-1]["score"] and top["reasons"]
    charenton = next(p for p in result["articulation_points"] if p["id"] == "cc-charenton-saint-maurice")
    assert charenton["cuts_off"] >= 1


def test_allies_explains_every_row_and_names_introducers(examples):
    result = allies(examples, "Banque Alimentaire du Bas-Rhin", need="ba67-tracabilite", top=10)
    assert result["actor"]["id"] == "banques-alimentaires-67" and result["allies"]
    assert all(row["reasons"] for row in result["allies"])
    linked = set(examples["banques-alimentaires-67"])
    assert not linked & {row["id"] for row in result["allies"]}
    for row in result["allies"]:
        assert {i["id"] for i in row["introducers"]} <= linked & set(examples[row["id"]])


def test_allies_unknown_and_ambiguous_names(examples):
    with pytest.raises(NotFoundError, match=r"no actor 'Banque Alimentiare du Bas-Rhin' in this scope\. "
                                            r"Did you mean: Banque Alimentaire du Bas-Rhin"):
        allies(examples, "Banque Alimentiare du Bas-Rhin")
    with pytest.raises(NotFoundError, match=r"'Bas-Rhin' matches 2 actors: .*Give an id"):
        allies(examples, "Bas-Rhin")


def test_profile_of_the_bas_rhin(examples):
    result = profile(examples)
    assert result["actors"] == 23 and sum(result["actors_by_kind"].values()) == 23
    assert result["communities"]["method"] == "louvain" and result["communities"]["count"] >= 2
    assert profile(examples)["communities"] == result["communities"]  # seeded: same groups every time
    assert {n["id"] for n in result["open_needs"]} >= {"ba67-tracabilite"}


def test_evaluate_on_the_planted_world_ranks_with_its_own_history_and_states_intervals():
    graph = planted_ecosystem(300, seed=11)
    fold = evaluate(graph, "2021-01-01", k=10, bootstrap=200)["folds"][0]
    assert fold["status"] == "ok" and fold["queries"] == fold["queries_with_new_ties"] > 30  # every query asked
    assert fold["ranker"]["source"] == "store"  # enough history: trained on the folds before the cut-off
    ours, chance = fold["methods"]["maillage"], fold["methods"]["random"]
    for measure in ("precision", "mrr", "auc"):
        assert ours[measure]["low"] <= ours[measure]["mean"] <= ours[measure]["high"]
        assert ours[measure]["low"] > chance[measure]["high"], measure
    assert 0.4 <= chance["auc"]["mean"] <= 0.6
    assert fold["differences"]["random"]["mrr"]["excludes_0"]

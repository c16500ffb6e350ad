"""The backtest's protocol on graphs with known answers, the learned ranking, --fit, honest reasons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.queries import allies, evaluate
from maillage.queries.pairfeatures import FEATURES, PairContext
from maillage.queries.ranking import Ranker, training_rows

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CN = Ranker("index", "common_neighbours", "store")


def _world() -> nx.MultiGraph:
    """A path a-b-c-d-e before 2015, then a-c (two steps) and a-e (four steps) from 2015 on."""
    graph = nx.MultiGraph()
    graph.add_edges_from([(u, v, {"start": "2010-01-01"}) for u, v in ("ab", "bc", "cd", "de")])
    graph.add_edges_from([("a", "c", {"start": "2016-01-01"}), ("a", "e", {"start": "2016-01-01"})])
    return graph


def test_the_protocol_on_a_small_graph_gives_the_ranks_worked_out_by_hand():
    fold = evaluate(_world(), "2015-01-01", k=1, bootstrap=50, ranker=CN)["folds"][0]
    assert (fold["new_pairs"], fold["renewed_pairs"], fold["queries"]) == (2, 0, 3)  # a, c and e asked
    # a ranks its non-partners c, d, e by common neighbours: c (1), then d and e (0, ties by id): c first, e third
    # c ranks a (1) and e (1) — a first by id; e ranks a (0), b (0), c (1): c first, a second
    cells = fold["methods"]["common_neighbours"]
    assert cells["mrr"]["mean"] == pytest.approx((1 + 1 + 1 / 2) / 3, abs=1e-4)
    assert cells["precision"]["mean"] == pytest.approx((1 + 1 + 0) / 3, abs=1e-4)
    # AUC of a: positives c (1) and e (0) against its one negative d (0): (1 + 0.5) / 2
    # of c: positive a (1) against negatives ... none but e, which is also a positive → only b is its partner
    assert cells["auc"]["n"] == 3
    assert fold["methods"]["maillage"] == cells  # the ranker given ranks as maillage


def test_hard_negatives_are_the_non_partners_two_steps_away():
    graph = _world()
    context = PairContext(graph, "2015-01-01")
    index = context.index
    future = {index["a"]: {index["e"]}}
    x, y, groups = training_rows(context, future, np.random.default_rng(0))
    assert groups == [3] and list(y) == [1, 0, 0]  # e; then c (two steps, hard) and d
    distance = FEATURES.index("distance")
    assert sorted(x[1:, distance].tolist()) == [2.0, 3.0]
    fold = evaluate(graph, "2015-01-01", bootstrap=20, ranker=CN)["folds"][0]
    assert fold["methods"]["common_neighbours"]["auc_hard"]["n"] >= 1


def test_a_fold_without_new_ties_is_said_plainly_with_cut_offs_to_try(tmp_path):
    store = tmp_path / "m.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "--store", str(store), *map(str, sorted(EXAMPLES.glob("*.csv")))]).exit_code == 0
    result = runner.invoke(cli, ["evaluate", "--store", str(store), "--before", "2020-01-01"])
    assert result.exit_code == 0, result.output
    assert "Too few actors formed a new tie after 1 January 2020" in result.output
    assert "allow: 1 January 2015 (--before 2015-01-01) and 1 June 2015 (--before 2015-06-01)." in result.output


def _evaluate_json(store: Path, seed: str) -> str:
    environment = dict(os.environ, PYTHONHASHSEED=seed, MAILLAGE_LANG="en")
    return subprocess.run([sys.executable, "-m", "maillage.cli", "evaluate", "--store", str(store), "--before",
                           "2016-01-01", "--bootstrap", "100", "--json"], capture_output=True, text=True,
                          env=environment, check=True, cwd=ROOT).stdout


def test_evaluate_json_is_byte_identical_across_hash_seeds(tmp_path):
    store = tmp_path / "m.db"
    assert CliRunner().invoke(cli, ["load", "--store", str(store),
                                    *map(str, sorted(EXAMPLES.glob("*.csv")))]).exit_code == 0
    first = _evaluate_json(store, "0")
    assert json.loads(first)["folds"][0]["status"] == "ok"
    assert _evaluate_json(store, "1") == first


def test_fit_refuses_a_ranking_worse_than_the_shipped_model_unless_forced(tmp_path, monkeypatch):
    from maillage.queries import fitting
    from maillage.synthetic import planted_ecosystem

    graph = planted_ecosystem(300, seed=5)
    class Blind(Ranker):  # ranks every candidate alike (ties by id): worse than any model that looks
        def score_features(self, x):
            return np.zeros(len(x))

    worse = Blind("index", "jaccard", "store", None, {"reason": "index_won_validation"})
    monkeypatch.setattr(fitting, "fit_ranker", lambda *args, **kwargs: worse)
    refused = fitting.fit_model(graph, ["2021-01-01"], bootstrap=200)
    assert refused["gain"]["mean"] < 0 and not refused["written"] and refused["final"] is None
    forced = fitting.fit_model(graph, ["2021-01-01"], bootstrap=200, force=True)
    assert forced["written"] and forced["forced"]
    path = tmp_path / "model.json"
    fitting.write_model(forced, path)
    assert fitting.read_model(path).name == "jaccard"


def test_a_model_file_that_is_not_one_is_an_error_naming_it(tmp_path):
    store, broken = tmp_path / "m.db", tmp_path / "broken.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "--store", str(store), *map(str, sorted(EXAMPLES.glob("*.csv")))]).exit_code == 0
    broken.write_text('{"allies": {"magic": 1}}', encoding="utf-8")
    result = runner.invoke(cli, ["allies", "IBM France", "--store", str(store), "--model", str(broken)])
    assert result.exit_code == 1 and f"{broken}: not a ranking model file" in result.output
    result = runner.invoke(cli, ["evaluate", "--store", str(store), "--before", "2015-01-01", "--force"])
    assert result.exit_code == 2 and "--force goes with --fit" in result.output


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory):
    from maillage.graph import open_store
    from maillage.graph.projection import project

    store = tmp_path_factory.mktemp("demo") / "m.db"
    assert CliRunner().invoke(cli, ["load", "--store", str(store),
                                    *map(str, sorted(EXAMPLES.glob("*.csv")))]).exit_code == 0
    with open_store(store, read_only=True) as opened:
        return project(opened)


def test_an_introduction_through_an_illustrative_tie_says_so_in_both_languages(demo_graph):
    from maillage.i18n import language

    result = allies(demo_graph, "Banque Alimentaire du Bas-Rhin", need="ba67-tracabilite")
    ibm = next(row for row in result["allies"] if row["name"] == "IBM France")
    introducer = next(i for i in ibm["introducers"] if i["id"] == "cd67")
    assert introducer["illustrative"] and any(t["illustrative"] for t in introducer["ties"])
    assert any("Conseil départemental du Bas-Rhin (illustrative tie)" in reason for reason in ibm["reasons"])
    with language("fr"):
        french = allies(demo_graph, "Banque Alimentaire du Bas-Rhin", need="ba67-tracabilite")
    ibm = next(row for row in french["allies"] if row["name"] == "IBM France")
    assert any("(lien illustratif)" in reason for reason in ibm["reasons"])


def test_a_needs_complementarity_is_the_share_of_its_resources_offered(demo_graph):
    result = allies(demo_graph, "Banque Alimentaire du Bas-Rhin", need="ba67-tracabilite")
    ibm = next(row for row in result["allies"] if row["name"] == "IBM France")
    assert ibm["score_parts"]["complementarity"] == 1.0  # IBM offers skills and software: all the need asks
    assert result["ranker"]["source"] == "default"  # the example's history is too short to train on


def test_a_gap_chain_through_an_illustrative_tie_says_so(demo_graph):
    from maillage.queries import gaps

    need = next(n for n in gaps(demo_graph)["needs"] if n["id"] == "ba67-tracabilite")
    ibm = next(p for p in need["proposals"] if p["provider_name"] == "IBM France")
    chain = next(w for w in ibm["why"] if w["code"] == "chain")
    assert chain["illustrative"] and "(through an illustrative tie)" in " ".join(ibm["reasons"])


def _providers_world(holder: str | None = "h") -> nx.MultiGraph:
    """A holder h seeking software; providers p1 (one partner), p2 (three) and p3 (two), all two steps away."""
    place = {"commune": None, "epcis": [], "departement": "67", "region": "44"}
    graph = nx.MultiGraph(areas={}, needs=[{"id": "n", "title": "Logiciel", "holder": holder, "themes": [],
                                            "resources": ["software"], "status": "open",
                                            "places": {"departement": "67"}}])
    graph.add_node("h", name="H", kind="association", themes=[], offers=[], seeks=["software"], **place)
    for node in ("m", "x", "y"):
        graph.add_node(node, name=node.upper(), kind="collectivite", themes=[], offers=[], seeks=[], **place)
    for node in ("p1", "p2", "p3"):
        graph.add_node(node, name=node.upper(), kind="company", themes=[], offers=["software"], seeks=[], **place)
    graph.add_edges_from([("h", "m"), ("m", "p1"), ("m", "p2"), ("m", "p3"), ("p2", "x"), ("p2", "y"), ("p3", "x")])
    return graph


def test_gaps_ranks_the_providers_of_a_held_need_by_the_ranking_given():
    from maillage.queries import gaps

    by_degree = Ranker("index", "degree_candidate", "store")
    result = gaps(_providers_world(), ranker=by_degree)
    need = result["needs"][0]
    assert result["ranker"]["name"] == "degree_candidate" and need["ranked_by"] == "ranking"
    assert [p["provider"] for p in need["proposals"]] == ["p2", "p3", "p1"]  # most partners first
    assert [p["score"] for p in need["proposals"]] == [1.0, 0.5, 0.0]  # share of the other providers outranked
    assert need["proposals"][0]["contributions"]["activity"] > 0  # the index is the activity part
    # the reasons come in the order of the parts that pushed the proposal up: with common neighbours
    # ranking, the introduction chain (network) comes before what the provider offers
    first = gaps(_providers_world(), ranker=CN)["needs"][0]["proposals"][0]
    assert [w["code"] for w in first["why"]] == ["chain", "offers_needed", "proximity"]
    assert [w["code"] for w in need["proposals"][0]["why"]] == ["offers_needed", "chain", "proximity"]  # equal parts: by name


def test_gaps_says_a_need_without_holder_is_scored_by_fixed_weights():
    from maillage.queries import gaps

    need = gaps(_providers_world(holder=None), ranker=CN)["needs"][0]
    assert need["ranked_by"] == "weights" and "contributions" not in need["proposals"][0]


def test_gaps_with_a_model_file_ranks_with_it_and_says_what_the_score_means(tmp_path):
    demo = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "--out", str(demo), "--lang", "en"]).exit_code == 0
    store = str(demo / "maillage.db")
    shipped = CliRunner().invoke(cli, ["--lang", "en", "gaps", "--store", store, "--need", "ba67-tracabilite",
                                       "--explain"])
    assert shipped.exit_code == 0, shipped.output
    assert "2 providers within reach, ranked by the learned ranking; a score is the share of the other providers " \
           "it outranks (1 = first)." in shipped.output
    assert "ranked by the learned ranking (the model shipped with maillage)" in shipped.output
    assert "contributions to the score:" in shipped.output
    missing = CliRunner().invoke(cli, ["gaps", "--store", store, "--model", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "nope.json" in missing.output

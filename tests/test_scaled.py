"""``bridges`` and ``profile`` read from the store as arrays give what they give of the projection."""

import json

import pytest

from maillage.graph.projection import Scope, project
from maillage.loaders.pipeline import load_files
from maillage.queries import bridges, profile
from maillage.queries.scaled import bridges_of, profile_of

from .generated_files import write_ecosystem


def _same(got: dict, expected: dict) -> None:
    """Equal as the CLI writes them (JSON), so a float that differs in its last bit shows."""
    assert json.dumps(got, ensure_ascii=False, indent=2) == json.dumps(expected, ensure_ascii=False, indent=2)


def _scopes():
    return (Scope(), Scope.parse("67"), Scope.parse("departement:67", at="2016-06-01"), Scope.parse("commune:67482"),
            Scope.parse(kinds=["association", "company"]), Scope.parse(partnership_kinds=["subvention", "initiative"]),
            Scope.parse("region:11"))


def test_the_example_s_profile_and_brokers_read_as_arrays_are_the_projection_s(store, example_files):
    """On both stores, for scopes of every sort (a territory, a date, actor and tie kinds, a territory
    without actors): the same answer, initiatives, needs and co-membership ties included."""
    load_files(store, example_files)
    for scope in _scopes():
        graph = project(store, scope)
        _same(profile_of(store, scope, top=5), profile(graph, top=5))
        _same(bridges_of(store, scope, top=30), bridges(graph, top=30))
    whole = profile_of(store)
    assert whole["co_membership_ties"] > 0 and whole["open_needs"] and whole["actors"] == store.stats()["actors"]


@pytest.mark.parametrize("seed, compiled", [(3, False), (4, True)])
def test_a_generated_ecosystem_s_profile_and_brokers_read_as_arrays_are_the_projection_s(tmp_path, monkeypatch,
                                                                                          seed, compiled):
    """Sampled betweenness, the brokerage test and cut points, in Python and compiled: the same answer."""
    from maillage.graph import open_store

    if compiled:  # the compiled measures, as beyond COMPILED_FROM actors
        for module in ("structure", "brokerage"):
            monkeypatch.setattr(f"maillage.queries.{module}.COMPILED_FROM", 0)
    with open_store(tmp_path / "m.db") as store:
        load_files(store, write_ecosystem(tmp_path, seed, 700, undated=0.1))
        for scope in (Scope(), Scope.parse("68", at="2016-01-01"), Scope.parse(partnership_kinds=["subvention"])):
            graph = project(store, scope)
            _same(profile_of(store, scope, top=8, seed=seed), profile(graph, top=8, seed=seed))
            _same(bridges_of(store, scope, top=40, error=0.05, seed=seed), bridges(graph, top=40, error=0.05, seed=seed))
        found = profile_of(store)
        assert found["partnerships_by_year"].get("undated") and found["communities"]["count"] > 1


def test_the_analyses_read_as_arrays_reject_a_missing_store():
    from maillage.errors import UsageError

    for analysis in (bridges_of, profile_of):
        with pytest.raises(UsageError, match="needs a store"):
            analysis(None)

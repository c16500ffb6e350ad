"""The store contract: every store kind must pass these (see the ``store`` fixture)."""

import pytest

from maillage.errors import DataError
from maillage.graph import ActorFilter
from maillage.graph.projection import Scope, project
from maillage.loaders.pipeline import load_files

ACTORS_WITH_BAD_ROWS = """id,name,kind,commune,siren,siret,themes,offers
a1,Association Un,association,67482,,,alimentation,volunteers
a2,Association Deux,association,67482,,,lien_social,
c1,Entreprise Un,company,67218,552118465,,numerique,software;skills
c2,Entreprise Deux,company,67043,,,numerique,skills
k1,Collectivité,collectivite,67482,,,lien_social,funding
bad,Entreprise Mauvaise,company,67482,,55211846501568,,
"""
PARTNERSHIPS_WITH_UNKNOWN = """source,target,kind,start
a1,k1,subvention,2015
siren:552118465,k1,cooperation,2016
a2,ghost,cooperation,2016
"""


def snapshot(store):
    """Everything a store holds, as plain data (a property-level diff, not only counts)."""
    everything = ActorFilter()
    return {
        "stats": store.stats(),
        "actors": [dict(row, source_file=None) for row in store.actor_rows(everything)],
        "partnerships": [dict(row, source_file=None) for row in store.partnership_rows(everything)],
        "initiatives": list(store.initiative_rows()),
        "needs": list(store.need_rows()),
        "territories": store.territories(),
    }


def test_new_store_is_empty(store):
    assert store.stats()["actors"] == 0 and store.stats()["partnerships"] == 0


def test_loading_twice_changes_nothing(store, example_files):
    load_files(store, example_files)
    first = snapshot(store)
    load_files(store, example_files)
    assert snapshot(store) == first
    assert first["stats"]["actors"] == 23 and first["stats"]["partnerships"] == 20


def test_bad_rows_abort_and_leave_store_unchanged(store, example_files, write):
    load_files(store, example_files)
    before = snapshot(store)
    actors = write("actors.csv", ACTORS_WITH_BAD_ROWS)
    partnerships = write("partnerships.csv", PARTNERSHIPS_WITH_UNKNOWN)
    with pytest.raises(DataError) as caught:
        load_files(store, [partnerships, actors])
    found = [(e.file.rsplit("/", 1)[-1], e.line, e.field) for e in caught.value.report.errors]
    assert found == [("actors.csv", 7, "siret"), ("partnerships.csv", 4, "target")]
    assert "unknown actor 'ghost'" in caught.value.report.errors[1].message
    assert caught.value.report.status == "rolled_back"
    assert snapshot(store) == before


def test_skip_loads_good_rows_and_reports_bad(store, write):
    actors = write("actors.csv", ACTORS_WITH_BAD_ROWS)
    partnerships = write("partnerships.csv", PARTNERSHIPS_WITH_UNKNOWN)
    report = load_files(store, [actors, partnerships], on_error="skip")
    assert report.status == "committed" and report.error_count == 2
    assert store.stats()["actors"] == 5 and store.stats()["partnerships"] == 2


def test_dry_run_writes_nothing(store, example_files):
    report = load_files(store, example_files, dry_run=True)
    assert report.status == "dry_run" and report.ok
    assert store.stats()["actors"] == 0


def test_same_organisation_from_two_files_is_one_actor(store, write):
    first = write("a.csv", "id,name,kind,rna\nrestos,Les Restos,association,W672001234\n")
    second = write("b.csv", "name,kind,siren,rna,themes\nLes Restos du Bas-Rhin,association,552118465,W672001234,"
                            "alimentation\n")
    third = write("p.csv", "source,target,kind\nrestos,siren:552118465,benevolat\n")
    load_files(store, [first])
    load_files(store, [second])
    actors = list(store.actor_rows(ActorFilter()))
    assert len(actors) == 1
    assert actors[0]["id"] == "rna:W672001234" and actors[0]["siren"] == "552118465"
    assert actors[0]["themes"] == ["alimentation"] and actors[0]["name"] == "Les Restos du Bas-Rhin"
    with pytest.raises(DataError, match="1 bad row; nothing was loaded"):  # a tie to itself through two of its keys
        load_files(store, [third])


def test_empty_cells_never_erase(store, write):
    load_files(store, [write("a.csv", "id,name,kind,commune,themes\nx,X,association,67482,sport\n")])
    load_files(store, [write("b.csv", "id,name,kind,commune,themes\nx,X bis,association,,\n")])
    (actor,) = store.actor_rows(ActorFilter())
    assert (actor["name"], actor["commune"], actor["themes"]) == ("X bis", "67482", ["sport"])


def test_hostile_values_are_plain_data(store, write):
    hostile = "x'}) DETACH DELETE n //"
    load_files(store, [write("a.csv", f'id,name,kind,`weird` key\nh,"{hostile}",association,"1"\n'
                                      "o,Other,company,\n")])
    actors = {row["id"]: row for row in store.actor_rows(ActorFilter())}
    assert actors["h"]["name"] == hostile and actors["h"]["extra"] == {"`weird` key": "1"}
    assert store.stats()["actors"] == 2


def test_projection_scopes(store, example_files):
    load_files(store, example_files)
    whole = project(store)
    assert whole.number_of_nodes() == 23
    bas_rhin = project(store, Scope.parse("67"))
    assert set(bas_rhin) >= {"banques-alimentaires-67", "cd67", "atelier-inclusion-numerique-bischheim"}
    assert "siren:552118465" not in bas_rhin
    ems = project(store, Scope.parse("epci:246700488"))
    assert set(ems) == {n for n in bas_rhin}  # every Bas-Rhin actor of the examples sits in the metropolis
    assert set(project(store, Scope.parse("region:11"))) >= {"siren:552118465", "cc-charenton-saint-maurice"}
    assert set(project(store, Scope.parse("94069"))) == {"siren:219400694", "entreprise-agence-bancaire-94"}
    companies = project(store, Scope.parse(kinds=["company"]))
    assert {d["kind"] for _, d in companies.nodes(data=True)} == {"company"}


def test_projection_at_a_date(store, example_files):
    load_files(store, example_files)
    kinds_2014 = {key for *_, key in project(store, Scope.parse(at="2014-06-01")).edges(keys=True)}
    kinds_2016 = {key for *_, key in project(store, Scope.parse(at="2016-06-01")).edges(keys=True)}
    # the Eurométropole's 2014 grant to the grocery ended in 2014; the 2016 software sponsorship began in 2016
    grant = next(r["id"] for r in store.partnership_rows(ActorFilter()) if r["end"] == "2014-12-31"
                 or r["end"] == "2014-12-01")
    assert grant in kinds_2014 and grant not in kinds_2016


def test_state_token_changes_on_commit_only(store, example_files):
    before = store.state_token()
    load_files(store, example_files, dry_run=True)
    assert store.state_token() == before
    load_files(store, example_files)
    assert store.state_token() != before


def test_find_actors_by_key_and_name(store, example_files):
    load_files(store, example_files)
    assert [a["id"] for a in store.find_actors("siren:552118465")] == ["siren:552118465"]
    assert [a["name"] for a in store.find_actors("Banque Alimentaire")] == ["Banque Alimentaire du Bas-Rhin"]


def test_journal_entries_are_kept_in_order_and_leave_the_graph_version_alone(store, example_files):
    load_files(store, example_files)
    token = store.state_token()
    entries = [{"id": f"2026-11-2{i}T10:00:00Z-{i}", "subject": subject, "action": action, "at": f"2026-11-2{i}T10:00:00Z",
                "by": "Léa", "data": {"status": "accepted", "provider": "p", "note": "« ok » & <b>"}}
               for i, (subject, action) in enumerate([("n1", "outcome"), ("a1", "change"), ("n1", "outcome")])]
    store.append_journal(entries[:2])
    store.append_journal(entries[2:])
    assert [e["id"] for e in store.journal()] == [e["id"] for e in entries]
    assert [e["id"] for e in store.journal(subject="n1")] == [entries[0]["id"], entries[2]["id"]]
    assert [e["subject"] for e in store.journal(action="change")] == ["a1"]
    assert store.journal(subject="n1")[0]["data"] == entries[0]["data"] and store.journal()[0]["by"] == "Léa"
    assert store.state_token() == token  # the projection cached from it is still right
    rows = store.fetch_rows("actors", ["banques-alimentaires-67", "nobody"])
    assert list(rows) == ["banques-alimentaires-67"] and rows["banques-alimentaires-67"]["name"] == (
        "Banque Alimentaire du Bas-Rhin")


def test_the_columnar_path_leaves_what_the_row_path_leaves(store, write, monkeypatch):
    """Plain files go through LoadSession.write_values on each store: the store and the report
    must be what the row path gives (loaded again with the path off, which changes nothing)."""
    from maillage.loaders import columnar

    actors = write("plain.csv", "id,name,kind,commune,themes,offers,website\n" + "".join(
        f"p{i},Acteur {i},{'association' if i % 2 else 'company'},67482,emploi;sante,skills,https://e.org/{i}\n"
        for i in range(30)))
    ties = write("ties.csv", "source,target,kind,start,amount\n" + "".join(
        f"p{i},p{(i * 7 + 1) % 30},{'cooperation' if i % 3 else 'subvention'},2020-0{1 + i % 9}-01,{i}.5\n"
        for i in range(30)))
    report = load_files(store, [actors, ties])
    assert report.totals()["actors"]["created"] == 30 and report.totals()["partnerships"]["created"] == 30
    first = snapshot(store)
    monkeypatch.setattr(columnar, "ENABLED", False)
    again = load_files(store, [actors, ties])
    assert again.totals()["actors"]["unchanged"] == 30 and again.totals()["partnerships"]["unchanged"] == 30
    assert snapshot(store) == first
    keys = {row["id"]: row["keys"] for row in store.actor_rows(ActorFilter())}
    assert keys["p3"] == ["p3"] and first["actors"][0]["themes"] == ["emploi", "sante"]


def test_a_columnar_load_of_ties_finds_those_the_store_holds(store, write):
    """A second plain file of ties, half of them stored already: the stored ones are counted
    unchanged, not created (the store held ties as the load began, so each is looked up)."""
    actors = write("plain.csv", "id,name,kind\n" + "".join(f"p{i},Acteur {i},association\n" for i in range(40)))
    first = write("first.csv", "source,target,kind\n" + "".join(f"p{i},p{i + 1},cooperation\n" for i in range(20)))
    second = write("second.csv", "source,target,kind\n" + "".join(f"p{i},p{i + 1},cooperation\n" for i in range(10, 39)))
    load_files(store, [actors, first])
    totals = load_files(store, [second]).totals()["partnerships"]
    assert (totals["created"], totals["unchanged"]) == (19, 10)
    assert store.stats()["partnerships"] == 39


def test_legal_units_written_as_values_carry_their_siret_keys(store, tmp_path, monkeypatch):
    """SIRENE's columnar path writes new units with their SIRET keys (write_values' ``keys``) on each
    store: a second load by the row path finds every one of them unchanged."""
    from maillage.loaders import columnar

    from .opendata_files import ESTABLISHMENTS_HEADER, UNITS_HEADER, _write, seat_row, siren, siret, unit_row

    units = _write(tmp_path / "StockUniteLegale_utf8.csv", UNITS_HEADER,
                   [unit_row(siren(n), f"ENTREPRISE {n}", "5710", "62.01Z") for n in range(1, 31)])
    seats = _write(tmp_path / "StockEtablissement_utf8.csv", ESTABLISHMENTS_HEADER,
                   [seat_row(siren(n), "67482") for n in range(1, 31)])
    assert load_files(store, [units, seats]).totals()["actors"]["created"] == 30
    first = snapshot(store)
    keys = {row["id"]: row["keys"] for row in store.actor_rows(ActorFilter())}
    assert keys[f"siren:{siren(3)}"] == [f"siren:{siren(3)}", f"siret:{siret(siren(3), 12)}"]
    monkeypatch.setattr(columnar, "ENABLED", False)
    assert load_files(store, [units, seats]).totals()["actors"]["unchanged"] == 30
    assert snapshot(store) == first
    tie = tmp_path / "tie.csv"  # a SIRET written as a key names its unit
    tie.write_text(f"source,target,kind\nsiret:{siret(siren(3), 12)},siren:{siren(4)},cooperation\n")
    load_files(store, [tie])
    assert [(t["source"], t["target"]) for t in snapshot(store)["partnerships"]] == [(f"siren:{siren(3)}", f"siren:{siren(4)}")]


def test_accounts_are_kept_apart_from_the_graph(store):
    token = store.state_token()
    secret = store.shared_secret()
    assert store.accounts() == {} and len(secret) >= 32 and store.shared_secret() == secret
    store.write_account("Léa Martin", {"role": "editor", "password": "$argon2id$…"})
    store.write_account("Paul", {"role": "reader", "password": None})
    assert store.accounts() == {"Léa Martin": {"role": "editor", "password": "$argon2id$…"},
                                "Paul": {"role": "reader", "password": None}}
    store.write_account("Paul", None)
    assert list(store.accounts()) == ["Léa Martin"]
    assert store.state_token() == token  # people are no part of the graph: caches of it stay valid
    assert store.stats()["actors"] == 0


SCOPES = [Scope(), Scope.parse("67"), Scope.parse("epci:246700488"), Scope.parse("region:11"),
          Scope.parse(kinds=["company", "association"]), Scope.parse(at="2014-06-01"),
          Scope.parse("67", at="2016-06-01", partnership_kinds=["subvention", "initiative"]),
          Scope.parse(partnership_kinds=["cooperation"])]


def _scope_id(scope) -> str:
    """A test id that is the same whatever PYTHONHASHSEED (a frozenset's repr is not): xdist's
    workers must collect the same ids."""
    return "-".join(str(sorted(part) if isinstance(part, frozenset) else part)
                    for part in (scope.territory, scope.at, scope.kinds, scope.partnership_kinds))


@pytest.mark.parametrize("scope", SCOPES, ids=_scope_id)
def test_the_arrays_are_the_simple_graph_of_the_projection(store, example_files, scope):
    from maillage.graph.arrays import project_arrays
    from maillage.queries.common import simple_graph
    from maillage.queries.compact import compact, from_arrays

    load_files(store, example_files)
    expected, arrays = compact(simple_graph(project(store, scope))), project_arrays(store, scope)
    got = from_arrays(arrays)
    assert got.nodes == expected.nodes and got.indptr.tolist() == expected.indptr.tolist()
    assert got.indices.tolist() == expected.indices.tolist()
    graph = project(store, scope)
    assert [arrays.kind_names[k] for k in arrays.kinds] == [graph.nodes[v]["kind"] for v in got.nodes]


def test_the_arrays_place_ids_of_any_text_as_the_projection_does(store, write):
    """Ends are found by a binary search over the ids' UTF-8 bytes: accents, letters beyond the
    basic plane, ids that begin other ids and ids of very different lengths land where the
    projection puts them."""
    from maillage.graph.arrays import project_arrays
    from maillage.queries.common import simple_graph
    from maillage.queries.compact import compact, from_arrays

    names = ["eau", "eau-vive", "Z", "élan", "zèbre", "\U0001d538lpha", "e", "x" * 60, "Œuvre", "ea"]
    actors = write("a.csv", "id,name,kind\n" + "".join(f"{n},Acteur {i},association\n" for i, n in enumerate(names)))
    ties = [(0, 1), (1, 2), (3, 4), (5, 0), (6, 7), (7, 8), (8, 3), (9, 5), (2, 9)]
    partnerships = write("p.csv", "source,target,kind\n" + "".join(f"{names[a]},{names[b]},cooperation\n" for a, b in ties))
    load_files(store, [actors, partnerships])
    expected, got = compact(simple_graph(project(store))), from_arrays(project_arrays(store))
    assert got.nodes == expected.nodes and len(got.nodes) == len(names)
    assert got.indptr.tolist() == expected.indptr.tolist() and got.indices.tolist() == expected.indices.tolist()
    assert len(got.indices) == 2 * len(ties)


def test_actor_kinds_and_tie_ends_are_the_rows_columns(store, example_files):
    load_files(store, example_files)
    for where in (ActorFilter(), ActorFilter(departements=frozenset(["67"])),
                  ActorFilter(communes=frozenset(["94069"]), kinds=frozenset(["company"]))):
        rows = list(store.actor_rows(where))
        assert sorted(store.actor_kinds(where)) == sorted((r["id"], r["kind"]) for r in rows)
        for at, kinds in ((None, None), ("2016-06-01", None), (None, frozenset(["subvention"]))):
            ties = sorted((r["source"], r["target"]) for r in store.partnership_rows(where, at, kinds))
            assert sorted(store.tie_ends(where, at, kinds)) == ties
            assert sorted(store.tie_ends(where, at, kinds, actors={r["id"] for r in rows})) == ties
            detailed = sorted((r["source"], r["target"], r["kind"], r.get("start"))
                              for r in store.partnership_rows(where, at, kinds))
            assert sorted(store.tie_ends(where, at, kinds, details=True), key=repr) == sorted(detailed, key=repr)
            assert any(row[3] for row in detailed) or not detailed  # the example's ties are dated


def test_the_arrays_do_not_rest_on_the_order_a_store_gives_actors_in(store, example_files, monkeypatch):
    from maillage.graph.arrays import project_arrays

    load_files(store, example_files)
    expected = project_arrays(store)
    given = list(store.actor_kinds(ActorFilter()))
    monkeypatch.setattr(store, "actor_kinds", lambda where: iter(given[::-1]))
    got = project_arrays(store)
    assert got.ids == expected.ids and got.kinds.tolist() == expected.kinds.tolist()
    assert got.low.tolist() == expected.low.tolist() and got.high.tolist() == expected.high.tolist()


def test_sqlite_reads_a_territory_s_ties_by_one_seek_per_actor(tmp_path):
    """The plans of a territory's reads: never a seek per (source, target) pair of its actors."""
    import json

    from maillage.graph import open_store

    with open_store(tmp_path / "m.db") as store:
        rows = store._partnership_query(ActorFilter(departements=frozenset(["67"])), "2020-01-01", None)
        ends = ("SELECT p.source, p.target FROM partnerships p WHERE p.source IN (SELECT value FROM json_each(?))",
                [json.dumps(["a"])])
        plans = [" ".join(row[3] for row in store._db.execute("EXPLAIN QUERY PLAN " + query, args))
                 for query, args in (rows, ends)]
    assert all("(source=?)" in plan and "target=?" not in plan for plan in plans), plans


def test_an_older_sqlite_store_gets_the_covering_indexes_at_its_next_load(tmp_path, example_files):
    import sqlite3

    from maillage.graph import open_store

    with open_store(tmp_path / "m.db") as store:
        load_files(store, example_files)
        before = snapshot(store)
    old = sqlite3.connect(tmp_path / "m.db")  # the indexes a store made before 2026-12-06 had
    old.executescript("DROP INDEX actors_place; DROP INDEX partnerships_ends; "
                      "CREATE INDEX actors_commune ON actors (commune); "
                      "CREATE INDEX partnerships_source ON partnerships (source);")
    old.close()
    with open_store(tmp_path / "m.db") as store:
        indexes = {row[0] for row in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"actors_place", "partnerships_ends"} <= indexes
        assert not {"actors_commune", "partnerships_source"} & indexes
        assert snapshot(store) == before


def test_theme_counts_count_the_stored_lists(store, example_files):
    """What a community's description reads of its members: each theme as often as their lists name it."""
    from collections import Counter

    load_files(store, example_files)
    rows = list(store.actor_rows(ActorFilter()))
    for chosen in (rows, rows[::2], rows[:1], []):
        ids = [row["id"] for row in chosen]
        assert store.theme_counts(ids) == Counter(t for row in chosen for t in row["themes"] or [])
    assert sum(store.theme_counts([row["id"] for row in rows]).values()) > len(rows) / 2  # the example has themes
    assert store.theme_counts(["no such actor"]) == Counter()

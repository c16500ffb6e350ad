"""Actors and communes named as people name them (:mod:`maillage.loaders.names`), on both stores."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.errors import DataError
from maillage.graph import ActorFilter
from maillage.loaders.pipeline import load_files

COMMUNES = "code,level,name\n67482,commune,Strasbourg\n93066,commune,Saint-Denis\n97411,commune,Saint-Denis\n"
ACTORS = ("Nom;Type;Commune;SIREN\n"
          "Banque Alimentaire du Bas-Rhin;association;strasbourg;\n"
          "IBM France;entreprise;;552118465\n"
          "Emmaüs;association;St Denis (93);\n"
          "Emmaüs;association;Saint-Denis, 974;\n")
TIES = ("Acteur;Partenaire;Type;Début\n"
        "IBM France;banque alimentaire du bas rhin;mecenat_competences;2024-01-01\n")


def _actors(store) -> dict:
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_actors_without_a_key_and_ties_naming_them_by_name(store, write):
    report = load_files(store, [write("cog.csv", COMMUNES), write("a.csv", ACTORS), write("p.csv", TIES)])
    assert report.status == "committed"
    actors = _actors(store)
    assert set(actors) == {"banque-alimentaire-du-bas-rhin-67482", "siren:552118465", "emmaus-93066", "emmaus-97411"}
    assert actors["banque-alimentaire-du-bas-rhin-67482"]["commune"] == "67482"
    assert actors["emmaus-97411"]["extra"]["id_derived_from"] == "name + commune"
    [tie] = list(store.partnership_rows(ActorFilter()))
    assert (tie["source"], tie["target"]) == ("siren:552118465", "banque-alimentaire-du-bas-rhin-67482")
    again = load_files(store, [write("a.csv", ACTORS), write("p.csv", TIES)])  # the same file: the same actors
    assert set(_actors(store)) == set(actors)
    assert again.totals()["actors"]["created"] == 0


def test_a_name_several_actors_bear_is_listed_and_nothing_is_written(store, write):
    load_files(store, [write("cog.csv", COMMUNES), write("a.csv", ACTORS)])
    before = store.stats()
    with pytest.raises(DataError) as caught:
        load_files(store, [write("p.csv", "source,target,kind\nIBM France;Emmaus;cooperation\n".replace(";", ","))])
    [error] = caught.value.report.errors
    assert (error.line, error.field) == (2, "target")
    assert error.message == ("'Emmaus' names 2 actors: emmaus-93066 (Saint-Denis, 93066); emmaus-97411 "
                             "(Saint-Denis, 97411); write the one meant (its id, SIREN or SIRET)")
    assert store.stats() == before


def test_communes_by_name_need_the_departement_when_several_bear_it(store, write):
    load_files(store, [write("cog.csv", COMMUNES)])
    rows = "name,kind,commune,departement\nA,association,Saint-Denis,\nB,association,Saint-Denis,974\nC,association,Lille,\n"
    with pytest.raises(DataError) as caught:
        load_files(store, [write("a.csv", rows)])
    messages = {error.line: error.message for error in caught.value.report.errors}
    assert messages == {
        2: "'Saint-Denis' names 2 communes: Saint-Denis (93066); Saint-Denis (97411); add the département",
        4: "no commune named 'Lille' in the territories this store holds"}
    report = load_files(store, [write("a.csv", rows)], on_error="skip")  # « charger les bonnes lignes »
    assert report.status == "committed" and _actors(store)["b-97411"]["commune"] == "97411"


def test_a_commune_name_without_the_cog_says_what_to_do(tmp_path, write, monkeypatch):
    monkeypatch.setenv("MAILLAGE_LANG", "fr")
    result = CliRunner().invoke(cli, ["load", str(write("a.csv", "nom,type,commune\nA,association,Strasbourg\n")),
                                      "--store", str(tmp_path / "m.db")])
    assert result.exit_code == 1
    assert ("a.csv:2: commune: la commune 'Strasbourg' est un nom : chargez d'abord les territoires (COG), "
            "ou écrivez son code INSEE") in result.output

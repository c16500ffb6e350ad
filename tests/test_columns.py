"""An intermediary's own spreadsheet, headers as written: French names recognised, --map, errors in its columns."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store
from maillage.graph.store import ActorFilter
from maillage.loaders.columns import parse_mapping, resolve_header
from maillage.errors import UsageError


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MAILLAGE_STORE", raising=False)
    monkeypatch.setenv("MAILLAGE_LANG", "en")
    return lambda *args: CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _actors(store) -> dict:
    with open_store(store, read_only=True) as source:
        return {row["id"]: row for row in source.actor_rows(ActorFilter())}


def test_a_french_spreadsheet_loads_as_written(run, write, tmp_path):
    actors = write("structures.csv", "Nom;Type;Code INSEE;SIREN;Thèmes;Site web\n"
                                     "IBM France;Entreprise;92050;552118465;Numérique;https://www.ibm.com/fr\n"
                                     "Les Amis;Association;67482;;Alimentation;\n")
    result = run("load", actors, "--store", tmp_path / "m.db", "--dry-run")
    assert result.exit_code == 0, result.output  # Les Amis has no key: its id is derived from name and commune
    result = run("load", actors, "--store", tmp_path / "m.db")
    assert "les-amis-67482" in _actors(tmp_path / "m.db")
    (tmp_path / "m.db").unlink()
    actors = write("structures.csv", "Identifiant;Nom;Type;Code INSEE;SIREN;Thèmes\n"
                                     ";IBM France;Entreprise;92050;552118465;Numérique\n"
                                     "amis;Les Amis;Association;67482;;Alimentation\n")
    ties = write("partenariats.csv", "Structure;Partenaire;Type;Date de début;Montant\n"
                                     "amis;siren:552118465;Mécénat de compétences;01/02/2020;1 500 €\n")
    result = run("load", actors, ties, "--store", tmp_path / "m.db")
    assert result.exit_code == 0, result.output
    found = _actors(tmp_path / "m.db")
    assert found["siren:552118465"]["kind"] == "company" and found["siren:552118465"]["commune"] == "92050"
    assert found["amis"]["themes"] == ["alimentation"] and found["amis"]["kind"] == "association"
    with open_store(tmp_path / "m.db", read_only=True) as source:
        [tie] = list(source.partnership_rows(ActorFilter()))
    assert (tie["source"], tie["target"], tie["kind"], tie["start"], tie["amount"]) == (
        "amis", "siren:552118465", "mecenat_competences", "2020-02-01", 1500.0)


def test_errors_name_the_files_own_columns(run, write, tmp_path):
    actors = write("a.csv", "Nom;Type;Code INSEE;Identifiant\nLes Amis;asociation;67482;amis\n")
    result = run("load", actors, "--store", tmp_path / "m.db")
    assert result.exit_code == 1
    assert "a.csv:2: Type: unknown actor kind 'asociation' (did you mean 'association'?)" in result.output
    assert not (tmp_path / "m.db").exists()


def test_map_names_the_columns_no_alias_knows(run, write, tmp_path):
    actors = write("a.csv", "Raison;Forme;Ref\nLes Amis;association;amis\n")
    assert run("load", actors, "--store", tmp_path / "m.db").exit_code == 2  # cannot tell what it holds
    result = run("load", actors, "--store", tmp_path / "m.db", "--map", "Raison=name", "--map", "Forme=kind,Ref=id")
    assert result.exit_code == 0, result.output
    assert _actors(tmp_path / "m.db")["amis"]["name"] == "Les Amis"
    bad = run("load", actors, "--store", tmp_path / "m.db", "--map", "Raison=nom")
    assert bad.exit_code == 2 and "--map: 'nom' is no column of maillage (choose from amount," in bad.output
    bad = run("load", actors, "--store", tmp_path / "m.db", "--map", "Raison")
    assert bad.exit_code == 2 and "--map takes FILE_COLUMN=COLUMN" in bad.output


def test_json_keys_are_mapped_like_a_header(run, write, tmp_path):
    needs = write("besoins.json", json.dumps([{"Identifiant": "n1", "Titre": "Un local", "Ressources": "premises",
                                                  "Territoire": "departement:67"}]))
    result = run("load", needs, "--store", tmp_path / "m.db", "--json")
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "m.db", read_only=True) as source:
        [need] = list(source.need_rows())
    assert (need["id"], need["title"], need["resources"]) == ("n1", "Un local", ["premises"])


def test_a_missing_column_is_said_as_such_not_as_zero_bad_rows(run, write, tmp_path):
    result = run("load", write("a.csv", "Nom\nx\n"), "--store", tmp_path / "m.db", "--kind", "actors")
    assert result.exit_code == 1
    assert "a.csv:1: kind: required column is missing" in result.output
    assert "Error: 1 problem with the files (see above); nothing was loaded" in result.output
    assert "0 bad rows" not in result.output


def test_an_actors_file_without_id_column_is_checked_on_the_columnar_path_too(run, write, tmp_path):
    """It used to end in « unexpected error (KeyError: 'id') » when a row was not plain."""
    result = run("load", write("a.csv", "name,kind,commune\nAsso,assoc,67482\n"), "--store", tmp_path / "m.db")
    assert result.exit_code == 1 and "unexpected" not in result.output
    assert "a.csv:2: kind: unknown actor kind 'assoc'" in result.output


def test_resolve_header_keeps_a_files_own_maillage_columns():
    # « Type » is no alias where the file already has kind; the first of two aliases wins
    assert resolve_header(["name", "kind", "Type"]) == ("actors", ["name", "kind", "Type"], {})
    kind, header, renamed = resolve_header(["Nom", "Dénomination", "Type"])
    assert header == ["name", "Dénomination", "kind"] and renamed == {"name": "Nom", "kind": "Type"}
    with pytest.raises(UsageError):
        parse_mapping(["=name"])

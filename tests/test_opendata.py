"""Open-data loaders: the mapping of each published format, its awkward rows, and a département's worth twice."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.errors import DataError, UsageError
from maillage.graph import ActorFilter, open_store
from maillage.graph.projection import project
from maillage.loaders.pipeline import load_files
from maillage.queries import gaps

from .opendata_files import STRASBOURG_SIREN, rna, siren, write_departement, write_small
from .test_store_contract import snapshot

COG = sorted((Path(__file__).parent / "fixtures" / "cog").glob("*.json"))


@pytest.fixture
def files(tmp_path):
    return write_small(tmp_path / "opendata")


def actors(store):
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_cog_territories_hierarchy_and_collectivites(store):
    report = load_files(store, COG)
    assert report.status == "committed"
    communes = next(f for f in report.files if f.path.endswith("communes.json") and f.kind == "territories")
    assert communes.skipped == {"former commune (commune associée)": 1, "former commune (commune déléguée)": 1}
    territories = store.territories()
    assert territories["commune:67482"]["parents"] == ["departement:67", "epci:246700488"]
    assert "ept:200057941" in territories["commune:94018"]["parents"]
    assert territories["commune:75108"]["parents"] == ["commune:75056", "departement:75"]  # an arrondissement
    assert territories["departement:67"]["parents"] == ["region:44"]
    assert territories["epci:246700488"]["population"] > 0
    found = actors(store)
    assert found[f"siren:{STRASBOURG_SIREN}"]["kind"] == "collectivite"
    assert found["siren:246700488"]["operates_in"] == ["epci:246700488"]
    alsace = found["siren:200094332"]  # the Collectivité européenne d'Alsace: one actor for 67 and 68
    assert alsace["commune"] == "67482" and alsace["siren"] == "200094332"  # seated at its chef-lieu
    assert load_files(store, COG).status == "committed" and store.stats()["territories"] == 23


def test_rna_mapping_skips_and_errors(store, files):
    with pytest.raises(DataError) as caught:
        load_files(store, [files["rna"]])
    assert [(e.line, e.field) for e in caught.value.report.errors] == [(9, "titre")]
    report = load_files(store, [files["rna"], files["rna_cp1252"]], on_error="skip")
    first = report.files[0]
    assert first.skipped == {"dissolved": 2} and first.loaded == 7
    # its SIRET fails its check digit: kept as published and flagged, never used as a key
    bad = actors(store)[f"rna:{rna(7)}"]
    assert bad["siren"] is None and bad["siret"] is None
    assert bad["extra"]["identity"] == "id_unusable" and bad["extra"]["siret_published"] == "31030577700035"
    assert report.totals()["actors"]["flags"] == {"id_unusable": 1}
    found = actors(store)
    food = found[f"siren:{siren(31030577)}"]  # its SIRET gives it a SIREN, which makes its id
    assert food["rna"] == rna(1) and f"rna:{rna(1)}" in food["keys"]
    assert food["kind"] == "association" and food["themes"] == ["alimentation", "precarite"]
    assert food["extra"]["source"] == "RNA"
    assert found[f"rna:{rna(5)}"]["commune"] == "75056"  # Paris 8e → Paris
    assert found[f"rna:{rna(6)}"]["themes"] == []  # 000000: no purpose
    assert f"rna:{rna(4)}" not in found  # dissolved in 2019: skipped
    assert found[f"rna:{rna(11)}"]["name"] == "ŒUVRE D'ENTRAIDE DES FAMILLES"  # the cp1252 file
    assert "date_disso" not in food["extra"]


def test_rna_dissolved_kept_and_flagged_on_request(store, files):
    load_files(store, [files["rna"]], on_error="skip", include_dissolved=True)
    found = actors(store)
    assert found[f"rna:{rna(3)}"]["extra"]["dissolved"] == "yes"
    assert found[f"rna:{rna(4)}"]["extra"]["dissolved"] == "2019-05-03"


def test_sirene_kinds_seats_filters_and_one_actor_per_association(store, files):
    load_files(store, [files["rna"]], on_error="skip")
    report = load_files(store, [files["units"], files["establishments"]], departements=["67"])
    by_path = {Path(f.path).name: f.skipped for f in report.files}
    assert by_path[files["units"].name] == {"closed (etatAdministratifUniteLegale C)": 1,
                                            "individual entrepreneur (category 1000)": 1,
                                            "name not public (statutDiffusionUniteLegale)": 1, "outside the filter": 1}
    # the establishments file has its line in the report: each row counted where it went
    assert by_path[files["establishments"].name] == {"a head office: its commune and SIRET go on its legal unit": 7,
                                                     "an establishment that is not a head office": 1,
                                                     "outside the filter": 1}
    found = actors(store)
    food = [a for a in found.values() if a.get("rna") == rna(1)]
    assert len(food) == 1 and food[0]["siren"] == siren(31030577)  # RNA + SIRENE: one actor
    assert food[0]["themes"] == ["alimentation", "precarite"]  # the RNA purpose is kept
    software = found[f"siren:{siren(48219511)}"]
    assert (software["kind"], software["commune"], software["themes"]) == ("company", "67218", ["numerique"])
    assert software["siret"].startswith(siren(48219511))
    assert found[f"siren:{siren(64000001)}"]["kind"] == "school"
    assert found[f"siren:{STRASBOURG_SIREN}"]["kind"] == "collectivite"
    with pytest.raises(UsageError, match="need StockEtablissement"):
        load_files(store, [files["units"]], departements=["67"])


def test_scdl_subsidies_both_header_styles(store, files):
    load_files(store, COG + [])
    load_files(store, [files["rna"]], on_error="skip")
    load_files(store, [files["units"], files["establishments"]])
    before = store.stats()["partnerships"]
    report = load_files(store, [files["scdl"], files["scdl_labels"]])  # « hier » as a date loses no grant
    ties = list(store.partnership_rows(ActorFilter()))
    assert len(ties) - before == 5  # the labelled file repeats the first grant: same id, one tie
    assert report.totals()["partnerships"] == {"created": 5, "updated": 0, "unchanged": 0, "duplicates": 1,
                                               "merged": 0, "rejected": 0, "flags": {"field_unread": 1}}
    unread = next(t for t in ties if t["extra"].get("unread"))
    assert unread["source_line"] == 6 and unread["extra"]["unread"] == "dateConvention: hier"
    # a grantor without its SIRET is keyed by its name, never guessed to be the SIREN's Ville de Strasbourg
    unnamed = actors(store)["nom:VILLE DE STRASBOURG"]
    assert unnamed["siren"] is None and unnamed["extra"]["identity"] == "id_missing"
    grant = next(t for t in ties if t["description"] == "Fonctionnement")
    assert grant["source"] == f"siren:{STRASBOURG_SIREN}" and grant["amount"] == 15000.0 and grant["kind"] == "subvention"
    assert grant["target"] == f"siren:{siren(31030577)}" and grant["extra"]["referenceDecision"] == "DEL-2023-014"
    created = actors(store)[f"siren:{siren(41000002)}"]
    assert created["kind"] == "association" and created["extra"]["kind_guessed"]


def test_qpv_flags_communes_for_the_gap_analysis(store, files, example_files):
    load_files(store, example_files)
    load_files(store, [files["qpv"]])
    territories = store.territories()
    assert territories["commune:67482"]["extra"]["qpv"] == "QN06701M;QN06702M"
    assert territories["commune:67447"]["extra"]["qpv"] == "QN06703M"  # a neighbourhood over two communes
    result = gaps(project(store))
    need = next(n for n in result["needs"] if n["id"] == "hautepierre-mobilite")
    assert need["priority_areas"] == ["QN06701M", "QN06702M"]
    assert "hautepierre-mobilite" in result["summary"]["needs_in_priority_areas"]


def test_a_departement_of_all_sources_twice_gives_the_same_graph(store, tmp_path):
    paths = write_departement(tmp_path / "dep", associations=900, companies=900, grants=300)
    everything = [COG, [paths["rna"]], [paths["units"], paths["establishments"]], [paths["scdl"]]]
    for group in everything:
        load_files(store, group, departements=["67"] if group is not everything[-1] else None)
    first = snapshot(store)
    for group in everything:
        load_files(store, group, departements=["67"] if group is not everything[-1] else None)
    assert snapshot(store) == first
    associations = [a for a in store.actor_rows(ActorFilter(kinds=frozenset(["association"])))]
    numbers = [a["rna"] for a in associations if a["rna"]]
    assert len(numbers) == len(set(numbers))  # one actor per association, whichever sources name it
    assert set(numbers) >= {rna(100 + i) for i in range(900) if i % 50}  # every one the RNA keeps
    assert sum(1 for a in associations if a["siren"]) == len(range(0, 900, 3))  # all SIRENE ones merged
    assert not [a for a in associations if a["siren"] and not a["rna"]]


def test_cli_load_source_and_filters(tmp_path, files, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["load", "--json", "--on-error", "skip", "--departement", "67", str(files["rna"])])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["files"][0]["skipped"] == {"dissolved": 2, "outside the filter": 2}
    result = runner.invoke(cli, ["load", "--departement", "67", str(Path(__file__).parent.parent / "examples" / "actors.csv")])
    assert result.exit_code == 2 and "--departement and --commune filter open-data sources" in result.output


def test_sirene_3_11_naf_2025_and_mission_flags(store, write):
    from .opendata_files import siren as make_siren
    unit = make_siren(48219512)
    path = write("StockUniteLegale_utf8.csv", "siren,statutDiffusionUniteLegale,denominationUniteLegale,"
                 "categorieJuridiqueUniteLegale,etatAdministratifUniteLegale,activitePrincipaleUniteLegale,"
                 "nomenclatureActivitePrincipaleUniteLegale,activitePrincipaleNAF25UniteLegale,"
                 "economieSocialeSolidaireUniteLegale,societeMissionUniteLegale\n"
                 f"{unit},O,COOP NUMERIQUE,5458,A,,,62.10Y,O,O\n")
    load_files(store, [path])
    found = actors(store)[f"siren:{unit}"]
    assert found["themes"] == ["numerique"]  # from its NAF 2025 code: the file gives no NAF rev. 2 one
    assert (found["extra"]["naf25"], found["extra"]["ess"], found["extra"]["societe_mission"]) == ("62.10Y", "O", "O")


def test_one_command_reads_each_file_by_its_own_kind(tmp_path):
    """COG files and the user's own CSVs in one `maillage load`: the same store as two loads."""
    from click.testing import CliRunner

    from maillage.cli import cli

    root = Path(__file__).resolve().parent
    cog = sorted(str(p) for p in (root / "fixtures" / "cog").glob("*.json"))
    own = [str(root.parent / "examples" / name) for name in ("actors.csv", "partnerships.csv")]
    together, apart = tmp_path / "together.db", tmp_path / "apart.db"
    result = CliRunner().invoke(cli, ["load", "--store", str(together), *cog, *own])
    assert result.exit_code == 0, result.output
    assert "examples/partnerships.csv: partnerships, 20 rows loaded out of 20" in result.output
    for files in (cog, own):
        assert CliRunner().invoke(cli, ["load", "--store", str(apart), *files]).exit_code == 0
    stats = []
    for path in (together, apart):
        with open_store(path, read_only=True) as store:
            stats.append({key: store.stats()[key] for key in ("territories", "actors", "partnerships", "actors_by_kind")})
    assert stats[0] == stats[1]

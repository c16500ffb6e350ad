"""Files as downloaded: gzip and zip read as streams, Parquet read with pyarrow, the same rows as the CSV."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import ActorFilter, open_store
from maillage.loaders.pipeline import load_files

REAL = Path(__file__).parent / "fixtures" / "real"


def _content(store) -> tuple[list, list]:
    actors = sorted((a["id"], a["name"], a["kind"], a["commune"], a["siret"]) for a in store.actor_rows(ActorFilter()))
    ties = sorted((t["id"], t["source"], t["target"], t["amount"], t["start"])
                  for t in store.partnership_rows(ActorFilter()))
    return actors, ties


def _loaded(tmp_path, name, paths, **options):
    with open_store(tmp_path / f"{name}.db") as store:
        report = load_files(store, paths, **options)
        return _content(store), report


def test_gzip_and_zip_give_what_the_plain_files_give(tmp_path):
    scdl = REAL / "scdl" / "Toulouse_subventions_2022.csv"
    decp = REAL / "decp" / "decp_dgfip_pes_2019-02-03.json"
    packed = tmp_path / "Toulouse_subventions_2022.csv.gz"
    packed.write_bytes(gzip.compress(scdl.read_bytes()))
    archive = tmp_path / "decp.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(decp, decp.name)
    plain, plain_report = _loaded(tmp_path, "plain", [scdl], on_error="skip")
    unpacked, report = _loaded(tmp_path, "gz", [packed], on_error="skip")
    assert unpacked == plain and report.totals() == plain_report.totals()
    plain, _ = _loaded(tmp_path, "plain-decp", [decp], on_error="skip")
    unzipped, _ = _loaded(tmp_path, "zip", [archive], on_error="skip")
    assert unzipped == plain and len(plain[1]) == 168


def test_a_damaged_or_ambiguous_archive_is_a_clear_error(tmp_path):
    bad = tmp_path / "actors.csv.gz"
    bad.write_bytes(b"not gzip at all")
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "s.db"), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: not a readable gzip file" in result.output and "Traceback" not in result.output
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as handle:
        handle.writestr("a.csv", "id,name,kind\n")
        handle.writestr("b.csv", "id,name,kind\n")
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "s.db"), str(two)])
    assert result.exit_code == 1
    assert f"{two}: a zip archive holding 2 files: give them one by one (unzipped)" in result.output
    assert not (tmp_path / "s.db").exists()  # nothing written, not even an empty store


def _parquet(csv_path: Path, target: Path, text_columns) -> Path:
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={name: pa.string() for name in text_columns}))
    pq.write_table(table, target)
    return target


def test_sirene_parquet_loads_as_its_csv(tmp_path):
    units_csv = REAL / "sirene" / "goSirene__StockUniteLegale_utf8.csv"
    seats_csv = REAL / "sirene" / "goSirene__StockEtablissement_utf8_geo.csv"
    units = _parquet(units_csv, tmp_path / "StockUniteLegale_utf8.parquet", ["siren"])
    # etablissementSiege becomes a Parquet boolean, codes stay text, as in INSEE's own Parquet
    seats = _parquet(seats_csv, tmp_path / "StockEtablissement_utf8.parquet",
                     ["siren", "nic", "siret", "codeCommuneEtablissement"])
    from_csv, csv_report = _loaded(tmp_path, "csv", [units_csv, seats_csv])
    from_parquet, report = _loaded(tmp_path, "parquet", [units, seats])
    assert from_parquet == from_csv
    assert [f.skipped for f in report.files] == [f.skipped for f in csv_report.files]


def test_the_decp_table_as_parquet(tmp_path, write):
    header = "uid,id,acheteur_id,acheteur_nom,titulaire_id,titulaire_typeIdentifiant,titulaire_nom,montant," \
             "dateNotification,dureeMois"
    rows = ["X1,X1,21670482500019,VILLE DE STRASBOURG,55211846500046,SIRET,IBM FRANCE,100000.0,2023-03-01,6"]
    table = write("decp.csv", "\n".join([header, *rows]) + "\n")
    parquet = _parquet(table, tmp_path / "decp.parquet", ["uid", "id", "acheteur_id", "titulaire_id"])
    (contracts, ties), _ = _loaded(tmp_path, "decp", [parquet])
    assert [(t[1], t[2], t[3], t[4]) for t in ties] == [("siren:216704825", "siren:552118465", 100000.0, "2023-03-01")]

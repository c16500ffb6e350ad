"""SIRENE's head offices read a column at a time give what the row path gives, or leave it the file."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from maillage.loaders.formats import inspect_file
from maillage.loaders.opendata import Filters, sirene
from maillage.loaders.opendata.sirene_seats import read_seats_columnar

from .opendata_files import seat_row, siren

REAL = Path(__file__).parent / "fixtures" / "real" / "sirene"
HEADER = list(seat_row(siren(1), "67482"))


def _text(rows, delimiter=",", newline="\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def _plain_rows():
    communes = ["67482", "67218", "68066", "75108", "2A004", "97411", "", "6748", '="67043"', "75056"]
    return [list(seat_row(siren(n), communes[n % len(communes)], siege=n % 3 != 0, nic=n % 7 + 1).values())
            for n in range(1, 400)]


def _seats(head, filters, columnar: bool, monkeypatch) -> tuple[dict, list]:
    if not columnar:
        monkeypatch.setattr(sirene, "read_seats_columnar", lambda *args: None)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE seats (siren TEXT PRIMARY KEY, siret TEXT, commune TEXT) WITHOUT ROWID")
    counts = sirene._read_seats(db, head, filters, None)
    monkeypatch.undo()
    return counts, db.execute("SELECT * FROM seats ORDER BY siren").fetchall()


def _compare(path, monkeypatch, filters=Filters(), expect_columnar=True):
    head = inspect_file(path)
    row_path = _seats(head, filters, False, monkeypatch)
    assert _seats(head, filters, True, monkeypatch) == row_path
    names = {"seat": "s", "not_seat": "n", "outside": "o"}
    taken = read_seats_columnar(sqlite3.connect(":memory:").execute(
        "CREATE TABLE seats (siren, siret, commune)").connection, head, filters, None,
        {"s": 0, "n": 0, "o": 0}, names, lambda rows: None)
    assert (taken is not None) == expect_columnar
    return row_path


@pytest.mark.parametrize("filters", [Filters(), Filters(departements=["67"]), Filters(communes=["75056"])])
def test_plain_file_read_by_columns_as_by_rows(tmp_path, monkeypatch, filters):
    path = tmp_path / "StockEtablissement_utf8.csv"
    path.write_text(_text(_plain_rows()), encoding="utf-8")
    counts, seats = _compare(path, monkeypatch, filters)
    assert sum(counts.values()) == 399 and seats


@pytest.mark.parametrize("damage", ["blank row", "commas only", "extra field", "short row", "spaced flag",
                                    "upper flag", "quoted comma and line break", "crlf", "bom", "semicolons",
                                    "repeated siren", "spaced siren"])
def test_damaged_files_give_what_the_row_path_gives(tmp_path, monkeypatch, damage):
    rows = _plain_rows()
    delimiter, newline, prefix, columnar = ",", "\n", "", True
    if damage == "blank row":
        rows.insert(5, [])
    elif damage == "commas only":
        rows.insert(5, [""] * len(HEADER))
        columnar = False
    elif damage == "extra field":
        rows[5] = rows[5] + ["surplus"]
        columnar = False
    elif damage == "short row":
        rows[5] = rows[5][:4]
        columnar = False
    elif damage == "spaced flag":
        rows[5][HEADER.index("etablissementSiege")] = " true "
        columnar = False
    elif damage == "upper flag":
        rows[5][HEADER.index("etablissementSiege")] = "TRUE"
        columnar = False
    elif damage == "quoted comma and line break":
        rows[4][HEADER.index("statutDiffusionEtablissement")] = "a, b\nc"
    elif damage == "crlf":
        newline = "\r\n"
    elif damage == "bom":
        prefix = "\ufeff"
    elif damage == "semicolons":
        delimiter = ";"
    elif damage == "repeated siren":
        rows.append(list(seat_row(siren(2), "67218", nic=99).values()))
    elif damage == "spaced siren":
        rows[7][HEADER.index("siren")] = f" {rows[7][HEADER.index('siren')]} "
    path = tmp_path / "StockEtablissement_utf8.csv"
    path.write_text(prefix + _text(rows, delimiter, newline), encoding="utf-8")
    _compare(path, monkeypatch, Filters(departements=["67", "75"]), columnar)


def test_real_establishment_files(monkeypatch):
    for name in ("goSirene__StockEtablissement_utf8_geo.csv", "sirene_as_api__sample_etablissements_OK.csv"):
        _compare(REAL / name, monkeypatch, Filters(), expect_columnar=True)


def test_a_zipped_file_is_read_by_columns(tmp_path, monkeypatch):
    import zipfile

    path = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("StockEtablissement_utf8.csv", _text(_plain_rows()))
    _compare(path, monkeypatch, Filters(departements=["67"]))

"""The RNA read a block at a time gives the row path's store and report."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from maillage.loaders.opendata import rna_blocks

from .columnar_state import load_state
from .opendata_files import RNA_HEADER, rna, rna_row, siren, siret

COMMUNES = ["67482", "67043", "67218", "68066", "75108", "2A004", "2a004", "97411", "", "6748", "20004", "99123",
            '="67043"', " 67482"]
TITLES = ["ASSOCIATION {n}", "ASSOCIATION {n}", "CLUB « {n} »", "", " ESPACES {n} ", 'LE "CERCLE" {n}; ET, AUTRES',
          "ŒUVRE {n}", "NULL", "TAB\t{n}"]
SOCIAL = ["020010", "011000", "000000", "20010", "999999", "006030", " 017025", ""]


def _rows(rng: random.Random, count: int, broken_at: int | None) -> list[dict]:
    rows = []
    for n in range(1, count + 1):
        changes = {"titre": rng.choice(TITLES).format(n=n), "objet_social1": rng.choice(SOCIAL),
                   "objet_social2": rng.choice(SOCIAL), "objet": rng.choice([f"objet {n}", "", 'dit "x"; y', "0001-01-01"]),
                   "position": rng.choice(["A", "A", "A", "D", " d", ""]),
                   "date_disso": rng.choice(["0001-01-01"] * 6 + ["2019-05-03", ""]),
                   "date_creat": rng.choice(["1985-03-12", "", "12/03/1985", "0001-01-01"]),
                   "siteweb": rng.choice([""] * 8 + ["www.exemple.org", "javascript:alert(1)"]),
                   "gestion": rng.choice(["672P", "", " 751S"]), "id_ex": rng.choice(["", f"672P{n:08d}"]),
                   "siret": ""}
        if n % 3 == 0:
            changes["siret"] = rng.choice([siret(siren(n), 12), siret(siren(n), 12), siret(siren(n), 12)[:-1] + "0",
                                           siren(n), f"{siren(n)} 00012", "35600000000048", "21860194600000.0"])
        if rng.random() < 0.6:  # most rows of a real file are plain
            changes.update(titre=f"ASSOCIATION {n}", objet_social1="020010", objet_social2="000000",
                           objet=f"objet {n}", gestion="672P", date_creat="1985-03-12", siteweb="", position="A",
                           date_disso="0001-01-01", id_ex="")
        if not changes["titre"]:
            changes["titre_court"] = f"COURT {n}"
        row = rna_row(n, "", rng.choice(COMMUNES), **changes)
        if n % 37 == 0:
            row["id"] = rng.choice([f"751P{n:08d}", rna(n).lower(), f" {rna(n)}", ""])
        rows.append(row)
    rows += [dict(rows[n - 1]) for n in rng.sample(range(1, count + 1), 6)]  # repeated associations
    rows[len(rows) // 2]["titre"] = "CHANGÉ"
    for n in sorted(rng.sample(range(1, count + 1), 6), reverse=True):  # just before, with spaces to strip
        rows.insert(n - 1, dict(rows[n - 1], titre=f" {rows[n - 1]['titre']} "))
    shared = siret(siren(5000), 12)  # two associations with one SIRET
    rows[10]["siret"], rows[11]["siret"] = shared, shared
    if broken_at is not None:
        rows[broken_at]["objet"] = "sur deux\nlignes"
    return rows


def _write(path: Path, rows: list[dict], header=RNA_HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def _state(path: Path, files: list, columnar_on: bool, monkeypatch, block: int, before=(), **options):
    return load_state(path, files, columnar_on, monkeypatch, rna_blocks, block, before, **options)


@pytest.mark.parametrize("seed, block, options", [
    (1, 1 << 24, {}),
    (2, 1 << 12, {"on_error": "skip"}),
    (3, 1 << 13, {"departements": ["67", "2A"], "on_error": "skip"}),
    (4, 1 << 12, {"include_dissolved": True, "on_error": "skip"}),
    (5, 1 << 12, {"communes": ["75056", "67482"], "include_dissolved": True, "on_error": "skip"}),
])
def test_columnar_rna_gives_the_row_paths_store_and_report(tmp_path, monkeypatch, seed, block, options):
    """Dissolved rows (position D, a real date_disso), import ids and ids to read, SIRETs valid, damaged,
    shared or La Poste's, names to clean or taken from titre_court, websites to read, communes to
    map or refused, unknown purposes, repeated associations, filters: both paths, small blocks."""
    path = _write(tmp_path / "rna_waldec_20240101.csv", _rows(random.Random(seed), 500, None))
    columnar_state = _state(tmp_path / "c.db", [path], True, monkeypatch, block, **options)
    row_state = _state(tmp_path / "r.db", [path], False, monkeypatch, block, **options)
    assert columnar_state[:2] == row_state[:2]
    kept = len(row_state[1]["actors"]) - len(_state(tmp_path / "e.db", [], False, monkeypatch, block)[1]["actors"])
    assert columnar_state[2] >= kept / 3 and row_state[2] == 0  # many went columnar


def test_a_reload_a_line_break_and_a_short_row(tmp_path, monkeypatch):
    """A second load finds every association held (the row path counts them); from a block with a
    line break inside a value, or a row short of cells, the row path reads the rest."""
    path = _write(tmp_path / "rna_waldec_20240101.csv", _rows(random.Random(6), 800, broken_at=600))
    block = 1 << 13
    again = _state(tmp_path / "c.db", [path], True, monkeypatch, block, [[path]], on_error="skip")
    assert again[:2] == _state(tmp_path / "r.db", [path], False, monkeypatch, block, [[path]], on_error="skip")[:2]
    fresh = _state(tmp_path / "f.db", [path], True, monkeypatch, block, on_error="skip")
    assert fresh[:2] == _state(tmp_path / "g.db", [path], False, monkeypatch, block, on_error="skip")[:2]
    assert fresh[2] > 50 and 450 < fresh[3] < 616  # the line break is on one of lines 602 to 616
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[300] = ";".join(lines[300].split(";")[:8]) + "\r\n"
    path.write_text("".join(lines), encoding="utf-8-sig")
    short = _state(tmp_path / "s.db", [path], True, monkeypatch, block, on_error="skip")
    assert short[:2] == _state(tmp_path / "t.db", [path], False, monkeypatch, block, on_error="skip")[:2]
    assert 0 < short[3] < 301


def test_renamed_columns_and_a_column_given_twice(tmp_path, monkeypatch):
    """A re-published RNA (nom_asso, etat, commune …) with the commune code given twice: the row path
    keeps the later column, and so does the columnar path."""
    header = ["id", "nom_asso", "etat", "code_insee", "adrs_codeinsee", "objet_social1", "objet", "siret"]
    rows = [{"id": rna(n), "nom_asso": f"ASSO {n}", "etat": "A", "code_insee": "75108",
             "adrs_codeinsee": ["67482", "68066"][n % 2], "objet_social1": "020010", "objet": f"objet {n}",
             "siret": siret(siren(n), 12) if n % 2 else ""} for n in range(1, 200)]
    path = _write(tmp_path / "rna_republished.csv", rows, header)
    columnar_state = _state(tmp_path / "c.db", [path], True, monkeypatch, 1 << 12, departements=["67"])
    assert columnar_state[:2] == _state(tmp_path / "r.db", [path], False, monkeypatch, 1 << 12, departements=["67"])[:2]
    assert columnar_state[2] == 99

"""SIRENE's legal units read a block at a time give the row path's store and report."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from maillage.loaders.opendata import blocks, sirene_units

from .columnar_state import load_state
from .opendata_files import ESTABLISHMENTS_HEADER, RNA_HEADER, UNITS_HEADER, rna, rna_row, seat_row, siren, siret

COMMUNES = ["67482", "67043", "67218", "68066", "75108", "2A004", "97411", "", "6748", '="67043"']
CATEGORIES = ["5710", "9220", "7210", "7344", "1000", "1000", "5499", " 5710", "", "9300", "7331"]
NAMES = ["ORGANISATION {n}", "ORGANISATION {n}", "ORGANISATION {n}", "[ND]", "", " ESPACES {n} ", "L'ATELIER, {n}",
         'LE "QUOTE" {n}', "ÉCOLE Œ {n}", "NULL"]
NAF = [("62.01Z", "NAFRev2"), ("88.99B", "NAFRev2"), ("85.3A", "NAFRev1"), ("", ""), ("94.99Z", "NAFRev2"),
       ("56.10A", "NAFRev2"), ("47.11F", " NAFRev2")]
DATES = ["1990-01-01", "2001-12-31", "", "0001-01-01", "12/03/1987", "1990-02-30", "2020-05-05"]


def _units(rng: random.Random, count: int, rna_merges: list[tuple[int, str]], broken_at: int | None):
    rows = []
    for n in range(1, count + 1):
        unit = dict.fromkeys(UNITS_HEADER, "")
        naf, nomenclature = rng.choice(NAF)
        unit.update(siren=siren(n), statutDiffusionUniteLegale=rng.choice("OOOOOP") if n % 13 else " o",
                    etatAdministratifUniteLegale=rng.choice(["A", "A", "A", "C", "c", " A"]),
                    categorieJuridiqueUniteLegale=rng.choice(CATEGORIES),
                    denominationUniteLegale=rng.choice(NAMES).format(n=n),
                    activitePrincipaleUniteLegale=naf, nomenclatureActivitePrincipaleUniteLegale=nomenclature,
                    dateCreationUniteLegale=rng.choice(DATES), trancheEffectifsUniteLegale=rng.choice(["", "NN", "11"]),
                    economieSocialeSolidaireUniteLegale=rng.choice(["O", "N", ""]))
        if n % 17 == 0:
            unit.update(denominationUniteLegale="", sigleUniteLegale=f"SIGLE{n}")
        if n % 29 == 0:
            unit["siren"] = rng.choice([siren(n)[:8], siren(n)[:-1] + str((int(siren(n)[-1]) + 1) % 10),
                                        f"{siren(n)[:3]} {siren(n)[3:6]} {siren(n)[6:]}", "356000000"])
        rows.append(unit)
    for n, number in rna_merges:  # associations the RNA knows: merged by the row path
        rows[n - 1].update(identifiantAssociationUniteLegale=number, categorieJuridiqueUniteLegale="9220",
                           etatAdministratifUniteLegale="A", statutDiffusionUniteLegale="O")
    rows += [dict(rows[n - 1]) for n in rng.sample(range(1, count + 1), 6)]  # repeated units
    for n in sorted(rng.sample(range(1, count + 1), 8), reverse=True):  # just before, with spaces to strip
        rows.insert(n - 1, dict(rows[n - 1], denominationUniteLegale=f" {rows[n - 1]['denominationUniteLegale']} "))
    rows[len(rows) // 2]["denominationUniteLegale"] = "CHANGÉ"  # a repeat with another value, merged
    if broken_at is not None:
        rows[broken_at]["denominationUniteLegale"] = "SUR DEUX\nLIGNES"
    return rows


def _write(path: Path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def _files(folder: Path, seed: int, count: int = 600, broken_at: int | None = None) -> dict:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    merges = [(n, rna(n)) for n in range(5, count, 41)]
    # one RNA row carries another unit's head-office SIRET: that unit and the association claim one actor
    rna_rows = [rna_row(n, f"ASSOCIATION {n}", "67482") for n, _ in merges]
    rna_rows[0]["siret"] = siret(siren(merges[0][0] + 1), 7)
    seats = []
    for n in range(1, count + 1):
        if n % 11 == 0:
            continue  # no head office
        seat = seat_row(siren(n), rng.choice(COMMUNES), nic=7)
        if n % 23 == 0:
            seat["siret"] = siret(siren(n + 1), 7)  # a head office whose SIRET is another unit's
        seats.append(seat)
        seats.append(seat_row(siren(n), rng.choice(COMMUNES), siege=False, nic=9))
    return {"rna": _write(folder / "rna_waldec_20240101.csv", RNA_HEADER, rna_rows, ";"),
            "units": _write(folder / "StockUniteLegale_utf8.csv", UNITS_HEADER, _units(rng, count, merges, broken_at)),
            "seats": _write(folder / "StockEtablissement_utf8.csv", ESTABLISHMENTS_HEADER, seats)}


def _state(path: Path, files: dict, columnar_on: bool, monkeypatch, before=(), block=1 << 24, **options):
    return load_state(path, [files["units"], files["seats"]], columnar_on, monkeypatch, sirene_units, block, before,
                      **options)


@pytest.mark.parametrize("seed, block, options", [
    (1, 1 << 24, {}),
    (2, 1 << 12, {"on_error": "skip"}),
    (3, 1 << 13, {"departements": ["67", "2A"], "on_error": "skip"}),
    (4, 1 << 12, {"communes": ["75056", "67482"], "on_error": "skip"}),
])
def test_columnar_units_give_the_row_paths_store_and_report(tmp_path, monkeypatch, seed, block, options):
    """Closed, individual and undisclosed units, names to clean, invalid and La Poste SIRENs,
    associations merged with their RNA row (one claiming another unit's seat), repeated units,
    seats missing or pointing at another unit, arrondissements, old nomenclatures, filters: both
    paths, blocks of a few dozen rows, the RNA loaded before."""
    files = _files(tmp_path / "files", seed)
    before = [[files["rna"]]]
    columnar_state = _state(tmp_path / "c.db", files, True, monkeypatch, before, block, **options)
    row_state = _state(tmp_path / "r.db", files, False, monkeypatch, before, block, **options)
    assert columnar_state[:2] == row_state[:2]
    units = sum(1 for actor in row_state[1]["actors"] if actor["source_file"].endswith("StockUniteLegale_utf8.csv"))
    assert columnar_state[2] >= units / 3 and row_state[2] == 0  # many kept units went columnar


def test_a_reload_and_a_line_break_go_through_the_row_path(tmp_path, monkeypatch):
    """Units the store holds already (a second load) are merged by the row path; from a block with
    a line break inside a value, the row path reads the rest, numbering rows as it does."""
    files = _files(tmp_path / "files", 5, count=900, broken_at=700)
    first, block = [[files["rna"]], [files["units"], files["seats"]]], 1 << 13
    columnar_state = _state(tmp_path / "c.db", files, True, monkeypatch, first, block, on_error="skip")
    row_state = _state(tmp_path / "r.db", files, False, monkeypatch, first, block, on_error="skip")
    assert columnar_state[:2] == row_state[:2]
    fresh = _state(tmp_path / "f.db", files, True, monkeypatch, [[files["rna"]]], block, on_error="skip")
    assert fresh[:2] == _state(tmp_path / "g.db", files, False, monkeypatch, [[files["rna"]]], block,
                               on_error="skip")[:2]
    assert fresh[2] > 50 and 600 < fresh[3] < 702  # the line break is on line 702  # columnar up to the block of the line break, the row path after it


def test_a_short_row_is_the_row_paths_error(tmp_path, monkeypatch):
    """A row with fewer cells than the header: pyarrow cannot split it, the row path reads on from
    its block and pads it, as it always has."""
    files = _files(tmp_path / "files", 6, count=300)
    lines = files["units"].read_text(encoding="utf-8").splitlines(keepends=True)
    lines[250] = ",".join(lines[250].split(",")[:20]) + "\n"
    files["units"].write_text("".join(lines), encoding="utf-8")
    for options in ({}, {"on_error": "skip"}):
        columnar_state = _state(tmp_path / f"c{len(options)}.db", files, True, monkeypatch, (), 1 << 12, **options)
        assert columnar_state[:2] == _state(tmp_path / f"r{len(options)}.db", files, False, monkeypatch, (), 1 << 12,
                                            **options)[:2]
        assert 0 < columnar_state[2]


def test_luhn_on_arrays_is_the_identifiers_check():
    from maillage.identifiers import luhn_valid

    rng = random.Random(7)
    for length in (9, 14):
        texts = ["".join(rng.choice("0123456789") for _ in range(length)) for _ in range(5000)]
        texts += [siren(n) for n in range(200)] if length == 9 else [siret(siren(n), n) for n in range(200)]
        assert blocks.luhn(texts, length).tolist() == [luhn_valid(text) for text in texts]

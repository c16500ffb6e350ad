"""Faithful loads: identities from damaged ids, conflicts, clean skips, encodings and dates as published."""

from __future__ import annotations

import json

from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import ActorFilter
from maillage.identifiers import read_id_cell
from maillage.loaders.pipeline import load_files

from .opendata_files import siret

HEADER = "nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;idBeneficiaire;objet;montant;datesPeriodeVersement"
GRANTOR = "Ville de Roques;21310458100011"


def _scdl(write, name, rows, encoding="utf-8"):
    return write(name, "\n".join([HEADER, *rows]) + "\n", encoding)


def _actors(store):
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_damaged_ids_recover_only_what_is_certain(store, write):
    good = siret("441370806", 16)[:9]
    path = _scdl(write, "subventions.csv", [
        f"{GRANTOR};2017-04-13;Tennis Club;{good}00016.0;Subvention;2400;2017-01-01_2017-12-31",  # float holding all 14 digits: SIRET kept
        f"{GRANTOR};2017-04-13;Club R;{good[:7]}0000000.0;Subvention;100;",  # rounded into the SIREN: unusable
        f"{GRANTOR};2017-04-13;Club A;7,77E+13;Subvention;100;",  # scientific: unusable
        f"{GRANTOR};2017-04-13;Club B;7,77E+13;Subvention;100;",  # same damaged cell, other name: another actor
        f"{GRANTOR};2017-04-13;Garage Muller;４４１３７０８０６;Subvention;50;",  # full-width digits: a valid SIREN
        f"{GRANTOR};2017-04-13;Club D;44137080600017;Subvention;60;",  # Luhn failure
    ])
    report = load_files(store, [path])
    found = _actors(store)
    tennis = found[f"siren:{good}"]
    assert tennis["siret"] == f"{good}00016" and tennis["extra"]["identity"] == "id_normalised"
    assert found["nom:siren:213104581/CLUB R"]["extra"]["identity"] == "id_unusable"
    assert found["nom:siren:213104581/CLUB A"]["extra"]["identity"] == "id_unusable"
    assert found["nom:siren:213104581/CLUB B"]["extra"]["identity"] == "id_unusable"
    assert found["nom:siren:213104581/CLUB D"]["extra"]["identity"] == "id_unusable"
    assert "nom:siren:213104581/GARAGE MULLER" not in found  # ４４１… is 441370806 once ASCII: Tennis Club's SIREN
    assert report.totals()["actors"]["flags"] == {"id_unusable": 4, "kind_guessed": 5, "id_normalised": 1}
    assert [c.as_dict()["given"] for c in report.conflicts] == ["Garage Muller"]  # not Tennis Club
    assert store.stats()["actors"] == report.totals()["actors"]["created"] == 6


def test_read_id_cell_never_keeps_a_damaged_siret():
    assert read_id_cell("21860194600000.0").siret is None
    assert read_id_cell("2,18601946E+13").siren == "218601946"
    assert read_id_cell("2,186E+13").flag == "id_unusable"
    assert read_id_cell("21860194").flag == "id_unusable"  # wrong length


def test_conflicts_with_the_store_and_within_a_load(store, write):
    first = write("a.csv", "id,name,kind,siren\nbanque,Banque Alimentaire du Bas-Rhin,association,441370806\n")
    load_files(store, [first])
    second = write("b.csv", "id,name,kind,siren,commune\nx,Garage Muller,company,441370806,\n"
                            "y,Atelier Vélo,association,,67482\ny,Atelier Vélo,association,,67218\n"
                            "y,Atelier Vélo,association,,67218\n")
    report = load_files(store, [second])
    conflicts = [c.as_dict() for c in report.conflicts]
    assert {"field": "name", "stored": "Banque Alimentaire du Bas-Rhin", "given": "Garage Muller", "kept": "given",
            "line": 2} .items() <= conflicts[0].items()
    assert {"field": "commune", "stored": "67482", "given": "67218", "line": 4, "other": f"{second}:3"}.items() \
        <= conflicts[1].items()
    assert len(conflicts) == 2
    totals = report.totals()["actors"]
    assert (totals["created"], totals["updated"], totals["duplicates"], totals["merged"]) == (1, 1, 1, 1)


def test_skip_mode_creates_no_actor_of_a_rejected_row(store, write):
    # an amount published as text no longer rejects a grant (it is kept, flagged field_unread): a
    # convention ending before it starts still does, and must leave no actor behind
    path = write("subventions.csv", "\n".join([
        HEADER + ";termeConvention",
        f"{GRANTOR};2017-04-13;Club Seul;;Subvention;100;;2016-01-01",  # ends before it starts: neither it nor Club Seul
        f"{GRANTOR};2017-04-13;Club Bon;;Subvention;100;;2018-01-01",
    ]) + "\n")
    report = load_files(store, [path], on_error="skip")
    names = {a["name"] for a in _actors(store).values()}
    assert names == {"Ville de Roques", "Club Bon"} and report.bad_rows == 1
    assert len(report.errors) == 1 and report.errors[0].line == 2 and "before start" in str(report.errors[0])


def test_encoding_switch_after_line_1000_and_dates(store, write):
    rows = [f"{GRANTOR};2017/09/08;Club {i};;Subvention;{i},0 €;2017/09/08_2021/09/07" for i in range(1, 1200)]
    text = "\n".join([HEADER, *rows]).encode("utf-8")
    tail = f"\n{GRANTOR};08-09-2017;Crèche Les Éléphants;;Aide;1\u00a0500,00;08/09/2017".encode("cp1252")
    path = write("mixed.csv", "")
    path.write_bytes(b"\xef\xbb\xbf" + text + tail + b"\n")
    report = load_files(store, [path])
    assert report.files[-1].encoding_note == "1 lines were not UTF-8 and were read as cp1252, the first at line 1201"
    tie = next(t for t in store.partnership_rows(ActorFilter()) if t["amount"] == 1500.0)
    assert tie["start"] == "2017-09-08" and tie["extra"]["payment"] == "2017-09-08"
    assert "Crèche Les Éléphants" in {a["name"] for a in _actors(store).values()}


def test_convention_term_is_the_ties_end(store, write):
    path = write("s.csv", "nomAttribuant;idAttribuant;dateConvention;termeConvention;nomBeneficiaire;"
                          "idBeneficiaire;objet;montant\n"
                          f"{GRANTOR};2020-01-15;31/12/2022;Club;;Fonctionnement;1 000\n")
    load_files(store, [path])
    tie = next(iter(store.partnership_rows(ActorFilter())))
    assert (tie["start"], tie["end"]) == ("2020-01-15", "2022-12-31")


def test_json_answers_on_a_fatal_error(tmp_path, write):
    path = write("x.csv", "")
    result = CliRunner().invoke(cli, ["load", "--json", "--store", str(tmp_path / "m.db"), str(path)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["status"] == "failed" and document["file"] == str(path) and document["line"] == 1


def test_each_file_is_opened_once_for_its_head_and_once_for_its_rows(store, write, monkeypatch):
    from maillage.loaders import formats

    opened = []
    real_open = formats._open_bytes
    monkeypatch.setattr(formats, "_open_bytes", lambda path, progress: opened.append(path) or real_open(path, progress))
    path = _scdl(write, "subventions.csv", [f"{GRANTOR};2017-04-13;Club Bon;;Subvention;100;"])
    actors = write("actors.csv", "id,name,kind\nasso,Les Amis,association\n")
    load_files(store, [path])
    load_files(store, [actors])
    assert opened == [path, path, actors, actors]

"""Real published files, loaded as they are: exact counts worked out by hand, on both stores.

The files are copies of ``../shared/data/real/`` (``tests/fixtures/real``, provenance in its
``PROVENANCE.tsv``). Every expected number below was counted from the file itself, without
maillage, as ``tests/fixtures/real/HAND_COUNTS.md`` explains line by line; none was copied from
the loader's output. Each test also checks that what the report says equals what the store gained.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.errors import DataError, UsageError
from maillage.graph import ActorFilter
from maillage.loaders.pipeline import load_files

REAL = Path(__file__).parent / "fixtures" / "real"

# file → (data rows, rows rejected, ties created, actors created, actor flags); see HAND_COUNTS.md
SCDL = {
    "HauteGaronne_datalocale-subvention.csv": (69, 1, 68, 49, {"kind_guessed": 15, "kind_unknown": 32}),
    # the schema's French titles as header; years as dates; an associations file (kinds from its title)
    "LoireAtlantique_CD44_subventions_associations_excerpt.csv": (5000, 1, 4999, 2393, {
        "id_missing": 17, "name_folded": 1, "name_from_id": 1}),
    "Lot_Subventions_2017.csv": (13, 0, 13, 14, {"kind_guessed": 6, "kind_unknown": 7}),
    # six amounts published as text (« NC », « SEM », « ODHLM »): the grants kept, their amount empty and flagged
    "Nievre_CD58_SUBVENTIONS_2016.csv": (97, 0, 97, 98, {"id_missing": 97, "kind_guessed": 9, "kind_unknown": 88}),
    "Somme_20180302_DONNEES_CONVENTIONS.csv": (41, 2, 39, 34, {"kind_unknown": 20}),
    "Toulouse_subventions_2022.csv": (396, 0, 396, 382, {"id_missing": 10, "id_unusable": 371, "joined_by_name": 1,
                                                                   "kind_guessed": 3, "kind_unknown": 20, "name_folded": 4}),
}


def _actors(store) -> dict[str, dict]:
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def _ties(store) -> list[dict]:
    return list(store.partnership_rows(ActorFilter()))


def _reconciled(store, report, before: dict) -> None:
    """The report's created counts are exactly what the store gained."""
    after, totals = store.stats(), report.totals()
    assert after["actors"] - before["actors"] == totals.get("actors", {}).get("created", 0)
    assert after["partnerships"] - before["partnerships"] == totals.get("partnerships", {}).get("created", 0)


@pytest.mark.parametrize("name", sorted(SCDL))
def test_scdl_real_file_counts(store, name):
    rows, rejected, ties, actors, flags = SCDL[name]
    before = store.stats()
    report = load_files(store, [REAL / "scdl" / name], on_error="skip")
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert (grants.rows, grants.rejected) == (rows, rejected)
    totals = report.totals()
    assert totals["partnerships"]["created"] == ties and totals["partnerships"]["duplicates"] == 0
    assert totals["actors"]["created"] == actors
    assert totals["actors"]["flags"] == flags
    _reconciled(store, report, before)
    again = load_files(store, [REAL / "scdl" / name], on_error="skip")  # a reload changes nothing
    assert again.totals()["partnerships"]["created"] == 0
    assert again.totals()["partnerships"]["unchanged"] == ties
    assert store.stats()["partnerships"] == ties


# a département's own lists, without grantor columns: loaded with --grantor (HAND_COUNTS.md)
OWN_LISTS = {
    "Sarthe_CD72_sub_asso_2018.csv": ("227200029", 1625, 1623, 2, 1621, {"id_missing": 1620, "name_folded": 59}),
    "MaineEtLoire_CD49_subventions_associations_2008-2018.csv": (
        "224900019", 11843, 11822, 21, 1471, {"id_missing": 120, "id_unusable": 1350, "name_folded": 111}),
}


@pytest.mark.parametrize("name", sorted(OWN_LISTS))
def test_a_departements_own_list_with_its_grantor_given(store, name):
    grantor, rows, ties, merged, actors, flags = OWN_LISTS[name]
    with pytest.raises(UsageError, match="names no grantor: pass --grantor"):
        load_files(store, [REAL / "scdl" / name])
    report = load_files(store, [REAL / "scdl" / name], grantor=grantor)
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert (grants.rows, grants.rejected) == (rows, 0)
    totals = report.totals()
    assert (totals["partnerships"]["created"], totals["partnerships"]["merged"]) == (ties, merged)
    assert totals["actors"]["created"] == store.stats()["actors"] == actors
    assert totals["actors"]["flags"] == flags  # rounded SIRETs (40415200000000) are never taken as valid
    departement = _actors(store)[f"siren:{grantor}"]
    assert departement["kind"] == "collectivite" and departement["name"].startswith("Département : ")
    assert {a["kind"] for a in _actors(store).values()} == {"association", "collectivite"}  # « asso » in the title


def test_the_rna_republished_with_renamed_columns(store):
    # Loiret's RNA as re-published (nom_asso, etat, commune …), HAND_COUNTS.md « RNA »: 23,767 rows,
    # 2,635 dissolved (etat D or a dissolution date); 8 cells that cannot be read never cost the association
    report = load_files(store, [REAL / "rna" / "Loiret_projet_asso45_rna_renamed_columns.csv"])
    actors = next(f for f in report.files if f.kind == "actors")
    assert (actors.rows, actors.rejected, actors.skipped) == (21132, 0, {"dissolved": 2635})  # rows: past the skips
    assert report.totals()["actors"]["created"] == store.stats()["actors"] == 21132
    assert report.totals()["actors"]["flags"] == {"field_unread": 8}
    sprint = _actors(store)["rna:W451000001"]
    assert (sprint["name"], sprint["commune"]) == ("SPRINT ASSO MOTORSPORT", "58193")
    assert sprint["extra"]["adrs_libcommune"] == "Neuvy-sur-Loire"


def test_vendee_decimal_commas_are_joined_back_where_certain(store):
    # HAND_COUNTS.md « Vendée »: 238 rows; 186 have exactly one field too many, split at the amount's
    # comma; 52 more fields than that (commas in other cells too): refused, never guessed
    files = sorted((REAL / "scdl").glob("Vendee_CD85_*.csv"))
    report = load_files(store, files, on_error="skip")
    totals = report.totals()
    assert report.bad_rows == 52
    assert totals["partnerships"]["created"] == 185 and totals["partnerships"]["duplicates"] == 1
    assert totals["partnerships"]["flags"]["decimal_comma"] == 185
    assert totals["actors"]["created"] == store.stats()["actors"] == 98
    arts = next(t for t in _ties(store) if t["target"] == "siren:324166339")
    assert arts["amount"] == 100000 and arts["extra"]["decimal_comma"] == "100\xa0000,00"


def test_loire_atlantique_years_stay_years_and_kinds_come_from_the_title(store):
    load_files(store, [REAL / "scdl" / "LoireAtlantique_CD44_subventions_associations_excerpt.csv"], on_error="skip")
    ties = [t for t in _ties(store) if t["target"] == "siren:452474562"]  # CLUB DE PLONGEE DE LA COURONNEE
    assert "2014-01-01" in {t["start"] for t in ties}  # its first row: « 2014 »
    assert {t["extra"]["start_precision"] for t in ties} == {"year"}
    club = _actors(store)["siren:452474562"]
    assert club["kind"] == "association" and club["extra"]["kind_from"] == "file_title"
    assert "kind_guessed" not in club["extra"]
    assert _actors(store)["siren:224400028"]["kind"] == "collectivite"  # the Département, by its SIREN


def test_toulouse_damaged_ids_never_merge_two_names(store):
    load_files(store, [REAL / "scdl" / "Toulouse_subventions_2022.csv"])
    found = _actors(store)
    # 381 beneficiaries with 381 different names and 1 grantor: 382 actors, none keyed by a damaged id
    assert len(found) == 382
    # none keyed by a damaged id; the one SIREN is the Région Occitanie's, read from its name
    assert [a["id"] for a in found.values() if a["siren"] or a["siret"]] == ["siren:200053791"]
    assert found["siren:200053791"]["extra"]["identity"] == "joined_by_name"
    # 10 different beneficiaries share the damaged cell 7,77E+13 (the issue's own example); each stays its own actor
    sharing = [a for a in found.values() if a["extra"].get("identity_note", "").startswith("'7,77E+13'")]
    assert len(sharing) == 10 and len({a["name"] for a in sharing}) == 10
    grantor = found["nom:TOULOUSE METROPOLE"]
    assert grantor["extra"]["identity"] == "id_unusable" and grantor["kind"] == "collectivite"
    kinds = {a["name"]: a["kind"] for a in found.values()}
    assert kinds["A VELO SANS AGE"] == "association"  # « Association loi 1901 » in its type column
    velo = next(a for a in found.values() if a["name"] == "A VELO SANS AGE")
    assert velo["extra"]["legal_form"] == "Association loi 1901"  # the published legal form, kept
    assert kinds["3F OCCITANIE SA"] == "company"  # « SA conseil d'administration »
    tie = next(t for t in _ties(store) if t["target"] == "nom:TOULOUSE METROPOLE/A CROQUER")
    # no convention date: the payment date (24/05/2022) dates the tie, and says so
    assert tie["start"] == "2022-05-24" and tie["extra"]["start_from"] == "datesPeriodeVersement"
    assert tie["extra"]["secteur"] == "Restauration"  # columns outside the schema are kept


def test_somme_bom_then_cp1252_slashed_dates_and_periods(store):
    report = load_files(store, [REAL / "scdl" / "Somme_20180302_DONNEES_CONVENTIONS.csv"], on_error="skip")
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert grants.encoding_note.startswith("41 lines were not UTF-8")
    assert [e.line for e in report.errors] == [28, 29]  # the département granting to itself
    assert report.errors[0].field == "idBeneficiaire"
    found = _actors(store)
    assert found["siren:228000014"]["name"] == "Département de la Somme"
    assert found["siren:228000014"]["kind"] == "collectivite"  # a SIREN starting with 22
    assert found["siren:356000000"]["kind"] == "unknown"  # La Poste (its SIRET checked by its own rule): the
    # file says nothing of its kind, so it is not guessed (SIRENE gives it)
    tie = next(t for t in _ties(store) if t["target"] == "siren:218000099")
    assert tie["start"] == "2017-09-08" and tie["extra"]["payment"] == "2017-09-08_2021-09-07"
    assert tie["amount"] == 26956.0 and tie["extra"]["type"] == "investissement"  # a grant's type stays on it


def test_nievre_older_headers_detected_and_nbsp_amounts(store):
    report = load_files(store, [REAL / "scdl" / "Nievre_CD58_SUBVENTIONS_2016.csv"], on_error="skip")
    assert report.files[0].format == "scdl"
    assert report.errors == []  # NC, SEM, ODHLM as amounts (lines 8, 91, 94–97): kept, amount empty, flagged
    unread = {t["source_line"]: t for t in _ties(store) if t["extra"].get("unread")}
    assert sorted(unread) == [8, 91, 94, 95, 96, 97]
    assert unread[8]["amount"] is None and unread[8]["extra"]["unread"] == "SUB_MONTANT: NC"
    assert report.totals()["partnerships"]["flags"] == {"field_unread": 6}
    found = _actors(store)
    assert found["siren:225800010"]["kind"] == "collectivite"  # COLL_TYPE DEP
    agora = found["nom:siren:225800010/AGORA"]
    assert agora["extra"]["identity"] == "id_missing" and agora["extra"]["kind_unknown"]
    tie = next(t for t in _ties(store) if t["target"] == agora["id"])
    assert tie["amount"] == 17833.0 and tie["start"] == "2016-01-01"  # « 17 833 » with a no-break space


def test_lot_cp1252_and_haute_garonne_periods(store):
    load_files(store, [REAL / "scdl" / "Lot_Subventions_2017.csv"])
    tie = next(t for t in _ties(store) if t["target"] == "siren:483091120")
    assert tie["amount"] == 260000.0 and tie["extra"]["payment"] == "2018-01-04_2021-06-21"
    assert _actors(store)["siren:483091120"]["name"] == 'Association "Ecaussystème"'
    load_files(store, [REAL / "scdl" / "HauteGaronne_datalocale-subvention.csv"], on_error="skip")
    tie = next(t for t in _ties(store) if t["target"] == "siren:441370806")
    assert tie["extra"]["payment"] == "2017-01-01_2017-12-31" and tie["amount"] == 2400.0


def test_sirene_real_variants(store):
    lower = load_files(store, [REAL / "sirene" / "MRIQUE__StockUniteLegale_utf8_lowercase_header.csv"])
    assert lower.files[0].skipped == {"closed (etatAdministratifUniteLegale C)": 3,
                                      "individual entrepreneur (category 1000)": 1}
    before = store.stats()
    resaved = load_files(store, [REAL / "sirene" / "api-subventions-asso__StockUniteLegale_utf8_excel_resaved.csv"])
    assert resaved.totals()["actors"]["created"] == 5 and resaved.totals()["actors"]["flags"] == {"themes_unmapped": 2}
    _reconciled(store, resaved, before)
    found = _actors(store)
    club = found["siren:317339752"]  # 91.3E in NAF 1993: no theme read from it as if it were NAF rev. 2
    assert club["themes"] == [] and "NAF1993" in club["extra"]["themes_unmapped"]
    assert club["kind"] == "association" and club["extra"]["created"] == "1979-01-01"  # 01/01/1979
    assert found["siren:319310587"]["kind"] == "foundation" and found["siren:319310587"]["themes"] == ["culture"]
    both = load_files(store, [REAL / "sirene" / "goSirene__StockUniteLegale_utf8.csv",
                              REAL / "sirene" / "goSirene__StockEtablissement_utf8_geo.csv"])
    assert both.totals()["actors"]["created"] == 1
    assert _actors(store)["siren:005420021"]["name"] == "ETABLISSEMENTS LUCIEN BIQUEZ"


def test_legacy_geo_sirene_refused_up_front(store):
    with pytest.raises(DataError, match="legacy SIRENE v2 format .* StockUniteLegale and StockEtablissement"):
        load_files(store, [REAL / "sirene" / "sirene_as_api__geo_sirene_v2_monthly_stock.csv"])
    assert store.stats()["actors"] == 0


def test_rna_waldec_and_import_files(store):
    waldec = load_files(store, [REAL / "rna" / "rna_as_api__rna_sample_waldec.csv"])
    assert waldec.files[0].skipped == {"dissolved": 1} and waldec.totals()["actors"]["created"] == 2
    imported = load_files(store, [REAL / "rna" / "rna_as_api__rna_sample_import.csv"])
    assert imported.totals()["actors"]["created"] == 3
    found = _actors(store)
    indigo = found["rna:W751085568"]  # keyed by the W number its row carries
    assert indigo["kind"] == "association" and indigo["commune"] == "75056"  # Paris 14e → Paris
    assert indigo["extra"]["rna_import_id"] == "751P00085568"
    assert store.stats()["actors"] == 5


# file → (grant rows, rejected, grants created, grants with a field left unread): counted with the csv
# module alone (HAND_COUNTS.md): Antibes' periods are the schema's own `start/end`; Maine-et-Loire has
# 75 distinct grants, 55 `start/end` periods in ISO, 16 whose end (or start) is text (« fin-action »,
# « NC/2019-06-30 »…), the others single dates or empty
SCDL_AS_WRITTEN = {"Antibes_excerpt.csv": (3, 0, 3, 0), "MaineEtLoire_CD49_conventions.csv": (75, 0, 75, 16)}


@pytest.mark.parametrize("name", sorted(SCDL_AS_WRITTEN))
def test_scdl_periods_as_the_schema_writes_them_and_text_in_them_lose_no_grant(store, name):
    rows, rejected, created, unread = SCDL_AS_WRITTEN[name]
    before = store.stats()
    report = load_files(store, [REAL / "scdl" / name], on_error="skip")
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert (grants.rows, grants.rejected) == (rows, rejected)
    totals = report.totals()["partnerships"]
    assert totals["created"] == created and totals["flags"].get("field_unread", 0) == unread
    _reconciled(store, report, before)
    periods = [t["extra"].get("payment") for t in _ties(store)]
    assert "2024-01-25_2024-03-29" in periods or name != "Antibes_excerpt.csv"
    if unread:
        tie = next(t for t in _ties(store) if "fin-action" in (t["extra"].get("unread") or ""))
        assert tie["extra"]["payment"].endswith("_") and tie["start"]  # the start kept, the text kept as written


def test_maine_et_loire_mojibake_mended_and_a_quoted_siret_read(store):
    load_files(store, [REAL / "scdl" / "MaineEtLoire_CD49_conventions.csv"], on_error="skip")
    found = _actors(store)
    grantor = found["siren:224900019"]  # « 224 900 019 000 15' »: a spreadsheet's quote, not part of it
    assert grantor["extra"]["identity"] == "id_normalised"
    restos = next(a for a in found.values() if a["name"].startswith("LES RESTAURANTS DU C"))
    assert restos["name"] == "LES RESTAURANTS DU CŒUR - LES RELAIS DU CŒUR DE MAINE-ET-LOIRE"
    assert restos["extra"]["mojibake"].startswith("repaired: LES RESTAURANTS DU CÅ’UR")


RESERVE = REAL / "state" / "reserve_parlementaire_2013.csv"
COG_RESERVE = sorted((Path(__file__).parent / "fixtures" / "cog-reserve").glob("*.json"))


def test_the_reserve_parlementaire_programme_to_beneficiary_communes_joined_by_their_departement(store):
    # HAND_COUNTS.md « Réserve parlementaire »: 10,956 rows, one repeated exactly; 71 programmes and
    # rows without one (paid by the State); 10,718 beneficiaries by name within their deputy's
    # département, of which 4 are communes of the COG slice (three Thoiry: the postcode tells which)
    load_files(store, COG_RESERVE)
    before = store.stats()
    report = load_files(store, [RESERVE])
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert (grants.rows, grants.rejected) == (10956, 0)
    totals = report.totals()
    assert (totals["partnerships"]["created"], totals["partnerships"]["duplicates"]) == (10955, 1)
    assert totals["partnerships"]["flags"] == {"joined_by_name": 4}
    assert totals["actors"]["created"] == 72 + 10718 - 4
    _reconciled(store, report, before)
    actors, ties = _actors(store), _ties(store)
    communes = {a["id"] for a in actors.values() if a["extra"].get("source") == "COG"}
    joined = {t["target"]: t for t in ties if t["target"] in communes}
    assert sorted(joined) == ["siren:210104196", "siren:215900010", "siren:217302942", "siren:218000164"]
    assert joined["siren:217302942"]["extra"]["address"] == "73230 Thoiry"  # Thoiry (Savoie), not the Ain's
    assert joined["siren:215900010"]["extra"]["proposed_by"] == "VILLAIN François-Xavier"  # Abancourt (Nord)
    assert actors["etat:reserve-parlementaire"]["kind"] == "public_body"
    assert sum(1 for t in ties if t["source"] == "etat:reserve-parlementaire") == 397
    tie = next(t for t in ties if t["source"] == "programme:219" and t["extra"].get("deputy_id") == "PA267429")
    assert (tie["start"], tie["extra"]["start_precision"], tie["amount"]) == ("2013-01-01", "year", 1000)


AUDE = {  # derived import-error reports: every row repeated once per error (HAND_COUNTS.md « Aude »)
    "Aude_CD11_2019_publiINTERNET_importerrors_DERIVED.csv": (8, 4, 4, 0, 5),
    "Aude_CD11_23k_importerrors_DERIVED.csv": (535, 439, 9, 87, 101),
}


@pytest.mark.parametrize("name", sorted(AUDE))
def test_the_aude_files_repeated_rows_counted_once(store, name):
    rows, ties, duplicates, merged, actors = AUDE[name]
    report = load_files(store, [REAL / "scdl" / name], grantor="221100019")  # the 23k file names no grantor
    grants = next(f for f in report.files if f.kind == "partnerships")
    assert (grants.rows, grants.rejected) == (rows, 0)
    totals = report.totals()
    assert (totals["partnerships"]["created"], totals["partnerships"]["duplicates"],
            totals["partnerships"]["merged"]) == (ties, duplicates, merged)
    assert totals["actors"]["created"] == store.stats()["actors"] == actors


# the rest of ../shared/data/real/, each with what Python's csv module alone counts in it (HAND_COUNTS.md
# « The other files »): (files, kind, rows read, rows rejected, created, skipped by reason)
OTHERS = {
    "Poitiers 2017": (["scdl/Poitiers_2017_subventions.csv"], "partnerships", 562, 0, 562, {}),
    "Somme 2018-03-30": (["scdl/Somme_20180330_DONNEES_CONVENTIONS.csv"], "partnerships", 11, 0, 11, {}),
    "Toulouse 2023": (["scdl/Toulouse_subventions_2023.csv"], "partnerships", 551, 0, 551, {}),
    "RNA re-encoded import": (["rna/rna_as_api__reencode_test_import.csv"], "actors", 8, 0, 8, {"dissolved": 1}),
    "QPV sample": (["qpv/gazetteer__listeqp2024_sample.csv"], "territories", 4, 0, 4, {}),
    "SIRENE samples": (["sirene/sirene_as_api__sample_unites_legales_OK.csv",
                        "sirene/sirene_as_api__sample_etablissements_OK.csv"], "actors", 0, 0, 0,
                       {"individual entrepreneur (category 1000)": 1, "closed (etatAdministratifUniteLegale C)": 2}),
}


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_the_other_real_files_load_whole(store, name):
    files, kind, rows, rejected, created, skipped = OTHERS[name]
    before = store.stats()
    report = load_files(store, [REAL / f for f in files], on_error="skip")
    read = [f for f in report.files if f.kind == kind and f.path == str(REAL / files[0])]
    assert (read[0].rows, read[0].rejected, read[0].skipped) == (rows, rejected, skipped)
    assert report.totals().get(kind, {}).get("created", 0) == created
    assert report.bad_rows == 0
    _reconciled(store, report, before)

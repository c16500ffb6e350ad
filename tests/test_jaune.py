"""The State's subsidies to associations (« jaune budgétaire »): programme → association ties."""

from __future__ import annotations

from pathlib import Path

from maillage.graph import ActorFilter
from maillage.loaders.pipeline import load_files

REAL = Path(__file__).parent / "fixtures" / "real" / "state"
HEADER = "SIREN;ASSOCIATION;IMPUTATION;Total des subventions;Détail des subventions"


def _actors(store) -> dict[str, dict]:
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_the_real_jaune_gives_one_tie_per_detail_row(store):
    # HAND_COUNTS.md « jaune »: 6,000 rows = 2,784 totals + 3,216 details; 2,784 SIRENs, 73 programmes
    path = next(REAL.glob("jaune_*.csv"))
    report = load_files(store, [path])
    totals = report.totals()
    assert totals["partnerships"]["created"] == store.stats()["partnerships"] == 3216
    assert sum(f.skipped.get("an association's total (its detail rows are the ties)", 0) for f in report.files) == 2784
    assert totals["actors"]["created"] == store.stats()["actors"] == 2784 + 73
    assert totals["actors"]["flags"] == {"id_unusable": 66}  # SIRENs that fail their check digit: keyed by name
    assert not report.conflicts  # every total equals the sum of its details
    found = _actors(store)
    programme = found["programme:163"]
    assert programme["name"] == "Programme 163 – Jeunesse et vie associative" and programme["kind"] == "public_body"
    assert programme["extra"]["ministry"] == "Services du Premier ministre"
    soleil = found["siren:490135456"]
    assert (soleil["name"], soleil["kind"]) == ("1 2 3 SOLEIL LUDOTHEQUE", "association")
    assert soleil["extra"]["departement"] == "06" and soleil["extra"]["commune_name"] == "MOUANS SARTOUX"
    tie = next(t for t in store.partnership_rows(ActorFilter()) if t["target"] == "siren:490135456")
    assert (tie["source"], tie["amount"], tie["start"]) == ("programme:163", 3000, "2010-01-01")
    assert tie["extra"]["start_precision"] == "year"  # the jaune says the year, not the day


def test_a_total_its_details_do_not_add_up_to_is_reported(store, write):
    path = write("plf-2014-jaune-associations-subventionnees-en-2012.csv", "\n".join([
        HEADER, "775672272;CROIX ROUGE - 75 PARIS;;5 000;",
        "775672272;CROIX ROUGE - 75 PARIS;Santé: 204 - Prévention;;3 000",
        "775672272;CROIX ROUGE - 75 PARIS;Solidarité: 177 - Hébergement;;1 000"]) + "\n", "cp1252")
    report = load_files(store, [path])
    assert [(c.key, c.field, c.stored, c.given) for c in report.conflicts] == [("siren:775672272", "total", 5000, 4000)]
    starts = {t["start"] for t in store.partnership_rows(ActorFilter())}
    assert starts == {"2012-01-01"} and store.stats()["partnerships"] == 2

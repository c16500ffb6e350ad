"""Public contracts (DECP) as published: the 2019 and 2022 JSON formats and the consolidated table."""

from __future__ import annotations

import json
from pathlib import Path

from maillage.graph import ActorFilter
from maillage.loaders.pipeline import load_files

REAL = Path(__file__).parent / "fixtures" / "real" / "decp"
BUYER = "21670482500019"  # Strasbourg
HOLDER, OTHER = "55211846500046", "73282932000074"


def _ties(store) -> list[dict]:
    return list(store.partnership_rows(ActorFilter()))


def _actors(store) -> dict[str, dict]:
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_the_two_real_files_give_every_contract_holder_pair_once(store):
    # counted from the files with the json module (HAND_COUNTS.md, « DECP »): 580 contracts, 694
    # contract–holder pairs after modifications, 10 of them published twice, 2 whose holder is the buyer
    report = load_files(store, sorted(REAL.glob("*.json")), on_error="skip")
    totals = report.totals()
    contracts = [t for t in _ties(store) if t["kind"] == "marche_public"]
    co_holders = [t for t in _ties(store) if t["kind"] == "cooperation"]
    assert len(contracts) == 694 - 10 - 2 and len(co_holders) == 284
    assert sum(f.skipped.get("the same contract and holder published twice (counted once)", 0)
               for f in report.files) == 10
    assert report.bad_rows == 2
    assert totals["partnerships"]["created"] == store.stats()["partnerships"] == 682 + 284
    assert totals["partnerships"]["flags"]["co_holders"] == 284
    assert totals["actors"]["created"] == store.stats()["actors"]
    modified = next(t for t in contracts if t["extra"].get("contract_id") == "2018000000000701")
    assert modified["amount"] == 48451 and modified["extra"]["amount_initial"] == 47304  # avenant n°1 applied
    assert modified["start"] == "2018-09-24" and modified["end"] == "2018-10-24"  # one month
    foreign = _actors(store)["tva:IT00802230151"]  # an Italian foundation, by its VAT number
    assert foreign["name"] == "Fondazione Piccolo Teatro Milano"
    # a notification after the data's own publication date is impossible: left out, kept as published
    late = next(t for t in contracts if t["extra"].get("contract_id") == "2018KC0100")
    assert late["start"] is None and late["extra"]["date_implausible"]
    assert late["extra"]["unread"].startswith("dateNotification: 2018-11-27")


def _contract_2022(**changes) -> dict:
    contract = {"id": "2024-001", "acheteur": {"id": BUYER}, "nature": "Marché", "objet": "Insertion",
                "codeCPV": "45000000-7", "procedure": "Appel d'offres ouvert", "dureeMois": 12,
                "dateNotification": "2024-05-15", "datePublicationDonnees": "2024-05-25", "montant": 575000,
                "considerationsSociales": {"considerationSociale": ["Clause sociale", "Critère social"]},
                "titulaires": [{"titulaire": {"id": HOLDER, "typeIdentifiant": "SIRET"}},
                               {"titulaire": {"id": OTHER, "typeIdentifiant": "SIRET"}}],
                "modifications": [{"modification": {"id": 1, "montant": 600000, "dureeMois": 18,
                                                    "dateNotificationModification": "2024-10-18"}}]}
    contract.update(changes)
    return contract


def test_the_2022_format_names_no_one_and_wraps_its_holders(store, write):
    path = write("decp-2022.json", json.dumps({"marches": {"marche": [
        _contract_2022(), _contract_2022(id="2024-002", montant=999999.0, dateNotification="1899-01-01",
                                         titulaires=[{"titulaire": {"id": HOLDER, "typeIdentifiant": "SIRET"}}],
                                         modifications=[])]}}))
    report = load_files(store, [path])
    ties = {(t["extra"].get("contract_id") or t["extra"]["co_holders"], t["kind"], t["target"]): t
            for t in _ties(store)}
    shared = ties[("2024-001", "marche_public", "siren:552118465")]
    assert "amount" not in shared or shared["amount"] is None  # two co-holders share it
    assert shared["extra"]["contract_amount"] == 600000 and shared["extra"]["holders"] == 2
    assert shared["extra"]["amount_initial"] == 575000 and shared["extra"]["duration_months"] == 18
    assert shared["extra"]["considerationsSociales"] == "Clause sociale; Critère social"
    assert ("2024-001", "cooperation", "siren:732829320") in ties  # the two co-holders, tied to each other
    odd = ties[("2024-002", "marche_public", "siren:552118465")]
    assert odd["amount"] is None and odd["start"] is None
    assert odd["extra"]["amount_implausible"] and odd["extra"]["date_implausible"]
    holder = _actors(store)["siren:552118465"]
    assert holder["name"] == "siren:552118465" and holder["extra"]["name_from_id"]
    assert _actors(store)["siren:216704825"]["kind"] == "collectivite"  # the buyer, by its SIREN
    assert report.totals()["partnerships"]["flags"]["amount_implausible"] == 1


def test_the_consolidated_table_one_row_per_holder(store, write):
    header = "uid,id,acheteur_id,acheteur_nom,titulaire_id,titulaire_typeIdentifiant,titulaire_nom,montant," \
             "dateNotification,dureeMois,codeCPV,procedure,donneesActuelles"
    rows = [f"{BUYER}X1,X1,{BUYER},VILLE DE STRASBOURG,{HOLDER},SIRET,IBM FRANCE,100000,2023-03-01,6,72000000,"
            "Procédure adaptée,true",
            f"{BUYER}X1,X1,{BUYER},VILLE DE STRASBOURG,{OTHER},SIRET,SNCF,100000,2023-03-01,6,72000000,"
            "Procédure adaptée,true",
            f"{BUYER}X0,X0,{BUYER},VILLE DE STRASBOURG,{HOLDER},SIRET,IBM FRANCE,5,2022-01-01,6,72000000,"
            "Procédure adaptée,false"]
    path = write("decp.csv", "\n".join([header, *rows]) + "\n")
    report = load_files(store, [path])
    kinds = sorted(t["kind"] for t in _ties(store))
    assert kinds == ["cooperation", "marche_public", "marche_public"]
    assert sum(f.skipped.get("a superseded version of a contract", 0) for f in report.files) == 1
    assert _actors(store)["siren:552118465"]["name"] == "IBM FRANCE"


def test_a_contract_with_a_collectivite_is_the_cog_actor(store, write):
    # the Département de la Somme as a buyer: SIREN 228000014, the same actor the COG load creates
    path = write("somme.json", json.dumps({"marches": [
        {"id": "S1", "acheteur": {"id": "22800001400016", "nom": "DEPARTEMENT DE LA SOMME"}, "montant": 50000,
         "dateNotification": "2019-01-10", "titulaires": [{"id": HOLDER, "typeIdentifiant": "SIRET",
                                                           "denominationSociale": "IBM FRANCE"}]}]}))
    load_files(store, [path])
    assert _actors(store)["siren:228000014"]["kind"] == "collectivite"

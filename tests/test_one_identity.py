"""One collectivité, one actor: the COG, SCDL subsidies, DECP contracts and the jaune loaded together."""

from __future__ import annotations

import json
from pathlib import Path

from maillage.graph import ActorFilter
from maillage.loaders.pipeline import load_files

from .opendata_files import STRASBOURG_SIREN, siret

COG = sorted((Path(__file__).parent / "fixtures" / "cog").glob("*.json"))
ASSOCIATION = "775672272"  # one association, named differently by each publisher
SCDL_HEADER = "nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;idBeneficiaire;objet;montant"


def _actors(store) -> dict[str, dict]:
    return {row["id"]: row for row in store.actor_rows(ActorFilter())}


def test_one_collectivite_is_one_actor_across_every_source(store, write):
    load_files(store, COG)
    before = _actors(store)
    scdl = write("subventions.csv", "\n".join([
        SCDL_HEADER,
        f"Ville de Strasbourg;{siret(STRASBOURG_SIREN, 1)};2023-02-01;Croix-Rouge;{siret(ASSOCIATION, 1)};Épicerie;5000",
        # the région named, not identified: certainly the Région Grand Est
        f"Ville de Strasbourg;{siret(STRASBOURG_SIREN, 1)};2023-03-01;REGION GRAND EST;;Cofinancement;100",
        # the Collectivité européenne d'Alsace grants: its SIRET
        f"Collectivité européenne d'Alsace;{siret('200094332', 1)};2023-04-01;CROIX ROUGE;{ASSOCIATION};Aide;700",
    ]) + "\n")
    decp = write("decp.json", json.dumps({"marches": [{
        "id": "2023-7", "acheteur": {"id": siret("200094332", 2), "nom": "CEA"}, "montant": 90000,
        "dateNotification": "2023-05-02", "titulaires": [
            {"typeIdentifiant": "SIRET", "id": siret(ASSOCIATION, 3), "denominationSociale": "CRF"}]}]}))
    jaune = write("plf-2025-jaune-associations-subventionnees-en-2023.csv", "\n".join([
        "SIREN;ASSOCIATION;IMPUTATION;Total des subventions;Détail des subventions",
        f"{ASSOCIATION};CROIX ROUGE FRANCAISE - 75 PARIS;;1 000;",
        f"{ASSOCIATION};CROIX ROUGE FRANCAISE - 75 PARIS;Solidarités: 304 - Inclusion sociale;;1 000"]) + "\n", "cp1252")
    for path in (scdl, decp, jaune):
        load_files(store, [path])
    after = _actors(store)
    new = sorted(set(after) - set(before))
    # only the association and the programme are new: every collectivité was already the COG's actor
    assert new == ["programme:304", f"siren:{ASSOCIATION}"]
    ties = {(t["source"], t["target"], t["kind"]) for t in store.partnership_rows(ActorFilter())}
    assert ties == {
        (f"siren:{STRASBOURG_SIREN}", f"siren:{ASSOCIATION}", "subvention"),
        (f"siren:{STRASBOURG_SIREN}", "siren:200052264", "subvention"),  # Région Grand Est, by its name
        ("siren:200094332", f"siren:{ASSOCIATION}", "subvention"),
        ("siren:200094332", f"siren:{ASSOCIATION}", "marche_public"),
        ("programme:304", f"siren:{ASSOCIATION}", "subvention"),
    }
    assert after["siren:200052264"]["kind"] == "collectivite" and after["siren:200094332"]["kind"] == "collectivite"


def test_certain_evidence_replaces_a_guessed_kind_and_says_so(store, write):
    number = siret("441370806", 16)
    load_files(store, [write("sub.csv", SCDL_HEADER + f"\nVille;{siret(STRASBOURG_SIREN, 1)};2020-01-01;"
                                         f"LES JARDINS DU COEUR;{number};x;10\n")])
    guessed = _actors(store)["siren:441370806"]
    assert (guessed["kind"], guessed["extra"]["kind_unknown"]) == ("unknown", True)  # the file says nothing
    rna = write("rna.csv", "id;siret;titre;objet_social1;adrs_codeinsee;position\n"
                           f"W672001234;{number};LES JARDINS DU COEUR;;67482;A\n")
    report = load_files(store, [rna])
    found = _actors(store)["siren:441370806"]
    assert found["kind"] == "association" and "kind_unknown" not in found["extra"]
    assert found["extra"]["kind_replaced"] == "unknown → association"
    assert report.totals()["actors"]["flags"] == {"kind_replaced": 1}


COG_TOULOUSE = sorted((Path(__file__).parent / "fixtures" / "cog-toulouse").glob("*.json"))
TOULOUSE_2022 = Path(__file__).parent / "fixtures" / "real" / "scdl" / "Toulouse_subventions_2022.csv"
# the nine communes of Toulouse Métropole the 2022 file names « COMMUNE DE … » (hand count,
# tests/fixtures/real/HAND_COUNTS.md): Fenouillet twice; « COMMUNE DE MALAGA » is none of them
JOINED_COMMUNES = {"213100225": 1, "213101165": 1, "213101496": 1, "213101579": 1, "213101827": 2,
                   "213104458": 1, "213104904": 1, "213105067": 1, "213105554": 1}


def test_a_metropole_and_its_communes_named_without_identifiers_are_the_cog_s(store):
    """Toulouse Métropole publishes its SIRET Excel-rounded (« 2,43E+13 ») and its communes by name:
    once the COG is loaded, both are the COG's actors, every join said on its tie."""
    load_files(store, COG_TOULOUSE)
    report = load_files(store, [TOULOUSE_2022], on_error="skip")
    ties = list(store.partnership_rows(ActorFilter()))
    assert {tie["source"] for tie in ties} == {"siren:243100518"}
    joined = {}
    for tie in ties:
        if tie["target"].startswith("siren:2131"):
            joined[tie["target"].removeprefix("siren:")] = joined.get(tie["target"].removeprefix("siren:"), 0) + 1
            assert "the collectivité " + tie["target"] in tie["extra"]["joined_by_name"]
    assert joined == JOINED_COMMUNES
    assert report.totals()["partnerships"]["flags"]["joined_by_name"] == 396  # every tie: its grantor was joined
    actors = _actors(store)
    assert not any(key.endswith(("/COMMUNE DE COLOMIERS", "/COMMUNE DE ST JORY")) for key in actors)
    assert any(key.endswith("/COMMUNE DE MALAGA") for key in actors)  # not a commune of the Haute-Garonne
    assert "nom:TOULOUSE METROPOLE" not in actors


def test_a_name_two_communes_share_joins_neither(store, write):
    communes = [{"code": code, "nom": "Saint-Martin", "departement": "31", "region": "76", "type": "commune-actuelle",
                 "siren": siren} for code, siren in (("31001", "213100019"), ("31002", "213100027"))]
    cog = [write("communes.json", json.dumps(communes)),
           write("departements.json", json.dumps([{"code": "31", "region": "76", "nom": "Haute-Garonne"}]))]
    load_files(store, cog)
    grants = write("subventions.csv", SCDL_HEADER + f"\nDépartement de la Haute-Garonne;{siret('223100017', 1)};"
                   "2023-02-01;COMMUNE DE SAINT MARTIN;;Voirie;5000\n")
    report = load_files(store, [grants])
    assert "joined_by_name" not in report.totals()["partnerships"]["flags"]
    assert any(key.endswith("/COMMUNE DE SAINT MARTIN") for key in _actors(store))


def test_a_party_first_known_by_its_siren_alone_takes_the_name_a_later_file_gives(store, write):
    nameless = write("first.csv", SCDL_HEADER + f"\nVille de Strasbourg;{siret(STRASBOURG_SIREN, 1)};2023-02-01;;"
                     f"{siret(ASSOCIATION, 1)};Aide;500\n")
    load_files(store, [nameless])
    assert _actors(store)[f"siren:{ASSOCIATION}"]["name"] == f"siren:{ASSOCIATION}"
    named = write("second.csv", SCDL_HEADER + "".join(
        f"\nVille de Strasbourg;{siret(STRASBOURG_SIREN, 1)};2024-0{month}-01;Croix-Rouge française;"
        f"{siret(ASSOCIATION, 1)};Aide {month};600" for month in (2, 3)) + "\n")
    report = load_files(store, [named])
    actor = _actors(store)[f"siren:{ASSOCIATION}"]
    assert actor["name"] == "Croix-Rouge française" and not actor["extra"].get("name_from_id")
    assert report.totals()["actors"]["updated"] == 1 and not report.conflicts
    assert store.stats()["partnerships"] == 3

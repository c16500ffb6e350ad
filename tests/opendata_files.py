"""Open-data fixtures in the published formats (headers exactly as published), small or scaled up.

The identifiers are synthetic but valid (Luhn), except the communes' SIRENs, which are the
COG's. ``write_small`` writes the awkward cases each test names; ``write_departement`` scales the
same shapes up to a département's worth, deterministically.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from maillage.identifiers import luhn_valid

RNA_HEADER = ("id;id_ex;siret;rup_mi;gestion;date_creat;date_decla;date_publi;date_disso;nature;groupement;titre;"
              "titre_court;objet;objet_social1;objet_social2;adrs_complement;adrs_numvoie;adrs_repetition;"
              "adrs_typevoie;adrs_libvoie;adrs_distrib;adrs_codeinsee;adrs_codepostal;adrs_libcommune;"
              "adrs_gestion_nom;adrs_gestion_geo;adrs_gestion_libvoie;adrs_gestion_distrib;adrs_gestion_codepostal;"
              "adrs_gestion_acheminement;adrs_gestion_pays;dir_civilite;siteweb;publiweb;observation;position;"
              "maj_time").split(";")
UNITS_HEADER = ("siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
                "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
                "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,"
                "trancheEffectifsUniteLegale,anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,"
                "nombrePeriodesUniteLegale,categorieEntreprise,anneeCategorieEntreprise,dateDebut,"
                "etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,denominationUniteLegale,"
                "denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,denominationUsuelle3UniteLegale,"
                "categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,nomenclatureActivitePrincipaleUniteLegale,"
                "nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,societeMissionUniteLegale,"
                "caractereEmployeurUniteLegale").split(",")
ESTABLISHMENTS_HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,libellePaysEtrangerEtablissement,"
    "identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,coordonneeLambertOrdonneeEtablissement,"
    "complementAdresse2Etablissement,numeroVoie2Etablissement,indiceRepetition2Etablissement,typeVoie2Etablissement,"
    "libelleVoie2Etablissement,codePostal2Etablissement,libelleCommune2Etablissement,"
    "libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,codeCommune2Etablissement,"
    "codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement").split(",")
SCDL_HEADER = ("nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,"
               "rnaBeneficiaire,objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,"
               "pourcentageSubvention,dispositifAide").split(",")
SCDL_LABELS = ["Nom de l'attribuant", "Identifiant de l'attribuant", "Date de la convention",
               "Référence de la décision", "Nom du bénéficiaire", "Identifiant du bénéficiaire",
               "Numéro RNA du bénéficiaire", "Objet du dossier", "Montant", "Nature de la subvention",
               "Conditions de versement", "Dates ou périodes de versement", "Identifiant RAE", "Notification UE",
               "Pourcentage de la subvention", "Dispositif d'aide"]
QPV_HEADER = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci".split(";")
STRASBOURG_SIREN = "216704825"
COMMUNES_67 = ["67482", "67043", "67218", "67447", "67180"]


def siren(n: int) -> str:
    """A valid SIREN (Luhn) made from ``n`` (8 digits + check digit)."""
    base = f"{n % 10**8:08d}"
    return next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))


def siret(siren_: str, nic: int = 1) -> str:
    base = f"{siren_}{nic:04d}"
    return next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))


def rna(n: int, departement: str = "67") -> str:
    return f"W{departement}{n:07d}"[:10]


def _write(path: Path, header, rows, delimiter=",", encoding="utf-8", bom=False) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def rna_row(number: int, title: str, commune: str, social: str = "020010", **changes) -> dict:
    row = {"id": rna(number), "id_ex": "", "siret": "", "rup_mi": "", "gestion": "672P", "date_creat": "1985-03-12",
           "date_decla": "2015-06-01", "date_publi": "1985-04-01", "date_disso": "0001-01-01", "nature": "D",
           "groupement": "S", "titre": title, "titre_court": "", "objet": f"objet de {title}", "objet_social1": social,
           "objet_social2": "000000", "adrs_codeinsee": commune, "adrs_codepostal": "67000",
           "adrs_libcommune": "STRASBOURG", "siteweb": "", "position": "A", "maj_time": "2024-01-15 10:12:00"}
    row.update(changes)
    return row


def unit_row(siren_: str, name: str, category: str, naf: str, **changes) -> dict:
    row = {"siren": siren_, "statutDiffusionUniteLegale": "O", "unitePurgeeUniteLegale": "",
           "dateCreationUniteLegale": "1990-01-01", "denominationUniteLegale": name, "categorieJuridiqueUniteLegale": category,
           "activitePrincipaleUniteLegale": naf, "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
           "etatAdministratifUniteLegale": "A", "nicSiegeUniteLegale": "00012", "economieSocialeSolidaireUniteLegale": "N",
           "caractereEmployeurUniteLegale": "O", "dateDebut": "2020-01-01"}
    row.update(changes)
    return row


def seat_row(siren_: str, commune: str, siege: bool = True, nic: int = 12) -> dict:
    return {"siren": siren_, "nic": f"{nic:05d}", "siret": siret(siren_, nic), "statutDiffusionEtablissement": "O",
            "etablissementSiege": "true" if siege else "false", "codeCommuneEtablissement": commune,
            "etatAdministratifEtablissement": "A", "codePostalEtablissement": "67000"}


def write_small(folder: Path) -> dict[str, Path]:
    """The awkward cases, a few dozen rows per source."""
    folder.mkdir(parents=True, exist_ok=True)
    food_bank, software, closed, ghost = siren(31030577), siren(48219511), siren(52100077), siren(41000002)
    rows = [
        rna_row(1, "BANQUE ALIMENTAIRE DU BAS-RHIN", "67482", siret=siret(food_bank, 12)),
        rna_row(2, "CLUB DE FOOTBALL DE BISCHHEIM", "67043", "011005"),
        rna_row(3, "ASSOCIATION DISSOUTE", "67482", position="D"),
        rna_row(4, "AMICALE DISSOUTE EN 2019", "67482", date_disso="2019-05-03"),
        rna_row(5, "SECTION PARISIENNE", "75108", "006005"),
        rna_row(6, "SANS OBJET DECLARE", "67218", "000000"),
        rna_row(7, "MAUVAIS SIRET", "67482", siret="31030577700035"),
        rna_row(8, "", "67482"),
        rna_row(9, "ATELIER NUMERIQUE DE SCHILTIGHEIM", "67447", "005020", objet_social2="019014"),
        rna_row(10, "HORS DU FILTRE", "68066"),
    ]
    paths = {"rna": _write(folder / "rna_waldec_20240101_dpt_67.csv", RNA_HEADER, rows, ";", bom=True)}
    paths["rna_cp1252"] = _write(folder / "rna_waldec_20150101_dpt_67.csv", RNA_HEADER,
                                 [rna_row(11, "ŒUVRE D'ENTRAIDE DES FAMILLES", "67482", "019005")], ";", "cp1252")
    units = [
        unit_row(food_bank, "BANQUE ALIMENTAIRE DU BAS RHIN", "9220", "88.99B", identifiantAssociationUniteLegale=rna(1)),
        unit_row(software, "ALSACE LOGICIELS SOLIDAIRES", "5710", "62.01Z"),
        unit_row(closed, "ENTREPRISE FERMEE", "5499", "47.11B", etatAdministratifUniteLegale="C"),
        unit_row(siren(61000001), "", "1000", "85.59A", nomUniteLegale="DUPONT", prenom1UniteLegale="JEAN"),
        unit_row(siren(62000001), "[ND]", "5710", "62.01Z", statutDiffusionUniteLegale="P"),
        unit_row(STRASBOURG_SIREN, "COMMUNE DE STRASBOURG", "7210", "84.11Z"),
        unit_row(siren(63000001), "ENTREPRISE DE MULHOUSE", "5710", "62.02A"),
        unit_row(siren(64000001), "LYCEE JEAN MONNET", "7331", "85.31Z"),
    ]
    seats = [seat_row(food_bank, "67482"), seat_row(food_bank, "67218", siege=False, nic=20),
             seat_row(software, "67218"), seat_row(closed, "67482"), seat_row(siren(61000001), "67482"),
             seat_row(siren(62000001), "67482"), seat_row(STRASBOURG_SIREN, "67482", nic=19),
             seat_row(siren(63000001), "68224"), seat_row(siren(64000001), "67482")]
    paths["units"] = _write(folder / "StockUniteLegale_utf8.csv", UNITS_HEADER, units)
    paths["establishments"] = _write(folder / "StockEtablissement_utf8.csv", ESTABLISHMENTS_HEADER, seats)
    grants = [
        {"nomAttribuant": "Ville de Strasbourg", "idAttribuant": siret(STRASBOURG_SIREN, 19), "dateConvention": "2023-03-01",
         "referenceDecision": "DEL-2023-014", "nomBeneficiaire": "Banque alimentaire du Bas-Rhin",
         "idBeneficiaire": siret(food_bank, 12), "objet": "Fonctionnement", "montant": "15000", "nature": "aide en numéraire"},
        {"nomAttribuant": "Ville de Strasbourg", "idAttribuant": siret(STRASBOURG_SIREN, 19), "dateConvention": "2023-06-01",
         "nomBeneficiaire": "Club de football de Bischheim", "rnaBeneficiaire": rna(2), "objet": "Tournoi",
         "montant": "1500.5"},
        {"nomAttribuant": "Ville de Strasbourg", "idAttribuant": siret(STRASBOURG_SIREN, 19), "dateConvention": "2023-07-01",
         "nomBeneficiaire": "Comité des fêtes du Neudorf", "idBeneficiaire": siret(ghost, 15), "montant": "800"},
        {"nomAttribuant": "Ville de Strasbourg", "idAttribuant": "", "dateConvention": "2023-07-02",
         "nomBeneficiaire": "Sans attribuant", "idBeneficiaire": siret(ghost, 15), "montant": "100"},
        {"nomAttribuant": "Ville de Strasbourg", "idAttribuant": siret(STRASBOURG_SIREN, 19), "dateConvention": "hier",
         "nomBeneficiaire": "Date illisible", "idBeneficiaire": siret(ghost, 15), "montant": "100"},
    ]
    paths["scdl"] = _write(folder / "subventions-strasbourg-2023.csv", SCDL_HEADER, grants)
    labelled = [{label: grants[0][name] for name, label in zip(SCDL_HEADER, SCDL_LABELS) if name in grants[0]}]
    labelled[0]["Montant"] = "15 000,00 €"
    paths["scdl_labels"] = _write(folder / "subventions-libelles.csv", SCDL_LABELS, labelled, ";")
    qpv = [{"code_qp": "QN06701M", "lib_qp": "Hautepierre", "insee_reg": "44", "lib_reg": "Grand Est", "insee_dep": "67",
            "lib_dep": "Bas-Rhin", "insee_com": '="67482"', "lib_com": "Strasbourg", "siren_epci": "246700488",
            "lib_epci": "Eurométropole de Strasbourg"},
           {"code_qp": "QN06702M", "lib_qp": "Neuhof", "insee_com": '="67482"', "lib_com": "Strasbourg", "insee_dep": "67"},
           {"code_qp": "QN06703M", "lib_qp": "Quartier intercommunal", "insee_com": '="67043;67447"',
            "lib_com": "Bischheim; Schiltigheim", "insee_dep": "67"}]
    paths["qpv"] = _write(folder / "listeqp2024-cog2024.csv", QPV_HEADER, qpv, ";")
    return paths


def write_departement(folder: Path, associations: int = 3000, companies: int = 3000, grants: int = 1000,
                      seed: int = 7) -> dict[str, Path]:
    """A département's worth of RNA, SIRENE and SCDL rows with the same shapes (a third of the
    associations also in SIRENE, linked by their RNA number)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    socials = ["020010", "011005", "006005", "019005", "024005", "030010", "015005", "017005", "000000"]
    rna_rows, units, seats = [], [], []
    for i in range(associations):
        commune = rng.choice(COMMUNES_67)
        rna_rows.append(rna_row(100 + i, f"ASSOCIATION NUMERO {i}", commune, rng.choice(socials),
                                position="D" if i % 50 == 0 else "A"))
        if i % 3 == 0:
            number = siren(70000000 + i)
            units.append(unit_row(number, f"ASSOCIATION NUMERO {i}", "9220", "94.99Z",
                                  identifiantAssociationUniteLegale=rna(100 + i)))
            seats.append(seat_row(number, commune))
    for i in range(companies):
        number = siren(80000000 + i)
        units.append(unit_row(number, f"ENTREPRISE {i}", rng.choice(["5710", "5499", "5720"]),
                              rng.choice(["62.01Z", "47.11B", "56.10A", "41.20A", "86.21Z"]),
                              etatAdministratifUniteLegale="C" if i % 40 == 0 else "A"))
        seats.append(seat_row(number, rng.choice(COMMUNES_67)))
    units.append(unit_row(STRASBOURG_SIREN, "COMMUNE DE STRASBOURG", "7210", "84.11Z"))
    seats.append(seat_row(STRASBOURG_SIREN, "67482", nic=19))
    grant_rows = []
    for i in range(grants):
        target = rng.randrange(associations)
        grant_rows.append({"nomAttribuant": "Ville de Strasbourg", "idAttribuant": siret(STRASBOURG_SIREN, 19),
                           "dateConvention": f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-01",
                           "referenceDecision": f"DEL-{i}", "nomBeneficiaire": f"ASSOCIATION NUMERO {target}",
                           "rnaBeneficiaire": rna(100 + target), "objet": "Fonctionnement",
                           "montant": str(rng.randint(5, 500) * 100)})
    return {"rna": _write(folder / "rna_waldec_dpt_67.csv", RNA_HEADER, rna_rows, ";", bom=True),
            "units": _write(folder / "StockUniteLegale_utf8.csv", UNITS_HEADER, units),
            "establishments": _write(folder / "StockEtablissement_utf8.csv", ESTABLISHMENTS_HEADER, seats),
            "scdl": _write(folder / "subventions.csv", SCDL_HEADER, grant_rows)}

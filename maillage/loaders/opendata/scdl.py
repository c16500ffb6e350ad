"""Subsidies in the SCDL ``subventions`` schema: each row a ``subvention`` from a grantor to a beneficiary.

The schema's columns (``nomAttribuant, idAttribuant, dateConvention, referenceDecision,
nomBeneficiaire, idBeneficiaire, rnaBeneficiaire, objet, montant, nature, conditionsVersement,
datesPeriodeVersement, idRAE, notificationUE, pourcentageSubvention, dispositifAide``) and the
label-style headers seen in published files (``Nom de l'attribuant``, ``Identifiant du
bénéficiaire`` …) are both read, ``,`` or ``;``-separated. The grantor is the actor of its SIRET's
SIREN, the beneficiary that of its SIRET or RNA number. A party the store does not know yet is
created from the row (grantors as collectivités; beneficiaries as associations when they have an
RNA number or an association-like name, else companies, flagged ``kind_guessed``): loading RNA,
SIRENE or the COG later fills them in, since identifiers make them one actor.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ...model import parse_amount, parse_date
from ..formats import RowProblem, read_csv, read_header
from .common import Item, clean, fold_header

__all__ = ["recognises", "translate", "ALIASES"]

ALIASES = {
    "nomAttribuant": ("nomattribuant", "nomdelattribuant", "attribuant", "nomdelacollectivite"),
    "idAttribuant": ("idattribuant", "identifiantdelattribuant", "siretdelattribuant", "siretattribuant"),
    "dateConvention": ("dateconvention", "datedelaconvention", "datedeconvention", "datedeladecision"),
    "referenceDecision": ("referencedecision", "referencedeladecision", "numerodeladecision"),
    "nomBeneficiaire": ("nombeneficiaire", "nomdubeneficiaire", "beneficiaire", "raisonsocialedubeneficiaire"),
    "idBeneficiaire": ("idbeneficiaire", "identifiantdubeneficiaire", "siretdubeneficiaire", "siretbeneficiaire"),
    "rnaBeneficiaire": ("rnabeneficiaire", "numerornadubeneficiaire", "rnadubeneficiaire", "numerorna"),
    "objet": ("objet", "objetdudossier", "objetdelasubvention"),
    "montant": ("montant", "montantaccorde", "montantdelasubvention", "montantvote"),
    "nature": ("nature", "naturedelasubvention"),
    "conditionsVersement": ("conditionsversement", "conditionsdeversement"),
    "datesPeriodeVersement": ("datesperiodeversement", "datesouperiodesdeversement", "datesdeversement"),
    "idRAE": ("idrae", "identifiantrae"),
    "notificationUE": ("notificationue",),
    "pourcentageSubvention": ("pourcentagesubvention", "pourcentagedelasubvention"),
    "dispositifAide": ("dispositifaide", "dispositifdaide"),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_ASSOCIATION_WORDS = re.compile(r"\b(ASSOCIATION|ASSO|CLUB|AMICALE|COMITE|COMITÉ|FEDERATION|FÉDÉRATION|UNION|"
                                r"SOCIETE SPORTIVE|FOYER|CENTRE SOCIAL|LIGUE|CERCLE|ENTENTE)\b", re.IGNORECASE)
_EXTRA = ("referenceDecision", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE", "notificationUE",
          "pourcentageSubvention", "dispositifAide")


def _columns(header) -> dict[str, str]:
    """Source column → schema name, for the columns this loader understands."""
    return {column: _LOOKUP[fold_header(column)] for column in header if fold_header(column) in _LOOKUP}


def recognises(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    names = set(_columns(read_header(path)).values())
    return {"idAttribuant", "idBeneficiaire", "montant"} <= names or {"nomAttribuant", "nomBeneficiaire", "montant"} <= names


def _party(row: dict, prefix: str) -> tuple[str | None, str | None]:
    """(actor key, SIRET) of the grantor or the beneficiary; RNA for a beneficiary without SIRET."""
    identifier = re.sub(r"\s", "", clean(row.get(f"id{prefix}")) or "")
    if identifier.isdigit() and len(identifier) in (9, 14):
        return f"siren:{identifier[:9]}", identifier if len(identifier) == 14 else None
    rna = clean(row.get("rnaBeneficiaire")) if prefix == "Beneficiaire" else None
    if rna:
        return f"rna:{rna.upper()}", None
    return (identifier or None), None


def translate(paths, filters, *, resolve, progress=None, encoding=None, **_):
    created = set()
    for path in paths:
        mapping = None
        for line, raw in read_csv(path, encoding=encoding, progress=progress):
            if isinstance(raw, RowProblem):
                yield Item("partnerships", str(path), line, {"__problem__": str(raw)})
                continue
            if mapping is None:
                mapping = _columns(raw.keys())
            row = {mapping[column]: value for column, value in raw.items() if column in mapping}
            yield from _subsidy(path, line, row, {v: k for k, v in mapping.items()}, created, resolve)


def _subsidy(path, line, row, columns, created, resolve):
    grantor, grantor_siret = _party(row, "Attribuant")
    beneficiary, beneficiary_siret = _party(row, "Beneficiaire")
    names = {"source": columns.get("idAttribuant", "idAttribuant"), "target": columns.get("idBeneficiaire", "idBeneficiaire"),
             "start": columns.get("dateConvention", "dateConvention"), "amount": columns.get("montant", "montant"),
             "name": columns.get("nomBeneficiaire", "nomBeneficiaire")}
    known = resolve([key for key in (grantor, beneficiary) if key]) if resolve else {}
    for key, siret, name, kind in ((grantor, grantor_siret, clean(row.get("nomAttribuant")), "collectivite"),
                                   (beneficiary, beneficiary_siret, clean(row.get("nomBeneficiaire")), None)):
        if key and key not in known and key not in created and name:
            created.add(key)
            yield Item("actors", str(path), line, _new_actor(key, siret, name, kind, row), dict(names, siret=names["target"]))
    digest = hashlib.sha1("|".join(_normal(row, c) for c in (
        "idAttribuant", "referenceDecision", "dateConvention", "idBeneficiaire", "rnaBeneficiaire", "objet", "montant")
    ).encode()).hexdigest()[:16]
    out = {"id": f"scdl:{digest}", "source": grantor, "target": beneficiary, "kind": "subvention",
           "start": clean(row.get("dateConvention")), "amount": clean(row.get("montant")),
           "description": clean(row.get("objet")), **{name: clean(row.get(name)) for name in _EXTRA}}
    yield Item("partnerships", str(path), line, {k: v for k, v in out.items() if v is not None}, names)


def _normal(row: dict, column: str) -> str:
    """A cell as the id sees it: the same grant written ``15 000,00 €`` or ``15000`` is one grant."""
    value = clean(row.get(column)) or ""
    try:
        if column == "montant" and value:
            return repr(parse_amount(value))
        if column == "dateConvention" and value:
            return parse_date(value)
    except ValueError:
        pass
    return re.sub(r"\s", "", value) if column.startswith("id") else value


def _new_actor(key, siret, name, kind, row) -> dict:
    guessed = kind is None
    if guessed:
        kind = "association" if key.startswith("rna:") or _ASSOCIATION_WORDS.search(name) else "company"
    actor = {"name": name, "kind": kind, "source": "SCDL"}
    if key.startswith("siren:"):
        actor["siren"], actor["siret"] = key[6:], siret
    elif key.startswith("rna:"):
        actor["rna"] = key[4:]
    else:
        actor["id"] = key
    if key.startswith("siren:") and clean(row.get("rnaBeneficiaire")) and kind == "association":
        actor["rna"] = clean(row.get("rnaBeneficiaire"))
    if guessed:
        actor["kind_guessed"] = "from the subsidy's beneficiary name"
    return {k: v for k, v in actor.items() if v is not None}

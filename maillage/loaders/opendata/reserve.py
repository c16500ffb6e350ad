"""The réserve parlementaire: subsidies the State paid on deputies' proposals (published 2013–2017).

One row per grant: ``Bénéficiaire, Adresse, Descriptif, Montant, Nom, Prénom, Département,
Groupe, Programme budgétaire, ID_Acteur`` (the Assemblée nationale's 2013 file; the later years'
wordings are aliases). Each row is a ``subvention`` tie from the budget programme that paid it (an
actor ``programme:122``, kind public body, the same actor as the jaune's) to the beneficiary,
dated by the file's year (``start_precision: year``). The deputy who proposed it, their group and
département are kept on the tie (a deputy is a person, not an actor of the ecosystem). A row
whose programme is not published is paid by the State all the same: its grantor is the actor
``etat:reserve-parlementaire``.

Beneficiaries carry no identifier: each is keyed by its name within the deputy's département
(``nom:reserve-parlementaire/42/…``: two « Comité des fêtes » of two départements are two actors),
its kind read from its name (« Commune de … » a collectivité) or left unknown. A commune named
« Commune de X » whose name the COG gives one commune in the département of its address's
postcode, else of its deputy, is that commune (``joined_by_name`` on the tie: see ``territorial``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from ...i18n import N_, _
from ...identifiers import departements, normalized_name
from ...model import parse_amount
from ..formats import TABULAR, FileHead
from .common import Item, Skip, SourceRow, fold_header, mapped_rows
from .parties import Party, StoredParties, beneficiary_party
from .territorial import commune_named, joined_to_cog

__all__ = ["recognises", "translate", "COLUMNS", "departement_named", "year_of"]

COLUMNS = {
    "name": ("beneficiaire", "nomdubeneficiaire", "beneficiairedelasubvention"),
    "address": ("adresse", "adressedubeneficiaire"),
    "object": ("descriptif", "objet", "objetdelasubvention", "nature"),
    "amount": ("montant", "montantsubvention", "montantdelasubvention"),
    "last_name": ("nom", "nomduparlementaire", "nomdudepute"),
    "first_name": ("prenom", "prenomduparlementaire", "prenomdudepute"),
    "departement": ("departement", "departementduparlementaire", "departementdelelection"),
    "group": ("groupe", "groupepolitique"),
    "programme": ("programmebudgetaire", "programme", "programmeetaction"),
    "deputy_id": ("idacteur", "identifiantdudepute"),
    "year": ("annee", "exercice"),
}
_LOOKUP = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
STATE = "etat:reserve-parlementaire"


def _columns(header) -> dict[str, str]:
    return {column: _LOOKUP[fold_header(column)] for column in header if fold_header(column) in _LOOKUP}


def recognises(head: FileHead) -> bool:
    names = set(_columns(head.header).values())
    return head.format in TABULAR and {"name", "amount", "programme", "last_name", "departement"} <= names


def year_of(name: str) -> str | None:
    """The year of a réserve file, from its name.

    Examples
    --------
    >>> year_of("2013_reserve_parlementaire.csv"), year_of("reserve.csv")
    ('2013', None)
    """
    match = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", name)
    return match.group(1) if match else None


@lru_cache(maxsize=1)
def _departements_by_name() -> dict[str, str]:
    found = {}
    for code, row in departements().items():
        name = normalized_name(row["nom"])
        found[name] = code
        found[re.sub(r"^(LA|LE|LES|L) ", "", name)] = code  # « Réunion » for « La Réunion »
    return found


def departement_named(name: str | None) -> str | None:
    """The département code of a département's name as the Assemblée writes it (None for « hors de France »).

    Examples
    --------
    >>> departement_named("Loire"), departement_named("Réunion"), departement_named("Français établis hors de France")
    ('42', '974', None)
    """
    return _departements_by_name().get(normalized_name(name or ""))


_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


def _postcode_departement(address: str | None) -> str | None:
    """The département of the last postcode of an address (Corsica's 20xxx says which of two: none)."""
    codes = _POSTCODE.findall(address or "")
    if not codes or codes[-1].startswith("20"):
        return None
    code = codes[-1]
    return code[:3] if code[:2] == "97" else code[:2]


def _seat(row) -> str | None:
    """The département a beneficiary is in: its address's postcode, else its deputy's."""
    return _postcode_departement(row.get("address")) or departement_named(row.get("departement"))


def translate(heads, filters, *, resolve=None, known=None, progress=None, **_options):
    stored, created = StoredParties(known), set()
    for head in heads:
        mapping = _columns(head.header)
        columns = {name: column for column, name in mapping.items()}
        year = year_of(head.path.name)
        for line, row in mapped_rows(head, mapping, progress):
            if isinstance(row, SourceRow):
                yield row
                continue
            if filters and (_seat(row) or "") not in (filters.departements or ()):
                yield Skip(str(head.path), "partnerships", N_("outside the filter"))
                continue
            yield _grant(head, line, row, columns, row.get("year") or year, stored, created)


def _grant(head, line, row, columns, year, stored, created) -> SourceRow:
    path = str(head.path)
    names = {"source": columns.get("programme", "Programme budgétaire"), "target": columns.get("name", "Bénéficiaire"),
             "amount": columns.get("amount", "Montant"), "name": columns.get("name", "Bénéficiaire"),
             "description": columns.get("object", "Descriptif")}
    out = SourceRow(path, line)
    grantor_key, grantor_row = _programme(row.get("programme"))
    deputy_departement = departement_named(row.get("departement"))
    # outside any département (« Français établis hors de France »), the published wording is the scope
    scope = f"reserve-parlementaire/{deputy_departement or normalized_name(row.get('departement') or '-')}"
    beneficiary = _beneficiary(row, scope)
    seat = _seat(row)
    beneficiary, join = joined_to_cog(beneficiary, {seat} if seat else set(), stored)
    for key, actor in ((grantor_key, grantor_row), (beneficiary.key, None)):
        if key is None or key in created or stored([key]):
            continue
        created.add(key)
        actor = actor or beneficiary.actor_row("beneficiary", source="réserve parlementaire")
        out.items.append(Item("actors", path, line, actor, names, derived_key=key))
    out.items.append(Item("partnerships", path, line, _tie(row, year, grantor_key, beneficiary, join), names))
    return out


def _programme(text: str | None) -> tuple[str, dict]:
    """The programme that paid a grant (« 122-01 »: programme 122, action 01), else the State."""
    match = re.match(r"^\s*(\d{3})(?:\s*-\s*(\d{1,2}))?\s*$", text or "")
    if not match:
        return STATE, {"id": STATE, "name": _("State (réserve parlementaire, programme not published)"),
                       "kind": "public_body", "source": "réserve parlementaire"}
    code = match.group(1)
    return f"programme:{code}", {"id": f"programme:{code}", "name": _("Programme {code}").format(code=code),
                                 "kind": "public_body", "source": "réserve parlementaire"}


def _beneficiary(row, scope: str) -> Party:
    grantor = Party(f"nom:{scope}", None, None)
    party = beneficiary_party({"nomBeneficiaire": row.get("name")}, grantor)
    if party.kind_source == "none" and commune_named(party.name):
        return Party(party.key, party.name, party.cell, kind="collectivite", kind_source="name",
                     mojibake=party.mojibake)
    return party


def _tie(row, year, grantor_key, beneficiary: Party, join) -> dict:
    try:
        amount = parse_amount(row.get("amount")) if row.get("amount") else None
    except ValueError:
        amount = None
    deputy = " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part) or None
    identity = "\x1f".join([year or "", grantor_key, beneficiary.key or "", row.get("amount") or "",
                            row.get("object") or "", deputy or "", row.get("programme") or ""])
    tie = {"id": "reserve:" + hashlib.sha1(identity.encode()).hexdigest()[:16], "source": grantor_key,
           "target": beneficiary.key, "kind": "subvention", "start": f"{year}-01-01" if year else None,
           "start_precision": "year" if year else None, "amount": amount, "description": row.get("object"),
           "proposed_by": deputy, "deputy_group": row.get("group"), "deputy_departement": row.get("departement"),
           "deputy_id": row.get("deputy_id"), "programme_action": row.get("programme"),
           "address": re.sub(r"\s+", " ", row["address"]) if row.get("address") else None,
           "unread": f"amount: {row.get('amount')}" if row.get("amount") and amount is None else None,
           "joined_by_name": join}
    if beneficiary.key is None:
        tie["__problems__"] = [("target", _("the beneficiary has no name"))]
    return {k: v for k, v in tie.items() if v is not None}

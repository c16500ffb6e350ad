"""Name-keyed parties that certainly are a collectivité of the COG: one organisation, one actor.

A subsidy file often names a commune or an EPCI without a usable identifier (« COMMUNE DE
BLAGNAC », « Toulouse Métropole » with a SIRET Excel rounded to ``2,43E+13``). When the COG was
loaded, each of its communes carries the alias key ``nom-commune:<département>/<NAME>`` and each
EPCI or EPT ``nom-epci:<NAME>`` (names folded as identity folds them, « ST » read « SAINT »;
a name two collectivités share gets no alias: it designates neither for certain). A party is
joined to the collectivité only when its whole name is « Commune de / Mairie de / Ville de » and
exactly the commune's name, and the commune is in a département the row itself places it in (the
grantor's seat, the address's postcode, the deputy's département), or when its whole name is
exactly an EPCI's. The tie then says so (``joined_by_name``), so every such join is counted in the
report and can be read back; nothing is ever joined on a resemblance.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ...i18n import _
from ...identifiers import collectivite_sirens
from .parties import Party, folded_name

__all__ = ["commune_alias", "epci_alias", "commune_named", "departements_of", "joined_to_cog"]

_COMMUNE_NAME = re.compile(r"^(?:LA )?(?:COMMUNE|MAIRIE|VILLE)(?: (?P<article>DE LA|DE L|DES|DU|DE|D))? (?P<name>.+)$")
_ARTICLE = {"DU": "LE ", "DES": "LES ", "DE LA": "LA ", "DE L": "L ", "DE": "", "D": "", None: ""}


def commune_alias(departement: str, name: str) -> str:
    """The alias key of a commune of the COG.

    Examples
    --------
    >>> commune_alias("31", "Saint-Orens-de-Gameville")
    'nom-commune:31/SAINT ORENS DE GAMEVILLE'
    """
    return f"nom-commune:{departement}/{folded_name(name)}"


def epci_alias(name: str) -> str:
    """The alias key of an EPCI or EPT of the COG.

    Examples
    --------
    >>> epci_alias("Toulouse Métropole")
    'nom-epci:TOULOUSE METROPOLE'
    """
    return f"nom-epci:{folded_name(name)}"


def commune_named(name: str | None) -> str | None:
    """The commune name a party's name is exactly, as the COG folds it (None when it is not one).

    Examples
    --------
    >>> commune_named("COMMUNE DE ST JORY"), commune_named("Ville du Mans"), commune_named("Commune d' ALBERT ")
    ('SAINT JORY', 'LE MANS', 'ALBERT')
    >>> commune_named("Comité des fêtes de Blagnac") is None
    True
    """
    match = _COMMUNE_NAME.match(folded_name(name or ""))
    if not match:
        return None
    return folded_name(_ARTICLE[match.group("article")] + match.group("name"))


def departements_of(siren: str | None, commune: str | None = None) -> set[str]:
    """The départements a collectivité's SIREN or seat commune certainly places it in.

    Communes' and EPCI's SIRENs (``21DD…``, ``24DD…``, ``25DD…``) and départements' (``22DD…``)
    carry the département of their seat; the shipped table gives the others (the Collectivité
    européenne d'Alsace covers two).

    Examples
    --------
    >>> sorted(departements_of("243100518")), sorted(departements_of("200094332")), sorted(departements_of(None, "97411"))
    (['31'], ['67', '68'], ['974'])
    """
    if commune:
        return {commune[:3] if commune[:2] in ("97", "98") else commune[:2]}
    if not siren:
        return set()
    for row in collectivite_sirens().values():
        if row["siren"] == siren and row["level"] == "departement":
            return set(row["covers"].split(";"))
    if siren[:2] in ("21", "22", "24", "25") and siren[2:4].isdigit() and siren[2:4] not in ("20", "97", "98"):
        return {siren[2:4]}
    return set()


def joined_to_cog(party: Party, departements: set[str], known) -> tuple[Party, str | None]:
    """The party as the COG's collectivité when its name certainly designates one, with the note that says so.

    ``known(keys)`` gives the stored actors of the keys it knows. A party keyed by an official
    identifier, or whose name matches no alias or several, is returned as it was (note None).
    """
    if party.certain or not party.name:
        return party, None
    candidates = [epci_alias(party.name)]
    if commune := commune_named(party.name):
        candidates += [f"nom-commune:{d}/{commune}" for d in sorted(departements)]
    found = known(candidates)
    actors = {row["id"]: key for key, row in found.items()}
    if len(actors) != 1:
        return party, None
    (actor_id, key), = actors.items()
    note = _("named {name!r}: the collectivité {actor} of the COG").format(name=party.name, actor=actor_id)
    return replace(party, key=key, kind="collectivite", kind_source="cog"), note

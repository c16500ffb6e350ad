"""An intermediary's own spreadsheet read as it is: its headers mapped to maillage's columns.

A file's header is matched to maillage's columns in three steps, each only for columns the file
does not already have under maillage's own name:

1. the mapping given (``maillage load --map "Nom=name"``, the workbench's upload form);
2. the French and common names of :data:`ALIASES` for the kind (« Nom », « Type », « Code INSEE »,
   « Thèmes », « Porteur », « Date de début »…), headers folded (case, accents, spaces);
3. the kind is then the one whose columns the header now has (or the one given).

Errors keep naming the file's own column (« Type: unknown actor kind… »), never the renamed one.
"""

from __future__ import annotations

from ..errors import UsageError
from ..i18n import _
from ..vocabulary import fold
from .kinds import KINDS, detect_kind

__all__ = ["ALIASES", "parse_mapping", "resolve_header"]

# folded header → maillage column, per kind (the names French spreadsheets of partnerships use)
ALIASES = {
    "actors": {"nom": "name", "raison_sociale": "name", "denomination": "name", "structure": "name",
               "organisme": "name", "type": "kind", "type_de_structure": "kind", "categorie": "kind",
               "nature": "kind", "identifiant": "id", "code_insee": "commune", "code_commune": "commune",
               "commune_insee": "commune", "insee": "commune", "numero_rna": "rna", "n_rna": "rna",
               "thematiques": "themes", "domaines": "themes", "offre": "offers", "offres": "offers",
               "propose": "offers", "apports": "offers", "besoins": "seeks", "recherche": "seeks",
               "cherche": "seeks", "site_web": "website", "site_internet": "website", "site": "website",
               "zone_d_intervention": "operates_in", "territoire_d_action": "operates_in"},
    "partnerships": {"acteur": "source", "structure": "source", "structure_1": "source", "acteur_1": "source", "financeur": "source",
                     "de": "source", "partenaire": "target", "structure_2": "target", "acteur_2": "target",
                     "beneficiaire": "target", "avec": "target", "type": "kind", "nature": "kind",
                     "type_de_partenariat": "kind", "debut": "start", "date_de_debut": "start",
                     "date_debut": "start", "fin": "end", "date_de_fin": "end", "date_fin": "end",
                     "montant": "amount", "thematiques": "themes", "identifiant": "id", "objet": "description"},
    "needs": {"identifiant": "id", "titre": "title", "intitule": "title", "besoin": "title",
              "territoire": "territory", "thematiques": "themes", "ressources": "resources",
              "ressources_recherchees": "resources", "porteur": "holder", "porte_par": "holder",
              "statut": "status", "etat": "status", "depuis": "since", "date": "since"},
    "initiatives": {"identifiant": "id", "nom": "name", "intitule": "name", "territoire": "territory",
                    "thematiques": "themes", "membres": "members", "debut": "start", "date_de_debut": "start",
                    "fin": "end", "date_de_fin": "end"},
    "territories": {"niveau": "level", "nom": "name", "libelle": "name", "parent": "parent"},
}
_COLUMNS = sorted({column for kind in KINDS.values() for column in kind.columns})


def parse_mapping(items) -> dict[str, str]:
    """``["Nom=name", "Type=kind"]`` (or one ``"Nom=name,Type=kind"``) → {folded file column: column}.

    Examples
    --------
    >>> parse_mapping(["Nom=name", "Code INSEE=commune"])
    {'nom': 'name', 'code_insee': 'commune'}
    """
    mapping = {}
    for item in items or ():
        for pair in str(item).split(","):
            if not pair.strip():
                continue
            source, equals, target = pair.partition("=")
            if not equals or not source.strip() or not target.strip():
                raise UsageError(_("--map takes FILE_COLUMN=COLUMN (e.g. \"Nom=name\"), got {item!r}").format(item=pair))
            if target.strip() not in _COLUMNS:
                raise UsageError(_("--map: {column!r} is no column of maillage (choose from {join})").format(
                    column=target.strip(), join=", ".join(_COLUMNS)))
            mapping[fold(source)] = target.strip()
    return mapping


def _renamed(header: list[str], table: dict[str, str]) -> dict[int, str]:
    """Position → maillage column, for the columns ``table`` names and the header lacks."""
    present = {fold(column) for column in header}
    out, taken = {}, set()
    for position, column in enumerate(header):
        target = table.get(fold(column))
        if target and target not in present and target not in taken:
            out[position] = target
            taken.add(target)
    return out


def _apply(header: list[str], renamed: dict[int, str]) -> list[str]:
    return [renamed.get(i, column) for i, column in enumerate(header)]


def resolve_header(header: list[str], path="", kind: str | None = None, mapping: dict | None = None):
    """(kind, the header in maillage's columns, {maillage column: the file's column}) of an own file.

    Examples
    --------
    >>> resolve_header(["Nom", "Type", "Code INSEE"])
    ('actors', ['name', 'kind', 'commune'], {'name': 'Nom', 'kind': 'Type', 'commune': 'Code INSEE'})
    >>> resolve_header(["Acteur", "Partenaire", "Type", "Montant"])[:2]
    ('partnerships', ['source', 'target', 'kind', 'amount'])
    """
    renamed = _renamed(header, mapping or {})
    now = _apply(header, renamed)
    if kind is None:
        try:
            kind = detect_kind(now, path)
        except UsageError:  # the kind whose aliases give the header its columns, in detection order
            kind = next((candidate for candidate in ("partnerships", "territories", "initiatives", "needs", "actors")
                         if _detects(_apply(now, _renamed(now, ALIASES[candidate])), candidate)), None)
            if kind is None:
                raise
    more = _renamed(now, ALIASES.get(kind, {}))
    names = {**renamed, **more}
    return kind, _apply(now, more), {target: header[i] for i, target in sorted(names.items())}


def _detects(header: list[str], kind: str) -> bool:
    try:
        return detect_kind(header) == kind
    except UsageError:
        return False

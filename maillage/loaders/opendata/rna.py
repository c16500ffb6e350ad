"""Associations from the RNA, as data.gouv.fr publishes it, one file per département.

Both files are read: ``rna_waldec_*.csv`` (associations in the current register, ids ``W…``) and
``rna_import_*.csv`` (associations declared before 2009, ids like ``751P00085568``). ``;``-separated,
UTF-8 with BOM or cp1252 (older files). Each row becomes an actor of kind ``association`` keyed by its
RNA number (``rna:W…``; an import row is keyed by the W number it carries when it has one, else by its
import id ``rna-import:751P00085568``), seated in ``adrs_codeinsee`` (Paris, Lyon and Marseille
arrondissements mapped to their commune), with themes from ``objet_social1`` and ``objet_social2``
(see ``maillage/data/README.md``). A ``siret`` cell that is not a valid SIRET is not used (kept as
published, flagged ``id_unusable``). Dissolved associations (``position`` D, or a real ``date_disso``)
are skipped, or kept and flagged with ``include_dissolved``; the date sentinel ``0001-01-01`` reads
as empty.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ...i18n import N_
from ...identifiers import normalize_commune, normalize_rna, read_id_cell
from ...model import Actor
from ..formats import TABULAR, RowProblem, read_csv
from .common import Item, Skip, clean, commune_of, fold_header

__all__ = ["recognises", "translate", "themes_of", "COLUMNS"]

COLUMNS = ("id", "id_ex", "siret", "rup_mi", "gestion", "date_creat", "date_decla", "date_publi", "date_disso",
           "nature", "groupement", "titre", "titre_court", "objet", "objet_social1", "objet_social2",
           "adrs_codeinsee", "position", "maj_time")
_TABLE = Path(__file__).resolve().parent.parent.parent / "data" / "rna-objet-social-themes.csv"
_FIELDS = {"rna": "id", "name": "titre", "siret": "siret", "commune": "adrs_codeinsee", "website": "siteweb"}


@lru_cache(maxsize=1)
def _themes() -> dict[str, list[str]]:
    with open(_TABLE, encoding="utf-8") as handle:
        return {row["code"]: [t for t in row["themes"].split(";") if t] for row in csv.DictReader(handle, delimiter=";")}


def themes_of(*codes) -> list[str]:
    """Themes of RNA objet social codes (``000000`` and unknown codes give none).

    Examples
    --------
    >>> themes_of("020010", "000000")
    ['alimentation', 'precarite']
    """
    found = []
    for code in codes:
        code = clean(code)
        for theme in _themes().get(code.zfill(6) if code else "", []):
            if theme not in found:
                found.append(theme)
    return found


# RNA columns as re-publishers rename them (folded) → the RNA's own names
ALIASES = {"nomasso": "titre", "nomassociation": "titre", "nomassoabrege": "titre_court", "etat": "position",
           "commune": "adrs_libcommune", "codepostal": "adrs_codepostal", "codeinsee": "adrs_codeinsee",
           "objetsocial": "objet"}
_CANONICAL = {fold_header(name): name for name in (*COLUMNS, "siteweb", "adrs_libcommune", "adrs_codepostal")}


def _renamed(header) -> dict[str, str]:
    """Each column → the RNA name it stands for (its own name when it is one, or when unknown)."""
    return {column: _CANONICAL.get(fold_header(column)) or ALIASES.get(fold_header(column), column)
            for column in header}


def recognises(head) -> bool:
    names = set(_renamed(head.header).values())
    return head.format in TABULAR and {"id", "titre", "objet_social1", "adrs_codeinsee"} <= names


def translate(heads, filters, *, resolve=None, progress=None, include_dissolved: bool = False, **_options):
    from .rna_blocks import read_rna_columnar  # built on this module's rules

    for head in heads:
        path, renamed = head.path, _renamed(head.header)
        association = lambda row, line: _association(path, line, row, filters, include_dissolved)  # noqa: E731
        start = yield from read_rna_columnar(head, renamed, filters, include_dissolved, progress, association,
                                             themes_of)
        if start is None:
            continue
        for line, row in read_csv(head, progress=progress):
            if line < start:
                continue  # the columnar path gave those
            if isinstance(row, RowProblem):
                yield Item("actors", str(path), line, {"__problem__": str(row)})
                continue
            row = {renamed.get(column, column): value for column, value in row.items()}
            yield from _association(path, line, row, filters, include_dissolved)


def _valid_rna(value) -> str | None:
    try:
        return normalize_rna(value) if clean(value) else None
    except ValueError:
        return None


def _identity(row) -> dict:
    """RNA number (or import id) and SIRET of a row; an invalid SIRET is kept as published, not used."""
    published = clean(row.get("id"))
    rna = _valid_rna(published)
    out = {"rna": rna}
    if rna is None:  # an import row: its W number, if it has one, is in another column
        rna = next((_valid_rna(v) for k, v in row.items() if k != "id" and _valid_rna(v)), None)
        out = {"rna": rna, "rna_import_id": published, "id": f"rna-import:{published}" if published and not rna else None}
    cell = read_id_cell(row.get("siret"))
    if cell.siren:
        out.update(siret=cell.siret, siren=cell.siren if not cell.siret else None)
    if cell.flag not in (None, "id_missing"):
        out.update(identity=cell.flag, siret_published=clean(row.get("siret")))
    return out


def _secondary(row, commune) -> tuple:
    """The website and commune, when they can be read; else left empty and kept as published
    (``unread``): a misspelt web address or a placeholder code never costs the association."""
    website, unread = clean(row.get("siteweb")), []
    if website:
        try:
            Actor._website(website)
        except ValueError:
            unread.append(f"siteweb: {website}")
            website = None
    if commune:
        try:
            normalize_commune(commune)
        except ValueError:
            unread.append(f"adrs_codeinsee: {commune}")
            commune = None
    return website, commune, "; ".join(unread) or None


def _association(path, line, row, filters, include_dissolved):
    dissolved = clean(row.get("date_disso"))
    if (clean(row.get("position")) or "").upper() == "D" or dissolved:
        if not include_dissolved:
            yield Skip(str(path), "actors", N_("dissolved"))
            return
    commune = commune_of(row.get("adrs_codeinsee"))
    if not filters.keeps(commune):
        yield Skip(str(path), "actors", N_("outside the filter"))
        return
    name = clean(row.get("titre")) or clean(row.get("titre_court"))
    website, commune, unread = _secondary(row, commune)
    out = {
        **_identity(row), "name": name, "kind": "association", "commune": commune, "website": website,
        "unread": unread,
        "themes": themes_of(row.get("objet_social1"), row.get("objet_social2")),
        "created": clean(row.get("date_creat")), "nature": clean(row.get("nature")),
        "groupement": clean(row.get("groupement")), "purpose": clean(row.get("objet")),
        "objet_social": ";".join(c for c in (clean(row.get("objet_social1")), clean(row.get("objet_social2")))
                                 if c and c != "000000") or None,
        "rna_updated": clean(row.get("maj_time")), "source": "RNA",
    }
    if dissolved or (clean(row.get("position")) or "").upper() == "D":
        out["dissolved"] = dissolved or "yes"
    for column in ("adrs_libcommune", "libcom", "adrs_codepostal", "gestion", "date_decla", "date_publi", "id_ex",
                   "rup_mi", "observation", "adresse"):
        if clean(row.get(column)) and column not in out:
            out[column] = clean(row.get(column))
    yield Item("actors", str(path), line, {k: v for k, v in out.items() if v not in (None, "", [])}, _FIELDS)

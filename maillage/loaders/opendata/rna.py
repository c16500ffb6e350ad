"""Associations from the RNA (``rna_waldec_*.csv``, one file per département, as data.gouv.fr publishes it).

``;``-separated, UTF-8 with BOM or cp1252 (older files). Each row becomes an actor of kind
``association`` keyed by its RNA number (``rna:W…``), seated in ``adrs_codeinsee`` (Paris, Lyon
and Marseille arrondissements mapped to their commune), with themes from ``objet_social1`` and
``objet_social2`` (see ``maillage/data/README.md``). Dissolved associations (``position`` D, or
a real ``date_disso``) are skipped, or kept and flagged with ``include_dissolved``; the date
sentinel ``0001-01-01`` reads as empty.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..formats import RowProblem, read_csv, read_header
from .common import Item, Skip, clean, commune_of

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


def recognises(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    header = {name.lower() for name in read_header(path)}
    return {"id", "titre", "objet_social1", "adrs_codeinsee"} <= header


def translate(paths, filters, *, resolve=None, progress=None, include_dissolved: bool = False, encoding=None, **_):
    for path in paths:
        for line, row in read_csv(path, encoding=encoding, progress=progress):
            if isinstance(row, RowProblem):
                yield Item("actors", str(path), line, {"__problem__": str(row)})
                continue
            yield from _association(path, line, row, filters, include_dissolved)


def _association(path, line, row, filters, include_dissolved):
    dissolved = clean(row.get("date_disso"))
    if (clean(row.get("position")) or "").upper() == "D" or dissolved:
        if not include_dissolved:
            yield Skip(str(path), "actors", "dissolved")
            return
    commune = commune_of(row.get("adrs_codeinsee"))
    if not filters.keeps(commune):
        yield Skip(str(path), "actors", "outside the filter")
        return
    name = clean(row.get("titre")) or clean(row.get("titre_court"))
    out = {
        "rna": clean(row.get("id")), "name": name, "kind": "association", "commune": commune,
        "siret": clean(row.get("siret")), "website": clean(row.get("siteweb")),
        "themes": themes_of(row.get("objet_social1"), row.get("objet_social2")),
        "created": clean(row.get("date_creat")), "nature": clean(row.get("nature")),
        "groupement": clean(row.get("groupement")), "purpose": clean(row.get("objet")),
        "objet_social": ";".join(c for c in (clean(row.get("objet_social1")), clean(row.get("objet_social2")))
                                 if c and c != "000000") or None,
        "rna_updated": clean(row.get("maj_time")), "source": "RNA",
    }
    if dissolved or (clean(row.get("position")) or "").upper() == "D":
        out["dissolved"] = dissolved or "yes"
    yield Item("actors", str(path), line, {k: v for k, v in out.items() if v not in (None, "", [])}, _FIELDS)

"""Legal units from the SIRENE stock files (``StockUniteLegale``, ``StockEtablissement``), streamed.

Columns are chosen by name. The legal units file gives the name, the legal category (which sets
the actor's kind), the activity (NAF code → themes), the state (closed units, ``C``, are skipped)
and ``identifiantAssociationUniteLegale``, the RNA number that makes an association one actor with
its RNA row. It has no address: the establishments file gives each unit's seat (``etablissementSiege``)
commune and SIRET. Given both, the seats are read first into a temporary SQLite table (bounded
memory whatever the file size), then the units are matched to them; ``--departement`` and
``--commune`` filters apply to the seat while streaming. Individual entrepreneurs (category 1000)
and units whose name is not public are skipped: they are people, not ecosystem actors.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from ...errors import UsageError
from ..formats import RowProblem, read_csv, read_header
from .common import Item, Skip, clean, commune_of

__all__ = ["recognises", "translate", "kind_of", "themes_of_naf"]

_UNITS = {"siren", "categoriejuridiqueunitelegale", "etatadministratifunitelegale"}
_ESTABLISHMENTS = {"siret", "etablissementsiege", "codecommuneetablissement"}
_FIELDS = {"siren": "siren", "name": "denominationUniteLegale", "rna": "identifiantAssociationUniteLegale",
           "siret": "siret", "commune": "codeCommuneEtablissement"}

# NAF rev. 2 prefixes → themes (the longest matching prefix wins)
NAF_THEMES = {
    "01": ["alimentation", "environnement"], "02": ["environnement"], "03": ["alimentation"],
    "10": ["alimentation"], "11": ["alimentation"], "35": ["environnement"], "36": ["environnement"],
    "37": ["environnement"], "38": ["environnement"], "39": ["environnement"], "41": ["logement"],
    "43": ["logement"], "46.3": ["alimentation"], "47.1": ["alimentation"], "47.2": ["alimentation"],
    "49": ["mobilite"], "50": ["mobilite"], "51": ["mobilite"], "52": ["mobilite"], "53": ["mobilite"],
    "55": ["logement"], "56": ["alimentation"], "58": ["culture"], "59": ["culture"], "60": ["culture"],
    "61": ["numerique"], "62": ["numerique"], "63": ["numerique"], "68": ["logement"], "72": ["education"],
    "78": ["emploi"], "85": ["education"], "86": ["sante"], "87": ["sante", "precarite"],
    "87.10": ["sante", "seniors"], "87.20": ["handicap", "sante"], "87.30": ["seniors", "handicap"],
    "88": ["precarite", "lien_social"], "88.10": ["seniors", "handicap"], "88.91": ["education"],
    "88.99": ["precarite", "lien_social"], "90": ["culture"], "91": ["culture"], "93.1": ["sport"],
    "93.2": ["culture"], "94": ["lien_social"], "94.91": ["citoyennete"], "94.92": ["citoyennete"],
}


def themes_of_naf(code: str | None) -> list[str]:
    """Themes of a NAF rev. 2 code (``88.99B`` → precarite, lien_social).

    Examples
    --------
    >>> themes_of_naf("56.10A"), themes_of_naf("62.01Z"), themes_of_naf(None)
    (['alimentation'], ['numerique'], [])
    """
    code = clean(code) or ""
    for length in (5, 4, 2):
        if code[:length] in NAF_THEMES:
            return list(NAF_THEMES[code[:length]])
    return []


def kind_of(category: str | None) -> str | None:
    """The actor kind of a legal category (catégorie juridique, 4 digits); None for people.

    Examples
    --------
    >>> kind_of("9220"), kind_of("7210"), kind_of("5710"), kind_of("1000")
    ('association', 'collectivite', 'company', None)
    """
    code = clean(category) or ""
    if not code or code.startswith("1"):
        return None  # individual entrepreneurs
    if code == "9300":
        return "foundation"
    if code.startswith("92") or code.startswith("99") or code.startswith("8"):
        return "association"
    if code in ("7210", "7220", "7229", "7230") or code.startswith("734"):
        return "collectivite"
    if code == "7331":
        return "school"  # établissements publics locaux d'enseignement
    if code.startswith("7") or code.startswith("4"):
        return "public_body"
    return "company"


def _kind_of_file(path: Path) -> str | None:
    header = {name.lower() for name in read_header(path)}
    if _UNITS <= header:
        return "units"
    if _ESTABLISHMENTS <= header:
        return "establishments"
    return None


def recognises(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and _kind_of_file(path) is not None


def translate(paths, filters, *, resolve=None, progress=None, encoding=None, **_):
    files = {}
    for path in paths:
        files.setdefault(_kind_of_file(path), []).append(path)
    if files.get("units") is None:
        raise UsageError("SIRENE: give the legal units file (StockUniteLegale); the establishments file "
                         "(StockEtablissement) only adds their seats")
    if filters and not files.get("establishments"):
        raise UsageError("SIRENE: --departement and --commune need StockEtablissement too (the legal units "
                         "file has no address)")
    folder = tempfile.mkdtemp(prefix="maillage-sirene-")
    seats = sqlite3.connect(os.path.join(folder, "seats.db"))
    try:
        seats.execute("CREATE TABLE seats (siren TEXT PRIMARY KEY, siret TEXT, commune TEXT) WITHOUT ROWID")
        for path in files.get("establishments", []):
            _read_seats(seats, path, filters, encoding, progress)
        for path in files["units"]:
            yield from _read_units(seats, path, filters, encoding, progress)
    finally:
        seats.close()
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def _read_seats(seats, path, filters, encoding, progress):
    batch = []
    for line, row in read_csv(path, encoding=encoding, progress=progress):
        if isinstance(row, RowProblem) or (clean(row.get("etablissementSiege")) or "").lower() != "true":
            continue
        commune = commune_of(row.get("codeCommuneEtablissement"))
        if not filters.keeps(commune):
            continue
        batch.append((clean(row.get("siren")), clean(row.get("siret")), commune))
        if len(batch) >= 10_000:
            seats.executemany("INSERT OR REPLACE INTO seats VALUES (?, ?, ?)", batch)
            batch = []
    seats.executemany("INSERT OR REPLACE INTO seats VALUES (?, ?, ?)", batch)


def _name(row) -> str | None:
    return (clean(row.get("denominationUniteLegale")) or clean(row.get("denominationUsuelle1UniteLegale"))
            or clean(row.get("sigleUniteLegale")))


def _read_units(seats, path, filters, encoding, progress):
    for line, row in read_csv(path, encoding=encoding, progress=progress):
        if isinstance(row, RowProblem):
            yield Item("actors", str(path), line, {"__problem__": str(row)})
            continue
        if (clean(row.get("etatAdministratifUniteLegale")) or "A").upper() == "C":
            yield Skip(str(path), "actors", "closed (etatAdministratifUniteLegale C)")
            continue
        kind = kind_of(row.get("categorieJuridiqueUniteLegale"))
        if kind is None:
            yield Skip(str(path), "actors", "individual entrepreneur (category 1000)")
            continue
        if (clean(row.get("statutDiffusionUniteLegale")) or "O").upper() != "O" or _name(row) in (None, "[ND]"):
            yield Skip(str(path), "actors", "name not public (statutDiffusionUniteLegale)")
            continue
        siren = clean(row.get("siren"))
        seat = seats.execute("SELECT siret, commune FROM seats WHERE siren = ?", (siren,)).fetchone()
        if filters and seat is None:
            yield Skip(str(path), "actors", "outside the filter")
            continue
        naf = clean(row.get("activitePrincipaleUniteLegale"))
        association = clean(row.get("identifiantAssociationUniteLegale"))
        out = {"siren": siren, "name": _name(row), "kind": kind, "rna": clean(row.get("identifiantAssociationUniteLegale")),
               "siret": seat[0] if seat else None, "commune": seat[1] if seat else None,
               # an association's RNA purpose says more than its NAF code: leave its themes to the RNA
               "themes": [] if association else themes_of_naf(naf), "naf": naf, "legal_category": clean(row.get("categorieJuridiqueUniteLegale")),
               "created": clean(row.get("dateCreationUniteLegale")),
               "ess": clean(row.get("economieSocialeSolidaireUniteLegale")),
               "headcount_band": clean(row.get("trancheEffectifsUniteLegale")), "source": "SIRENE"}
        yield Item("actors", str(path), line, {k: v for k, v in out.items() if v not in (None, "", [])}, _FIELDS)

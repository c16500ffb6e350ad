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

import json
import os
import sqlite3
from functools import lru_cache, partial

from ...errors import UsageError
from ...identifiers import read_id_cell
from ...scratch import make_scratch
from ...model import parse_date
from ..formats import TABULAR, RowProblem, read_csv_values
from .common import Item, Skip, clean, columns_by_fold, commune_of
from .sirene_seats import read_seats_columnar
from ...i18n import N_, _

__all__ = ["recognises", "translate", "kind_of", "themes_of_naf"]

_UNITS = {"siren", "categoriejuridiqueunitelegale", "etatadministratifunitelegale"}
_ESTABLISHMENTS = {"siret", "etablissementsiege", "codecommuneetablissement"}
_GEO_SIRENE_V2 = {"nomenlong", "depcomen", "siren", "nic"}
# Themes are read only from NAF rev. 2 codes: older nomenclatures reuse the same digits for other
# activities (NAF 1993's 85 is health and social work, NAF rev. 2's is education).
THEMED_NOMENCLATURES = ("NAFRev2",)
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


@lru_cache(maxsize=4096)  # a few hundred legal categories
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


def _kind_of_file(head) -> str | None:
    header = head.folded
    if _UNITS <= header:
        return "units"
    if _ESTABLISHMENTS <= header:
        return "establishments"
    return None


def recognises(head) -> bool:
    return head.format in TABULAR and _kind_of_file(head) is not None


def refuses(head) -> str | None:
    """Why a published SIRENE format is not read (None when it is)."""
    if head.format in TABULAR and _GEO_SIRENE_V2 <= head.folded:
        return (_("this is the legacy SIRENE v2 format (geo-sirene, columns NOMEN_LONG, DEPCOMEN …), discontinued in "
                "2019, which maillage does not read: download the current stock files StockUniteLegale and "
                "StockEtablissement (SIRENE v3, data.gouv.fr « Base Sirene des entreprises et de leurs "
                "établissements ») and load those"))
    return None


def translate(heads, filters, *, resolve=None, progress=None, **_options):
    files = {}
    for head in heads:
        files.setdefault(_kind_of_file(head), []).append(head)
    if files.get("units") is None:
        raise UsageError(_("SIRENE: give the legal units file (StockUniteLegale); the establishments file "
                         "(StockEtablissement) only adds their seats"))
    if filters and not files.get("establishments"):
        raise UsageError(_("SIRENE: --departement and --commune need StockEtablissement too (the legal units "
                         "file has no address)"))
    folder = make_scratch("maillage-sirene-")
    seats = sqlite3.connect(os.path.join(folder, "seats.db"))
    try:
        # a scratch file: no journal; and a cache that holds the national table (12 million seats,
        # about 500 MB), which every unit then looks up (SQLite's default 2 MB missed a page each time)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -786432"):
            seats.execute(f"PRAGMA {pragma}")
        seats.execute("CREATE TABLE seats (siren TEXT PRIMARY KEY, siret TEXT, commune TEXT) WITHOUT ROWID")
        for path in files.get("establishments", []):
            for reason, count in _read_seats(seats, path, filters, progress).items():
                if count:  # the establishments file has its place in the report too
                    yield Skip(str(path.path), "actors", reason, count=count)
        for path in files["units"]:
            yield from _read_units(seats, path, filters, progress)
    finally:
        seats.close()
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


class _Index:
    """Reads the documented columns of a row given as a list (see :func:`read_csv_values`)."""

    def __init__(self, head):
        self.names = columns_by_fold(head.header)
        self.position = {name.lower(): head.header.index(column) for name, column in self.names.items()}

    def __call__(self, values: list, name: str):
        position = self.position.get(name.lower())
        return clean(values[position]) if position is not None and position < len(values) else None


_SEAT_READ = N_("a head office: its commune and SIRET go on its legal unit")
_NOT_SEAT = N_("an establishment that is not a head office")
_UNREADABLE = N_("an establishment row that cannot be read")


def _read_seats(seats, head, filters, progress) -> dict[str, int]:
    """The head offices (siège) kept by the filters; wide rows are tested by position before anything else.

    Returns how many rows went which way (every row of the file is counted in the report).
    """
    counts = {_SEAT_READ: 0, _NOT_SEAT: 0, N_("outside the filter"): 0, _UNREADABLE: 0}
    names = {"seat": _SEAT_READ, "not_seat": _NOT_SEAT, "outside": N_("outside the filter")}
    if read_seats_columnar(seats, head, filters, progress, counts, names, partial(_write_seats, seats)) is not None:
        return counts
    for name in counts:  # what the columnar pass counted before it gave up: the row path counts again
        counts[name] = 0
    batch, get = [], _Index(head)
    seat, commune_at = get.position.get("etablissementsiege"), get.position.get("codecommuneetablissement")
    for line, values in read_csv_values(head, progress=progress):
        if isinstance(values, RowProblem) or seat is None or seat >= len(values):
            counts[_UNREADABLE] += 1
            continue
        if values[seat].strip().lower() != "true":
            counts[_NOT_SEAT] += 1
            continue
        commune = commune_of(values[commune_at]) if commune_at is not None and commune_at < len(values) else None
        if not filters.keeps(commune):
            counts[N_("outside the filter")] += 1
            continue
        counts[_SEAT_READ] += 1
        batch.append((get(values, "siren"), get(values, "siret"), commune))
        if len(batch) >= 100_000:
            _write_seats(seats, batch)
            batch = []
    _write_seats(seats, batch)
    return counts


def _write_seats(seats, batch: list[tuple]) -> None:
    # in SIREN order, so that consecutive rows fill the same pages; a stable sort keeps a later
    # row of the same SIREN after an earlier one (INSERT OR REPLACE: the file's last one wins)
    batch.sort(key=lambda row: row[0] or "")
    seats.executemany("INSERT OR REPLACE INTO seats VALUES (?, ?, ?)", batch)


def _name(get, row) -> str | None:
    return (get(row, "denominationUniteLegale") or get(row, "denominationUsuelle1UniteLegale")
            or get(row, "sigleUniteLegale"))


def _date(value: str | None) -> str | None:
    """An ISO date from ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (a timestamp keeps its date); else the text as published."""
    if value is None:
        return None
    try:
        return parse_date(value.split(" ")[0])
    except ValueError:
        return value


def activity_themes(code: str | None, nomenclature: str | None, naf25: str | None,
                    nomenclature_column: bool = True) -> tuple[list[str], str | None]:
    """Themes of a unit's activity, read in its own nomenclature; a note when none can be read.

    ``nomenclature_column``: whether the file has the nomenclature column (files before 2019 do
    not, and carry only NAF rev. 2 codes). SIRENE 3.11's NAF 2025 code gives the themes a code
    in another nomenclature cannot (NACE Rev. 2.1 keeps the divisions the table maps).

    Examples
    --------
    >>> activity_themes("88.99B", "NAFRev2", None)
    (['precarite', 'lien_social'], None)
    >>> activity_themes("85.3A", "NAFRev1", None)[1]
    'activity 85.3A is in nomenclature NAFRev1, which has no theme mapping'
    >>> activity_themes("85.3A", "NAFRev1", "85.31Y")
    (['education'], None)
    """
    themes, note = [], None
    if code is not None:
        if nomenclature is None and not nomenclature_column:
            nomenclature = "NAFRev2"
        if nomenclature not in THEMED_NOMENCLATURES:
            note = _("activity {code} is in nomenclature {nomenclature}, which has no theme mapping").format(
                code=code, nomenclature=nomenclature or "?")
        else:
            themes = themes_of_naf(code)
    if not themes and naf25:
        themes, note = themes_of_naf(naf25), None
    return themes, note


_SEATS_IN_MEMORY = 2_000_000  # kept seats looked up in a dict below this, in their SQLite table above


class _SeatLookup:
    """The kept seats by SIREN: in a dict when they are few (a filtered load), else in their table."""

    def __init__(self, seats):
        self.seats, self.found = seats, None
        if seats.execute("SELECT COUNT(*) FROM seats").fetchone()[0] <= _SEATS_IN_MEMORY:
            self.found = {siren: (siret, commune) for siren, siret, commune in seats.execute("SELECT * FROM seats")}

    def one(self, siren: str | None) -> tuple | None:
        """(siret, commune) of ``siren``'s head office, or None."""
        if self.found is not None:
            return self.found.get(siren)
        return self.seats.execute("SELECT siret, commune FROM seats WHERE siren = ?", (siren,)).fetchone()

    def many(self, sirens: list[str]) -> dict[str, tuple]:
        """siren → (siret, commune) for those of ``sirens`` that have a head office."""
        if self.found is not None:
            found = self.found
            return {siren: found[siren] for siren in sirens if siren in found}
        out = {}
        for start in range(0, len(sirens), 50_000):
            chunk = json.dumps(sirens[start:start + 50_000])
            out.update((siren, (siret, commune)) for siren, siret, commune in self.seats.execute(
                "SELECT siren, siret, commune FROM seats WHERE siren IN (SELECT value FROM json_each(?))", (chunk,)))
        return out


def _read_units(seats, head, filters, progress):
    from .sirene_units import read_units_columnar  # built on this module's rules

    path, get, lookup = str(head.path), _Index(head), _SeatLookup(seats)
    unit = partial(_unit, get, path, len(head.header), lookup.one, bool(filters))
    start = yield from read_units_columnar(head, get, lookup, filters, progress, unit)
    if start is None:
        return
    skipped, pending = {}, 0
    for line, values in read_csv_values(head, progress=progress):
        if line < start:
            continue  # the columnar path gave those
        if pending >= 10_000:  # rows left out alike are counted together, not one item each
            yield from (Skip(path, "actors", reason, count) for reason, count in skipped.items())
            skipped.clear()
            pending = 0
        item = unit(values, line)
        if isinstance(item, Item):
            yield item
        else:
            skipped[item] = skipped.get(item, 0) + 1
            pending += 1
    yield from (Skip(path, "actors", reason, count) for reason, count in skipped.items())


CLOSED = N_("closed (etatAdministratifUniteLegale C)")
INDIVIDUAL = N_("individual entrepreneur (category 1000)")
NOT_PUBLIC = N_("name not public (statutDiffusionUniteLegale)")
OUTSIDE = N_("outside the filter")


def _unit(get, path, width, seat_of, filtered, values, line):
    """What one row of the legal units file gives: its Item, or the reason it is left out."""
    if isinstance(values, RowProblem):
        return Item("actors", path, line, {"__problem__": str(values)})
    if len(values) < width:
        values = values + [""] * (width - len(values))
    etat, diffusion = get.position.get("etatadministratifunitelegale"), get.position.get("statutdiffusionunitelegale")
    if etat is not None and (clean(values[etat]) or "A").upper() == "C":
        return CLOSED
    category = get(values, "categorieJuridiqueUniteLegale")
    kind = kind_of(category)
    if kind is None:
        return INDIVIDUAL
    if (diffusion is not None and (clean(values[diffusion]) or "O").upper() != "O") \
            or _name(get, values) in (None, "[ND]"):
        return NOT_PUBLIC
    written = get(values, "siren")
    seat = seat_of(written)  # a valid SIREN is looked up as written; an invalid one is reported, not keyed
    if filtered and seat is None:
        return OUTSIDE
    cell = read_id_cell(written)
    siren = cell.siren if cell.flag is None else written
    row = values
    association = get(row, "identifiantAssociationUniteLegale")
    naf25 = get(row, "activitePrincipaleNAF25UniteLegale")  # SIRENE 3.11 (2025) onwards
    themes, note = activity_themes(get(row, "activitePrincipaleUniteLegale"),
                                   get(row, "nomenclatureActivitePrincipaleUniteLegale"), naf25,
                                   get.names.get("nomenclatureactiviteprincipaleunitelegale") is not None)
    out = {"siren": siren, "name": _name(get, row), "kind": kind, "rna": association,
           "siret": seat[0] if seat else None, "commune": seat[1] if seat else None,
           # an association's RNA purpose says more than its activity code: leave its themes to the RNA
           "themes": [] if association else themes, "naf": get(row, "activitePrincipaleUniteLegale"),
           "naf_nomenclature": get(row, "nomenclatureActivitePrincipaleUniteLegale"),
           "themes_unmapped": note if not association else None, "legal_category": category,
           "created": _date(get(row, "dateCreationUniteLegale")),
           "ess": get(row, "economieSocialeSolidaireUniteLegale"), "naf25": naf25,
           "societe_mission": get(row, "societeMissionUniteLegale"),
           "headcount_band": get(row, "trancheEffectifsUniteLegale"), "source": "SIRENE"}
    return Item("actors", path, line, {k: v for k, v in out.items() if v not in (None, "", [])}, _FIELDS)

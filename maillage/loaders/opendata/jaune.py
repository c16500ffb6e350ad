"""The State's subsidies to associations: the « jaune budgétaire » *Effort financier de l'État en faveur des associations*.

Annexed to each finance bill (PLF), it lists by association (SIREN, « NAME - 06 COMMUNE ») its
total for the year, then one detail row per budget programme that paid it (« Culture et
communication: 175 - Patrimoines »). Read without ``--source`` from its header (``SIREN;
ASSOCIATION; IMPUTATION; Total des subventions; Détail des subventions`` and the later wordings).

Each detail row is a ``subvention`` tie from the programme (an actor ``programme:175``, kind
public body, its ministry kept) to the association, dated by the year the subsidies were paid
(``start`` on 1 January, ``start_precision: year``): from an ``exercice``/``année`` column, else
the file's name (« … subventionnées en 2010 », or the PLF year minus two). Total rows are never
ties (their details are): they are counted as skipped, and a total its details do not add up
to is reported. Beneficiaries are associations by the file's own title (evidence, not a guess),
keyed by their SIREN, else by name (``id_unusable`` / ``id_missing``).
"""

from __future__ import annotations

import hashlib
import re

from ...i18n import N_, _
from ...identifiers import normalized_name, read_id_cell
from ...model import parse_amount
from ..formats import TABULAR, FileHead
from .common import Conflict, Item, Skip, SourceRow, clean, fold_header, mapped_rows
from .parties import Party, StoredParties, kind_of_siren, name_conflicts, published_name

__all__ = ["recognises", "translate", "COLUMNS", "year_of", "programme_of"]

COLUMNS = {
    "siren": ("siren", "numerosiren", "siret", "numerosiret"),
    "name": ("association", "nomdelassociation", "beneficiaire", "nomdubeneficiaire"),
    "imputation": ("imputation", "programme", "ministereprogramme", "imputationbudgetaire"),
    "total": ("totaldessubventions", "total"),
    "detail": ("detaildessubventions", "detail", "montant", "montantdelasubvention"),
    "year": ("exercice", "annee", "anneedeversement"),
}
_LOOKUP = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


def _columns(header) -> dict[str, str]:
    return {column: _LOOKUP[fold_header(column)] for column in header if fold_header(column) in _LOOKUP}


def recognises(head: FileHead) -> bool:
    names = set(_columns(head.header).values())
    return head.format in TABULAR and {"siren", "name", "imputation"} <= names and bool({"total", "detail"} & names)


def year_of(name: str) -> str | None:
    """The year a jaune's subsidies were paid, from its file name.

    Examples
    --------
    >>> year_of("plf-2012-jaune-associations-subventionne-es-en-2010.csv"), year_of("jaune_PLF2015.csv")
    ('2010', '2013')
    """
    folded = name.lower()
    if match := re.search(r"subvention\w*[-_ .]*(?:en[-_ .]*)?((?:19|20)\d\d)", folded):
        return match.group(1)
    if match := re.search(r"plf[-_ ]*((?:19|20)\d\d)", folded):
        return str(int(match.group(1)) - 2)  # the PLF for year N reports the subsidies of N - 2
    return None


_IMPUTATION = re.compile(r"^(?P<ministry>.*?)\s*:\s*(?P<code>\d{2,4})\s*-\s*(?P<label>.+)$")


def programme_of(text: str | None) -> tuple[str, str, str | None] | None:
    """``(code, label, ministry)`` of an imputation, or None when it names no programme.

    Examples
    --------
    >>> programme_of("Culture et communication: 175 - Patrimoines")
    ('175', 'Patrimoines', 'Culture et communication')
    """
    match = _IMPUTATION.match(clean(text) or "")
    if not match:
        return None
    return match.group("code"), match.group("label").strip(), match.group("ministry").strip() or None


_PLACE = re.compile(r"^(?P<name>.+?)\s+-\s+(?P<dep>\d[0-9AB]\d?)\s*(?P<commune>.*)$")


def translate(heads, filters, *, resolve=None, known=None, progress=None, **_options):
    stored, seen = StoredParties(known), {}
    for head in heads:
        mapping = _columns(head.header)
        columns = {name: column for column, name in mapping.items()}
        year, total = year_of(head.path.name), _Totals()
        for line, row in mapped_rows(head, mapping, progress):
            if isinstance(row, SourceRow):
                yield row
                continue
            if row.get("imputation") is None:
                total.expect(str(head.path), line, row.get("siren"), row.get("total"))
                yield Skip(str(head.path), "partnerships", N_("an association's total (its detail rows are the ties)"))
                continue
            yield from total.add(row.get("siren"), row.get("detail"),
                                 _detail(head, line, row, columns, row.get("year") or year, stored, seen))
        yield from total.close()


class _Totals:
    """Each association's total rows, checked against the sum of its detail rows in the file.

    Totals and details are not always adjacent (the file is sorted by name), so the sums are kept
    for the whole file; its last detail row is held back until the end, so that a total its
    details do not add up to is reported with it (a conflict: the details are loaded, never the total).
    """

    def __init__(self):
        self.expected, self.found, self.held = {}, {}, None

    def expect(self, path, line, siren, amount):
        previous = self.expected.get(siren, (0.0, path, line))[0]
        self.expected[siren] = (previous + (_amount(amount) or 0.0), path, line)

    def add(self, siren, amount, detail: SourceRow):
        if self.held is not None:
            yield self.held
        self.held = detail
        self.found[siren] = self.found.get(siren, 0.0) + (_amount(amount) or 0.0)

    def close(self):
        if self.held is None:
            return
        for siren, (expected, path, line) in self.expected.items():
            if abs(expected - self.found.get(siren, 0.0)) > 0.5:
                self.held.conflicts.append(Conflict("partnerships", f"siren:{siren}", "total", path, line, expected,
                                                    round(self.found.get(siren, 0.0), 2), "details"))
        yield self.held
        self.held = None


def _amount(text):
    try:
        return parse_amount(text)
    except ValueError:
        return None


def _detail(head, line, row, columns, year, stored, seen) -> SourceRow:
    path = str(head.path)
    names = {"source": columns.get("imputation", "IMPUTATION"), "target": columns.get("siren", "SIREN"),
             "amount": columns.get("detail", "detail"), "name": columns.get("name", "ASSOCIATION")}
    out = SourceRow(path, line)
    programme = programme_of(row.get("imputation"))
    association = _association(row)
    problems = []
    if programme is None:
        problems.append((names["source"], _("not a programme (« Ministry: 123 - Label »): {text!r}").format(
            text=row.get("imputation"))))
        grantor_key = None
    else:
        code, label, ministry = programme
        grantor_key = f"programme:{code}"
        if not stored([grantor_key]) and grantor_key not in seen:
            out.items.append(Item("actors", path, line, {"id": grantor_key, "name": f"Programme {code} – {label}",
                                                         "kind": "public_body", "ministry": ministry,
                                                         "source": "jaune"}, names, derived_key=grantor_key))
        seen.setdefault(grantor_key, (label, f"{path}:{line}"))
    if association.key:
        found = stored([association.key])
        out.conflicts += name_conflicts(association, found.get(association.key), seen.get(association.key), path, line)
        if association.key not in found:
            out.items.append(Item("actors", path, line, _association_row(association, row), names,
                                  derived_key=association.key))
        seen.setdefault(association.key, (association.name or "", f"{path}:{line}"))
    amount = _amount(row.get("detail"))
    identity = "\x1f".join([year or "", grantor_key or "", association.key or ""])
    tie = {"id": "jaune:" + hashlib.sha1(identity.encode()).hexdigest()[:16], "source": grantor_key,
           "target": association.key, "kind": "subvention", "start": f"{year}-01-01" if year else None,
           "start_precision": "year" if year else None, "amount": amount,
           "unread": f"{names['amount']}: {row.get('detail')}" if row.get("detail") and amount is None else None}
    if problems:
        tie["__problems__"] = problems
    out.items.append(Item("partnerships", path, line, {k: v for k, v in tie.items() if v is not None}, names))
    return out


def _association(row) -> Party:
    written, mojibake = published_name(row.get("name"))
    written = written or ""
    place = _PLACE.match(written)
    name = place.group("name").strip() if place else written.strip() or None
    cell = read_id_cell(row.get("siren"))
    key = f"siren:{cell.siren}" if cell.siren else (f"nom:jaune/{normalized_name(name)}" if name else None)
    kind = kind_of_siren(cell.siren) or "association"  # the jaune lists associations
    return Party(key, name, cell, None, kind, "file", mojibake=mojibake)


def _association_row(party: Party, row) -> dict:
    actor = party.actor_row("beneficiary", source="jaune")
    if not party.certain:
        actor["id"] = party.key
    place = _PLACE.match(row.get("name") or "")
    if place:
        actor["departement"] = place.group("dep")
        actor["commune_name"] = place.group("commune").strip() or None
    return {k: v for k, v in actor.items() if v is not None}

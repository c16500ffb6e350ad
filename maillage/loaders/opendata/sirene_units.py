"""SIRENE's legal units read a block at a time: the columnar path of ``StockUniteLegale``.

France's units file holds some 29 million rows; a load keeps about 10 million (closed units,
individual entrepreneurs and undisclosed names are left out). The row path builds a dictionary,
a record, a digest and a JSON text for each kept row (about 30 minutes for France here). This path
reads the file with pyarrow's streaming reader and, in each block:

- decides the rows left out on the distinct values of the state, category and diffusion columns
  (a few each), exactly as :func:`~maillage.loaders.opendata.sirene._unit` decides them;
- looks up the block's head offices in one query;
- proves the kept rows *plain* by :mod:`maillage.loaders.fast`'s rules (cells with nothing for
  :func:`~.common.clean` to change, a valid SIREN and SIRET, a commune code as stored, no RNA
  number: an association is merged with its RNA row by the row path) and makes each plain row's
  stored tuple, its themes and ``extra`` written once per distinct value;
- hands every other kept row to the row path (:func:`~.sirene._unit`), in file order, and so
  does the loader with a plain row whose entity it already holds (:class:`~.common.PlainActors`).

It gives up, and the row path reads the rest of the file from the block's first line, where it
could number rows otherwise than the row path (a line break inside a value, a blank line, a lone
CR) or where pyarrow cannot split a row into the header's columns. ``tests/test_sirene_units.py``
loads generated and damaged files both ways and compares stores and reports.
"""

from __future__ import annotations

import json

import numpy as np

from ..fast import _commune_ok
from ...graph.store import json_list
from ...identifiers import LA_POSTE_SIREN
from ...redaction import escape_surrogates
from .blocks import by_distinct, demote_shared_keys, luhn, plain_actors, readable, read_blocks, row_path, unclean
from .common import Skip, clean
from .sirene import CLOSED, INDIVIDUAL, NOT_PUBLIC, OUTSIDE, _FIELDS, _date, activity_themes, kind_of

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - a core dependency
    pa = None

__all__ = ["read_units_columnar"]

BLOCK_SIZE = 1 << 24
# extra's fields in the order the row path writes them (a row with themes_unmapped, a flag, is not
# plain; source is written here)
_EXTRA = (("naf", "activiteprincipaleunitelegale"), ("naf_nomenclature", "nomenclatureactiviteprincipaleunitelegale"),
          ("legal_category", "categoriejuridiqueunitelegale"),
          ("created", "datecreationunitelegale"), ("ess", "economiesocialesolidaireunitelegale"),
          ("naf25", "activiteprincipalenaf25unitelegale"), ("societe_mission", "societemissionunitelegale"),
          ("headcount_band", "trancheeffectifsunitelegale"))
_NAMES = ("denominationunitelegale", "denominationusuelle1unitelegale", "sigleunitelegale")
_SOURCE = '"source": "SIRENE"'


def read_units_columnar(head, get, seats, filters, progress, unit):
    """Yield what the units file gives (Skips, PlainActors), block by block; return None when the
    whole file is read, else the line from which the row path must read it.

    ``get`` is the file's column index, ``seats`` its head offices (``many(sirens)``), ``unit(values,
    line)`` the row path's reading of one row."""
    if not readable(head) or "siren" not in get.position:
        return 1 + head.header_lines
    block = _Block(head, get, seats, filters, unit)
    return (yield from read_blocks(head, progress, BLOCK_SIZE, block.read))


def _other_keys(value: tuple) -> tuple:
    """A plain unit's keys besides its id: its head office's SIRET."""
    return (f"siret:{value[6]}",) if value[6] else ()


def _keys_of(value: tuple) -> tuple:
    return (value[0], *_other_keys(value))


def _item_keys(row: dict) -> set[str]:
    """The keys a legal unit's row of the row path gives: its SIREN's and its SIRET's."""
    return {f"{name}:{row[name]}" for name in ("siren", "siret") if row.get(name)}


def _sirets_ok(sirets: list, sirens: list[str]) -> np.ndarray:
    """Which head-office SIRETs the fast path keeps as written: none, or 14 ASCII digits that begin
    with the unit's SIREN (never La Poste's: plain SIRENs are not) and pass the Luhn check."""
    ok = np.ones(len(sirets), bool)
    checked = []
    for k, (siret, siren) in enumerate(zip(sirets, sirens)):
        if siret is None:
            continue
        if len(siret) == 14 and siret.isascii() and siret.isdigit() and siret.startswith(siren):
            checked.append(k)
        else:
            ok[k] = False
    ok[checked] = luhn([sirets[k] for k in checked], 14)
    return ok


class _Block:
    """The per-file state of the columnar path (distinct values already read), and one block's reading."""

    def __init__(self, head, get, seats, filters, unit):
        self.head, self.get, self.seats, self.filters, self.unit = head, get, seats, filters, unit
        self.path = escape_surrogates(str(head.path))
        self.names = {fold: head.header[at] for fold, at in get.position.items()}
        self.has_nomenclature = get.names.get("nomenclatureactiviteprincipaleunitelegale") is not None
        self.fragments: dict[str, dict] = {}  # extra field → cell → its JSON fragment ("" when absent)
        self.activities: dict[tuple, tuple] = {}  # (code, nomenclature, naf25) → (themes JSON, unmapped)

    def column(self, batch, fold: str):
        name = self.names.get(fold)
        return batch.column(name) if name is not None else None

    def read(self, batch, first: int):
        skipped: dict[str, int] = {}
        routed = self._left_out(batch, batch.num_rows, skipped)  # the rows that may give an Item
        plain = self._plain(batch, routed)
        sirens = pc.take(self.column(batch, "siren"), pa.array(routed)).to_pylist()
        seats = self.seats.many([siren for siren, ok in zip(sirens, plain) if ok])
        if self.filters:  # a plain SIREN without a kept head office is outside the filter
            outside = np.array([bool(ok) and siren not in seats for siren, ok in zip(sirens, plain)], bool)
            if outside.any():
                skipped[OUTSIDE] = int(outside.sum())
                routed, plain = routed[~outside], plain[~outside]
                sirens = [siren for siren, out in zip(sirens, outside) if not out]
        values = self._values(batch, routed, plain, sirens, seats, first)
        hand_over = lambda wanted: row_path(batch, routed, wanted, first, {}, self.unit)  # noqa: E731
        given = row_path(batch, routed, [k for k, value in enumerate(values) if value is None], first, skipped,
                         self.unit)
        demote_shared_keys(values, given, _keys_of, _item_keys, hand_over)
        yield from (Skip(self.path, "actors", reason, count) for reason, count in sorted(skipped.items()))
        block = plain_actors(self.path, values, given, _other_keys, hand_over, _FIELDS)
        if block is not None:
            yield block

    # -- the rows left out, decided on distinct values --

    def _left_out(self, batch, size: int, skipped: dict) -> np.ndarray:
        """Count the rows the filters leave out; return the indices of the others, which give an Item."""
        etat = self.column(batch, "etatadministratifunitelegale")
        closed = by_distinct(etat, lambda v: (clean(v) or "A").upper() == "C", size).astype(bool) \
            if etat is not None else np.zeros(size, bool)
        kinds = by_distinct(self.column(batch, "categoriejuridiqueunitelegale"), lambda v: kind_of(clean(v)), size)
        individual = ~closed & (kinds == None)  # noqa: E711 - an object array, compared element-wise
        diffusion = self.column(batch, "statutdiffusionunitelegale")
        hidden = by_distinct(diffusion, lambda v: (clean(v) or "O").upper() != "O", size).astype(bool) \
            if diffusion is not None else np.zeros(size, bool)
        hidden &= ~closed & ~individual
        for reason, rows in ((CLOSED, closed), (INDIVIDUAL, individual), (NOT_PUBLIC, hidden)):
            if rows.any():
                skipped[reason] = int(rows.sum())
        return np.flatnonzero(~(closed | individual | hidden))

    # -- which of the others are plain --

    def _plain(self, batch, routed: np.ndarray) -> np.ndarray:
        """Which routed rows can be proved plain before their seat is known (cells, name, SIREN, no RNA)."""
        folds = ["siren", "identifiantassociationunitelegale", *_NAMES] + [fold for _, fold in _EXTRA]
        plain = ~unclean([self.column(batch, fold) for fold in folds], routed)
        rows = pa.array(routed)
        association = self.column(batch, "identifiantassociationunitelegale")
        if association is not None:
            plain &= pc.equal(pc.take(association, rows), "").to_numpy(zero_copy_only=False)
        name = self._name(batch, rows)
        plain &= pc.and_(pc.not_equal(name, ""), pc.not_equal(name, "[ND]")).to_numpy(zero_copy_only=False)
        siren = pc.take(self.column(batch, "siren"), rows)
        digits = pc.match_substring_regex(siren, "^[0-9]{9}$").to_numpy(zero_copy_only=False)
        digits &= ~pc.equal(siren, LA_POSTE_SIREN).to_numpy(zero_copy_only=False)
        plain &= digits
        texts = siren.to_pylist()
        checked = np.flatnonzero(plain)
        plain[checked] = luhn([texts[k] for k in checked], 9)
        return plain

    def _name(self, batch, rows):
        """The name the row path reads: the first of the three name cells not empty."""
        found = None
        for fold in reversed(_NAMES):
            column = self.column(batch, fold)
            if column is None:
                continue
            cells = pc.take(column, rows)
            found = cells if found is None else pc.if_else(pc.not_equal(cells, ""), cells, found)
        return found if found is not None else pa.array([""] * len(rows), pa.string())

    # -- the plain rows' tuples --

    def _values(self, batch, routed, plain, sirens, seats, first):
        """Each routed row's stored tuple when it is plain (seat included), else None."""
        rows = pa.array(routed)
        name = self._name(batch, rows).to_pylist()
        kinds = [kind_of(value) for value in self._cells(batch, "categoriejuridiqueunitelegale", rows)]
        extra = self._extra(batch, rows)
        themes = self._themes(batch, rows)
        candidates = np.flatnonzero(plain).tolist()
        placed = [seats.get(sirens[k]) for k in candidates]
        sirets = [seat[0] if seat else None for seat in placed]
        valid = _sirets_ok(sirets, [sirens[k] for k in candidates])
        values, path = [None] * len(routed), self.path
        for k, seat, siret, ok in zip(candidates, placed, sirets, valid):
            commune = seat[1] if seat else None
            if not ok or (commune is not None and not _commune_ok(commune)):
                continue  # the row path reads it
            theme, unmapped = themes[k]
            if unmapped:
                continue  # a flag the row path counts (themes_unmapped)
            parts = [part for part in (*(column[k] for column in extra), _SOURCE) if part]
            siren = sirens[k]
            values[k] = (f"siren:{siren}", None, name[k], kinds[k], commune, siren, siret, None, theme, "[]", "[]",
                         "[]", None, "{" + ", ".join(parts) + "}", path, first + int(routed[k]))
        return values

    def _cells(self, batch, fold, rows) -> list:
        column = self.column(batch, fold)
        return pc.take(column, rows).to_pylist() if column is not None else [""] * len(rows)

    def _extra(self, batch, rows) -> list[list[str]]:
        """Per extra field with a column (themes_unmapped aside), each row's JSON fragment ("" when empty)."""
        out = []
        for field, fold in _EXTRA:
            known = self.fragments.setdefault(field, {})
            column = self.column(batch, fold)
            if column is None:
                out.append([""] * len(rows))
                continue
            cells = pc.take(column, rows)
            distinct = pc.unique(cells).to_pylist()
            for cell in distinct:
                if cell not in known:
                    value = _date(clean(cell)) if field == "created" else clean(cell)
                    known[cell] = f"{json.dumps(field)}: {json.dumps(value, ensure_ascii=False)}" if value else ""
            table = [known[cell] for cell in distinct]
            out.append([table[i] for i in pc.index_in(cells, value_set=pa.array(distinct, pa.string())).to_pylist()])
        return out

    def _themes(self, batch, rows) -> list[tuple[str, bool]]:
        """Each row's (themes JSON, whether its activity has no theme mapping), read once per distinct activity."""
        code, nomenclature, naf25 = (self._cells(batch, fold, rows) for fold in (
            "activiteprincipaleunitelegale", "nomenclatureactiviteprincipaleunitelegale",
            "activiteprincipalenaf25unitelegale"))
        out = []
        for triple in zip(code, nomenclature, naf25):
            found = self.activities.get(triple)
            if found is None:
                themes, note = activity_themes(*(clean(cell) for cell in triple), self.has_nomenclature)
                found = self.activities[triple] = (json_list(sorted(set(themes))), note is not None)
            out.append(found)
        return out

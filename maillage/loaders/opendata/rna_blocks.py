"""The RNA read a block at a time: the columnar path of the associations' files.

France's waldec file holds some 2.3 million rows, a third of them dissolved. The row path builds a
dictionary per row, then a record, a digest and a JSON text per kept one. This path reads the file
with pyarrow (:mod:`.blocks`) and, in each block:

- leaves out dissolved rows and rows outside the filter on the distinct values of ``position``,
  ``date_disso`` and ``adrs_codeinsee``, exactly as :func:`~.rna._association` does;
- proves the others *plain* by :mod:`maillage.loaders.fast`'s rules (cells with nothing for
  :func:`~.common.clean` to change, an RNA number as stored, no SIRET or a valid one, a name, no
  website to read, a commune code as stored) and makes each plain row's stored tuple, its themes
  and ``extra`` as the row path writes them;
- hands every other row to the row path (:func:`~.rna._association`), in file order, with the plain
  ones the loader finds it already holds (:class:`~.common.PlainActors`).

``tests/test_rna_blocks.py`` loads generated and damaged files both ways and compares stores and reports.
"""

from __future__ import annotations

from json.encoder import encode_basestring

import numpy as np

from ...i18n import N_
from ...identifiers import read_id_cell
from ...redaction import escape_surrogates
from ..fast import _commune_ok
from ...graph.store import json_list
from .blocks import by_distinct, demote_shared_keys, plain_actors, readable, read_blocks, row_path, unclean
from .common import Item, Skip, clean, commune_of

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - a core dependency
    pa = None

__all__ = ["read_rna_columnar"]

BLOCK_SIZE = 1 << 24
DISSOLVED, OUTSIDE = N_("dissolved"), N_("outside the filter")  # the row path's reasons
# extra's fields in the order the row path writes them: (field, column) — objet_social and source made here
_EXTRA = (("created", "date_creat"), ("nature", "nature"), ("groupement", "groupement"), ("purpose", "objet"),
          ("objet_social", None), ("rna_updated", "maj_time"), ("source", None))
_OPTIONAL = ("adrs_libcommune", "libcom", "adrs_codepostal", "gestion", "date_decla", "date_publi", "id_ex", "rup_mi",
             "observation", "adresse")
_READ = ("id", "siret", "titre", "titre_court", "objet_social1", "objet_social2", "adrs_codeinsee", "siteweb",
         *(column for _, column in _EXTRA if column), *_OPTIONAL)


def read_rna_columnar(head, renamed: dict, filters, include_dissolved: bool, progress, association, themes_of):
    """Yield what an RNA file gives (Skips, PlainActors), block by block; return None when the whole
    file is read, else the line from which the row path must read it.

    ``renamed`` maps each column to the RNA name it stands for; ``association(row, line)`` is the row
    path's reading of one row (its Items and Skips); ``themes_of(code1, code2)`` the purposes' themes."""
    if not readable(head):
        return 1 + head.header_lines
    columns = {}
    for column in head.header:  # a name given twice: the row path keeps the later column
        columns[renamed.get(column, column)] = column
    block = _Block(head, columns, renamed, filters, include_dissolved, association, themes_of)
    return (yield from read_blocks(head, progress, BLOCK_SIZE, block.read))


class _Block:
    """The per-file state of the RNA's columnar path, and one block's reading."""

    def __init__(self, head, columns, renamed, filters, include_dissolved, association, themes_of):
        self.head, self.columns, self.filters = head, columns, filters
        self.names = [renamed.get(column, column) for column in head.header]  # the row path's keys
        self.include_dissolved, self.association, self.themes_of = include_dissolved, association, themes_of
        self.path = escape_surrogates(str(head.path))
        self.themes: dict[tuple, tuple] = {}  # (objet_social1, objet_social2) → (themes JSON, objet_social)

    def column(self, batch, name: str):
        column = self.columns.get(name)
        return batch.column(column) if column is not None else None

    def cells(self, batch, name: str, rows) -> list:
        column = self.column(batch, name)
        return pc.take(column, rows).to_pylist() if column is not None else [""] * len(rows)

    def read(self, batch, first: int):
        size, skipped = batch.num_rows, {}
        dissolved = (by_distinct(self.column(batch, "position"), lambda v: (clean(v) or "").upper() == "D", size)
                     | by_distinct(self.column(batch, "date_disso"), lambda v: clean(v) is not None, size)).astype(bool)
        outside = ~by_distinct(self.column(batch, "adrs_codeinsee"),
                               lambda v: self.filters.keeps(commune_of(v)), size).astype(bool)
        if self.include_dissolved:
            routed, plain = np.arange(size), ~dissolved
        else:
            if dissolved.any():
                skipped[DISSOLVED] = int(dissolved.sum())
            routed = np.flatnonzero(~dissolved)
            plain = np.ones(len(routed), bool)
        leaving = outside[routed]
        if leaving.any():
            skipped[OUTSIDE] = int(leaving.sum())
            routed, plain = routed[~leaving], plain[~leaving]
        plain &= ~unclean([self.column(batch, name) for name in _READ], routed)
        values = self._values(batch, routed, plain, first)
        hand_over = lambda wanted: row_path(batch, routed, wanted, first, {}, self._read)  # noqa: E731
        given = row_path(batch, routed, [k for k, value in enumerate(values) if value is None], first, skipped,
                         self._read)
        demote_shared_keys(values, given, _keys_of, _item_keys, hand_over)
        yield from (Skip(self.path, "actors", reason, count) for reason, count in sorted(skipped.items()))
        block = plain_actors(self.path, values, given, _other_keys, hand_over, {})
        if block is not None:
            yield block

    def _read(self, cells: list, line: int):
        """The row path's reading of one row: its Item, or the reason it is left out."""
        row = dict(zip(self.names, cells))  # a name given twice keeps the later cell, as the row path does
        for made in self.association(row, line):
            return made if isinstance(made, Item) else made.reason
        return None

    # -- the plain rows' tuples --

    def _values(self, batch, routed, plain, first: int) -> list:
        """Each routed row's stored tuple when it is plain, else None."""
        rows = pa.array(routed)
        numbers, sirets, websites = (self.cells(batch, name, rows) for name in ("id", "siret", "siteweb"))
        titles, short = self.cells(batch, "titre", rows), self.cells(batch, "titre_court", rows)
        places = self.cells(batch, "adrs_codeinsee", rows)
        first_code, second_code = self.cells(batch, "objet_social1", rows), self.cells(batch, "objet_social2", rows)
        extra = {column: self.cells(batch, column, rows) for _, column in _EXTRA if column}
        optional = [(column, self.cells(batch, column, rows)) for column in _OPTIONAL if column in self.columns]
        values, path = [None] * len(routed), self.path
        for k in np.flatnonzero(plain).tolist():
            rna, siret, name = numbers[k], sirets[k] or None, titles[k] or short[k]
            if not (len(rna) == 10 and rna[0] == "W" and rna[1:].isascii() and rna[1:].isalnum() and rna[1:].upper() == rna[1:]) \
                    or not name or websites[k]:
                continue
            if siret is not None and read_id_cell(siret).siret != siret:
                continue  # a SIRET to read, or a flag: the row path
            commune = commune_of(places[k]) if places[k] else None
            if commune is not None and not _commune_ok(commune):
                continue
            themes, social = self._themes(first_code[k], second_code[k])
            parts = []
            for field, column in _EXTRA:
                text = extra[column][k] if column else (social if field == "objet_social" else "RNA")
                if text:
                    parts.append(f'"{field}": {encode_basestring(text)}')
            parts += [f'"{column}": {encode_basestring(cells[k])}' for column, cells in optional if cells[k]]
            siren = siret[:9] if siret else None
            values[k] = (f"siren:{siren}" if siren else f"rna:{rna}", None, name, "association", commune, siren, siret,
                         rna, themes, "[]", "[]", "[]", None, "{" + ", ".join(parts) + "}", path, first + int(routed[k]))
        return values

    def _themes(self, first_code: str, second_code: str) -> tuple[str, str | None]:
        found = self.themes.get((first_code, second_code))
        if found is None:
            codes = [code for code in (first_code, second_code) if code and code != "000000"]
            found = self.themes[(first_code, second_code)] = (
                json_list(sorted(set(self.themes_of(first_code, second_code)))), ";".join(codes) or None)
        return found


def _other_keys(value: tuple) -> tuple:
    """A plain row's keys besides its id: its SIRET's and RNA number's when its id is its SIREN."""
    return (f"siret:{value[6]}", f"rna:{value[7]}") if value[6] else ()


def _keys_of(value: tuple) -> tuple:
    return (value[0], *_other_keys(value))


def _item_keys(row: dict) -> set[str]:
    """The keys an actor row of the row path gives (its SIRET gives its SIREN too)."""
    keys = {f"{name}:{row[name]}" for name in ("rna", "siren", "siret") if row.get(name)}
    if row.get("siret"):
        keys.add(f"siren:{str(row['siret'])[:9]}")
    if row.get("id"):
        keys.add(str(row["id"]))
    return keys

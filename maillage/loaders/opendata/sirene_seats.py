"""SIRENE's head offices read a column at a time: the establishments file's first pass, compiled.

``StockEtablissement`` holds some 40 million rows of 48 columns; the first pass of a SIRENE load
only needs four of them (``siren``, ``siret``, ``etablissementSiege``, ``codeCommuneEtablissement``)
and only counts the rows it leaves out. Python's ``csv`` reads every cell of every row (about
six minutes for France here); pyarrow's streaming reader parses the four columns in C++ and the
tests run on whole blocks: the seat flag compared at once, each distinct commune of a block
mapped and filtered once.

It gives what :func:`maillage.loaders.opendata.sirene._read_seats` gives, or gives up before it
matters: on a row pyarrow cannot split into the header's columns, a seat flag other than
``true`` or ``false`` (a blank row is one: the row path skips those without counting them), a
file that is not UTF-8 or a header on several lines, it returns None and the row path reads the
file from the start (re-writing the same seats in the same order leaves the same table).
``tests/test_opendata.py`` compares both on generated and damaged files.
"""

from __future__ import annotations

import re

from .. import formats
from .common import clean, commune_of

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
except ImportError:  # pragma: no cover - a core dependency
    pa = None

__all__ = ["read_seats_columnar"]

_WANTED = ("siren", "siret", "etablissementsiege", "codecommuneetablissement")
_PLAIN = {"siren": re.compile(r"[0-9]{9}"), "siret": re.compile(r"[0-9]{14}")}  # what clean() leaves as it is


class _GiveUp(Exception):
    """The row path must read this file."""


def read_seats_columnar(seats, head, filters, progress, counts: dict, names: dict, write) -> dict | None:
    """Fill ``seats`` from ``head``'s file and return ``counts`` filled as the row path fills them,
    or None when the row path must read the file (the caller forgets what was counted). ``names`` are the count keys:
    ``seat``, ``not_seat``, ``outside``."""
    if pa is None or head.format != "csv" or head.header_lines != 1 \
            or (head.encoding or "utf-8").lower() not in ("utf-8", "utf-8-sig") or len(set(head.header)) != len(head.header):
        return None
    folded = {name.lower(): name for name in head.header}
    if not all(name in folded for name in _WANTED):
        return None
    columns = [folded[name] for name in _WANTED]
    invalid = []
    handle = formats._open_bytes(head.path, progress)
    try:
        reader = pa_csv.open_csv(handle, read_options=pa_csv.ReadOptions(
            column_names=list(head.header), skip_rows=1, block_size=1 << 24), parse_options=pa_csv.ParseOptions(
            delimiter=head.delimiter or ",", newlines_in_values=True,
            invalid_row_handler=lambda row: invalid.append(row) or "skip"),
            convert_options=pa_csv.ConvertOptions(include_columns=columns, column_types=dict.fromkeys(columns, pa.string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            if invalid:
                return None
            _take(batch, columns, filters, counts, names, write)
        return None if invalid else counts
    except (pa.ArrowInvalid, OSError, _GiveUp):
        return None
    finally:
        handle.close()


def _take(batch, columns, filters, counts, names, write) -> None:
    siren, siret, flag, commune = (batch.column(name) for name in columns)
    seat = pc.equal(flag, "true")
    seats_here = pc.sum(seat).as_py() or 0
    not_seat = pc.sum(pc.equal(flag, "false")).as_py() or 0
    if seats_here + not_seat != batch.num_rows:
        raise _GiveUp  # a flag the row path reads its own way (spaces, case, a blank row)
    counts[names["not_seat"]] += not_seat
    if not seats_here:
        return
    siren, siret, commune = (pc.filter(column, seat) for column in (siren, siret, commune))
    distinct = pc.unique(commune)
    places = [commune_of(code) for code in distinct.to_pylist()]
    kept = pa.array([filters.keeps(place) for place in places], pa.bool_())
    where = pc.index_in(commune, distinct)
    keep = pc.take(kept, where)
    outside = seats_here - (pc.sum(keep).as_py() or 0)
    counts[names["outside"]] += outside
    counts[names["seat"]] += seats_here - outside
    where = pc.filter(where, keep).to_numpy(zero_copy_only=False)
    write(list(zip(_cleaned(pc.filter(siren, keep), "siren"), _cleaned(pc.filter(siret, keep), "siret"),
                   [places[i] for i in where.tolist()])))


def _cleaned(column, name: str) -> list:
    values = column.to_pylist()
    if pc.all(pc.match_substring_regex(column, f"^{_PLAIN[name].pattern}$")).as_py() is not False:
        return values  # digits only: clean() would give each back as it is
    return [clean(value) for value in values]


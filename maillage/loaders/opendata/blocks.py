"""What the columnar paths of published files share: blocks of rows numbered as the row path numbers them.

A translator's columnar path (:mod:`.sirene_units`, :mod:`.rna_blocks`) reads its file with
pyarrow's streaming reader, every column as text, and decides a block at a time; it hands the row
path the rest of the file from the first block where a row could be numbered otherwise than one
line each (a line break inside a value, a blank line, a lone CR) or that pyarrow cannot split.
"""

from __future__ import annotations

import numpy as np

from .. import columnar, formats
from ..columnar import _UNPLAIN, _LineWatch, _reader
from .common import Item, PlainActors

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - a core dependency
    pa = None

__all__ = ["readable", "read_blocks", "UNCLEAN", "luhn", "by_distinct", "unclean", "row_path", "demote_shared_keys",
           "plain_actors"]

# a cell clean() would change: spaces to strip, a control character, spreadsheet quoting, a date sentinel
UNCLEAN = f"{_UNPLAIN}|^=\"|^(0001-01-01|0000-00-00|NULL|null)$"


def readable(head) -> bool:
    """Whether a columnar path may read ``head``'s file (UTF-8 CSV, each column named once)."""
    return (columnar.available() and head.format == "csv" and (head.encoding or "utf-8").lower() in ("utf-8", "utf-8-sig")
            and len(set(head.header)) == len(head.header))


def read_blocks(head, progress, block_size: int, read):
    """Yield what ``read(batch, first line)`` yields for each block of the file; return None when it
    is all read, else the line from which the row path must read it."""
    line = 1 + head.header_lines
    handle = _LineWatch(formats._open_bytes(head.path, progress))
    try:
        try:
            reader = _reader(head, handle, block_size)
        except (pa.ArrowInvalid, OSError):
            return line
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return None
            except (pa.ArrowInvalid, OSError):  # a row pyarrow cannot split: the row path says why
                return line
            if handle.broken or any(pc.any(pc.match_substring(column, end)).as_py()
                                    for column in batch.columns for end in ("\n", "\r")):
                return line  # lines may no longer be rows from here
            yield from read(batch, line)
            line += batch.num_rows
    finally:
        handle.close()


def luhn(texts: list[str], length: int) -> np.ndarray:
    """Which of ``texts`` (each ``length`` ASCII digits) pass the Luhn check, vectorised.

    Examples
    --------
    >>> luhn(["552118465", "552118466"], 9).tolist()
    [True, False]
    """
    if not texts:
        return np.zeros(0, bool)
    digits = np.frombuffer("".join(texts).encode("ascii"), np.uint8).reshape(-1, length).astype(np.int64) - 48
    backwards = digits[:, ::-1]
    doubled = backwards[:, 1::2] * 2
    total = backwards[:, 0::2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    return total % 10 == 0


def by_distinct(column, decide, size: int) -> np.ndarray:
    """``decide(cell)`` for each cell of ``column`` (None: an absent column, every cell ""), worked
    out once per distinct cell."""
    if column is None:
        return np.full(size, decide(""), dtype=object)
    distinct = pc.unique(column)
    table = np.array([decide(value) for value in distinct.to_pylist()] + [None], dtype=object)[:-1]
    return table[pc.index_in(column, value_set=distinct).to_numpy(zero_copy_only=False)]


def unclean(columns, rows) -> np.ndarray:
    """Rows (of ``rows``) where any of ``columns`` (None: absent) has a cell clean() would change."""
    out = np.zeros(len(rows), bool)
    taken = pa.array(rows)
    for column in columns:
        if column is not None:
            out |= pc.match_substring_regex(pc.take(column, taken), UNCLEAN).to_numpy(zero_copy_only=False)
    return out


def row_path(batch, routed, wanted: list[int], first: int, skipped: dict, read) -> dict:
    """k → the Item the row path makes of routed row k (None when it leaves the row out: the reason
    counted in ``skipped``), for the rows ``wanted``; ``read(cells, line)`` gives an Item or a reason."""
    if not wanted:
        return {}
    taken = batch.take(pa.array(routed[wanted]))
    out = {}
    for k, cells in zip(wanted, zip(*(column.to_pylist() for column in taken.columns))):
        made = read(list(cells), first + int(routed[k]))
        out[k] = made if isinstance(made, Item) else None
        if out[k] is None and made is not None:
            skipped[made] = skipped.get(made, 0) + 1
    return out


def demote_shared_keys(values: list, given: dict, keys_of, item_keys, hand_over) -> None:
    """Plain rows (``values[k]``) sharing a key with another row of the block go to the row path too
    (``hand_over(ks)`` gives their Items): writing the plain rows first must leave what file order leaves."""
    taken = set()
    for item in given.values():
        if item is not None:
            taken.update(item_keys(item.row))
    counts: dict[str, int] = {}
    for value in values:
        if value is not None:
            for key in keys_of(value):
                counts[key] = counts.get(key, 0) + 1
    demoted = [k for k, value in enumerate(values)
               if value is not None and any(counts[key] > 1 or key in taken for key in keys_of(value))]
    if demoted:
        given.update(hand_over(demoted))
        for k in demoted:
            values[k] = None


def plain_actors(path: str, values: list, given: dict, other_keys, hand_over, columns: dict):
    """The block's rows that give an actor, in file order, as :class:`~.common.PlainActors` (None when
    none does): plain tuples, and the row path's Items for the others."""
    keep = [k for k, value in enumerate(values) if value is not None or given.get(k) is not None]
    if not keep:
        return None
    entries = [values[k] for k in keep]

    def items(wanted: list[int]) -> list[Item]:  # the loader's fallbacks: plain rows it already holds
        made = hand_over([keep[j] for j in wanted if entries[j] is not None])
        return [given.get(keep[j]) or made[keep[j]] for j in wanted]

    return PlainActors(path, entries, [other_keys(entry) if entry is not None else () for entry in entries],
                       items, columns)

"""The columnar path: plain actor and partnership files validated a column at a time.

A CSV file of actors or partnerships is read in blocks of rows by pyarrow's streaming CSV reader
(the ``fast`` extra). In each block, vectorised tests prove which rows are plain by the rules of
:mod:`maillage.loaders.fast` (codes as codes, ISO dates, five-digit communes, http(s) addresses,
nothing to strip, no control character); a column's distinct values are tested once, not each
cell. Plain rows whose entity is new to the store and to this load are written as value tuples,
with no dictionary, record or digest each (:meth:`~maillage.graph.store.LoadSession.write_values`,
:meth:`~maillage.loaders.accounting.Accounting.admit_new`). Every other row goes through the row
path, in file order, exactly as if this module were not there: it gives the messages, merges
repeats and counts updates. ``tests/test_fast_path.py`` loads generated files both ways and
compares stores and reports.

The path takes a file of columns it knows, in UTF-8. It must number rows as the row path does (one
line each): from a block where a value holds a line break, or after a blank line or a lone CR
has gone by, or that pyarrow cannot parse, the row path reads the rest of the file from that
block's first line.
"""

from __future__ import annotations

import io
import json
import os
import re

from ..model import UNDIRECTED_KINDS, partnership_id
from ..graph.store import json_list
from .fast import (_ACTOR_COLUMNS, _PARTNERSHIP_COLUMNS, _codes, _commune_ok, _day_ok)
from . import formats
from .kinds import KINDS

try:  # the fast extra; without it every file takes the row path
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
except ImportError:  # pragma: no cover - the test extra installs it
    pa = None

__all__ = ["available", "usable", "load_file", "write_new_actors", "ENABLED"]

ENABLED = os.environ.get("MAILLAGE_COLUMNAR", "on").lower() not in ("off", "0", "no")
BLOCK_SIZE = 1 << 22
_COLUMNS = {"actors": _ACTOR_COLUMNS, "partnerships": _PARTNERSHIP_COLUMNS}


# Python's whitespace (what str.strip removes, Unicode 14) as an RE2 character class;
# tests/test_fast_path.py checks it against str.isspace
_SPACE = "[\\x{9}-\\x{d}\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}-\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"
# a value the fast path would refuse whatever its column: control characters, or spaces to strip
_UNPLAIN = f"[\\x00-\\x1f\\x7f]|^{_SPACE}|{_SPACE}$"
_BREAKS = "[\\r\\n]"
# fast.py's patterns in RE2's syntax; \d is ASCII here, so these accept no more than Python's
_KEY = "^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$"
_WEBSITE = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$"
_AMOUNT = "^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?$"
_BLANK_LINES = re.compile(rb"\n\r?\n|\r(?!\n)")


def available() -> bool:
    return pa is not None and ENABLED


def usable(head) -> bool:
    """Whether the columnar path may take ``head``'s file (else the row path reads it all)."""
    return (available() and head.format == "csv" and head.kind in _COLUMNS
            and (head.encoding or "utf-8").lower() in ("utf-8", "utf-8-sig")
            and len(set(head.header)) == len(head.header) and set(head.header) <= _COLUMNS[head.kind]
            and not formats.compressed(head.path) and _header_is_one_line(head.path))


def _header_is_one_line(path) -> bool:
    """Whether the header row ends with the first line (pyarrow skips one row, the row path one line)."""
    with open(path, "rb") as handle:
        return handle.readline(1 << 20).count(b'"') % 2 == 0


class _LineWatch(io.RawIOBase):
    """Hands the file's bytes to pyarrow, noting whether a blank line or a lone CR has gone by: the
    row path would number the rows after it otherwise than one line each."""

    def __init__(self, handle):
        self.handle, self.tail, self.broken = handle, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.handle.readinto(buffer)
        if self.broken:
            return count
        block = self.tail + bytes(memoryview(buffer)[:count])
        for match in _BLANK_LINES.finditer(block):
            if not (count and match.end() == len(block)):  # a CR at the cut may be half a CRLF
                self.broken = True
        self.tail = block[-2:]
        return count

    def close(self) -> None:
        self.handle.close()
        super().close()


def _reader(head, handle, block_size: int | None = None):
    """pyarrow's streaming reader of ``head``'s file: every column as text, the header skipped."""
    names = list(head.header)
    return pa_csv.open_csv(
        handle,
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=head.header_lines,
                                        block_size=block_size or BLOCK_SIZE),
        parse_options=pa_csv.ParseOptions(delimiter=head.delimiter or ",", newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False))


def load_file(loader, head, file_report, progress) -> int | None:
    """Load ``head``'s file through ``loader`` (a pipeline ``_Loader``); return None when it is all
    loaded, or the line from which the row path must read the rest."""
    handle, line, pending = _LineWatch(formats._open_bytes(head.path, progress)), 2, []
    try:
        try:
            reader = _reader(head, handle)  # reads the first block already
        except (pa.ArrowInvalid, OSError):
            return line
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                loader._flush(head.kind, file_report, pending)
                return None
            except (pa.ArrowInvalid, OSError):  # unparsable for pyarrow: the row path says why
                break
            if handle.broken:
                break  # a blank line or a lone CR in what was read: lines may no longer be rows
            if not _read_alike(batch):
                break
            pending = _Block(loader, head, file_report, batch, line).load(pending)
            line += batch.num_rows
        loader._flush(head.kind, file_report, pending)
        return line
    finally:
        handle.close()


def write_new_actors(loader, file_report, values: list, keys: list) -> set[int]:
    """Write the rows of ``values`` (VALUE_COLUMNS tuples; None for a row not proved plain) whose
    entity and keys (``keys[k]``, besides the id) neither the store nor this load holds; return
    which were written. The others go through the row path, which merges and counts them."""
    plain = [k for k, value in enumerate(values) if value is not None]
    terms = loader.vocabulary.terms  # the load's vocabulary may lack a code the translator gave
    if not ({values[k][3] for k in plain} <= terms["actor_kind"].keys()
            and all(set(json.loads(text)) <= terms["theme"].keys() for text in {values[k][8] for k in plain})):
        return set()
    ids = [values[k][0] for k in plain]
    session = loader.session
    known = session.resolve_actors(ids + [key for k in plain for key in keys[k]])
    seen = loader.accounting.known("actors", ids)
    held = _held(session, "actors", [id_ for id_ in ids if id_ not in known and id_ not in seen])
    new = [k for k in plain if values[k][0] not in known and values[k][0] not in seen
           and values[k][0] not in held and not any(key in known for key in keys[k])]
    rows = [values[k] for k in new]
    if rows:
        file_report.rows += len(rows)
        file_report.loaded += len(rows)
        session.write_values("actors", rows, [(key, values[k][0]) for k in new for key in keys[k]])
        loader.accounting.admit_new("actors", [row[0] for row in rows], file_report)
        loader.names.added({"id": row[0], "name": row[2], "commune": row[4]} for row in rows)
    return set(new)


def _held(session, kind: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` (none of them given earlier by this load) the store holds: none, without a
    look, when it held no entity of ``kind`` as the load began (a first load)."""
    return session.existing(kind, ids) if session.held_before(kind) else set()


def _read_alike(batch) -> bool:
    """No line break inside a value: from one on, the row path numbers rows otherwise."""
    return not any(pc.any(pc.match_substring_regex(column, _BREAKS)).as_py() for column in batch.columns)


class _Block:
    """One block of rows: which are plain, then runs of rows in file order, each run written
    columnar (plain rows of new entities) or handed to the row path (all others)."""

    def __init__(self, loader, head, file_report, batch, line: int):
        self.loader, self.head, self.file_report, self.first_line = loader, head, file_report, line
        self.kind, self.size = head.kind, batch.num_rows
        self.columns = {name: batch.column(i) for i, name in enumerate(batch.schema.names)}
        self.values = {name: column.to_pylist() for name, column in self.columns.items()}
        self.lists: dict[str, dict] = {}  # list column → its distinct texts as JSON (None: not plain)
        self.plain = self._plain_rows()

    # -- which rows are plain (fast.py's rules, a column at a time) --

    def _plain_rows(self) -> list[bool]:
        vocabulary = self.loader.vocabulary
        checks = [pc.invert(pc.match_substring_regex(column, _UNPLAIN)) for column in self.columns.values()]
        if self.kind == "actors":
            checks += [self._matches("id", _KEY), self._not_empty("name"),
                       self._among("kind", vocabulary.terms["actor_kind"]),
                       self._distinct("commune", lambda text: _commune_ok(text)),
                       self._empty_or("website", _WEBSITE)]
            checks += [self._codes(name, code) for name, code in (("themes", "theme"), ("offers", "resource"),
                                                                   ("seeks", "resource"))]
        else:
            checks += [self._matches("source", _KEY), self._matches("target", _KEY),
                       self._among("kind", vocabulary.terms["partnership_kind"]),
                       self._distinct("start", _day_ok), self._distinct("end", _day_ok),
                       self._empty_or("amount", _AMOUNT), self._empty_or("id", _KEY), self._codes("themes", "theme"),
                       pc.invert(pc.fill_null(pc.equal(self._column("source"), self._column("target")), False))]
            if "start" in self.columns and "end" in self.columns:  # an end before its start is refused
                start, end = self.columns["start"], self.columns["end"]
                both = pc.and_(pc.not_equal(start, ""), pc.not_equal(end, ""))
                checks.append(pc.invert(pc.and_(both, pc.less(end, start))))
        mask = checks[0]
        for check in checks[1:]:
            mask = pc.and_(mask, check)
        plain = mask.to_pylist()
        if self.kind == "actors":  # an actor is named by any of its keys: a file may have no id column
            for name in ("id", "siren", "siret", "rna"):
                self._repeats_are_not_plain(plain, name)
        return plain

    def _column(self, name: str):
        column = self.columns.get(name)
        return column if column is not None else pa.array([""] * self.size, pa.string())

    def _matches(self, name: str, pattern: str):
        return pc.match_substring_regex(self._column(name), pattern)

    def _not_empty(self, name: str):
        return pc.not_equal(self._column(name), "")

    def _among(self, name: str, terms):
        return pc.is_in(self._column(name), value_set=pa.array(sorted(terms), pa.string()))

    def _empty_or(self, name: str, pattern: str):
        column = self._column(name)
        return pc.or_(pc.equal(column, ""), pc.match_substring_regex(column, pattern))

    def _distinct(self, name: str, good) -> "pa.Array":
        """Empty, or a value ``good`` accepts: each distinct value is tested once."""
        column = self._column(name)
        accepted = [text for text in pc.unique(column).to_pylist() if text == "" or good(text)]
        return pc.is_in(column, value_set=pa.array(accepted, pa.string()))

    def _codes(self, name: str, vocabulary_name: str):
        """Exact codes separated by « ; »; their JSON text is kept for writing."""
        column = self._column(name)
        texts = {}
        for text in pc.unique(column).to_pylist():
            codes = _codes(self.loader.vocabulary, vocabulary_name, text)
            texts[text] = None if codes is None else json_list(codes)
        self.lists[name] = texts
        return pc.is_in(column, value_set=pa.array([t for t, j in texts.items() if j is not None], pa.string()))

    def _repeats_are_not_plain(self, plain: list[bool], name: str) -> None:
        """Rows of one entity given twice in a block all go to the row path (it merges repeats)."""
        if name not in self.values:
            return
        seen, repeated = set(), set()
        for value in self.values[name]:
            if value:  # empty cells name no entity
                (repeated if value in seen else seen).add(value)
        if repeated:
            for i, value in enumerate(self.values[name]):
                if value in repeated:
                    plain[i] = False

    # -- runs, in file order --

    def load(self, pending: list) -> list:
        i = 0
        while i < self.size:
            j = i
            while j < self.size and self.plain[j] == self.plain[i]:
                j += 1
            if self.plain[i]:
                self.loader._flush(self.kind, self.file_report, pending)  # what came before is in first
                pending = []
                rest = self._write_actors(i, j) if self.kind == "actors" else self._write_partnerships(i, j)
            else:
                rest = range(i, j)
            for row in rest:
                pending = self._row_path(row, pending)
            i = j
        return pending

    def _row_path(self, i: int, pending: list) -> list:
        values = [self.values[name][i] for name in self.head.header]
        if not values[0].strip() and not any(value.strip() for value in values):
            return pending  # a blank row, which the row path's reader skips too
        self.file_report.rows += 1
        return self.loader._take(self.head, KINDS[self.kind], self.file_report, pending,
                                 self.first_line + i, dict(zip(self.head.header, values)))

    def _write_actors(self, start: int, stop: int) -> list[int]:
        """Write the run's rows of new actors; return the others (known keys) for the row path."""
        session, ids = self.loader.session, self.values["id"][start:stop]
        seen = self.loader.accounting.known("actors", ids)
        known = session.resolve_actors(ids)
        held = _held(session, "actors", [id_ for id_ in ids if id_ not in known and id_ not in seen])
        rest = [start + k for k, id_ in enumerate(ids) if id_ in known or id_ in seen or id_ in held]
        skip = set(rest)
        column = self._slice(start, stop)
        themes, offers, seeks = (self.lists[name] for name in ("themes", "offers", "seeks"))
        path, first = self.file_report.path, self.first_line + start
        rows = [(id_, id_, name, kind, commune or None, None, None, None, themes[theme], offers[offer],
                 seeks[seek], "[]", website or None, "{}", path, first + k)
                for k, (id_, name, kind, commune, theme, offer, seek, website) in enumerate(zip(
                    ids, column("name"), column("kind"), column("commune"), column("themes"), column("offers"),
                    column("seeks"), column("website")))
                if start + k not in skip]
        self._write(rows)
        return rest

    def _slice(self, start: int, stop: int):
        """name → that column's values from ``start`` to ``stop`` (empty texts for a column not given)."""
        def column(name: str) -> list[str]:
            values = self.values.get(name)
            return values[start:stop] if values is not None else [""] * (stop - start)
        return column

    def _write_partnerships(self, start: int, stop: int) -> list[int]:
        """Write the run's rows of new ties between known actors; return the others for the row path."""
        session, column = self.loader.session, self._slice(start, stop)
        sources, targets, kinds, starts = column("source"), column("target"), column("kind"), column("start")
        known = session.resolve_actors(set(sources) | set(targets))
        ties = {}  # row in the run → (id, source, target)
        for k, (source, target, kind, begin, given) in enumerate(zip(sources, targets, kinds, starts, column("id"))):
            source, target = known.get(source), known.get(target)
            if source is None or target is None or source == target:
                continue  # the row path refuses it, with its message
            if kind in UNDIRECTED_KINDS and target < source:
                source, target = target, source
            ties[k] = (given or partnership_id(source, target, kind, begin or None), source, target)
        counts: dict[str, int] = {}
        for tie in ties.values():
            counts[tie[0]] = counts.get(tie[0], 0) + 1
        seen = self.loader.accounting.known("partnerships", counts)
        held = _held(session, "partnerships", [tie[0] for tie in ties.values() if tie[0] not in seen])
        themes, path, first = self.lists["themes"], self.file_report.path, self.first_line + start
        rows = []
        for k, (kind, begin, end, theme, amount, description) in enumerate(zip(
                kinds, starts, column("end"), column("themes"), column("amount"), column("description"))):
            tie = ties.get(k)
            if tie is None or counts[tie[0]] > 1 or tie[0] in seen or tie[0] in held:
                continue
            rows.append((tie[0], tie[1], tie[2], kind, begin or None, end or None, themes[theme],
                         float(amount) if amount else None, description or None, "{}", path, first + k))
        self._write(rows)
        written = {row[-1] - first for row in rows}
        return [start + k for k in range(stop - start) if k not in written]

    def _write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        self.file_report.rows += len(rows)
        self.file_report.loaded += len(rows)
        self.loader.session.write_values(self.kind, rows)
        self.loader.accounting.admit_new(self.kind, [row[0] for row in rows], self.file_report)
        if self.kind == "actors":  # a later row may name one of them, as it would name one the row path wrote
            self.loader.names.added({"id": row[0], "name": row[2], "commune": row[4]} for row in rows)

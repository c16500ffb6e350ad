"""The entities one load has touched, for its report: in memory, then in a scratch file.

For each entity, :class:`~maillage.loaders.accounting.Accounting` keeps four things: the digest
of what the store held before the load (None when it held nothing), the digest of the latest row
given, that row's flags, and the file report that counts it. A load of a few hundred thousand
entities keeps them in a dictionary. Past :data:`SPILL_AT` entries (those the columnar path wrote
count a quarter each: they share one entry) they move to a SQLite file in a scratch folder, and
from then on are read and written a batch at a time. The columnar path's entries, which carry
nothing of their own but their id, stay in memory up to :data:`SHARED_IN_MEMORY` of them (a
national load of ties: some 1.7 GB for 15.8 million, against a quarter of its time in the file).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator

from ..scratch import make_scratch

__all__ = ["Ledger", "SPILL_AT", "SHARED_WEIGHT", "SHARED_IN_MEMORY", "PENDING"]

SPILL_AT = 200_000
# An entity the columnar path wrote shares one entry with every other of its file (only its id is
# its own): about a quarter of a row-path entry's memory. Grand Est's 704,924 rows: 13.6–14.1 s and
# a 461–470 MiB peak kept in memory, 17.1 s and 416–432 MiB spilled (two runs each).
SHARED_WEIGHT = 0.25
# Those shared entries stay in a dictionary of their own up to this many (about 110 bytes each, the
# id included): in the scratch file each cost a random B-tree insert and a lookup, a quarter of a
# national load of ties (15.8 million: about 4 µs an entry against 0.2 µs in memory, measured on
# 2026-12-06 with benchmarks' ledger figures). Past it they spill like the others.
SHARED_IN_MEMORY = 20_000_000
PENDING = object()  # a digest worked out only if a later row of the entity comes (see Accounting)
_CHUNK = 50_000


class Ledger:
    """kind → id → ``[before, latest, flags, file report]``; batch reads with :meth:`lookup`,
    writes with :meth:`put` (in memory, :meth:`lookup` hands out the stored lists themselves)."""

    def __init__(self, spill_at: int | None = None):
        self.spill_at = SPILL_AT if spill_at is None else spill_at
        self.memory: dict[str, dict[str, list | tuple]] = {}
        self.shared: dict[str, dict[str, tuple]] = {}  # the columnar path's entries, kept apart (see SHARED_IN_MEMORY)
        self.shared_count = 0
        self.count = 0
        self.db: sqlite3.Connection | None = None
        self.folder: str | None = None
        self.reports: list = []  # file reports, by their number in the file
        self._numbers: dict[int, int] = {}  # id() of a file report (alive all load long) → its number

    # -- reads --

    def lookup(self, kind: str, ids: Iterable[str]) -> dict:
        """The entries of those ids the ledger holds."""
        shared = self.shared.get(kind)
        found = {id_: shared[id_] for id_ in ids if id_ in shared} if shared else {}
        if self.db is None:
            book = self.memory.get(kind, {})
            found.update((id_, book[id_]) for id_ in ids if id_ in book)
            return found
        ids = sorted(set(ids) - found.keys())
        for start in range(0, len(ids), _CHUNK):
            rows = self.db.execute("SELECT id, before, latest, pending, flags, report FROM ledger WHERE kind = ? "
                                   "AND id IN (SELECT value FROM json_each(?))",
                                   (kind, json.dumps(ids[start:start + _CHUNK])))
            found.update((row[0], self._entry(row)) for row in rows)
        return found

    def kinds(self) -> list[str]:
        kinds = set(self.shared) | set(self.memory)
        if self.db is not None:
            kinds.update(row[0] for row in self.db.execute("SELECT DISTINCT kind FROM ledger"))
        return sorted(kinds)

    def chunks(self, kind: str, shared: bool = True) -> Iterator[list[tuple[str, list]]]:
        """Every entry of ``kind`` (without the shared ones if not ``shared``), a chunk at a time."""
        items = list(self.shared.get(kind, {}).items()) if shared else []
        for start in range(0, len(items), _CHUNK):
            yield items[start:start + _CHUNK]
        if self.db is None:
            items = list(self.memory.get(kind, {}).items())
            for start in range(0, len(items), _CHUNK):
                yield items[start:start + _CHUNK]
            return
        cursor = self.db.execute("SELECT id, before, latest, pending, flags, report FROM ledger WHERE kind = ? "
                                 "ORDER BY id", (kind,))
        while rows := cursor.fetchmany(_CHUNK):
            yield [(row[0], self._entry(row)) for row in rows]

    def shared_entries(self, kind: str) -> list[tuple[tuple, int]]:
        """Each shared entry of ``kind`` and how many entities hold it (counted in C: the national
        ties are 15.8 million entities sharing a few hundred entries)."""
        book = self.shared.get(kind)
        if not book:
            return []
        counts = Counter(map(id, book.values()))
        entries = {}
        for entry in book.values():  # the few distinct entries, found in order of first use
            if id(entry) not in entries:
                entries[id(entry)] = entry
                if len(entries) == len(counts):
                    break
        return [(entry, counts[key]) for key, entry in entries.items()]

    def ids(self, kind: str) -> list[str]:
        return [id_ for chunk in self.chunks(kind) for id_, _entry in chunk]

    def _entry(self, row) -> list:
        flags = tuple(row[4].split(",")) if row[4] else ()
        return [row[1], PENDING if row[3] else row[2], flags, self.reports[row[5]]]

    # -- writes --

    def put(self, kind: str, entries: dict, shared: bool = False) -> None:
        """Add or replace entries (entries that share one tuple stay shared in memory: ``shared``
        says they all do, and they count for :data:`SHARED_WEIGHT` each towards the spill)."""
        if shared and self.shared_count + len(entries) <= SHARED_IN_MEMORY:
            book = self.shared.setdefault(kind, {})
            held = len(book)
            book.update(entries)
            self.shared_count += len(book) - held
            return
        held = self.shared.get(kind)
        if held:  # an entity given again by the row path: its own entry replaces the shared one
            for id_ in entries:
                if held.pop(id_, None) is not None:
                    self.shared_count -= 1
        if self.db is None:
            book = self.memory.setdefault(kind, {})
            added = sum(1 for id_ in entries if id_ not in book)
            book.update(entries)
            self.count += added * (SHARED_WEIGHT if shared else 1)
            if self.count > self.spill_at:
                self._spill()
            return
        # in key order: consecutive rows land on the same leaf pages instead of a random one each
        self.db.executemany("INSERT OR REPLACE INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (self._row(kind, id_, entries[id_]) for id_ in sorted(entries)))

    def _row(self, kind: str, id_: str, entry) -> tuple:
        before, latest, flags, report = entry
        number = self._numbers.get(id(report))
        if number is None:
            number = self._numbers[id(report)] = len(self.reports)
            self.reports.append(report)
        pending = latest is PENDING
        return kind, id_, before, None if pending else latest, int(pending), ",".join(flags), number

    def _spill(self) -> None:
        self.folder = make_scratch("maillage-ledger-")
        self.db = sqlite3.connect(os.path.join(self.folder, "ledger.db"), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -262144")  # 256 MiB: SQLite's default 2 MB missed a page per put
        self.db.execute("CREATE TABLE ledger (kind TEXT, id TEXT, before INTEGER, latest INTEGER, pending INTEGER, "
                        "flags TEXT, report INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID")
        memory, self.memory = self.memory, {}
        for kind, book in memory.items():
            items = list(book.items())
            for start in range(0, len(items), _CHUNK):
                self.put(kind, dict(items[start:start + _CHUNK]))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

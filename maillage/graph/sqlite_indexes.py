"""Secondary indexes a large load builds once, at its end, instead of row by row.

Every row written into ``partnerships`` updates three B-trees besides the table: its id's, its
ends' and its target's. Their keys come in no useful order (ids are digests, ends whatever the
file gives), so at national size each row costs a random leaf page per tree: on a store of 15.8
million ties, 200,000 more took 12.2 s with both secondary indexes kept and 9.2 s with one of them
dropped (foreign keys off, 1 GiB cache; measured by hand on 2026-12-06 beside other work), about
15 µs a row per index, where building an index over all 15.8 million ties afterwards takes 15–25 s
(a sort, about 1–1.5 µs a row). ``benchmarks/sqlite_indexes.py`` measures the three ways a load
can write. So a load session that writes many rows into a table,
compared with what it held, drops that table's secondary indexes and builds them again just
before it commits: inside the one transaction, so a failed load rolls the drop back with the
rest and no reader ever sees the store without them.

Only indexes no read of a load session uses are deferred: the ids' (every lookup of a session)
and ``actor_keys_actor`` (an actor's keys, read with it) always stay.
"""

from __future__ import annotations

import sqlite3

__all__ = ["DEFERRABLE", "DEFER_FROM", "DeferredIndexes"]

# table → index name → the statement that builds it (the same text as in the store's schema)
DEFERRABLE = {
    "actors": {
        "actors_place": "CREATE INDEX IF NOT EXISTS actors_place ON actors (commune, kind, id)",
        "actors_kind": "CREATE INDEX IF NOT EXISTS actors_kind ON actors (kind)",
    },
    "partnerships": {
        "partnerships_ends": 'CREATE INDEX IF NOT EXISTS partnerships_ends ON partnerships (source, target, kind, start, "end")',
        "partnerships_target": "CREATE INDEX IF NOT EXISTS partnerships_target ON partnerships (target)",
    },
}

DEFER_FROM = 50_000  # rows of one session into one table before its indexes may be deferred
# A row inserted into a large index costs about ten times its share of building the index anew
# (10–15 µs against 1–1.5 µs at national size), so rebuilding pays once a load adds an eighth of
# what the table held.
SHARE = 8


class DeferredIndexes:
    """Counts a session's rows per table; drops a table's secondary indexes once they are many,
    and :meth:`rebuild` builds them again before the session commits."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._written: dict[str, int] = {}
        self.dropped: list[str] = []  # tables whose indexes are down, in the order they went

    def wrote(self, table: str, count: int) -> None:
        if table not in DEFERRABLE or table in self.dropped:
            return
        written = self._written[table] = self._written.get(table, 0) + count
        if written < DEFER_FROM:
            return
        # the largest rowid stands for the table's size (rows are never deleted), read in O(log n)
        held_before = (self._db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0) - written
        if written * SHARE >= held_before:
            for name in DEFERRABLE[table]:
                self._db.execute(f'DROP INDEX IF EXISTS "{name}"')
            self.dropped.append(table)

    def rebuild(self) -> None:
        for table in self.dropped:
            for statement in DEFERRABLE[table].values():
                self._db.execute(statement)
        self.dropped = []

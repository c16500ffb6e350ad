"""The embedded default store: one SQLite file, no server.

A load session is one SQLite transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), so a failed
or rejected load leaves the file exactly as it was, and readers never see half a load.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import contextmanager
from urllib.parse import quote
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import StoreBusy, StoreError
from .sqlite_indexes import DeferredIndexes
from .store import ActorFilter, LoadSession, Store, json_list
from ..i18n import _

__all__ = ["SQLiteStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
INSERT OR IGNORE INTO meta (name, value) VALUES ('store_id', lower(hex(randomblob(16))));
CREATE TABLE IF NOT EXISTS territories (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, level TEXT NOT NULL, name TEXT, population INTEGER,
    extra TEXT NOT NULL DEFAULT '{}', source_file TEXT, source_line INTEGER);
CREATE TABLE IF NOT EXISTS territory_parents (
    child TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (child, parent)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS territory_parents_parent ON territory_parents (parent);
CREATE TABLE IF NOT EXISTS actors (
    id TEXT PRIMARY KEY, key TEXT, name TEXT NOT NULL, kind TEXT NOT NULL, commune TEXT, siren TEXT,
    siret TEXT, rna TEXT, themes TEXT NOT NULL DEFAULT '[]', offers TEXT NOT NULL DEFAULT '[]',
    seeks TEXT NOT NULL DEFAULT '[]', operates_in TEXT NOT NULL DEFAULT '[]', website TEXT, extra TEXT NOT NULL DEFAULT '{}',
    source_file TEXT, source_line INTEGER);
CREATE INDEX IF NOT EXISTS actors_place ON actors (commune, kind, id);
DROP INDEX IF EXISTS actors_commune;
CREATE INDEX IF NOT EXISTS actors_kind ON actors (kind);
CREATE TABLE IF NOT EXISTS actor_keys (key TEXT PRIMARY KEY, actor_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS actor_keys_actor ON actor_keys (actor_id);
CREATE TABLE IF NOT EXISTS partnerships (
    id TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES actors (id), target TEXT NOT NULL REFERENCES actors (id),
    kind TEXT NOT NULL, start TEXT, "end" TEXT, themes TEXT NOT NULL DEFAULT '[]', amount REAL,
    description TEXT, extra TEXT NOT NULL DEFAULT '{}', source_file TEXT, source_line INTEGER);
CREATE INDEX IF NOT EXISTS partnerships_ends ON partnerships (source, target, kind, start, "end");
DROP INDEX IF EXISTS partnerships_source;
CREATE INDEX IF NOT EXISTS partnerships_target ON partnerships (target);
CREATE TABLE IF NOT EXISTS initiatives (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, territory TEXT, themes TEXT NOT NULL DEFAULT '[]', start TEXT,
    "end" TEXT, description TEXT, extra TEXT NOT NULL DEFAULT '{}', source_file TEXT, source_line INTEGER);
CREATE TABLE IF NOT EXISTS initiative_members (
    initiative TEXT NOT NULL REFERENCES initiatives (id), actor TEXT NOT NULL REFERENCES actors (id),
    role TEXT NOT NULL, PRIMARY KEY (initiative, actor)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, action TEXT NOT NULL, at TEXT NOT NULL, "by" TEXT,
    data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS journal_subject ON journal (subject);
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('shared_secret', lower(hex(randomblob(32))));
CREATE TABLE IF NOT EXISTS needs (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, territory TEXT, themes TEXT NOT NULL DEFAULT '[]',
    resources TEXT NOT NULL DEFAULT '[]', holder TEXT REFERENCES actors (id), status TEXT NOT NULL,
    since TEXT, description TEXT, extra TEXT NOT NULL DEFAULT '{}', source_file TEXT, source_line INTEGER);
"""

_READ_CACHE = -32_000  # KiB of page cache for reads
# A load's page cache: at national size the ids' index alone is most of a gigabyte, and a page
# missed costs a read (200,000 ties into a 15.8-million-tie store: 30.6 s with 32 MB, 21.5 s with
# 1 GB); SQLite takes the pages only as it needs them, and gives them back when the load ends.
_LOAD_CACHE = -1_048_576
_TIE_CHUNK = 50_000  # actors whose ties one query of tie_ends seeks


def _tuples(db: sqlite3.Connection, query: str, params) -> sqlite3.Cursor:
    cursor = db.cursor()
    cursor.row_factory = None  # plain tuples: millions of rows or keys, no Row objects
    return cursor.execute(query, params)


_LISTS = {"themes", "offers", "seeks", "operates_in", "resources"}
_PROVENANCE = ("extra", "source_file", "source_line")
_COLUMNS = {
    "territories": ("id", "code", "level", "name", "population"),
    "actors": ("id", "key", "name", "kind", "commune", "siren", "siret", "rna", "themes", "offers", "seeks",
               "operates_in", "website"),
    "partnerships": ("id", "source", "target", "kind", "start", "end", "themes", "amount", "description"),
    "initiatives": ("id", "name", "territory", "themes", "start", "end", "description"),
    "needs": ("id", "title", "territory", "themes", "resources", "holder", "status", "since", "description"),
}


def _merge(column: str) -> str:
    """SQL that keeps the stored value when the new one is empty."""
    quoted = f'"{column}"'
    if column == "extra":
        return "extra = json_patch(extra, excluded.extra)"
    if column in _LISTS:
        return f"{quoted} = CASE WHEN excluded.{quoted} = '[]' THEN {quoted} ELSE excluded.{quoted} END"
    return f"{quoted} = COALESCE(excluded.{quoted}, {quoted})"


def _upsert_sql(table: str) -> str:
    columns = _COLUMNS[table] + _PROVENANCE
    names = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(_merge(c) for c in columns if c != "id")
    return (f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}")


UPSERT = {table: _upsert_sql(table) for table in _COLUMNS}


_TEXT = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False), without a new encoder per row


def _values(table: str, row: dict) -> tuple:
    values = []
    for column in _COLUMNS[table] + _PROVENANCE:
        value = row.get(column)
        if column in _LISTS:
            value = json_list(value)
        elif column == "extra":
            value = _TEXT.encode(value) if value else "{}"
        values.append(value)
    return tuple(values)


_KEYS = "(SELECT json_group_array(key) FROM (SELECT key FROM actor_keys WHERE actor_id = a.id ORDER BY key)) AS keys"
_PARENTS = "(SELECT json_group_array(parent) FROM territory_parents WHERE child = t.id) AS parents"
_MEMBERS = ("(SELECT json_group_array(json_object('actor', actor, 'role', role)) FROM "
            "(SELECT actor, role FROM initiative_members WHERE initiative = i.id ORDER BY actor)) AS members")
DUMP = {
    "territories": f"SELECT t.*, {_PARENTS} FROM territories t ORDER BY t.id",
    "actors": f"SELECT a.*, {_KEYS} FROM actors a ORDER BY a.id",
    "partnerships": "SELECT * FROM partnerships ORDER BY id",
    "initiatives": f"SELECT i.*, {_MEMBERS} FROM initiatives i ORDER BY i.id",
    "needs": "SELECT * FROM needs ORDER BY id",
}


_BY_IDS = " WHERE {alias}.id IN (SELECT value FROM json_each(?))"
FETCH = {
    "territories": f"SELECT t.*, {_PARENTS} FROM territories t" + _BY_IDS.format(alias="t"),
    "actors": f"SELECT a.*, {_KEYS} FROM actors a" + _BY_IDS.format(alias="a"),
    "partnerships": "SELECT p.* FROM partnerships p" + _BY_IDS.format(alias="p"),
    "initiatives": f"SELECT i.*, {_MEMBERS} FROM initiatives i" + _BY_IDS.format(alias="i"),
    "needs": "SELECT n.* FROM needs n" + _BY_IDS.format(alias="n"),
}


_JSON_COLUMNS = _LISTS | {"extra", "members", "parents", "keys"}


def _json_value(key: str, value):
    if value is None:
        return [] if key != "extra" else {}
    if value == "[]":  # most lists are empty: no parser for them
        return []
    return json.loads(value)


def _decode(row: sqlite3.Row) -> dict:
    out = dict(zip(row.keys(), row))
    for key in _JSON_COLUMNS.intersection(out):
        out[key] = _json_value(key, out[key])
    return out


def _flat(value) -> bool:
    """A list or dict holding no list or dict: a shallow copy of it is a whole copy."""
    items = value.values() if isinstance(value, dict) else value
    return not any(isinstance(item, (list, dict)) for item in items)


def _decoded(cursor: sqlite3.Cursor) -> Iterator[dict]:
    """The rows of a query as :func:`_decode` gives them, the columns looked up once for all rows.

    The same JSON text recurs (a département's partnerships share a few dozen theme lists): each
    distinct flat one is parsed once and every row gets its own copy."""
    names = [column[0] for column in cursor.description]
    coded = [(i, name) for i, name in enumerate(names) if name in _JSON_COLUMNS]
    parsed: dict = {}
    for row in cursor:
        out = dict(zip(names, row))
        for i, name in coded:
            text = row[i]
            known = parsed.get(text) if text is not None else None
            if known is None:
                value = _json_value(name, text)
                if text is not None and _flat(value) and len(parsed) < 100_000:
                    parsed[text] = value
                out[name] = value if text is None or text not in parsed else value.copy()
            else:
                out[name] = known.copy()
        yield out


class SQLiteLoadSession(LoadSession):
    def __init__(self, store: "SQLiteStore"):
        self._db, self._path = store._db, store.path
        # The loader resolves every tie's ends, a member's or a holder's actor, in this same
        # transaction before it writes; SQLite's foreign-key check looked each one up a second
        # time (a third of a tie's write at national size). The pragma must be set outside the
        # transaction: inside one it is ignored.
        self._db.execute("PRAGMA foreign_keys = OFF")
        self._db.execute(f"PRAGMA cache_size = {_LOAD_CACHE}")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._restore()
            raise StoreBusy(_("store {path} is busy: another load holds it (waited {timeout:g} s); try again when it has finished").format(path=store.path, timeout=store.timeout)) from exc
        self._open = True
        self._changed = False  # a session that only adds journal entries leaves the graph's version alone
        self._indexes = DeferredIndexes(self._db)
        self._held = {kind: self._db.execute(f"SELECT EXISTS (SELECT 1 FROM {kind})").fetchone()[0] == 1
                      for kind in ("actors", "partnerships")}

    def resolve_actors(self, keys: Iterable[str]) -> dict[str, str]:
        keys = json.dumps(sorted(set(keys)))
        query = "SELECT key, actor_id FROM actor_keys WHERE key IN (SELECT value FROM json_each(?))"
        return dict(_tuples(self._db, query, (keys,)))

    def fetch(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        found = {}
        ids = sorted(set(ids))
        for start in range(0, len(ids), 50_000):
            chunk = json.dumps(ids[start:start + 50_000])
            found.update({row["id"]: _decode(row) for row in self._db.execute(FETCH[kind], (chunk,))})
        return found

    def actor_names(self) -> Iterator[tuple[str, str, str | None]]:
        yield from self._db.execute("SELECT id, name, commune FROM actors")

    def held_before(self, kind: str) -> bool:
        return self._held.get(kind, True)

    def existing(self, kind: str, ids: Iterable[str]) -> set[str]:
        ids = sorted(set(ids))
        found = set()
        for start in range(0, len(ids), 50_000):
            chunk = json.dumps(ids[start:start + 50_000])
            found.update(row[0] for row in _tuples(
                self._db, f"SELECT id FROM {kind} WHERE id IN (SELECT value FROM json_each(?))", (chunk,)))
        return found

    def write(self, kind: str, rows: list[dict]) -> None:
        if not rows:
            return
        self._changed = True
        self._db.executemany(UPSERT[kind], [_values(kind, row) for row in rows])
        self._indexes.wrote(kind, len(rows))
        if kind == "actors":
            self._db.executemany("INSERT OR REPLACE INTO actor_keys (key, actor_id) VALUES (?, ?)",
                                 [(key, row["id"]) for row in rows for key in row["keys"]])
        elif kind == "territories":
            self._replace_links("territory_parents", "child", "parent", rows, "parents", lambda p: (p,))
        elif kind == "initiatives":
            self._replace_links("initiative_members", "initiative", "actor, role", rows, "members",
                                lambda m: (m["actor"], m["role"]))

    def write_values(self, kind: str, values: list[tuple], keys: Iterable[tuple[str, str]] = ()) -> None:
        if not values:
            return
        self._changed = True
        self._db.executemany(UPSERT[kind], values)  # VALUE_COLUMNS is this table's column order
        self._indexes.wrote(kind, len(values))
        if kind == "actors":
            self._db.executemany("INSERT OR REPLACE INTO actor_keys (key, actor_id) VALUES (?, ?)",
                                 [(value[0], value[0]) for value in values])
            self._db.executemany("INSERT OR REPLACE INTO actor_keys (key, actor_id) VALUES (?, ?)", keys)

    def _replace_links(self, table, owner, columns, rows, field, values) -> None:
        rows = [row for row in rows if row.get(field)]
        if not rows:  # nothing to replace (a batch of régions has no parents)
            return
        self._db.executemany(f"DELETE FROM {table} WHERE {owner} = ?", [(row["id"],) for row in rows])
        width = len(values(rows[0][field][0])) + 1
        self._db.executemany(
            f"INSERT OR REPLACE INTO {table} ({owner}, {columns}) VALUES ({', '.join('?' * width)})",
            [(row["id"], *values(item)) for row in rows for item in row[field]])

    def commit(self) -> None:
        if self._open:
            try:
                self._indexes.rebuild()  # a full disk shows here first: building an index sorts the table
                if self._changed:  # projections cached elsewhere see the graph changed
                    self._db.execute("INSERT INTO meta (name, value) VALUES ('version', '1') ON CONFLICT (name) "
                                     "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.rollback()
                raise StoreError(_("could not commit the load into {path} ({exc}); nothing was written").format(
                    path=self._path, exc=exc)) from exc
            self._open = False
            self._restore()

    def rollback(self) -> None:
        if self._open:
            self._db.execute("ROLLBACK")  # the indexes a large load dropped come back with the rest
            self._open = False
            self._restore()

    def _restore(self) -> None:
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute(f"PRAGMA cache_size = {_READ_CACHE}")

    def write_journal(self, entries: list[dict]) -> None:
        self._db.executemany(
            'INSERT INTO journal (id, subject, action, at, "by", data) VALUES (?, ?, ?, ?, ?, ?)',
            [(e["id"], e["subject"], e["action"], e["at"], e.get("by"),
              json.dumps(e.get("data") or {}, ensure_ascii=False, sort_keys=True)) for e in entries])


_TABLES = {"meta", "territories", "territory_parents", "actors", "actor_keys", "partnerships", "initiatives",
           "initiative_members", "needs"}


def _damaged(path, exc) -> StoreError:
    return StoreError(_("cannot read store {path}: the database file is damaged or is not SQLite ({exc})").format(path=path, exc=exc))


class SQLiteStore(Store):
    """The embedded store in a single SQLite file.

    Opened for writing (``read_only=False``, what loads do) the file is created if missing and
    its schema set up; opened for reading it is never written, never created, and a SQLite file
    that is not a maillage store is refused untouched. ``timeout`` is how long a load waits for
    another load's lock before giving up (readers never wait: WAL mode lets them read meanwhile).
    """

    def __init__(self, path: str | Path, read_only: bool = False, timeout: float = 30.0):
        self.path = Path(path)
        self.uri = str(self.path)
        self.read_only, self.timeout = read_only, timeout
        if read_only:
            self._db = self._open_for_reading()
            return
        try:
            if self.path.parent and not self.path.parent.exists():
                raise StoreError(_("cannot create store {path}: folder {parent} does not exist").format(path=self.path, parent=self.path.parent))
            existed = self.path.exists() and self.path.stat().st_size > 0
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=timeout)
            self._db.row_factory = sqlite3.Row
            if existed:
                self._check_is_maillage()
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute(f"PRAGMA cache_size = {_READ_CACHE}")
            self._db.executescript(SCHEMA)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(_("store {path} is busy: another load holds it (waited {timeout:g} s); try again when it has finished").format(path=self.path, timeout=timeout)) from exc
            raise StoreError(_("cannot open store {path}: {exc}").format(path=self.path, exc=exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from exc

    def _open_for_reading(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise StoreError(_("no store at {path}: create one with `maillage load FILES --store {path}` or `maillage demo`").format(path=self.path))
        target = f"file:{quote(str(self.path.resolve()))}"
        for suffix in ("?mode=ro", "?mode=ro&immutable=1"):  # immutable: read-only media where no -shm can be made
            try:
                self._db = sqlite3.connect(target + suffix, uri=True, isolation_level=None, check_same_thread=False,
                                           timeout=self.timeout)
                self._db.row_factory = sqlite3.Row
                self._check_is_maillage()
                return self._db
            except sqlite3.OperationalError as exc:
                error = exc
                if "unable to open" not in str(exc) and "readonly" not in str(exc):
                    break
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from exc
        raise StoreError(_("cannot read store {path}: {error}").format(path=self.path, error=error))

    def _check_is_maillage(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not _TABLES <= tables:
            self._db.close()
            raise StoreError(_("{path} is a SQLite file but not a maillage store (it has no {join} … tables); it was left untouched").format(path=self.path, join=', '.join(sorted(_TABLES - tables)[:3])))

    def close(self) -> None:
        self._db.close()

    def load_session(self) -> SQLiteLoadSession:
        if self.read_only:
            raise StoreError(_("store {path} was opened for reading").format(path=self.path))
        return SQLiteLoadSession(self)

    @contextmanager
    def snapshot(self):
        """One read transaction: every read inside sees the same committed state (WAL snapshot)."""
        if self._db.in_transaction:
            yield self
            return
        self._db.execute("BEGIN")
        try:
            yield self
        finally:
            self._db.execute("COMMIT")

    def _count_by(self, table: str, column: str) -> dict[str, int]:
        rows = self._db.execute(f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column} ORDER BY {column}")
        return {key: count for key, count in rows}

    def stats(self) -> dict:
        count = lambda table: self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
        return {
            "territories": count("territories"), "territories_by_level": self._count_by("territories", "level"),
            "actors": count("actors"), "actors_by_kind": self._count_by("actors", "kind"),
            "actor_keys": count("actor_keys"),
            "partnerships": count("partnerships"), "partnerships_by_kind": self._count_by("partnerships", "kind"),
            "initiatives": count("initiatives"), "initiative_members": count("initiative_members"),
            "needs": count("needs"), "needs_by_status": self._count_by("needs", "status"),
        }

    def territories(self) -> dict[str, dict]:
        query = f"SELECT t.id, t.code, t.level, t.name, t.population, {_PARENTS}, t.extra FROM territories t"
        return {row["id"]: _decode(row) for row in self._db.execute(query)}

    @staticmethod
    def _where(where: ActorFilter, alias: str) -> tuple[list[str], list]:
        clauses, params = [], []
        if where.territorial:
            parts = []
            if where.communes is not None:
                parts.append(f"{alias}.commune IN (SELECT value FROM json_each(?))")
                params.append(json.dumps(sorted(where.communes)))
            for departement in sorted(where.departements or ()):
                # a département's communes are the codes it begins (2 characters, 3 in the DROM): a range
                # of the commune index, not a scan of every actor
                parts.append(f"({alias}.commune >= ? AND {alias}.commune < ?)")
                params += [departement, departement + "\x7f"]
            clauses.append("(" + " OR ".join(parts) + ")")
        if where.kinds is not None:
            clauses.append(f"{alias}.kind IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(where.kinds)))
        return clauses, params

    def actor_rows(self, where: ActorFilter) -> Iterator[dict]:
        clauses, params = self._where(where, "a")
        query = (f"SELECT a.*, {_KEYS} FROM actors a"
                 + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY a.id")
        yield from _decoded(self._db.execute(query, params))

    def partnership_rows(self, where: ActorFilter, at: str | None = None,
                         kinds: frozenset[str] | None = None) -> Iterator[dict]:
        yield from _decoded(self._db.execute(*self._partnership_query(where, at, kinds)))

    def _partnership_query(self, where: ActorFilter, at: str | None, kinds: frozenset[str] | None) -> tuple[str, list]:
        actor_clauses, params = self._where(where, "a")
        clauses = []
        if actor_clauses:
            # the actors in scope first (by the commune index), then their ties by the source index;
            # "+p.target": tested on each tie found, never sought (source × target seeks in the index
            # on both ends would be the scope's size squared)
            scope = "SELECT a.id FROM actors a WHERE " + " AND ".join(actor_clauses)
            clauses.append(f"p.source IN ({scope}) AND +p.target IN ({scope})")
            params = params + params
        tie_clauses, tie_params = self._tie_where(at, kinds)
        clauses, params = clauses + tie_clauses, params + tie_params
        return "SELECT p.* FROM partnerships p" + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY p.id", params

    @staticmethod
    def _tie_where(at: str | None, kinds: frozenset[str] | None) -> tuple[list[str], list]:
        clauses, params = [], []
        if at is not None:
            clauses.append('(p.start IS NULL OR p.start <= ?) AND (p."end" IS NULL OR p."end" >= ?)')
            params += [at, at]
        if kinds is not None:
            clauses.append("p.kind IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(kinds)))
        return clauses, params

    def actor_kinds(self, where: ActorFilter) -> Iterator[tuple[str, str]]:
        # read from the index on (commune, kind, id), a range of it for a territory, never the rows;
        # "+a.id": sorted after, not walked in the primary key's order (a row read per actor)
        clauses, params = self._where(where, "a")
        query = ("SELECT a.id, a.kind FROM actors a" + (" WHERE " + " AND ".join(clauses) if clauses else "")
                 + " ORDER BY +a.id")
        yield from _tuples(self._db, query, params)

    def tie_ends(self, where: ActorFilter, at: str | None = None, kinds: frozenset[str] | None = None,
                 actors: set[str] | None = None, details: bool = False) -> Iterator[tuple]:
        # read from the index on (source, target, kind, start, end), never the rows
        clauses, params = self._tie_where(at, kinds)
        columns = "p.source, p.target, p.kind, p.start" if details else "p.source, p.target"
        if not where.territorial and where.kinds is None:
            query = f"SELECT {columns} FROM partnerships p" + (" WHERE " + " AND ".join(clauses) if clauses else "")
            yield from _tuples(self._db, query, params)
            return
        members = actors if actors is not None else {actor for actor, _kind in self.actor_kinds(where)}
        inside = sorted(members)
        query = " AND ".join([f"SELECT {columns} FROM partnerships p WHERE p.source IN (SELECT value FROM json_each(?))"]
                             + clauses)
        for start in range(0, len(inside), _TIE_CHUNK):  # each actor's ties by a seek in the index
            for row in _tuples(self._db, query, [json.dumps(inside[start:start + _TIE_CHUNK])] + params):
                if row[1] in members:
                    yield row

    def initiative_rows(self) -> Iterator[dict]:
        for row in self._db.execute(DUMP["initiatives"]):
            yield _decode(row)

    def need_rows(self) -> Iterator[dict]:
        for row in self._db.execute("SELECT * FROM needs ORDER BY id"):
            yield _decode(row)

    def dump(self, kind: str) -> Iterator[dict]:
        """Every stored row of ``kind`` with its links and provenance, even a partnership whose
        ends live in another store (a staged load moving to Neo4j)."""
        for row in self._db.execute(DUMP[kind]):
            yield _decode(row)

    def find_actors(self, text: str, limit: int = 10) -> list[dict]:
        exact = self._db.execute("SELECT a.* FROM actor_keys k JOIN actors a ON a.id = k.actor_id WHERE k.key = ?",
                                 (text,)).fetchall()
        if exact:
            return [_decode(row) for row in exact]
        rows = self._db.execute("SELECT * FROM actors WHERE name LIKE ? ORDER BY length(name), name LIMIT ?",
                                (f"%{text}%", limit)).fetchall()
        return [_decode(row) for row in rows]

    def fetch_rows(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        chunk = json.dumps(sorted(set(ids)))
        return {row["id"]: _decode(row) for row in self._db.execute(FETCH[kind], (chunk,))}

    def theme_counts(self, ids: Iterable[str]) -> Counter:
        # counted by SQLite from the stored lists: no row decoded (a région's communities: 600,000 actors)
        rows = self._db.execute("SELECT t.value, COUNT(*) FROM actors a, json_each(a.themes) t "
                                "WHERE a.id IN (SELECT value FROM json_each(?)) GROUP BY t.value",
                                (json.dumps(sorted(set(ids))),))
        return Counter(dict(rows.fetchall()))

    def journal(self, subject: str | None = None, action: str | None = None) -> list[dict]:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "journal" not in tables:  # a store made before the journal existed, opened for reading
            return []
        rows = self._db.execute('SELECT id, subject, action, at, "by", data FROM journal '
                                "WHERE (? IS NULL OR subject = ?) AND (? IS NULL OR action = ?) ORDER BY at, id",
                                (subject, subject, action, action))
        return [dict(row, data=json.loads(row["data"])) for row in rows]

    def accounts(self) -> dict[str, dict]:
        if not self._has_table("accounts"):  # a store made before accounts existed, opened for reading
            return {}
        return {name: json.loads(data) for name, data in self._db.execute("SELECT name, data FROM accounts ORDER BY name")}

    def write_account(self, name: str, row: dict | None) -> None:
        if self.read_only:
            raise StoreError(_("store {path} is open for reading only").format(path=self.path))
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(_("store {path} is busy: another load holds it (waited {timeout:g} s); try again when it has finished").format(path=self.path, timeout=self.timeout)) from exc
        try:
            if row is None:
                self._db.execute("DELETE FROM accounts WHERE name = ?", (name,))
            else:
                self._db.execute("INSERT OR REPLACE INTO accounts (name, data) VALUES (?, ?)",
                                 (name, json.dumps(row, ensure_ascii=False, sort_keys=True)))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def shared_secret(self) -> str:
        found = self._db.execute("SELECT value FROM meta WHERE name = 'shared_secret'").fetchone()
        if found is None:  # a store from before: made by the next writable opening; this process's own till then
            return secrets.token_hex(32)
        return found[0]

    def _has_table(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def state_token(self) -> str:
        meta = dict(self._db.execute("SELECT name, value FROM meta WHERE name IN ('version', 'store_id')"))
        return f"sqlite:{self.path.resolve()}:{meta.get('store_id', '')}:{meta.get('version', 0)}"

"""The shared system of record: a Neo4j 5.26+ server (Community, Enterprise or Aura).

A load is staged first in a temporary SQLite file: rows are validated, actor keys resolved
(against the stage and the server) and merged there, so a load that fails validation
never touches the server. :meth:`Neo4jLoadSession.commit` then streams the staged rows to
Neo4j in ``UNWIND $rows`` batches, nodes before relationships, each batch one managed
transaction (retried on transient errors). Every write is a MERGE keyed by a unique id, so
a commit interrupted mid-way (process or server killed) is completed by loading again,
without duplicates. Readers page through the graph by id in read transactions.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from itertools import islice
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import StoreError, UsageError
from ..scratch import make_scratch
from . import cypher
from .sqlite_store import SQLiteStore
from .store import ROW_FIELDS, ActorFilter, LoadSession, Store, merge_patch, merge_rows, redact
from ..i18n import _
from ..redaction import CREDENTIAL_PARAMETERS, remember_secret, split_userinfo

__all__ = ["Neo4jStore", "Neo4jLoadSession", "merge_patch"]

WRITE_ORDER = ("territories", "actors", "partnerships", "initiatives", "needs")
_PROVENANCE = ("extra", "source_file", "source_line")
_LISTS = {"themes", "offers", "seeks", "operates_in", "resources", "parents", "keys", "members"}


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _shape(kind: str, props: dict, fields: tuple[str, ...]) -> dict:
    """A Neo4j property map as the SQLite store shapes the same row (absent = None or [])."""
    row = {}
    for field in fields:
        value = props.get(field)
        if field == "extra":
            value = json.loads(value) if value else {}
        elif field in _LISTS and value is None:
            value = []
        row[field] = value
    return row


class Neo4jLoadSession(LoadSession):
    """Stages a load in a temporary SQLite file, then moves it to Neo4j on commit."""

    def __init__(self, store: "Neo4jStore"):
        self._store = store
        self._folder = make_scratch("maillage-stage-")
        self._stage = SQLiteStore(os.path.join(self._folder, "stage.db"))
        self._stage._db.execute("PRAGMA foreign_keys = OFF")  # staged rows may point at actors on the server
        self._staged = self._stage.load_session()
        self._journal: list[dict] = []
        self._changed = False
        self._absent: dict[str, set] = {}  # kind → ids the server did not hold when they were first read
        self._new_keys: set = set()  # actor keys the server did not hold when they were resolved

    def resolve_actors(self, keys: Iterable[str]) -> dict[str, str]:
        keys = set(keys)
        known = self._staged.resolve_actors(keys)
        missing = sorted(keys - known.keys())
        if missing:
            records = self._store._read(cypher.RESOLVE_KEYS, keys=missing)
            found = {record["key"]: record["id"] for record in records}
            known.update(found)
            self._new_keys.update(key for key in missing if key not in found)
            self._new_keys.difference_update(found)
        return known

    def fetch(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        ids = sorted(set(ids))
        fields = ROW_FIELDS[kind] + _PROVENANCE
        found = {}
        for start in range(0, len(ids), self._store.batch_size):
            records = self._store._read(cypher.FETCH[kind], ids=ids[start:start + self._store.batch_size])
            found.update({r["row"]["id"]: _shape(kind, r["row"], fields) for r in records})
        if kind in cypher.CREATE_NEW:
            absent = self._absent.setdefault(kind, set())
            absent.update(id_ for id_ in ids if id_ not in found)
            absent.difference_update(found)
        staged = self._staged.fetch(kind, ids)
        return {id_: merge_rows(kind, found.get(id_), staged.get(id_)) for id_ in ids if id_ in found or id_ in staged}

    def actor_names(self) -> Iterator[tuple[str, str, str | None]]:
        staged = {row[0]: row for row in self._staged.actor_names()}  # this load's rows win over the server's
        for record in self._store._read(cypher.ACTOR_NAMES):
            if record["id"] not in staged:
                yield record["id"], record["name"], record["commune"]
        yield from staged.values()

    def existing(self, kind: str, ids: Iterable[str]) -> set[str]:
        ids = set(ids)
        found = self._staged.existing(kind, ids)  # what this load wrote needs no round trip to the server
        rest = ids - found
        return found | set(self.fetch(kind, rest)) if rest else found

    def write(self, kind: str, rows: list[dict]) -> None:
        for row in rows:
            if kind == "actors":
                cypher.kind_label(row["kind"])  # refuse a kind that could not be a label, before anything is sent
        self._changed = self._changed or bool(rows)
        self._staged.write(kind, rows)

    def write_values(self, kind: str, values: list[tuple], keys=()) -> None:
        if kind == "actors":
            for value in values:
                cypher.kind_label(value[3])  # the kind, as write() checks it
        self._changed = self._changed or bool(values)
        self._staged.write_values(kind, values, keys)

    def commit(self) -> None:
        self._staged.commit()
        try:
            if self._changed:
                self._store._bump_version()  # readers' caches see the graph is changing
            for kind in WRITE_ORDER:
                self._send(kind)
            if self._journal:
                self._store._execute_write(lambda tx: tx.run(cypher.WRITE_JOURNAL, rows=self._journal).consume())
            if self._changed:
                self._store._bump_version()
        finally:
            self._discard()

    def _send(self, kind: str) -> None:
        """Send one kind's staged rows in batches, ``writers`` transactions at a time.

        Batches of one kind are independent writes (ids are unique), so several can run at
        once; two partnership batches touching one actor may wait on its lock or deadlock, and a
        deadlock is a transient error the managed transaction retries.
        """
        absent = self._absent.get(kind, set())

        def send(batch):
            new = [row for row in batch if row["id"] in absent]
            for row in new if kind == "actors" else ():
                row["_new_keys"] = set(row["keys"]) & self._new_keys
            if new:
                self._store._execute_write(self._create_batch, kind, new)
            known = [row for row in batch if row["id"] not in absent] if new else batch
            if known:
                self._store._execute_write(self._write_batch, kind, known)

        batches = _batches(self._stage.dump(kind), self._store.write_batch)
        if self._store.writers <= 1:
            for batch in batches:
                send(batch)
            return
        from concurrent.futures import ThreadPoolExecutor, wait

        with ThreadPoolExecutor(self._store.writers) as pool:
            running = set()
            for batch in batches:
                if len(running) >= self._store.writers * 2:  # a bounded queue: staged rows are read as sent
                    done, running = wait(running, return_when="FIRST_COMPLETED")
                    for future in done:
                        future.result()
                running.add(pool.submit(send, batch))
            for future in running:
                future.result()

    def rollback(self) -> None:
        self._staged.rollback()
        self._discard()

    def write_journal(self, entries: list[dict]) -> None:
        self._journal += [dict(entry, data=json.dumps(entry.get("data") or {}, ensure_ascii=False, sort_keys=True))
                          for entry in entries]

    def _discard(self) -> None:
        self._stage.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    @staticmethod
    def _create_batch(tx, kind: str, batch: list[dict]) -> None:
        """Create entities proven new (and, for actors, their keys no actor held); safe to retry."""
        rows = []
        for row in batch:
            row = {k: v for k, v in row.items() if k != "_new_keys"}
            row["extra"] = json.dumps(row.get("extra") or {}, ensure_ascii=False, sort_keys=True)
            if kind == "actors":
                row["label"] = cypher.kind_label(row["kind"])
            rows.append(row)
        tx.run(cypher.CREATE_NEW[kind], rows=rows).consume()
        if kind == "actors":
            fresh = [{"id": r["id"], "keys": [k for k in r["keys"] if k in r.get("_new_keys", ())]} for r in batch]
            known = [{"id": r["id"], "keys": [k for k in r["keys"] if k not in r.get("_new_keys", ())]} for r in batch]
            if any(row["keys"] for row in fresh):
                tx.run(cypher.CREATE_NEW["actor_keys"], rows=[row for row in fresh if row["keys"]]).consume()
            if any(row["keys"] for row in known):
                tx.run(cypher.UPSERT["actor_keys"], rows=[row for row in known if row["keys"]]).consume()

    @staticmethod
    def _write_batch(tx, kind: str, batch: list[dict]) -> None:
        stored = {record["id"]: record for record in tx.run(cypher.STORED[kind], ids=[row["id"] for row in batch])}
        for row in batch:
            previous = stored.get(row["id"])
            extra = merge_patch(json.loads(previous["extra"] or "{}") if previous else {}, row.get("extra") or {})
            row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
            if kind == "actors":
                old_kind = previous and previous["kind"]
                row["label"] = cypher.kind_label(row["kind"])
                row["old_labels"] = [cypher.kind_label(old_kind)] if old_kind and old_kind != row["kind"] else []
            elif kind == "partnerships":
                moved = previous and (previous["source"], previous["target"]) != (row["source"], row["target"])
                row["previous"] = dict(previous["props"]) if moved else {}
        moved = [row["id"] for row in batch if row.get("previous")]
        if moved:
            tx.run(cypher.MOVED_PARTNERSHIPS, ids=moved).consume()
        tx.run(cypher.UPSERT[kind], rows=batch).consume()
        if kind == "actors":
            tx.run(cypher.UPSERT["actor_keys"], rows=[{"id": r["id"], "keys": r["keys"]} for r in batch]).consume()


def _split_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """Take ``user:password@`` out of a URI (the driver wants them apart).

    The userinfo runs to the *last* ``@`` before the host, so a password holding ``/``, ``?``,
    ``#`` or ``@`` unencoded stays whole; it is remembered as a secret before anything can fail.
    Credentials in the query are refused: the driver would echo them in its messages.
    """
    scheme, user, password, hostpart = split_userinfo(uri)
    parts = urlsplit(f"{scheme}://{hostpart}")
    if any(name.lower() in CREDENTIAL_PARAMETERS for name, _value in parse_qsl(parts.query, keep_blank_values=True)):
        for _name, value in parse_qsl(parts.query, keep_blank_values=True):
            remember_secret(value)
        raise UsageError(_("the Neo4j URI carries credentials in its query: leave them out and set NEO4J_USER and "
                           "NEO4J_PASSWORD instead"))
    if parts.fragment:
        raise UsageError(_("the Neo4j URI has a fragment (#…): leave it out (a password goes in NEO4J_PASSWORD)"))
    try:
        port = parts.port
    except ValueError:  # the driver's message would quote the text after the colon
        # the text after the colon is not shown: it may be a password typed without its user
        raise UsageError(_("bad Neo4j URI {uri}: the port must be a number from 1 to 65535").format(
            uri=f"{scheme}://{parts.hostname or ''}:…")) from None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    clean = urlunsplit((parts.scheme, host + (f":{port}" if port else ""), parts.path, parts.query, ""))
    return clean, user, password


class Neo4jStore(Store):
    """A store on a Neo4j server.

    Credentials come from the arguments, else from the URI (``neo4j://user:pw@host``), else
    from ``NEO4J_USER`` (or ``NEO4J_USERNAME``) and ``NEO4J_PASSWORD``; no password means
    no authentication. ``database`` defaults to ``NEO4J_DATABASE``, else the server's default.
    """

    def __init__(self, uri: str, user: str | None = None, password: str | None = None,
                 database: str | None = None, batch_size: int = 10_000, page_size: int = 5_000,
                 writers: int | None = None, write_batch: int = 2_000):
        import neo4j

        self._neo4j = neo4j
        clean, uri_user, uri_password = _split_credentials(uri)
        self.uri = clean
        user = user or uri_user or os.environ.get("NEO4J_USER") or os.environ.get("NEO4J_USERNAME") or "neo4j"
        password = password if password is not None else uri_password
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        remember_secret(password)
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self.batch_size, self.page_size = batch_size, page_size
        # rows per write transaction of a commit: on the development server (1 GiB heap) 2,000 loaded
        # the Bas-Rhin 6–10 % faster than 10,000, measured four times alternately (large transactions
        # hold their state on the heap until they commit)
        self.write_batch = write_batch
        # concurrent write transactions of a commit (MAILLAGE_NEO4J_WRITERS; 2 by default)
        self.writers = writers or int(os.environ.get("MAILLAGE_NEO4J_WRITERS") or 2)
        try:
            self._driver = neo4j.GraphDatabase.driver(
                clean, auth=(user, password) if password else None,
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
            self._driver.verify_connectivity()
        except neo4j.exceptions.AuthError as exc:
            raise StoreError(_("Neo4j at {redact} refused the credentials of user {user!r} (set NEO4J_USER and NEO4J_PASSWORD, or put them in the URI)").format(redact=redact(clean), user=user)) from None
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError, ValueError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            raise StoreError(_("cannot reach Neo4j at {redact}: {redact2} (start one with `scripts/neo4j-dev start` or `docker compose up -d`)").format(redact=redact(clean), redact2=redact(reason))) from None
        self._schema_ready = False

    def close(self) -> None:
        self._driver.close()

    # -- plumbing: every call is a managed transaction, and driver errors become StoreError

    def _guard(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (self._neo4j.exceptions.Neo4jError, self._neo4j.exceptions.DriverError) as exc:
            raise StoreError(_("Neo4j at {redact}: {redact2}").format(redact=redact(self.uri), redact2=redact(str(exc)))) from exc

    def _read(self, query: str, **params) -> list:
        return self._guard(self._driver.execute_query, query, params, database_=self.database,
                           routing_=self._neo4j.RoutingControl.READ).records

    def _execute_write(self, work, *args) -> None:
        with self._driver.session(database=self.database) as session:
            self._guard(session.execute_write, work, *args)

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            for statement in cypher.SCHEMA:
                self._guard(self._driver.execute_query, statement, database_=self.database)
            self._schema_ready = True

    def _bump_version(self) -> None:
        self._guard(self._driver.execute_query, cypher.BUMP_VERSION, database_=self.database)

    def _pages(self, kind: str, **params) -> Iterator[dict]:
        """Stream a READ query page by page (ordered by id), so no result is ever held whole."""
        after = ""
        while True:
            records = self._read(cypher.READ[kind], after=after, page=self.page_size, **params)
            for record in records:
                yield record["row"]
            if len(records) < self.page_size:
                return
            after = records[-1]["row"]["id"]

    # -- the store contract

    def load_session(self) -> Neo4jLoadSession:
        self._ensure_schema()
        return Neo4jLoadSession(self)

    def stats(self) -> dict:
        out = {}
        for kind, query in cypher.STATS.items():
            counts = {record["key"]: record["n"] for record in self._read(query)}
            out[kind] = sum(counts.values())
            if kind in ("territories", "actors", "partnerships", "needs"):
                name = {"territories": "territories_by_level", "actors": "actors_by_kind",
                        "partnerships": "partnerships_by_kind", "needs": "needs_by_status"}[kind]
                out[name] = dict(sorted(counts.items()))
        return out

    def territories(self) -> dict[str, dict]:
        fields = ROW_FIELDS["territories"]
        return {row["id"]: _shape("territories", row, fields) for row in self._pages("territories")}

    @staticmethod
    def _filter(where: ActorFilter) -> dict:
        as_list = lambda values: sorted(values) if values is not None else None  # noqa: E731
        return {"communes": as_list(where.communes), "departements": as_list(where.departements),
                "kinds": as_list(where.kinds)}

    def actor_rows(self, where: ActorFilter) -> Iterator[dict]:
        fields = ROW_FIELDS["actors"] + _PROVENANCE
        for row in self._pages("actors", **self._filter(where)):
            yield _shape("actors", row, fields)

    def partnership_rows(self, where: ActorFilter, at: str | None = None,
                         kinds: frozenset[str] | None = None) -> Iterator[dict]:
        fields = ROW_FIELDS["partnerships"] + _PROVENANCE
        params = self._filter(where)
        params.update(at=at, partnership_kinds=sorted(kinds) if kinds is not None else None)
        for row in self._pages("partnerships", **params):
            yield _shape("partnerships", row, fields)

    def initiative_rows(self) -> Iterator[dict]:
        fields = ROW_FIELDS["initiatives"] + _PROVENANCE
        for row in self._pages("initiatives"):
            yield _shape("initiatives", row, fields)

    def need_rows(self) -> Iterator[dict]:
        fields = ROW_FIELDS["needs"] + _PROVENANCE
        for row in self._pages("needs"):
            yield _shape("needs", row, fields)

    def find_actors(self, text: str, limit: int = 10) -> list[dict]:
        fields = tuple(f for f in ROW_FIELDS["actors"] if f != "keys") + _PROVENANCE
        records = self._read(cypher.FIND_BY_KEY, text=text) or self._read(cypher.FIND_BY_NAME, text=text, limit=limit)
        return [_shape("actors", record["row"], fields) for record in records]

    def fetch_rows(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        fields = ROW_FIELDS[kind] + _PROVENANCE
        records = self._read(cypher.FETCH[kind], ids=sorted(set(ids)))
        return {r["row"]["id"]: _shape(kind, r["row"], fields) for r in records}

    def journal(self, subject: str | None = None, action: str | None = None) -> list[dict]:
        records = self._read(cypher.READ_JOURNAL, subject=subject, action=action)
        return [dict(record["row"], data=json.loads(record["row"]["data"] or "{}")) for record in records]

    def accounts(self) -> dict[str, dict]:
        return {record["name"]: json.loads(record["data"]) for record in self._read(cypher.READ_ACCOUNTS)}

    def write_account(self, name: str, row: dict | None) -> None:
        self._ensure_schema()
        if row is None:
            self._guard(self._driver.execute_query, cypher.REMOVE_ACCOUNT, {"name": name}, database_=self.database)
        else:
            self._guard(self._driver.execute_query, cypher.WRITE_ACCOUNT,
                        {"name": name, "data": json.dumps(row, ensure_ascii=False, sort_keys=True)},
                        database_=self.database)

    def shared_secret(self) -> str:
        self._ensure_schema()
        records = self._guard(self._driver.execute_query, cypher.SHARED_SECRET, database_=self.database).records
        return records[0]["secret"]

    def state_token(self) -> str:
        record = self._read(cypher.VERSION)[0]
        return f"neo4j:{self.uri}:{self.database or ''}:{record['store_id']}:{record['version']}"

    def clear(self) -> None:
        """Delete everything maillage stored in this database (tests and benchmarks use it)."""
        for label in ("ActorKey", "Actor", "Territory", "Initiative", "Need", "JournalEntry", "MaillageMeta", "MaillageAccount"):
            while self._guard(self._driver.execute_query, cypher.CLEAR, {"label": label},
                              database_=self.database).records[0]["deleted"]:
                pass

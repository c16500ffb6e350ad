"""The store contract shared by the SQLite file and Neo4j.

A store keeps territories, actors (with every key that designates them), partnerships,
initiatives and needs. Writes go through a :class:`LoadSession`, which is all or nothing:
nothing is visible to readers until :meth:`LoadSession.commit`, and
:meth:`LoadSession.rollback` leaves the store as it was. Reads stream plain rows, and
:func:`maillage.graph.projection.project` turns them into a NetworkX graph.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..errors import UsageError
from ..i18n import _
from ..redaction import redact

__all__ = ["Store", "LoadSession", "json_list", "ActorFilter", "open_store", "default_store_uri", "NEO4J_SCHEMES",
           "ROW_FIELDS", "VALUE_COLUMNS", "LIST_FIELDS", "JOURNAL_FIELDS", "content_of", "merge_patch", "merge_rows", "redact"]

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")

# The plain rows every store reads and writes (lists stay lists, extra is a dict).
ROW_FIELDS = {
    "territories": ("id", "code", "level", "name", "population", "parents", "extra"),
    "actors": ("id", "key", "name", "kind", "commune", "siren", "siret", "rna", "themes", "offers", "seeks",
               "operates_in", "website", "keys"),
    "partnerships": ("id", "source", "target", "kind", "start", "end", "themes", "amount", "description"),
    "initiatives": ("id", "name", "territory", "themes", "start", "end", "description", "members"),
    "needs": ("id", "title", "territory", "themes", "resources", "holder", "status", "since", "description"),
}

# A row as a tuple of values, for LoadSession.write_values (the columnar load path, which builds
# no dictionary per row): the stored columns, lists and extra as JSON text, then provenance.
VALUE_COLUMNS = {
    "actors": ROW_FIELDS["actors"][:-1] + ("extra", "source_file", "source_line"),
    "partnerships": ROW_FIELDS["partnerships"] + ("extra", "source_file", "source_line"),
}

# The journal: what the workbench records next to the graph (who did what, when, and what the
# entity was before and after; the outcome of each proposal). ``data`` is a JSON object.
JOURNAL_FIELDS = ("id", "subject", "action", "at", "by", "data")

LIST_FIELDS = frozenset({"themes", "offers", "seeks", "operates_in", "resources", "parents", "keys", "members"})

_CODE = re.compile(r"^[a-z0-9_]+$")


def json_list(value) -> str:
    """A list as the JSON text stores keep (and :meth:`LoadSession.write_values` takes); lists of
    vocabulary codes (ASCII snake_case, nothing to escape) are joined directly, which is what
    ``json.dumps`` would write, several times faster.

    Examples
    --------
    >>> json_list(["emploi", "sante"]), json_list([]), json_list(["été"])
    ('["emploi", "sante"]', '[]', '["été"]')
    """
    if not value:
        return "[]"
    if all(_CODE.match(item) for item in value if isinstance(item, str)) and all(isinstance(i, str) for i in value):
        return '["' + '", "'.join(value) + '"]'
    return json.dumps(value, ensure_ascii=False)



def content_of(kind: str, row: dict | None) -> dict | None:
    """A row's content as stores compare it: its fields and ``extra``, without provenance.

    Examples
    --------
    >>> content_of("needs", {"id": "n", "title": "T", "status": "open", "source_line": 3})["themes"]
    []
    """
    if row is None:
        return None
    content = {}
    for name in ROW_FIELDS[kind] + ("extra",):
        value = row.get(name)
        if name in LIST_FIELDS:
            value = list(value or [])
        elif name == "extra":
            value = dict(value or {})
        elif isinstance(value, float) and value.is_integer() and name != "amount":
            value = int(value)
        content[name] = value
    return content


def merge_patch(stored: dict, patch: dict) -> dict:
    """Merge ``patch`` into ``stored`` as JSON Merge Patch (RFC 7396) does, like SQLite's json_patch.

    Examples
    --------
    >>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}, "a": None})
    {'b': {'c': 2, 'd': 3}}
    """
    merged = dict(stored)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_rows(kind: str, stored: dict | None, given: dict | None) -> dict | None:
    """What upserting ``given`` over ``stored`` leaves, as both stores do it.

    Empty values never erase stored ones; lists replace only when not empty, ``keys`` add up,
    and ``extra`` merges as JSON Merge Patch (RFC 7396).

    Examples
    --------
    >>> merge_rows("needs", {"id": "n", "title": "A", "themes": ["x"]}, {"id": "n", "title": None, "themes": []})
    {'id': 'n', 'title': 'A', 'themes': ['x']}
    """
    if stored is None or given is None:
        return given if stored is None else stored
    merged = dict(stored)
    for name, value in given.items():
        if name == "extra":
            merged["extra"] = merge_patch(stored.get("extra") or {}, value or {})
        elif name == "keys":
            merged["keys"] = sorted(set(stored.get("keys") or []) | set(value or []))
        elif name in LIST_FIELDS:
            merged[name] = value if value else stored.get(name, [])
        elif value is not None:
            merged[name] = value
    return merged


@dataclass(frozen=True)
class ActorFilter:
    """Which actors a read keeps: by commune, by département prefix, by kind (None = all)."""

    communes: frozenset[str] | None = None
    departements: frozenset[str] | None = None
    kinds: frozenset[str] | None = None

    @property
    def territorial(self) -> bool:
        return self.communes is not None or self.departements is not None


class LoadSession(ABC):
    """One all-or-nothing write to a store."""

    @abstractmethod
    def resolve_actors(self, keys: Iterable[str]) -> dict[str, str]:
        """Map each known key (store or this session) to its actor id."""

    @abstractmethod
    def fetch(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        """The rows of ``kind`` with these ids as a commit now would leave them (store and session merged).

        Rows have the fields of :data:`ROW_FIELDS` plus ``extra``; ids nobody holds are absent.
        The load pipeline reads them before and after its writes, so its report counts what
        the store really gained.
        """

    @abstractmethod
    def actor_names(self) -> Iterator[tuple[str, str, str | None]]:
        """(id, name, commune) of every actor, as a commit now would leave them (store and session).

        The load pipeline reads it once, and only when a file names an actor by its name rather
        than by a key (:mod:`maillage.loaders.names`).
        """

    def existing(self, kind: str, ids: Iterable[str]) -> set[str]:
        """The ids of ``kind`` that exist as a commit now would leave them (a lighter :meth:`fetch`)."""
        return set(self.fetch(kind, ids))

    def held_before(self, kind: str) -> bool:
        """Whether the store held any entity of ``kind`` when this session began.

        When it held none, every entity of ``kind`` there is was written by this load, which knows
        them: a national load's ties need not each be looked up in the store. Stores that cannot
        tell cheaply say True.
        """
        return True

    @abstractmethod
    def write(self, kind: str, rows: list[dict]) -> None:
        """Upsert rows of ``kind`` (see ROW_FIELDS); empty values never erase stored ones."""

    def write_values(self, kind: str, values: list[tuple], keys: Iterable[tuple[str, str]] = ()) -> None:
        """Write new rows of ``kind`` given as :data:`VALUE_COLUMNS` tuples.

        An actor's keys are its id and, given in ``keys``, more ``(key, actor id)`` pairs (a legal
        unit's ``siret:…``). The columnar load paths call it only for entities neither the store nor
        this session holds, with keys neither holds. Stores that can take the tuples as they are
        override it; this one makes rows.
        """
        more: dict[str, list[str]] = {}
        for key, owner in keys:
            more.setdefault(owner, []).append(key)
        columns, rows = VALUE_COLUMNS[kind], []
        for value in values:
            row = dict(zip(columns, value))
            for name in LIST_FIELDS.intersection(row):
                row[name] = json.loads(row[name])
            row["extra"] = json.loads(row["extra"])
            if kind == "actors":
                row["keys"] = sorted({row["id"], *more.get(row["id"], ())})
            rows.append(row)
        self.write(kind, rows)

    @abstractmethod
    def commit(self) -> None:
        """Make the session's writes durable and visible."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard the session's writes."""

    @abstractmethod
    def write_journal(self, entries: list[dict]) -> None:
        """Add journal entries (see :data:`JOURNAL_FIELDS`), committed with the session's writes."""


class Store(ABC):
    """A place where an ecosystem lives."""

    uri: str

    @abstractmethod
    def load_session(self) -> LoadSession:
        """Start an all-or-nothing write."""

    @abstractmethod
    def stats(self) -> dict:
        """Counts of what the store holds, by kind (stable keys, sorted)."""

    @abstractmethod
    def territories(self) -> dict[str, dict]:
        """All territory rows, by id."""

    @abstractmethod
    def actor_rows(self, where: ActorFilter) -> Iterator[dict]:
        """Stream the actor rows that pass ``where``."""

    @abstractmethod
    def partnership_rows(self, where: ActorFilter, at: str | None = None,
                         kinds: frozenset[str] | None = None) -> Iterator[dict]:
        """Stream partnerships whose two ends pass ``where``, active at ``at`` if given."""

    def actor_kinds(self, where: ActorFilter) -> Iterator[tuple[str, str]]:
        """Stream ``(id, kind)`` of the actors :meth:`actor_rows` gives, in id order: the columns a
        compact projection needs, without the rest of each row (a store may read them from an index)."""
        for row in self.actor_rows(where):
            yield row["id"], row["kind"]

    def tie_ends(self, where: ActorFilter, at: str | None = None, kinds: frozenset[str] | None = None,
                 actors: "set[str] | None" = None, details: bool = False) -> Iterator[tuple]:
        """Stream ``(source, target)`` of the partnerships :meth:`partnership_rows` gives, in any order;
        with ``details``, ``(source, target, kind, start)`` (what a territory's profile counts).

        ``actors``, when given, must be the ids :meth:`actor_kinds` gives for ``where`` (read in the
        same snapshot): a store may use them instead of finding them again."""
        for row in self.partnership_rows(where, at, kinds):
            yield (row["source"], row["target"], row["kind"], row.get("start")) if details else (row["source"], row["target"])

    @abstractmethod
    def initiative_rows(self) -> Iterator[dict]:
        """Stream initiatives with their ``members`` ([{actor, role}])."""

    @abstractmethod
    def need_rows(self) -> Iterator[dict]:
        """Stream needs."""

    @abstractmethod
    def find_actors(self, text: str, limit: int = 10) -> list[dict]:
        """Actors whose id, key or name matches ``text`` (exact key first, then names)."""

    @abstractmethod
    def fetch_rows(self, kind: str, ids: Iterable[str]) -> dict[str, dict]:
        """The stored rows of ``kind`` with these ids (as :meth:`LoadSession.fetch` shapes them)."""

    def theme_counts(self, ids: Iterable[str]) -> Counter:
        """How many times the actors ``ids`` name each theme (as counting their lists would): what a
        community's description needs of its members, without reading their rows."""
        found = Counter()
        for row in self.fetch_rows("actors", ids).values():
            found.update(row.get("themes") or [])
        return found

    @abstractmethod
    def journal(self, subject: str | None = None, action: str | None = None) -> list[dict]:
        """The journal's entries, oldest first: every change made through the workbench (``change``)
        and every outcome of a proposal (``outcome``), optionally about one subject or of one action."""

    def append_journal(self, entries: list[dict]) -> None:
        """Add journal entries in one transaction of their own."""
        session = self.load_session()
        try:
            session.write_journal(entries)
        except BaseException:
            session.rollback()
            raise
        session.commit()

    @abstractmethod
    def accounts(self) -> dict[str, dict]:
        """The workbench's accounts: name → {role, password (its Argon2 hash), invitation, …}
        (see :mod:`maillage.web.accounts`). They are no part of the graph and leave its version alone."""

    @abstractmethod
    def write_account(self, name: str, row: dict | None) -> None:
        """Create or replace one account (``None`` removes it), in a transaction of its own."""

    @abstractmethod
    def shared_secret(self) -> str:
        """A random secret kept in the store, the same for every process that opens it (the
        workbench signs its sessions with it). Made on first use."""

    @abstractmethod
    def state_token(self) -> str:
        """A value that changes whenever the store's content changes (for caches)."""

    @contextmanager
    def snapshot(self):
        """Reads inside see one consistent state where the store can promise it (SQLite: one read
        transaction); the projection also drops ties to actors it did not read, so a load committing
        meanwhile never yields a half-described actor."""
        yield self

    def close(self) -> None:
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_store_uri() -> str:
    """``MAILLAGE_STORE`` if set, else ``./maillage.db``."""
    return os.environ.get("MAILLAGE_STORE") or "maillage.db"


def open_store(uri: "str | os.PathLike | None" = None, *, read_only: bool = False, **options) -> Store:
    """Open the store at ``uri``: a ``neo4j://``/``bolt://`` URI or a SQLite file path.

    ``read_only`` (what every command but ``load`` and ``demo`` asks): nothing is created or
    written, a missing store or a file that is not a maillage store is an error.

    Examples
    --------
    >>> import tempfile, os
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     store.stats()["actors"]
    0
    """
    uri = str(default_store_uri() if uri is None else uri)
    if not uri.strip():
        raise UsageError(_("--store is empty: give a SQLite file path or a neo4j:// / bolt:// URI"))
    scheme, separator, rest = uri.partition("://")
    if separator and scheme.lower() + "://" in NEO4J_SCHEMES:
        uri = scheme.lower() + "://" + rest  # schemes are case-insensitive (RFC 3986)
    if uri.startswith(NEO4J_SCHEMES):
        from .neo4j_store import Neo4jStore

        return Neo4jStore(uri, **options)
    if "://" in uri or uri.lower().startswith(("bolt:", "neo4j")):
        raise UsageError(_("unknown store {redact!r}: give a file path or a URI starting with {join}").format(redact=redact(uri), join=', '.join(NEO4J_SCHEMES)))
    from .sqlite_store import SQLiteStore

    return SQLiteStore(uri, read_only=read_only, **options)

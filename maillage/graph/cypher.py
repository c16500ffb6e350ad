"""Every Cypher statement the Neo4j store runs, in one place.

Values always travel as ``$parameters`` and rows as ``UNWIND $rows`` batches; no value is
ever spliced into the text. Actor kind labels come from :func:`kind_label` (an allow-list
of vocabulary codes) and are passed as parameters to Neo4j 5.26's dynamic labels
(``SET a:$(row.label)``), so a label never reaches the query text either.

The graph:

``(:Actor:<Kind> {id, key, name, kind, commune, siren, siret, rna, themes, offers, seeks,
operates_in, website, extra, source_file, source_line})``, ``(:ActorKey {key})-[:DESIGNATES]->(:Actor)``,
``(:Actor)-[:PARTNERSHIP {id, kind, start, end, themes, amount, description, …}]->(:Actor)``,
``(:Actor)-[:MEMBER_OF {role}]->(:Initiative)``, ``(:Actor)-[:HOLDS]->(:Need)``,
``(:Territory {id, code, level, name, population, parents})`` and one ``(:MaillageMeta)``
node whose ``version`` counts committed loads. ``extra`` is the JSON text of the
columns outside the model (property keys are data, so they stay out of the schema).
"""

from __future__ import annotations

import re
from ..i18n import _

__all__ = ["SCHEMA", "kind_label", "actor_filter", "UPSERT", "CREATE_NEW", "STORED", "READ", "STATS", "RESOLVE_KEYS",
           "FIND_BY_KEY", "FIND_BY_NAME", "ACTOR_NAMES", "FETCH", "READ_ACCOUNTS", "WRITE_ACCOUNT", "REMOVE_ACCOUNT", "SHARED_SECRET", "BUMP_VERSION", "VERSION", "CLEAR", "MOVED_PARTNERSHIPS"]

SCHEMA = (
    "CREATE CONSTRAINT maillage_actor_id IF NOT EXISTS FOR (a:Actor) REQUIRE a.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_actor_key IF NOT EXISTS FOR (k:ActorKey) REQUIRE k.key IS UNIQUE",
    "CREATE CONSTRAINT maillage_territory_id IF NOT EXISTS FOR (t:Territory) REQUIRE t.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_need_id IF NOT EXISTS FOR (n:Need) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_initiative_id IF NOT EXISTS FOR (i:Initiative) REQUIRE i.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_partnership_id IF NOT EXISTS FOR ()-[p:PARTNERSHIP]-() REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_meta_name IF NOT EXISTS FOR (m:MaillageMeta) REQUIRE m.name IS UNIQUE",
    "CREATE CONSTRAINT maillage_account_name IF NOT EXISTS FOR (a:MaillageAccount) REQUIRE a.name IS UNIQUE",
    "CREATE CONSTRAINT maillage_journal_id IF NOT EXISTS FOR (j:JournalEntry) REQUIRE j.id IS UNIQUE",
    "CREATE INDEX maillage_actor_siren IF NOT EXISTS FOR (a:Actor) ON (a.siren)",
    "CREATE INDEX maillage_actor_rna IF NOT EXISTS FOR (a:Actor) ON (a.rna)",
    "CREATE INDEX maillage_actor_commune IF NOT EXISTS FOR (a:Actor) ON (a.commune)",
    "CREATE INDEX maillage_actor_kind IF NOT EXISTS FOR (a:Actor) ON (a.kind)",
    "CREATE INDEX maillage_territory_code IF NOT EXISTS FOR (t:Territory) ON (t.code)",
    "CREATE INDEX maillage_partnership_kind IF NOT EXISTS FOR ()-[p:PARTNERSHIP]-() ON (p.kind)",
)

_KIND_CODE = re.compile(r"[a-z][a-z0-9_]{0,62}")


def kind_label(kind: str) -> str:
    """The node label of an actor kind: ``public_body`` → ``PublicBody``.

    Only vocabulary-shaped codes are accepted, so no user text ever becomes a label.

    Examples
    --------
    >>> kind_label("public_body")
    'PublicBody'
    >>> kind_label("x`) DETACH DELETE n")
    Traceback (most recent call last):
    ...
    ValueError: not an actor kind code: 'x`) DETACH DELETE n'
    """
    if not isinstance(kind, str) or not _KIND_CODE.fullmatch(kind):
        raise ValueError(_("not an actor kind code: {kind!r}").format(kind=kind))
    return "".join(part.capitalize() for part in kind.split("_"))


def _keep(field: str, var: str) -> str:
    """A SET item that keeps the stored value when the new one is empty (as the SQLite store does)."""
    return f"{var}.`{field}` = coalesce(row.`{field}`, {var}.`{field}`)"


def _keep_list(field: str, var: str) -> str:
    return f"{var}.`{field}` = CASE WHEN size(row.`{field}`) = 0 THEN coalesce({var}.`{field}`, []) ELSE row.`{field}` END"


def _set(var: str, scalars: tuple[str, ...], lists: tuple[str, ...] = ()) -> str:
    items = [_keep(f, var) for f in scalars + ("source_file", "source_line")] + [_keep_list(f, var) for f in lists]
    return f"SET {', '.join(items)}, {var}.extra = row.extra"


def _fresh(var: str, fields: tuple[str, ...]) -> str:
    """SET items for an entity proven new: the row's values as they are (nothing stored to keep)."""
    return "SET " + ", ".join(f"{var}.`{f}` = row.`{f}`" for f in fields + ("source_file", "source_line", "extra"))


# Entities the load proved absent from the server (read before their first write, and nothing
# else writes meanwhile in a load's commit) are created, not merged: no lookup, no lock on a
# pattern, and for partnerships no scan of the relationships between the two actors.
CREATE_NEW = {
    "actors": ("UNWIND $rows AS row CREATE (a:Actor {id: row.id}) SET a:$(row.label) "
               + _fresh("a", ("key", "name", "kind", "commune", "siren", "siret", "rna", "website", "themes", "offers",
                              "seeks", "operates_in"))),
    "partnerships": ("UNWIND $rows AS row MATCH (s:Actor {id: row.source}) MATCH (t:Actor {id: row.target}) "
                     "CREATE (s)-[p:PARTNERSHIP {id: row.id}]->(t) "
                     + _fresh("p", ("kind", "start", "end", "amount", "description", "themes"))),
    # keys no actor held on the server when the load resolved them
    "actor_keys": ("UNWIND $rows AS row MATCH (a:Actor {id: row.id}) UNWIND row.keys AS key "
                   "CREATE (:ActorKey {key: key})-[:DESIGNATES]->(a)"),
}

# ``row.extra`` arrives already merged with the stored value (see Neo4jLoadSession), and
# ``row.label`` / ``row.old_labels`` come from kind_label().
UPSERT = {
    "territories": (
        "UNWIND $rows AS row MERGE (t:Territory {id: row.id}) "
        + _set("t", ("code", "level", "name", "population"), ("parents",))
    ),
    "actors": (
        "UNWIND $rows AS row MERGE (a:Actor {id: row.id}) "
        "REMOVE a:$(row.old_labels) SET a:$(row.label) "
        + _set("a", ("key", "name", "kind", "commune", "siren", "siret", "rna", "website"),
               ("themes", "offers", "seeks", "operates_in"))
    ),
    # A key designates one actor: it moves when a later load says it belongs to another.
    "actor_keys": (
        "UNWIND $rows AS row MATCH (a:Actor {id: row.id}) UNWIND row.keys AS key "
        "MERGE (k:ActorKey {key: key}) "
        "WITH a, k OPTIONAL MATCH (k)-[old:DESIGNATES]->(other) WHERE other <> a DELETE old "
        "WITH DISTINCT a, k MERGE (k)-[:DESIGNATES]->(a)"
    ),
    # ``row.previous``: the properties of a partnership whose ends changed (same id, other
    # actors), deleted just before by MOVED_PARTNERSHIPS, so the moved one keeps them.
    "partnerships": (
        "UNWIND $rows AS row MATCH (s:Actor {id: row.source}) MATCH (t:Actor {id: row.target}) "
        "MERGE (s)-[p:PARTNERSHIP {id: row.id}]->(t) ON CREATE SET p += row.previous "
        + _set("p", ("kind", "start", "end", "amount", "description"), ("themes",))
    ),
    "initiatives": (
        "UNWIND $rows AS row MERGE (i:Initiative {id: row.id}) "
        + _set("i", ("name", "territory", "start", "end", "description"), ("themes",))
        + " WITH i, row WHERE size(row.members) > 0 "
        "CALL (i) { MATCH (:Actor)-[old:MEMBER_OF]->(i) DELETE old } "
        "UNWIND row.members AS member MATCH (a:Actor {id: member.actor}) "
        "MERGE (a)-[m:MEMBER_OF]->(i) SET m.role = member.role"
    ),
    "needs": (
        "UNWIND $rows AS row MERGE (n:Need {id: row.id}) "
        + _set("n", ("title", "territory", "status", "since", "description"), ("themes", "resources"))
        + " WITH n, row WHERE row.holder IS NOT NULL "
        "CALL (n) { MATCH (:Actor)-[old:HOLDS]->(n) DELETE old } "
        "MATCH (a:Actor {id: row.holder}) MERGE (a)-[:HOLDS]->(n)"
    ),
}

# What is stored already: ``extra`` to merge as the SQLite store's json_patch does, the old kind label.
STORED = {
    "territories": "UNWIND $ids AS id MATCH (x:Territory {id: id}) RETURN x.id AS id, x.extra AS extra",
    "actors": "UNWIND $ids AS id MATCH (x:Actor {id: id}) RETURN x.id AS id, x.extra AS extra, x.kind AS kind",
    "partnerships": ("UNWIND $ids AS id MATCH (s)-[x:PARTNERSHIP {id: id}]->(t) "
                     "RETURN x.id AS id, x.extra AS extra, s.id AS source, t.id AS target, properties(x) AS props"),
    "initiatives": "UNWIND $ids AS id MATCH (x:Initiative {id: id}) RETURN x.id AS id, x.extra AS extra",
    "needs": "UNWIND $ids AS id MATCH (x:Need {id: id}) RETURN x.id AS id, x.extra AS extra",
}

MOVED_PARTNERSHIPS = "UNWIND $ids AS id MATCH ()-[x:PARTNERSHIP {id: id}]->() DELETE x"

# ``store_id`` tells a database recreated from scratch from the one before it (caches key on both).
BUMP_VERSION = ("MERGE (m:MaillageMeta {name: 'state'}) ON CREATE SET m.store_id = randomUUID() "
                "SET m.version = coalesce(m.version, 0) + 1 RETURN m.version AS version")
VERSION = ("OPTIONAL MATCH (m:MaillageMeta {name: 'state'}) "
           "RETURN coalesce(m.version, 0) AS version, coalesce(m.store_id, '') AS store_id")

RESOLVE_KEYS = "UNWIND $keys AS key MATCH (:ActorKey {key: key})-[:DESIGNATES]->(a:Actor) RETURN key, a.id AS id"


def actor_filter(var: str) -> str:
    """The WHERE condition of an :class:`~maillage.graph.store.ActorFilter` (its values are parameters)."""
    departement = (f"CASE WHEN left({var}.commune, 2) IN ['97', '98'] THEN left({var}.commune, 3) "
                   f"ELSE left({var}.commune, 2) END")
    territorial = (f"($communes IS NULL AND $departements IS NULL OR {var}.commune IN coalesce($communes, []) "
                   f"OR {departement} IN coalesce($departements, []))")
    return f"{territorial} AND ($kinds IS NULL OR {var}.kind IN $kinds)"


READ = {
    "territories": (
        "MATCH (t:Territory) WHERE t.id > $after WITH t ORDER BY t.id LIMIT $page "
        "RETURN t {.id, .code, .level, .name, .population, .parents, .extra} AS row"
    ),
    "actors": (
        f"MATCH (a:Actor) WHERE a.id > $after AND {actor_filter('a')} WITH a ORDER BY a.id LIMIT $page "
        "RETURN a {.*, keys: COLLECT { MATCH (k:ActorKey)-[:DESIGNATES]->(a) RETURN k.key ORDER BY k.key }} AS row"
    ),
    "partnerships": (
        f"MATCH (s:Actor)-[p:PARTNERSHIP]->(t:Actor) WHERE p.id > $after AND {actor_filter('s')} "
        f"AND {actor_filter('t')} "
        "AND ($at IS NULL OR (p.start IS NULL OR p.start <= $at) AND (p.end IS NULL OR p.end >= $at)) "
        "AND ($partnership_kinds IS NULL OR p.kind IN $partnership_kinds) "
        "WITH s, p, t ORDER BY p.id LIMIT $page RETURN p {.*, source: s.id, target: t.id} AS row"
    ),
    "initiatives": (
        "MATCH (i:Initiative) WHERE i.id > $after WITH i ORDER BY i.id LIMIT $page "
        "RETURN i {.*, members: COLLECT { MATCH (a:Actor)-[m:MEMBER_OF]->(i) "
        "RETURN {actor: a.id, role: m.role} AS member ORDER BY member.actor }} AS row"
    ),
    "needs": (
        "MATCH (n:Need) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $page "
        "RETURN n {.*, holder: COLLECT { MATCH (a:Actor)-[:HOLDS]->(n) RETURN a.id }[0]} AS row"
    ),
}

# The rows of given ids, shaped as READ shapes them (the load report compares them before and after).
FETCH = {
    "territories": "UNWIND $ids AS id MATCH (t:Territory {id: id}) RETURN t {.*} AS row",
    "actors": ("UNWIND $ids AS id MATCH (a:Actor {id: id}) "
               "RETURN a {.*, keys: COLLECT { MATCH (k:ActorKey)-[:DESIGNATES]->(a) RETURN k.key ORDER BY k.key }} AS row"),
    "partnerships": ("UNWIND $ids AS id MATCH (s:Actor)-[p:PARTNERSHIP {id: id}]->(t:Actor) "
                     "RETURN p {.*, source: s.id, target: t.id} AS row"),
    "initiatives": ("UNWIND $ids AS id MATCH (i:Initiative {id: id}) "
                    "RETURN i {.*, members: COLLECT { MATCH (a:Actor)-[m:MEMBER_OF]->(i) "
                    "RETURN {actor: a.id, role: m.role} AS member ORDER BY member.actor }} AS row"),
    "needs": ("UNWIND $ids AS id MATCH (n:Need {id: id}) "
              "RETURN n {.*, holder: COLLECT { MATCH (a:Actor)-[:HOLDS]->(n) RETURN a.id }[0]} AS row"),
}

# The journal: entries are only ever added (``data`` travels as a JSON string).
WRITE_JOURNAL = ("UNWIND $rows AS row CREATE (j:JournalEntry) "
                 "SET j.id = row.id, j.subject = row.subject, j.action = row.action, j.at = row.at, "
                 "j.by = row.by, j.data = row.data")
READ_JOURNAL = ("MATCH (j:JournalEntry) WHERE ($subject IS NULL OR j.subject = $subject) "
                "AND ($action IS NULL OR j.action = $action) "
                "RETURN j {.id, .subject, .action, .at, .by, .data} AS row ORDER BY j.at, j.id")

FIND_BY_KEY = "MATCH (:ActorKey {key: $text})-[:DESIGNATES]->(a:Actor) RETURN a {.*} AS row"
# the workbench's accounts (no part of the graph: the version is left alone)
READ_ACCOUNTS = "MATCH (a:MaillageAccount) RETURN a.name AS name, a.data AS data ORDER BY a.name"
WRITE_ACCOUNT = "MERGE (a:MaillageAccount {name: $name}) SET a.data = $data"
REMOVE_ACCOUNT = "MATCH (a:MaillageAccount {name: $name}) DELETE a"
SHARED_SECRET = ("MERGE (m:MaillageMeta {name: 'workbench'}) "
                 "ON CREATE SET m.secret = randomUUID() + randomUUID() RETURN m.secret AS secret")

ACTOR_NAMES = "MATCH (a:Actor) RETURN a.id AS id, a.name AS name, a.commune AS commune"

FIND_BY_NAME = ("MATCH (a:Actor) WHERE toLower(a.name) CONTAINS toLower($text) "
                "RETURN a {.*} AS row ORDER BY size(a.name), a.name LIMIT $limit")

STATS = {
    "territories": "MATCH (t:Territory) RETURN t.level AS key, count(*) AS n",
    "actors": "MATCH (a:Actor) RETURN a.kind AS key, count(*) AS n",
    "actor_keys": "MATCH (k:ActorKey) RETURN null AS key, count(*) AS n",
    "partnerships": "MATCH ()-[p:PARTNERSHIP]->() RETURN p.kind AS key, count(*) AS n",
    "initiatives": "MATCH (i:Initiative) RETURN null AS key, count(*) AS n",
    "initiative_members": "MATCH ()-[m:MEMBER_OF]->() RETURN null AS key, count(*) AS n",
    "needs": "MATCH (n:Need) RETURN n.status AS key, count(*) AS n",
}

# Batched, so clearing a région-sized graph never builds one huge transaction.
CLEAR = "MATCH (n:$($label)) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted"

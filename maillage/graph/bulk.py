"""A first national load into an empty local Neo4j database, through ``neo4j-admin database import``.

``maillage load --bulk NEO4J_HOME`` validates the files exactly as any load does — into a
staging SQLite store, with the same report, all or nothing — then writes what the staging holds
as the CSV files of ``neo4j-admin database import full`` (the shapes the Neo4j store writes:
labels, keys, relationships, list properties, ``extra`` as JSON) and runs the import, the fastest
way into Neo4j (no transaction, no lookup). Then it checks the node and relationship counts the
import reports against the staging's.

Its limits: the target database must not exist yet (``import full`` creates it), the server
must be stopped (the tool locks the store), and the files and the Neo4j home must be on this
machine. The constraints and indexes are created by the first ``maillage load`` into the
running server (they are idempotent).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

from ..errors import StoreError, UsageError
from ..i18n import _
from .cypher import kind_label
from .sqlite_store import SQLiteStore

__all__ = ["bulk_load", "bulk_import", "write_import_files"]

_ARRAY = ";"


def _lib(home: Path) -> Path:
    """The folder of Neo4j's jars: ``$NEO4J_HOME/lib``, or the dev script's cache."""
    for folder in (home / "lib", Path(os.environ.get("NEO4J_DEV_CACHE", Path.home() / ".cache/maillage/neo4j"))
                   / os.environ.get("NEO4J_VERSION", "5.26.30") / "lib"):
        if folder.is_dir() and any(folder.glob("neo4j-import-tool-*.jar")):
            return folder
    raise UsageError(_("no neo4j-admin import tool under {home}/lib (nor in the dev script's cache): run "
                       "`scripts/neo4j-dev fetch` or give a Neo4j home").format(home=home))


def _list(values) -> str:
    return _ARRAY.join(str(value) for value in values or [])


def _text(value) -> str:
    return "" if value is None else str(value)


def write_import_files(staging: SQLiteStore, folder: Path) -> dict[str, int]:
    """Write the staging's content as ``neo4j-admin import`` CSV files; return the expected counts."""
    counts = {"nodes": 0, "relationships": 0}
    folder.mkdir(parents=True, exist_ok=True)

    def table(name: str, header: list[str], rows, kind: str) -> None:
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                counts[kind] += 1

    def provenance(row):
        extra = json.dumps(row.get("extra") or {}, ensure_ascii=False, sort_keys=True)
        return [extra, _text(row.get("source_file")), _text(row.get("source_line"))]

    tail = ["extra", "source_file", "source_line:long"]
    table("territories", ["id:ID(Territory)", "code", "level", "name", "population:long", "parents:string[]"] + tail
          + [":LABEL"], ([r["id"], r["code"], r["level"], r["name"], _text(r.get("population")),
                          _list(r.get("parents"))] + provenance(r) + ["Territory"]
                         for r in staging.dump("territories")), "nodes")
    actors = list(staging.dump("actors"))
    table("actors", ["id:ID(Actor)", "key", "name", "kind", "commune", "siren", "siret", "rna", "website",
                     "themes:string[]", "offers:string[]", "seeks:string[]", "operates_in:string[]"] + tail + [":LABEL"],
          ([r["id"]] + [_text(r.get(f)) for f in ("key", "name", "kind", "commune", "siren", "siret", "rna", "website")]
           + [_list(r.get(f)) for f in ("themes", "offers", "seeks", "operates_in")] + provenance(r)
           + [f"Actor;{kind_label(r['kind'])}"] for r in actors), "nodes")
    table("actor_keys", ["key:ID(ActorKey)", ":LABEL"], ([key, "ActorKey"] for r in actors for key in r["keys"]),
          "nodes")
    table("designates", [":START_ID(ActorKey)", ":END_ID(Actor)", ":TYPE"],
          ([key, r["id"], "DESIGNATES"] for r in actors for key in r["keys"]), "relationships")
    table("partnerships", [":START_ID(Actor)", ":END_ID(Actor)", ":TYPE", "id", "kind", "start", "end", "amount:double",
                           "description", "themes:string[]"] + tail,
          ([r["source"], r["target"], "PARTNERSHIP", r["id"], r["kind"], _text(r.get("start")), _text(r.get("end")),
            _text(r.get("amount")), _text(r.get("description")), _list(r.get("themes"))] + provenance(r)
           for r in staging.dump("partnerships")), "relationships")
    initiatives = list(staging.dump("initiatives"))
    table("initiatives", ["id:ID(Initiative)", "name", "territory", "start", "end", "description", "themes:string[]"]
          + tail + [":LABEL"], ([r["id"], r["name"], _text(r.get("territory")), _text(r.get("start")),
                                 _text(r.get("end")), _text(r.get("description")), _list(r.get("themes"))]
                                + provenance(r) + ["Initiative"] for r in initiatives), "nodes")
    table("members", [":START_ID(Actor)", ":END_ID(Initiative)", ":TYPE", "role"],
          ([m["actor"], r["id"], "MEMBER_OF", m["role"]] for r in initiatives for m in r["members"]), "relationships")
    needs = list(staging.dump("needs"))
    table("needs", ["id:ID(Need)", "title", "territory", "status", "since", "description", "themes:string[]",
                    "resources:string[]"] + tail + [":LABEL"],
          ([r["id"], r["title"], _text(r.get("territory")), r["status"], _text(r.get("since")),
            _text(r.get("description")), _list(r.get("themes")), _list(r.get("resources"))] + provenance(r) + ["Need"]
           for r in needs), "nodes")
    table("holds", [":START_ID(Actor)", ":END_ID(Need)", ":TYPE"],
          ([r["holder"], r["id"], "HOLDS"] for r in needs if r.get("holder")), "relationships")
    # the state node readers' caches key on (version 1 of a store with a new id)
    table("meta", ["name:ID(MaillageMeta)", "store_id", "version:long", ":LABEL"],
          [["state", str(uuid.uuid4()), "1", "MaillageMeta"]], "nodes")
    return counts


def bulk_import(staging: SQLiteStore, home: str | Path, database: str = "neo4j") -> dict:
    """Import the staging's content into the new database ``database`` of the Neo4j at ``home``."""
    home = Path(home)
    if not (home / "conf" / "neo4j.conf").is_file():
        raise UsageError(_("{home} is not a Neo4j home (no conf/neo4j.conf)").format(home=home))
    if not re.fullmatch(r"[a-z][a-z0-9.-]{2,62}", database):
        raise UsageError(_("{database!r} is not a Neo4j database name").format(database=database))
    folder = Path(str(staging.path) + ".import")
    try:
        expected = write_import_files(staging, folder)
        files = {name: folder / f"{name}.csv" for name in ("territories", "actors", "actor_keys", "initiatives",
                                                          "needs", "meta", "designates", "partnerships", "members",
                                                          "holds")}
        command = ["java", "-Xmx2g", "-cp", str(_lib(home) / "*"), "org.neo4j.cli.AdminTool", "database", "import",
                   "full", database, f"--array-delimiter={_ARRAY}", "--multiline-fields=true",
                   "--overwrite-destination=false", "--verbose=false",
                   # its report of bad entries, in the staging folder (else import.report in the working directory)
                   f"--report-file={folder / 'import.report'}"]
        command += [f"--nodes={files[n]}" for n in ("territories", "actors", "actor_keys", "initiatives", "needs",
                                                    "meta")]
        command += [f"--relationships={files[n]}" for n in ("designates", "partnerships", "members", "holds")]
        environment = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        output = done.stdout + done.stderr
        if done.returncode:
            lines = [line for line in output.splitlines() if line.strip()]
            raise StoreError(_("neo4j-admin database import failed: {reason}").format(
                reason=" / ".join(lines[-3:])[:600] or done.returncode))
        imported = _imported(output)
        if imported and (imported["nodes"], imported["relationships"]) != (expected["nodes"],
                                                                            expected["relationships"]):
            raise StoreError(_("neo4j-admin imported {nodes} nodes and {relationships} relationships, not the "
                               "{expected_nodes} and {expected_relationships} staged").format(
                expected_nodes=expected["nodes"], expected_relationships=expected["relationships"], **imported))
        return {"database": database, "home": str(home), "expected": expected, "imported": imported or expected}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _imported(output: str) -> dict | None:
    """The counts the import tool prints at its end (``Imported: N nodes, M relationships …``)."""
    match = re.search(r"Imported:\s*([\d,]+)\s+nodes\s+([\d,]+)\s+relationships", output.replace("\n", " "))
    if not match:
        return None
    return {"nodes": int(match.group(1).replace(",", "")), "relationships": int(match.group(2).replace(",", ""))}


def bulk_load(paths, home: str | Path, database: str = "neo4j", **load_options) -> dict:
    """Validate ``paths`` as ``load_files`` does (staged in a scratch SQLite store), then import them
    into the new database ``database`` of the stopped Neo4j at ``home``.

    A bad row stops it before anything is imported (``DataError`` with the report), unless
    ``on_error="skip"``; the staging is removed either way.
    """
    from ..loaders.pipeline import load_files
    from ..scratch import make_scratch

    folder = make_scratch("maillage-bulk-")
    try:
        with SQLiteStore(os.path.join(folder, "staging.db")) as staging:
            report = load_files(staging, paths, **load_options)
            if report.status != "committed":
                return {"report": report, "import": None}
            return {"report": report, "import": bulk_import(staging, home, database)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)

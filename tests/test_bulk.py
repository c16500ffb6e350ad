"""``maillage load --bulk``: neo4j-admin import of validated rows gives the store a normal load gives."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store
from maillage.graph.projection import Scope, project
from maillage.loaders.pipeline import load_files

from .neo4j_server import SCRIPT, DevServer, require_server

pytestmark = pytest.mark.neo4j
KINDS = ("territories", "actors", "partnerships", "initiatives", "needs")


@pytest.fixture
def home(tmp_path):
    require_server()
    folder = tmp_path / "neo4j-home"
    done = subprocess.run([str(SCRIPT), "init"], env=dict(os.environ, NEO4J_DEV_HOME=str(folder)),
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    return folder


def test_bulk_import_equals_a_normal_load(home, tmp_path, example_files, monkeypatch):
    working = tmp_path / "working"
    working.mkdir()
    monkeypatch.chdir(working)  # neo4j-admin's report of bad entries must not land where the user stands
    result = CliRunner().invoke(cli, ["load", *map(str, example_files), "--bulk", str(home), "--json"])
    assert result.exit_code == 0, result.output
    assert list(working.iterdir()) == []
    report = json.loads(result.output)
    assert report["status"] == "committed" and report["bulk"]["imported"] == {"nodes": 75, "relationships": 61}
    with open_store(tmp_path / "reference.db") as reference:
        load_files(reference, example_files)
        server = DevServer(home=str(home))
        uri = server.start()
        try:
            with open_store(uri) as bulk:
                assert bulk.stats() == reference.stats()
                for kind in KINDS:
                    ids = [row["id"] for row in reference.dump(kind)]
                    assert bulk.fetch_rows(kind, ids) == reference.fetch_rows(kind, ids), kind
                mine, theirs = project(bulk, Scope()), project(reference, Scope())
                assert sorted(mine.nodes(data=True)) == sorted(theirs.nodes(data=True))
                assert sorted(map(str, mine.edges(keys=True, data=True))) == sorted(
                    map(str, theirs.edges(keys=True, data=True)))
                load_files(bulk, example_files)  # a normal load afterwards: constraints made, nothing changed
                assert bulk.stats() == reference.stats()
        finally:
            server.stop()


def test_bulk_refuses_bad_rows_and_an_existing_database(home, tmp_path, write, example_files):
    bad = write("actors.csv", "id,name,kind,siren\na1,Asso,association,123456789\n")
    result = CliRunner().invoke(cli, ["load", str(bad), "--bulk", str(home)])
    assert result.exit_code == 1 and "fails its check digit (Luhn)" in result.output
    assert not (home / "data" / "databases" / "neo4j").exists()  # nothing imported
    assert CliRunner().invoke(cli, ["load", *map(str, example_files), "--bulk", str(home)]).exit_code == 0
    again = CliRunner().invoke(cli, ["load", *map(str, example_files), "--bulk", str(home)])
    assert again.exit_code == 1 and again.output.startswith("Error: neo4j-admin database import failed: ")
    result = CliRunner().invoke(cli, ["load", *map(str, example_files), "--bulk", str(tmp_path)])
    assert result.exit_code == 2 and "is not a Neo4j home (no conf/neo4j.conf)" in result.output
    result = CliRunner().invoke(cli, ["load", str(bad), "--bulk", str(home), "--dry-run"])
    assert result.exit_code == 2 and "--bulk and --dry-run exclude each other" in result.output

"""What only the Neo4j store must show: same answers as SQLite through the CLI, recovery after a
killed load, inert hostile input in labels and keys, credentials, clear connection errors."""

import json
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.errors import StoreError
from maillage.graph import ActorFilter, open_store
from maillage.loaders.pipeline import load_files

from .neo4j_server import DevServer, _free_port, require_server
from .test_store_contract import snapshot

pytestmark = pytest.mark.neo4j


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def node_count(store) -> int:
    return store._driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]


def test_cli_gives_the_same_answers_on_neo4j_and_sqlite(neo4j_store, neo4j_uri, example_files, tmp_path):
    sqlite = tmp_path / "m.db"
    for store in (sqlite, neo4j_uri):
        assert invoke("load", "--store", store, *example_files).exit_code == 0
    for command in (["stats", "--json"], ["gaps", "--json"], ["gaps", "--json", "--territory", "67", "--reach", "region"],
                    ["gaps", "--json", "--at", "2014-06-01", "--top", "3"]):
        on_sqlite, on_neo4j = invoke(*command, "--store", sqlite), invoke(*command, "--store", neo4j_uri)
        assert on_sqlite.exit_code == on_neo4j.exit_code == 0
        assert json.loads(on_neo4j.output) == json.loads(on_sqlite.output), command
    best = json.loads(invoke("gaps", "--json", "--store", neo4j_uri).output)
    assert any(need["proposals"] for need in best["needs"])


KILLED_LOAD = textwrap.dedent("""
    import os, signal, sys
    from maillage.graph import open_store
    from maillage.graph.neo4j_store import Neo4jLoadSession
    from maillage.loaders.pipeline import load_files
    calls = []
    def dying(write):
        def dying_write(tx, kind, batch):
            calls.append(kind)
            if len(calls) == int(sys.argv[2]):
                os.kill(os.getpid(), signal.SIGKILL)  # killed mid-commit, between two batches
            return write(tx, kind, batch)
        return staticmethod(dying_write)
    # batches of entities already stored are merged, those proven new are created: both can die
    Neo4jLoadSession._write_batch = dying(Neo4jLoadSession._write_batch)
    Neo4jLoadSession._create_batch = dying(Neo4jLoadSession._create_batch)
    load_files(open_store(sys.argv[1], batch_size=4, write_batch=4), sys.argv[3:])
""")


def test_a_load_killed_mid_commit_completes_when_run_again(neo4j_store, neo4j_uri, example_files):
    load_files(neo4j_store, example_files)
    clean = snapshot(neo4j_store)
    neo4j_store.clear()
    killed = subprocess.run([sys.executable, "-c", KILLED_LOAD, neo4j_uri, "8", *map(str, example_files)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = neo4j_store.stats()
    assert 0 < partial["actors"] <= 23 and partial["partnerships"] < 20  # half written, as a kill leaves it
    load_files(neo4j_store, example_files)
    assert snapshot(neo4j_store) == clean


def test_hostile_text_never_reaches_cypher(neo4j_store, write):
    load_files(neo4j_store, [write("seed.csv", "id,name,kind\nkeep,Keep Me,company\n")])
    before = node_count(neo4j_store)
    hostile = "x'}) DETACH DELETE n //"
    rows = (f'id,name,kind,`) DETACH DELETE n //,{hostile}\n'
            f'"{hostile}","{hostile}",association,"`x`","MATCH (n) DETACH DELETE n"\n')
    load_files(neo4j_store, [write("hostile.csv", rows)])
    assert node_count(neo4j_store) == before + 2  # the actor and its key; nothing deleted
    actor = neo4j_store.find_actors(hostile)[0]
    assert actor["name"] == hostile and actor["extra"] == {"`) DETACH DELETE n //": "`x`",
                                                            hostile: "MATCH (n) DETACH DELETE n"}


def test_kind_label_follows_the_actor_kind(neo4j_store, write):
    load_files(neo4j_store, [write("a.csv", "id,name,kind\nx,X,association\n")])
    load_files(neo4j_store, [write("b.csv", "id,name,kind\nx,X,public_body\n")])
    labels = neo4j_store._driver.execute_query("MATCH (a:Actor {id: 'x'}) RETURN labels(a) AS l").records[0]["l"]
    assert sorted(labels) == ["Actor", "PublicBody"]


def test_a_partnership_id_given_again_with_other_ends_moves(neo4j_store, write):
    load_files(neo4j_store, [write("a.csv", "id,name,kind\na,A,association\nb,B,company\nc,C,company\n")])
    load_files(neo4j_store, [write("p.csv", "id,source,target,kind,description\np1,a,b,cooperation,first\n")])
    load_files(neo4j_store, [write("q.csv", "id,source,target,kind\np1,a,c,cooperation\n")])
    (row,) = neo4j_store.partnership_rows(ActorFilter())
    assert (row["source"], row["target"], row["description"]) == ("a", "c", "first")


def test_unreachable_server_is_a_clear_error():
    port = _free_port()
    with pytest.raises(StoreError, match=rf"cannot reach Neo4j at bolt://127.0.0.1:{port}"):
        open_store(f"bolt://127.0.0.1:{port}")
    result = invoke("stats", "--store", f"bolt://127.0.0.1:{port}")
    assert result.exit_code == 1 and "Error: cannot reach Neo4j" in result.output


def test_server_with_authentication(monkeypatch, example_files):
    require_server()
    server = DevServer(auth="maillage-test-pw")
    uri = server.start()
    try:
        monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
        with pytest.raises(StoreError, match="refused the credentials of user 'neo4j'"):
            open_store(uri, password="wrong-password")
        host = uri.split("://", 1)[1]
        with open_store(f"bolt://neo4j:maillage-test-pw@{host}") as store:
            load_files(store, example_files)
        monkeypatch.setenv("NEO4J_PASSWORD", "maillage-test-pw")
        result = invoke("stats", "--json", "--store", uri)
        assert result.exit_code == 0 and json.loads(result.output)["actors"] == 23
    finally:
        server.stop()

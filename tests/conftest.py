"""Shared fixtures: store factories for the contract suite, and the example files.

The contract suite runs on every store kind: the SQLite file, and a real Neo4j server
(``NEO4J_URI``, or a throwaway one started by ``scripts/neo4j-dev`` for the session).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from maillage.graph import open_store

from .neo4j_server import DevServer, require_server

collect_ignore_glob = ["fixtures/*"]

# Property tests draw the same examples on every run and every machine (derandomize), and keep no
# example database between runs: a red run is red again when rerun, a green one green. Each test's
# required cases are given with @example, never left to the generator.
settings.register_profile("maillage", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("maillage")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STORE_KINDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(scope="session")
def neo4j_uri():
    """The bolt URI of the test server (started once per session unless NEO4J_URI is set)."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    require_server()
    server = DevServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def neo4j_store(neo4j_uri):
    """The test server's database, emptied for each test."""
    with open_store(neo4j_uri) as opened:
        opened.clear()
        yield opened


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """A fresh, empty store of each kind the contract suite covers."""
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
        return
    with open_store(tmp_path / "store.db") as opened:
        yield opened


@pytest.fixture
def example_files():
    return sorted(EXAMPLES.glob("*.csv"))


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Projection caches of the tests live in a temporary folder, never in the user's."""
    os.environ["MAILLAGE_CACHE"] = str(tmp_path_factory.mktemp("cache"))



def pytest_collection_modifyitems(items):
    """Under ``-n`` (pytest-xdist, ``--dist loadgroup``) every Neo4j test runs on one worker, so the
    session starts one server, not one per worker; without xdist the mark is inert."""
    for item in items:
        if item.get_closest_marker("neo4j"):
            item.add_marker(pytest.mark.xdist_group("neo4j"))

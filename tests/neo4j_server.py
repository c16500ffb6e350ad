"""A real Neo4j server for the tests: ``NEO4J_URI`` if given, else a throwaway one from scripts/neo4j-dev."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j-dev"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DevServer:
    """One ``scripts/neo4j-dev`` server on a free port, with its own state folder."""

    def __init__(self, auth: str = "none", home: str | None = None):
        self.state = tempfile.mkdtemp(prefix="maillage-test-neo4j-")
        self.env = dict(os.environ, NEO4J_DEV_PORT=str(_free_port()), NEO4J_DEV_STATE=self.state,
                        NEO4J_DEV_AUTH=auth)
        self.env.pop("NEO4J_DEV_HOME", None)
        if home is not None:  # a home prepared by `scripts/neo4j-dev init` (and filled by --bulk)
            self.env["NEO4J_DEV_HOME"] = home

    def start(self) -> str:
        done = subprocess.run([str(SCRIPT), "start"], env=self.env, capture_output=True, text=True, timeout=1200)
        if done.returncode:
            pytest.fail(f"scripts/neo4j-dev start failed:\n{done.stderr[-3000:]}", pytrace=False)
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.state, ignore_errors=True)


def unavailable_reason() -> str | None:
    """Why no throwaway server can be started here (None when one can)."""
    if not shutil.which("java"):
        return "no Neo4j server: NEO4J_URI is unset and Java is missing (scripts/neo4j-dev needs Java 17)"
    return None


def require_server() -> None:
    """Skip when no server can exist here; in CI (CI=true) that is a failure, never a skip."""
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

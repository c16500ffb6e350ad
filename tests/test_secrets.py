"""No password ever printed: Neo4j URIs × commands on an unreachable server, and the redaction itself.

Each password holds the characters that broke the old redaction (``#``, ``?``, ``/``, ``@``,
``%``, a space); each is checked whole, percent-encoded, and by its alphanumeric pieces, on
stdout, stderr and ``--json`` alike, with and without ``MAILLAGE_DEBUG``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.redaction import escape_surrogates, redact, remember_secret

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PASSWORDS = ["Zq9k#Wx7T", "Mv4p?Rt8L", "Hb3n/Yu6J", "Kc5d@Fg2Q", "Pw7e%41Ns", "Ty2u Io9P", "Xa1s:De4F"]
HOST = "127.0.0.1:1"  # nothing listens: every command meets the driver's own error messages


def _uris(password: str) -> list[str]:
    encoded = quote(password, safe="")
    return [
        f"bolt://neo4j:{password}@{HOST}", f"neo4j://neo4j:{encoded}@{HOST}", f"BOLT://neo4j:{password}@{HOST}",
        f"bolt+s://neo4j:{password}@{HOST}", f"bolt:///neo4j:{password}@{HOST}", f"bolt:/neo4j:{password}@{HOST}",
        f"neo4js://neo4j:{password}@{HOST}", f"bolt://neo4j:{password}@127.0.0.1:abc",
        f"bolt://{HOST}?password={encoded}", f"neo4j://{HOST}?policy=x&pwd={encoded}",
        f"bolt://{HOST}?token={encoded}", f"bolt://{HOST}?auth={encoded}", f"bolt://{HOST}#{encoded}",
        f"bolt://neo4j:{password}@{HOST}/db?x=1",
    ]


COMMANDS = [["stats"], ["stats", "--json"], ["load", str(EXAMPLES / "actors.csv")],
            ["load", "--json", str(EXAMPLES / "actors.csv")], ["gaps", "--json"], ["allies", "ibm-france"],
            ["export", "out.html"], ["serve", "--port", "1"]]


def _pieces(password: str) -> list[str]:
    return [password, quote(password, safe=""), quote(password), *re.findall(r"[A-Za-z0-9]{3,}", password)]


def _assert_hidden(password: str, output: str) -> None:
    for piece in _pieces(password):
        assert piece not in output, (piece, output[-600:])


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]).replace("/", "_"))
def test_no_command_prints_a_password_from_the_uri(password, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    for uri in _uris(password):
        result = CliRunner().invoke(cli, [*command, "--store", uri])
        assert result.exit_code in (1, 2), (uri, result.output)
        _assert_hidden(password, result.output)
        assert "unexpected error" not in result.output and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_environment_password_is_never_printed(password, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    for command in COMMANDS[:5]:
        result = CliRunner().invoke(cli, [*command, "--store", f"bolt://{HOST}"])
        assert result.exit_code == 1, result.output
        _assert_hidden(password, result.output)


def test_credentials_in_the_query_are_refused_with_advice():
    result = CliRunner().invoke(cli, ["stats", "--store", f"bolt://{HOST}?password=Zq9kWx7T"])
    assert result.exit_code == 2
    assert "set NEO4J_USER and NEO4J_PASSWORD instead" in result.output and "Zq9k" not in result.output


@pytest.mark.parametrize("password", PASSWORDS[:4])
def test_a_traceback_under_maillage_debug_hides_it_too(password, tmp_path):
    """A real process: what Python prints when the exception escapes goes through the redaction."""
    environment = {"MAILLAGE_DEBUG": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for uri in (f"bolt://neo4j:{password}@{HOST}", f"bolt://{HOST}?password={quote(password, safe='')}"):
        done = subprocess.run([sys.executable, "-m", "maillage", "stats", "--json", "--store", uri], cwd=tmp_path,
                              capture_output=True, text=True, env=environment, timeout=60)
        assert done.returncode in (1, 2) and "Neo4j" in done.stdout + done.stderr, done.stderr[-500:]
        _assert_hidden(password, done.stdout + done.stderr)


def test_a_traceback_python_prints_goes_through_the_redaction(tmp_path):
    """The streams stay wrapped until the process ends: an escaping exception's text is redacted."""
    script = ("from maillage.cli import _redact_outputs\n"
              "_redact_outputs(['--store', 'bolt://neo4j:Zq9k#Wx7T@127.0.0.1:1'])\n"
              "raise RuntimeError('driver said bolt://neo4j:Zq9k#Wx7T@127.0.0.1:1 and Zq9k#Wx7T')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "Traceback (most recent call last)" in done.stderr and "RuntimeError" in done.stderr
    _assert_hidden("Zq9k#Wx7T", done.stderr)


def test_the_workbench_banner_shows_no_password(monkeypatch):
    import maillage.web.serve as serve

    class Store:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def stats(self):
            return {"actors": 1}

    printed = []
    monkeypatch.setattr(serve, "open_store", lambda *a, **k: Store())
    class App:
        drawn, login_path = True, "/login?key=drawn-for-this-start"

        def __init__(self, on_ready):
            self.on_ready = on_ready

    monkeypatch.setattr("uvicorn.run", lambda app, **k: app.on_ready())  # as the lifespan does, once ready
    monkeypatch.setattr("maillage.web.app.create_app", lambda *a, on_ready=None, **k: App(on_ready))
    serve.run("bolt://neo4j:Zq9k#Wx7T@127.0.0.1:7687", echo=printed.append)
    assert printed and all("Zq9k" not in line and "Wx7T" not in line for line in printed), printed


@pytest.mark.parametrize("text, expected", [
    ("bolt://neo4j:a/b?c#d@host:7687 down", "bolt://neo4j:***@host:7687 down"),
    ("x bolt:///neo4j:pw@host", "x bolt:///neo4j:***@host"),
    ("Routing context: {'address': 'h:1', 'password': 'p#w'}", "Routing context: {'address': 'h:1', 'password': '***'}"),
    ("neo4j://h:7687?policy=a&token=abc#frag", "neo4j://h:7687?policy=a&token=***#***"),
    ("mailto:jean@asso.fr and user:pass@host stay", "mailto:jean@asso.fr and user:pass@host stay"),
    ("a\tbolt://u:secret@h\tb", "a\tbolt://u:***@h\tb"),
])
def test_redaction_by_structure(text, expected):
    assert redact(text) == expected


def test_a_remembered_secret_is_removed_wherever_it_stands():
    remember_secret("Qx8 Jk#2")
    assert redact("the value Qx8 Jk#2 and Qx8%20Jk%232") == "the value *** and ***"


@pytest.mark.parametrize("text", [
    "a" * 1_000_000 + ":" + "b" * 1_000_000 + "@",
    "x:" * 500_000 + "@",
    "password=" * 200_000,
    "bolt://" * 200_000,
    "'password': '" * 100_000,
    ",".join(["field"] * 200_000) + "@",
])
def test_redaction_is_linear_on_megabyte_inputs(text):
    start = time.process_time()
    redact(text)
    assert time.process_time() - start < 5  # quadratic would take hours; linear takes well under a second


def test_undecodable_file_names_are_escaped():
    assert escape_surrogates("caf\udce9.csv") == "caf\\xe9.csv"

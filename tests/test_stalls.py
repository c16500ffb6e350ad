"""No input stalls a load: the cases that once ran past 60 s, each within a CPU budget.

The budget is several times what each takes on the 2-core reference machine, so only a return
to quadratic or unbounded work can break it (the figures are in the README's Reliability).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store

from .hostile import STALLS, stall_cases

BUDGET = 60.0  # CPU seconds; each case takes 0.3–6 s
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return {name: case for name, *case in stall_cases(tmp_path_factory.mktemp("stalls"))}


def test_every_case_is_run(cases):
    assert len(cases) == len(STALLS)


@pytest.mark.parametrize("name", STALLS)
def test_no_input_stalls(cases, name, tmp_path):
    arguments, code, expected = cases[name]
    start = time.process_time()
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "s.db"), *arguments])
    spent = time.process_time() - start
    assert result.exit_code == code, result.output[-800:]
    assert expected in result.output, result.output[-800:]
    assert "unexpected error" not in result.output and "Traceback" not in result.output
    assert spent < BUDGET, (name, spent)


def test_a_file_name_that_is_not_utf8_loads_and_prints_escaped(tmp_path):
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    path = folder + b"/acteurs\xe9.csv"
    with open(path, "wb") as handle:
        handle.write((EXAMPLES / "actors.csv").read_bytes())
    name = os.fsdecode(path)
    store = tmp_path / "s.db"
    result = CliRunner().invoke(cli, ["load", "--store", str(store), name])
    assert result.exit_code == 0, result.output
    assert "caf\\xe9/acteurs\\xe9.csv: actors, 23 rows loaded out of 23" in result.output
    again = CliRunner().invoke(cli, ["load", "--store", str(store), "--json", name])
    document = json.loads(again.stdout)
    assert document["files"][0]["path"].endswith("caf\\xe9/acteurs\\xe9.csv")
    with open_store(store, read_only=True) as opened:
        assert opened.stats()["actors"] == 23

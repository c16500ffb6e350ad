"""Every command, with its options one at a time and together, on the demo and on a generated store,
in both languages: an answer or a clear error (exit 0, 1 or 2), never « unexpected error », and
no word of the other language in what it prints.

The matrix is built from each command's own click parameters (a value list per option, below),
so an option added to a command without values here fails :func:`test_the_matrix_covers_every_option`.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.cli import cli

# words of messages (never of the data: the demo's names and titles are French, the generated
# store's actors are « Acteur 12 ») that would show a message left in the other language
OTHER_LANGUAGE = {
    "fr": re.compile(r"\b(the|of|and|with|without|actors?|partnerships?|needs?|which|through|ties?|none|between)\b"),
    "en": re.compile(r"\b(acteurs|besoins|aucune?|propositions?|vouliez|introuvable|inconnue?|territoire|"
                     r"chemin|intercommunalités?|fois|étapes?)\b", re.IGNORECASE),
}

ROOT = Path(__file__).resolve().parent.parent

# option → the values tried (None: the option left out; True: a flag given)
VALUES = {
    "--territory": ["67", "Strasbourg", "67999", "bas-rhin", "zzqx"],
    "--at": ["2015-01-01", "31/12/2015", "2015", "2015-13-45"],
    "--all-time": [True],
    "--reach": ["commune", "epci", "region"],
    "--top": ["1", "0", "500"],
    "--explain": [True],
    "--json": [True],
    "--error": ["0.05", "0.5"],
    "--confidence": ["0.5", "0.99"],
    "--before": ["2016-01-01", "2040-01-01", "yesterday"],
    "--k": ["1", "5"],
    "--bootstrap": ["20"],
    "--focus": ["@first", "nobody"],
    "--hops": ["1", "3"],
    "--color": ["kind", "territory", "community"],
    "--size": ["degree", "betweenness", "brokerage"],
    "--proposals": [True],
    "--raw": [True],
    "--need": ["@need", "xq-404"],
    "--theme": ["alimentation", "alimentaton", "Food and food aid"],
    "--open": [True],
}
# options the matrix leaves to their own tests (files written, servers, models trained)
ELSEWHERE = {"--store", "--model", "--fit", "--force", "--out", "--examples"}
COMMANDS = {  # command → its positional arguments
    "stats": [], "gaps": [], "bridges": ["--bootstrap-free"], "profile": ["67"], "allies": ["@first"],
    "evaluate": ["--before", "2016-01-01", "--bootstrap", "20"], "export": ["@view"],
}


def _options(name):
    return [p for p in cli.commands[name].params if p.param_type_name == "option" and p.opts[0] not in ELSEWHERE]


def test_the_matrix_covers_every_option():
    for name in COMMANDS:
        missing = [p.opts[0] for p in _options(name) if p.opts[0] not in VALUES]
        assert not missing, (name, missing)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The demo's store and a store generated on the Bas-Rhin slice of the COG fixture (296 actors)."""
    folder = tmp_path_factory.mktemp("matrix")
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--out", str(folder / "demo")], catch_exceptions=False).exit_code == 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = folder / "generated"
    generate.generate(out, None, "67", 0.02, ROOT / "tests" / "fixtures" / "cog")
    db = str(folder / "generated.db")
    for files in (sorted((out / "cog").glob("*.json")), sorted(out.glob("*.csv"))):
        result = runner.invoke(cli, ["load", *map(str, files), "--store", db, "-q"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    first = next(csv.DictReader(open(out / "actors.csv", encoding="utf-8")))["id"]
    need = next(csv.DictReader(open(out / "needs.csv", encoding="utf-8")))["id"]
    return {"demo": (str(folder / "demo" / "maillage.db"), "cd67", "ba67-tracabilite"),
            "generated": (db, first, need), "folder": folder}


def _runs(name, light=False):
    """The option sets of one command: none, each option with each of its values, then all
    together (``light``: none and all together only)."""
    runs = [[]]
    for option in [] if light else _options(name):
        for value in VALUES[option.opts[0]]:
            runs.append([option.opts[0]] if value is True else [option.opts[0], value])
    together = []
    for option in _options(name):
        value = VALUES[option.opts[0]][0]
        together += [option.opts[0]] if value is True else [option.opts[0], value]
    return runs + [together]


def _filled(args, actor, need, folder, index):
    values = {"@first": actor, "@need": need, "@view": str(folder / f"view-{index}.html")}
    return [values.get(a, a) for a in args if a != "--bootstrap-free"]


# the backtest trains a ranking per run on the generated store (about 6 s): there it runs without
# options and with all of them, in English; each option with each value, in both languages, is
# run on the demo
CASES = [(name, world, language) for name in sorted(COMMANDS) for world in ("demo", "generated")
         for language in ("en", "fr") if not (name == "evaluate" and world == "generated" and language == "fr")]


@pytest.mark.parametrize("name, world, language", CASES)
def test_no_command_ends_in_an_unexpected_error(stores, name, world, language, monkeypatch):
    monkeypatch.setenv("MAILLAGE_LANG", language)
    db, actor, need = stores[world]
    runner = CliRunner()
    for index, options in enumerate(_runs(name, light=(name == "evaluate" and world == "generated"))):
        args = [name, *_filled(COMMANDS[name], actor, need, stores["folder"], index),
                *_filled(options, actor, need, stores["folder"], index), "--store", db]
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert "unexpected error" not in result.output and "erreur inattendue" not in result.output, (args, result.output)
        assert "Traceback" not in result.output, args
        if "--json" not in args:  # JSON keys are English in both languages
            text = re.sub(r"\[[^\]]*\]|\S*/\S*", " ", result.output)  # ids in brackets and paths are data
            leftovers = sorted({m.group(0) for m in OTHER_LANGUAGE[language].finditer(text)})
            assert not leftovers, (args, leftovers, result.output[-2000:])


@pytest.mark.parametrize("world", ["demo", "generated"])
def test_every_count_of_partnerships_agrees(stores, world):
    """One definition: « partnerships » are the recorded ties (co-membership of an initiative counted
    apart), every date in `stats` and the exports, active today in `profile`, the view of today and
    the workbench's home page."""
    import json
    import warnings

    from maillage.graph import open_store
    from maillage.graph.projection import Scope, project, today
    from maillage.views.export import as_of, tie_counts

    warnings.filterwarnings("ignore", message=".*httpx.*")
    from maillage.web import create_app

    from .web_client import signed_in

    db = stores[world][0]
    runner = CliRunner(env={"MAILLAGE_LANG": "en"})

    def answer(*args):
        result = runner.invoke(cli, [*args, "--store", db, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    folder = stores["folder"]
    recorded = answer("stats")["partnerships"]
    view = answer("export", str(folder / f"view-{world}.html"), "--at", today())  # its data: every date, slider at today
    profile = answer("profile")
    assert view["partnerships"] == recorded
    with open_store(db, read_only=True) as source:
        now = tie_counts(as_of(project(source, Scope()), today()))  # what the view draws at today's date
    assert (now["partnerships"], now["co_membership"]) == (profile["partnerships"], profile["co_membership_ties"])
    with signed_in(create_app(db, secure_cookies=False)) as client:
        home = client.get("/").text
    shown = re.search(r"([\d,\u202f ]+) actors, ([\d,\u202f ]+) partnerships active today", home)
    assert [int(re.sub(r"\D", "", n)) for n in shown.groups()] == [profile["actors"], profile["partnerships"]]

"""One language per run: complete catalogues, no text outside them, French or English only."""

from __future__ import annotations

import ast
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from maillage import i18n
from maillage.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "maillage" / "locale" / "fr" / "LC_MESSAGES" / "maillage.po"

# string constants of three words or more that are data, not messages (each with its reason)
SQL = re.compile(r"^(SELECT|INSERT|CREATE|UPDATE|DELETE|DROP|PRAGMA|MATCH|MERGE|UNWIND|WITH|CALL|RETURN)\b")
NOT_MESSAGES = {
    ("maillage/loaders/opendata/parties.py", "from the name"),  # a flag's value stored with the actor
    ("maillage/views/html.py", "DejaVu Sans, Arial, sans-serif"),  # a font list
}
MARKUP = re.compile(r"</?[a-zA-Z!]+[\s>]|\{\s*[a-z-]+\s*:")  # HTML tags and CSS rules: no words for a reader
DATA_MODULES = {"maillage/graph/sqlite_store.py", "maillage/graph/cypher.py",  # SQL and Cypher
                "maillage/vocabulary.py",  # the vocabulary's labels: French and English tables
                "maillage/web/security.py"}  # HTTP headers (Content-Security-Policy, cookies)


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="fr")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_its_french_translation_with_the_same_placeholders():
    messages = [m for m in _catalogue() if m.id]
    assert len(messages) > 400
    for message in messages:
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        assert all(strings) and len(strings) == len(ids), message.id
        if "%(" in ids[0]:
            continue  # click's own %-style message
        for source, translated in zip(ids, strings):
            assert _fields(translated) <= _fields(source) | _fields(ids[-1]), (source, translated)
        assert _fields(strings[-1]) >= _fields(ids[-1]) - {"count"} or len(ids) == 1, message.id


def test_the_catalogue_holds_every_message_of_the_code():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n-extract"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _wrapped(tree) -> set[int]:
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
            inside.update(id(sub) for arg in node.args for sub in ast.walk(arg))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                inside.add(id(first.value))  # docstrings
        if isinstance(node, (ast.AnnAssign, ast.arg, ast.FunctionDef)):
            for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
                if annotation is not None:
                    inside.update(id(sub) for sub in ast.walk(annotation))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":
            inside.update(id(sub) for arg in node.args for sub in ast.walk(arg))  # regular expressions
    return inside


def test_no_user_facing_text_is_written_outside_the_catalogues():
    found = []
    for path in sorted((ROOT / "maillage").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where in DATA_MODULES or where == "maillage/i18n.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        wrapped = _wrapped(tree)
        for node in ast.walk(tree):
            if id(node) in wrapped or not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            words = [w for w in node.value.split() if re.search(r"[A-Za-zÀ-ÿ]{2,}", w)]
            if len(words) >= 3 and (where, node.value) not in NOT_MESSAGES and not SQL.match(node.value.strip()) \
                    and not MARKUP.search(node.value):
                found.append(f"{where}:{node.lineno}: {node.value[:70]!r}")
    assert found == []


def test_no_function_hides_the_translation_function():
    """``for _ in …`` or ``a, _, b = …`` in a function that also says ``_(…)`` breaks it at run time."""
    found = []
    for path in sorted((ROOT / "maillage").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = function.args
            names = [a.arg for a in args.args + args.kwonlyargs + args.posonlyargs]
            names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
            stack = list(function.body)
            while stack:
                node = stack.pop()
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
                                     ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                    continue
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.append(node.id)
                stack.extend(ast.iter_child_nodes(node))
            if "_" in names:
                found.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name}")
    assert found == []


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "fr_FR.UTF-8"}, "fr"), ({"LANG": "en_GB.UTF-8"}, "en"), ({}, "en"),
    ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"}, "en"), ({"LANGUAGE": "fr:en", "LANG": "C"}, "fr"),
    ({"MAILLAGE_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"), ({"LC_MESSAGES": "fr_BE.UTF-8"}, "fr"),
])
def test_the_language_comes_from_the_environment(environ, expected):
    assert i18n.detect_language(environ=environ) == expected


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("i18n")
    result = CliRunner().invoke(cli, ["demo", "--out", str(folder / "demo"), "--json"])
    assert result.exit_code == 0, result.output
    return str(folder / "demo" / "maillage.db")


def _names(store) -> list[str]:
    """Actor names and need titles: the data's own words, in whatever language they were written."""
    from maillage.graph import open_store
    from maillage.graph.projection import Scope, project

    with open_store(store, read_only=True) as source:
        graph = project(source, Scope.parse(None, None))
    names = [data["name"] for _, data in graph.nodes(data=True)]
    names += [need["title"] for need in graph.graph.get("needs", [])]
    return sorted(names, key=len, reverse=True)


ENGLISH_WORDS = re.compile(r"\b(the|and|with|actors?|partnerships?|offers|seeks|works|whole|scope|needs?|open|"
                           r"none|without|would|cut|between|introduced|potential|allies|kind|by|of)\b", re.I)
FRENCH_WORDS = re.compile(r"\b(le|la|les|des|du|et|avec|acteurs?|partenariats?|offre|recherche|travaille|"
                          r"périmètre|besoins?|ouverts?|aucun|sans|serai(?:en)?t|entre|présenté|alliés?|type|par)\b", re.I)

COMMANDS = [["stats"], ["gaps"], ["gaps", "--explain"], ["allies", "Banque Alimentaire du Bas-Rhin"],
            ["allies", "IBM France", "--explain"], ["bridges", "--top", "4"], ["bridges", "--explain"],
            ["profile"], ["profile", "67", "--explain"]]


def _plain(output: str, names: list[str]) -> str:
    """The output without the data's own words (names, titles, need ids, paths, dates)."""
    for name in names:
        output = output.replace(name, " ").replace(name[:47] + "…", " ")  # tables cut long names
    output = re.sub(r"\[[a-z0-9-]+\]", " ", output)  # need ids
    return output


def _run_under(locale: str, command: list[str], demo_store: str, monkeypatch) -> tuple[str, str]:
    """The command's output under ``LANG=locale``, and that output without the data's own words."""
    monkeypatch.delenv("MAILLAGE_LANG")
    monkeypatch.setenv("LANG", locale)
    result = CliRunner().invoke(cli, [*command, "--store", demo_store])
    assert result.exit_code == 0, result.output
    return result.output, _plain(result.output, _names(demo_store))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_french_locale_gives_french_only(demo_store, command, monkeypatch):
    output, plain = _run_under("fr_FR.UTF-8", command, demo_store, monkeypatch)
    assert FRENCH_WORDS.search(plain)
    english = ENGLISH_WORDS.findall(plain.replace("score", ""))
    assert english == [], (english, output)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_english_locale_gives_english_only(demo_store, command, monkeypatch):
    output, plain = _run_under("en_GB.UTF-8", command, demo_store, monkeypatch)
    assert ENGLISH_WORDS.search(plain)
    french = [w for w in FRENCH_WORDS.findall(plain) if w.lower() not in {"type"}]
    assert french == [], (french, output)
    assert not re.search(r"\b(citizen_group|public_body|developpement_local|mecenat_\w+|lien_social)\b", output)


def test_json_is_the_same_in_both_languages_but_for_the_words(demo_store):
    runner = CliRunner()
    english = json.loads(runner.invoke(cli, ["gaps", "--json", "--store", demo_store, "--lang", "en"]).output)
    french = json.loads(runner.invoke(cli, ["gaps", "--json", "--store", demo_store, "--lang", "fr"]).output)
    for one, other in zip(english["needs"], french["needs"]):
        assert one.keys() == other.keys()
        for a, b in zip(one["proposals"], other["proposals"]):
            assert a["why"] == b["why"] and a["score"] == b["score"] and a["reasons"] != b["reasons"]
    assert english["summary"] == french["summary"] and "logement" in english["summary"]["white_zones"]


def test_reasons_in_plain_words_and_measures_on_request(demo_store):
    runner = CliRunner()
    plain = runner.invoke(cli, ["bridges", "--store", demo_store, "--lang", "fr"]).output
    assert "sans lui, 5 acteurs seraient coupés du reste" in plain
    assert "met en relation, 10 fois, des acteurs de secteurs différents qui ne travaillent pas ensemble" in plain
    assert "Brandes" not in plain and "contrainte" not in plain and "gardien" not in plain
    explained = runner.invoke(cli, ["bridges", "--store", demo_store, "--lang", "fr", "--explain"]).output
    assert "[contrainte de Burt 0,200, taille effective 5,00]" in explained
    assert "itinérant 2, gardien 4, agent de liaison 4" in explained
    gaps = runner.invoke(cli, ["gaps", "--store", demo_store, "--lang", "fr"]).output
    assert "offre : compétences / logiciel et outils numériques" in gaps
    assert ("mise en relation en 2 étapes : Banque Alimentaire du Bas-Rhin → Conseil départemental du Bas-Rhin → "
            "IBM France, qui travaille avec les deux") in gaps
    allies = runner.invoke(cli, ["allies", "Banque Alimentaire du Bas-Rhin", "--store", demo_store,
                                 "--lang", "fr"]).output
    assert "recherche logistique et transport / bénévoles, qu'offre Banque Alimentaire du Bas-Rhin" in allies


def test_lang_anywhere_on_the_line_and_help_in_french(demo_store):
    runner = CliRunner()
    result = runner.invoke(cli, ["gaps", "--help", "--lang", "fr"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage :") and "Exemple : maillage gaps" in result.output
    assert "Afficher ce message et quitter." in result.output and "Show this" not in result.output
    top = runner.invoke(cli, ["--lang", "fr", "--help"]).output
    assert "Pour commencer :" in top and "Complétion du shell" in top
    for name in cli.commands:
        text = runner.invoke(cli, [name, "--help", "--lang=fr"]).output
        assert "Exemple : maillage" in text, name
    bad = runner.invoke(cli, ["stats", "--lang", "de"])
    assert bad.exit_code == 2 and "--lang must be one of en, fr, got 'de'." in bad.output


def test_errors_in_french(tmp_path, demo_store):
    runner = CliRunner()
    missing = tmp_path / "nowhere.db"
    result = runner.invoke(cli, ["gaps", "--store", str(missing), "--lang", "fr"])
    assert result.exit_code == 1
    assert result.output == (f"Erreur : aucune base à {missing} : créez-en une avec `maillage load FICHIERS --store "
                             f"{missing}` ou `maillage demo`\n")
    assert not missing.exists()
    result = runner.invoke(cli, ["profile", "13", "--store", demo_store, "--lang", "fr"])
    assert result.exit_code == 0 and "Aucun acteur dans le territoire departement:13." in result.output
    result = runner.invoke(cli, ["gaps", "--territory", "region:99", "--store", demo_store, "--lang", "fr"])
    assert result.exit_code == 2 and "la base ne connaît pas ce territoire" in result.output
    result = runner.invoke(cli, ["gaps", "--top", "zero", "--store", demo_store, "--lang", "fr"])
    assert result.exit_code == 2 and "Valeur invalide pour '--top'" in result.output
    bad = tmp_path / "actors.csv"
    bad.write_text("id,name,kind,siren\na1,Asso,association,123456789\n", encoding="utf-8")
    result = runner.invoke(cli, ["load", str(bad), "--store", str(tmp_path / "m.db"), "--lang", "fr"])
    assert result.exit_code == 1
    assert f"{bad}:2: siren: le SIREN 123456789 a une clé de contrôle fausse (Luhn)" in result.output
    assert "rien de chargé : 1 ligne mauvaise (la base est inchangée)" in result.output


def test_long_analyses_report_their_stages():
    import networkx as nx

    from maillage.queries import bridges

    graph = nx.path_graph(6)
    nx.set_node_attributes(graph, {n: "association" if n % 2 else "company" for n in graph}, "kind")
    nx.set_node_attributes(graph, {n: f"actor {n}" for n in graph}, "name")
    seen = []
    bridges(graph, progress=lambda done, total, stage: seen.append((done, total, stage)))
    assert [done for done, _total, _stage in seen] == [0, 1, 2, 3, 4] and seen[-1][2] == ""
    with i18n.language("fr"):
        assert i18n._(seen[2][2]) == "points de rupture"


def test_french_elides_de_before_a_vowel_and_writes_dates_one_way(tmp_path):
    from maillage.i18n import _, language
    from maillage.render import scope_line

    with language("fr"):
        assert _("Potential allies of {actor} ({count} candidates scored)").format(
            actor="IBM France", count=3) == "Alliés potentiels d'IBM France (3 candidats évalués)"
        assert _("Potential allies of {actor} ({count} candidates scored)").format(
            actor="Haguenau", count=3).startswith("Alliés potentiels de Haguenau")
        assert "au 1er janvier 2015 :" in scope_line(None, "2015")
        assert "au 31 décembre 2015 :" in scope_line(None, "31/12/2015")
    assert "as of 31 December 2015:" in scope_line(None, "2015-12-31")


def test_a_backtest_writes_its_dates_the_language_s_way(demo_store):
    # an open fold once read « Du 2020-01-01 au la dernière date »
    runner = CliRunner()
    french = runner.invoke(cli, ["evaluate", "--before", "2020-01-01", "--store", demo_store, "--lang", "fr"])
    assert french.exit_code == 0, french.output
    assert french.output.startswith("À partir du 1er janvier 2020 : 27 liens avant")
    assert ("Dates de coupure que permettent les dates de cette base : 1er janvier 2015 (--before 2015-01-01) et "
            "1er juin 2015 (--before 2015-06-01).") in french.output
    english = runner.invoke(cli, ["evaluate", "--before", "2020-01-01", "--before", "2015-06-01",
                                  "--store", demo_store, "--lang", "en"])
    assert english.output.startswith("From 1 June 2015 to 1 January 2020: 23 ties before"), english.output

"""`maillage report`: a territory's printable document, in the run's language, every figure labelled."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from maillage.cli import cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    assert CliRunner().invoke(cli, ["demo", "--out", str(folder / "demo")]).exit_code == 0
    return folder


def _run(*args, language="fr"):
    return CliRunner(env={"MAILLAGE_LANG": language}).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_the_report_of_a_departement_says_what_each_figure_counts(demo):
    store, out = demo / "demo" / "maillage.db", demo / "bas-rhin.html"
    result = _run("report", "Bas-Rhin", "--store", store, "--out", out, "--at", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("rapport du territoire Bas-Rhin écrit dans ")
    page = out.read_text(encoding="utf-8")
    assert "<h1>Bas-Rhin : l&#x27;écosystème des partenariats</h1>" in page
    for title in ("Besoins ouverts par commune", "Acteurs par type", "Partenariats par type",
                  "Partenariats par année de début", "Les acteurs qui tiennent le territoire ensemble"):
        assert f"<h2>{title}</h2>" in page
    assert "au 1er décembre 2026" in page and "4 besoins ouverts au 1er décembre 2026" in page
    profile = json.loads(_run("profile", "67", "--store", store, "--at", "2026-12-01", "--json").output)
    assert f"{profile['actors']} acteurs au 1er décembre 2026." in page
    assert re.search(rf"{profile['partnerships']} partenariats actifs au 1er décembre 2026", page)
    strasbourg = re.search(r'<path d="[^"]+" fill="([^"]+)"[^>]*><title>Strasbourg — 4</title>', page)
    assert strasbourg and strasbourg.group(1) == "#fdae6b"  # its four open needs, each with a provider in reach
    assert page.count("<path ") > 500 and "<script" not in page
    again = demo / "again.html"
    _run("report", "Bas-Rhin", "--store", store, "--out", again, "--at", "2026-12-01")
    assert again.read_bytes() == out.read_bytes()  # the same input, the same document


def test_the_report_refuses_an_unknown_territory_and_answers_in_json(demo):
    store = demo / "demo" / "maillage.db"
    refused = _run("report", "Atlantide", "--store", store, "--out", demo / "x.html", language="en")
    assert refused.exit_code == 2 and "no territory named 'Atlantide'" in refused.output
    assert not (demo / "x.html").exists()
    answer = json.loads(_run("report", "--store", store, "--out", demo / "all.html", "--json", language="en").output)
    assert answer["figures"] == 7 and answer["needs"]["open"] == 5

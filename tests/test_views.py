"""Exports: the interactive view checked in headless Chromium, and Gephi files round-tripped."""

import csv
import json
import os
import time
from pathlib import Path

import networkx as nx
import pytest

from maillage.graph import open_store
from maillage.graph.projection import Scope, project
from maillage.loaders.pipeline import load_files
from maillage.views import export

from .browser import open_view, start_browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("MAILLAGE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
HOSTILE = "</script><script>document.title='x'</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("views")
    hostile = folder / "hostile.csv"
    with open(hostile, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "name", "kind", "commune", "themes"],
                                      ["hostile", HOSTILE, "association", "67482", "numerique"]])
    ties = folder / "ties.csv"
    ties.write_text("source,target,kind,description\nhostile,cd67,cooperation,\"<b>bold</b> & <i>co</i>\"\n")
    with open_store(folder / "m.db") as store:
        load_files(store, sorted((ROOT / "examples").glob("*.csv")) + [hostile, ties])
        return project(store), project(store, Scope.parse("67"))


@pytest.fixture(scope="module")
def browser():
    driver = start_browser()
    yield driver
    driver.quit()


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def drawn_pixels(driver) -> int:
    return js(driver, """
        var canvas = document.querySelector('#graph canvas');
        var data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        var count = 0;
        for (var i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200)) count++;
        return count;""")


@pytest.mark.browser
def test_view_is_drawn_offline_filters_and_focus_work(examples, browser, tmp_path):
    graph, _ = examples
    info = export(graph, tmp_path / "view.html", proposals=True)
    seconds = open_view(browser, tmp_path / "view.html")
    assert seconds < 10
    assert js(browser, "return Object.keys(maillage.network.getPositions()).length") == graph.number_of_nodes() == 24
    assert js(browser, "return maillage.edgeView.length") == info["edges"] + info["proposals"]
    assert js(browser, "return maillage.edges.get({filter: e => e.dashes === true}).length") == info["proposals"] > 0
    assert drawn_pixels(browser) > 2000
    assert js(browser, "return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "view-examples.png"))

    companies = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "company")
    browser.find_element("css selector", "input.kind-filter[value=company]").click()
    assert js(browser, "return Object.keys(maillage.network.getPositions()).length") == 24 - companies
    assert js(browser, "return document.getElementById('status').textContent").startswith(f"{24 - companies} acteurs")
    browser.find_element("id", "reset-button").click()
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "territory")).select_by_value("departement:94")
    in_94 = sum(1 for _, d in graph.nodes(data=True) if d.get("departement") == "94")
    assert js(browser, "return maillage.nodeView.length") == in_94 > 0
    browser.find_element("id", "reset-button").click()
    Select(browser.find_element("id", "theme")).select_by_value("alimentation")
    fed = sum(1 for _, d in graph.nodes(data=True) if "alimentation" in d["themes"])
    assert js(browser, "return maillage.nodeView.length") == fed
    browser.find_element("id", "reset-button").click()

    search = browser.find_element("id", "search")
    search.send_keys("Conseil départemental du Bas-Rhin\n")
    assert js(browser, "return maillage.network.getSelectedNodes()") == ["cd67"]
    browser.find_element("id", "focus-button").click()
    around = set(graph["cd67"]) | {"cd67"}
    assert set(js(browser, "return maillage.nodeView.getIds()")) == around
    browser.save_screenshot(str(ARTIFACTS / "view-focus-cd67.png"))


@pytest.mark.browser
def test_hostile_names_are_shown_as_text_and_nothing_runs(examples, browser, tmp_path):
    graph, _ = examples
    export(graph, tmp_path / "view.html")
    open_view(browser, tmp_path / "view.html")
    assert browser.title == "maillage — tout l'écosystème"
    assert js(browser, "return document.querySelectorAll('img').length") == 0
    assert js(browser, "return maillage.nodes.get('hostile').label") == HOSTILE
    js(browser, "maillage.search(arguments[0])", HOSTILE)
    details = browser.find_element("id", "details")
    assert details.text.splitlines()[0] == HOSTILE
    assert js(browser, "return document.getElementById('details').children.length") == 0
    # hover the actor: vis-network's tooltip shows the same text, as text
    from selenium.webdriver.common.action_chains import ActionChains

    point = js(browser, "var p = maillage.network.getPositions(['hostile']).hostile;"
                        "return maillage.network.canvasToDOM(p);")
    canvas = browser.find_element("css selector", "#graph canvas")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(point["x"] - size["width"] / 2), int(point["y"] - size["height"] / 2)).perform()
    tooltip = None
    for _ in range(40):
        tooltip = js(browser, "var t = document.querySelector('div.vis-tooltip');"
                              "return t && t.style.visibility !== 'hidden' ? "
                              "[t.innerText, Array.from(t.querySelectorAll('*')).map(e => e.tagName)] : null")
        if tooltip and tooltip[0]:
            break
        time.sleep(0.05)
    # vis-network writes a string title as text nodes, one <br> per line break: no other element
    assert tooltip is not None and tooltip[0].startswith(HOSTILE) and set(tooltip[1]) <= {"BR"}
    assert "Partenariats (1) : Conseil départemental du Bas-Rhin (Coopération)" in tooltip[0]
    browser.save_screenshot(str(ARTIFACTS / "view-hostile-tooltip.png"))
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.title == "maillage — tout l'écosystème"


@pytest.mark.browser
def test_big_views_aggregate_and_say_so(browser, tmp_path):
    from maillage.synthetic import planted_ecosystem

    graph = planted_ecosystem(600, years=range(2020, 2022), seed=2)
    info = export(graph, tmp_path / "big.html", max_nodes=500)
    assert info["notice"].startswith("Vue agrégée : 600 acteurs") and info["nodes"] < 600
    open_view(browser, tmp_path / "big.html")
    assert js(browser, "return document.getElementById('notice').textContent") == info["notice"]
    assert js(browser, "return maillage.nodeView.length") == info["nodes"]


def test_gexf_and_graphml_round_trip_with_attributes(examples, tmp_path):
    graph, _ = examples
    for suffix, read in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
        export(graph, tmp_path / f"g{suffix}", size="betweenness")
        back = read(tmp_path / f"g{suffix}")
        assert back.number_of_nodes() == graph.number_of_nodes()
        assert back.number_of_edges() == graph.number_of_edges()
        node = back.nodes["siren:552118465"]
        assert node["label"] == "IBM France" and node["kind"] == "company" and node["siren"] == "552118465"
        assert node["offers"] == ";".join(graph.nodes["siren:552118465"]["offers"])
        assert back.nodes["hostile"]["label"] == HOSTILE
        assert "betweenness" in node and "community" in node
        dated = [d for *_, d in back.edges(data=True) if d.get("start")]
        assert dated and all(len(d["start"]) == 10 for d in dated)
        assert any("<b>bold</b> & <i>co</i>" == d.get("description") for *_, d in back.edges(data=True))


def test_gexf_spells_time(examples, tmp_path):
    export(examples[0], tmp_path / "g.gexf")
    text = (tmp_path / "g.gexf").read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text and 'start="2016-' in text


def test_json_and_csv_exports(examples, tmp_path):
    graph, bas_rhin = examples
    export(bas_rhin, tmp_path / "g.json")
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == bas_rhin.number_of_nodes() and len(data["edges"]) == bas_rhin.number_of_edges()
    assert data["graph"]["scope"]["territory"] == "departement:67"
    info = export(graph, tmp_path / "g.csv")
    nodes, edges = (list(csv.DictReader(open(p, encoding="utf-8"))) for p in info["paths"])
    assert len(nodes) == 24 and nodes[0].keys() >= {"Id", "Label", "kind", "community"}
    assert len(edges) == graph.number_of_edges() and edges[0]["Type"] == "Undirected"


def test_export_errors(examples, tmp_path):
    from maillage.errors import NotFoundError, OutputError, UsageError

    with pytest.raises(UsageError, match=r"cannot tell the format of g\.txt"):
        export(examples[0], tmp_path / "g.txt")
    with pytest.raises(OutputError, match="does not exist"):
        export(examples[0], tmp_path / "nowhere" / "g.html")
    with pytest.raises(NotFoundError, match="no actor 'nobody'"):
        export(examples[0], tmp_path / "g.html", focus="nobody")

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


@pytest.fixture(autouse=True)
def in_french(monkeypatch):
    """The view's words are checked in French, the language of its first readers."""
    from maillage import i18n

    monkeypatch.setenv("MAILLAGE_LANG", "fr")
    i18n.set_language(None)


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


OVERLAPS = """
    var shown = window.maillageLabelBoxes, ids = Object.keys(shown), overlaps = [];
    for (var i = 0; i < ids.length; i++) for (var j = i + 1; j < ids.length; j++) {
      var a = shown[ids[i]], b = shown[ids[j]];
      if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) overlaps.push([ids[i], ids[j]]);
    }
    return [ids.length, overlaps];"""
FILL = """
    var net = maillage.network, c = document.getElementById('graph'), l = 1e9, t = 1e9, r = -1e9, b = -1e9;
    maillage.nodes.getIds().forEach(function (id) {
      var p = net.canvasToDOM(net.getPositions([id])[id]); l = Math.min(l, p.x); t = Math.min(t, p.y); r = Math.max(r, p.x); b = Math.max(b, p.y);
    });
    return [(r - l) / c.clientWidth, (b - t) / c.clientHeight];"""


def actor_index(driver, actor_id: str) -> int:
    return js(driver, "return maillage.data.actors.id.indexOf(arguments[0])", actor_id)


@pytest.mark.browser
def test_view_is_legible_offline_and_its_controls_work(examples, browser, tmp_path):
    from selenium.webdriver.support.ui import Select

    graph, _ = examples
    info = export(graph, tmp_path / "view.html", proposals=True, at="2026-11-26")
    seconds = open_view(browser, tmp_path / "view.html")
    assert seconds < 10
    assert js(browser, "return Object.keys(maillage.network.getPositions()).length") == graph.number_of_nodes() == 24
    assert js(browser, "return maillage.edges.get({filter: e => e.color === '#7B3294'}).length") == info["proposals"] > 0
    assert drawn_pixels(browser) > 2000
    assert js(browser, "return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    labelled, overlaps = js(browser, OVERLAPS)
    assert labelled >= 5 and overlaps == []  # labels by importance, none over another at the initial fit
    assert max(js(browser, FILL)) >= 0.7  # the drawing fills the canvas on one axis
    fonts = js(browser, "var t = document.createElement('div'); t.className = 'vis-tooltip'; document.body.appendChild(t);"
                        "var f = [getComputedStyle(t).fontFamily, getComputedStyle(document.getElementById('panel')).fontFamily,"
                        " maillage.data.options.nodes.font.face]; t.remove(); return f;")
    assert fonts[0] == fonts[1] and fonts[2].split(",")[0] in fonts[0]  # tooltips, panel and labels: one font
    counts = js(browser, "return document.getElementById('counts').textContent")
    assert counts.startswith("24 acteurs · ") and "10 propositions · 1 lien terminé (estompé) au 26/11/2026" in counts
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "view-examples.png"))

    companies = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "company")
    browser.find_element("css selector", "input.kind-filter[value=company]").click()
    assert js(browser, "return Object.keys(maillage.network.getPositions()).length") == 24 - companies
    browser.find_element("id", "reset-button").click()
    Select(browser.find_element("id", "theme")).select_by_value("alimentation")
    fed = sum(1 for _, d in graph.nodes(data=True) if "alimentation" in d["themes"])
    assert js(browser, "return maillage.nodes.length") == fed
    browser.find_element("id", "reset-button").click()

    browser.find_element("id", "focus-button").click()  # no actor chosen yet: say what to do
    assert "Choisissez d'abord un acteur" in js(browser, "return document.getElementById('status').textContent")
    search = browser.find_element("id", "search")
    search.send_keys("Conseil départemental du Bas-Rhin\n")
    cd67 = actor_index(browser, "cd67")
    assert js(browser, "return maillage.network.getSelectedNodes()") == [f"a{cd67}"]
    js(browser, "var s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
    assert js(browser, "return maillage.state.selected") is None  # emptying the search clears the choice
    search.send_keys("Conseil départemental du Bas-Rhin\n")
    browser.find_element("id", "focus-button").click()
    around = {actor_index(browser, a) for a in set(graph["cd67"]) | {"cd67"}}
    assert {int(i[1:]) for i in js(browser, "return maillage.nodes.getIds()")} == around
    assert "voisinage de Conseil départemental du Bas-Rhin" in browser.title
    browser.save_screenshot(str(ARTIFACTS / "view-focus-cd67.png"))
    browser.find_element("id", "reset-button").click()

    today = js(browser, "return maillage.edges.length")
    js(browser, "maillage.setYear(2013, false)")  # the slider: ties begun later, or ended, are hidden
    assert js(browser, "return maillage.edges.length") < today
    assert "au 31/12/2013" in js(browser, "return document.getElementById('counts').textContent")
    js(browser, "maillage.setYear(2026, true)")
    assert js(browser, "return document.getElementById('counts').textContent").endswith("toutes les dates")


@pytest.mark.browser
def test_hostile_names_are_shown_as_text_and_nothing_runs(examples, browser, tmp_path):
    graph, _ = examples
    export(graph, tmp_path / "view.html")
    open_view(browser, tmp_path / "view.html")
    assert browser.title == "maillage — tout l'écosystème"
    assert js(browser, "return document.querySelectorAll('img').length") == 0
    hostile = actor_index(browser, "hostile")
    assert js(browser, "return maillage.nodes.get(arguments[0]).fullLabel", f"a{hostile}") == HOSTILE
    js(browser, "maillage.search(arguments[0])", HOSTILE)
    details = browser.find_element("id", "details")
    assert details.text.splitlines()[0] == HOSTILE
    assert js(browser, "return document.getElementById('details').children.length") == 0
    # hover the actor: vis-network's tooltip shows the same text, as text
    from selenium.webdriver.common.action_chains import ActionChains

    point = js(browser, "var id = arguments[0], p = maillage.network.getPositions([id])[id];"
                        "return maillage.network.canvasToDOM(p);", f"a{hostile}")
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


def _named_ecosystem(actors: int):
    """A synthetic ecosystem on two named départements, their EPCI and communes."""
    from maillage.synthetic import planted_ecosystem

    places = []
    for dep, dep_name in (("67", "Bas-Rhin"), ("68", "Haut-Rhin")):
        for e in range(4):
            for c in range(5):
                places.append({"commune": f"{dep}{e}{c:02d}", "epcis": [f"2{dep}00000{e}"], "departement": dep,
                               "region": "44", "population": 1000 + 500 * c})
    graph = planted_ecosystem(actors, places=places, years=range(2015, 2025), seed=4)
    names = {"departement:67": "Bas-Rhin", "departement:68": "Haut-Rhin", "region:44": "Grand Est"}
    names.update({f"epci:{p['epcis'][0]}": f"Communauté {p['epcis'][0][-1]} du {p['departement']}" for p in places})
    names.update({f"commune:{p['commune']}": f"Village {p['commune']}" for p in places})
    graph.graph["territory_names"] = names
    return graph


@pytest.mark.browser
def test_groups_by_territory_drill_down_and_back(browser, tmp_path):
    graph = _named_ecosystem(1600)
    info = export(graph, tmp_path / "groups.html", max_nodes=300, at="2024-12-31", proposals=True)
    assert info["groups"] > 2
    open_view(browser, tmp_path / "groups.html")
    first = js(browser, "return maillage.nodes.get().map(n => n.fullLabel)")
    assert sorted(label.split(" (")[0] for label in first) == ["Bas-Rhin", "Haut-Rhin"]  # named, not coded
    counts = js(browser, "return document.getElementById('counts').textContent")
    assert counts.startswith("2 groupes · 1\u202f600 acteurs · ")  # French numbers, « groupes » not « acteurs »
    bas_rhin = js(browser, "return maillage.nodes.get().filter(n => n.fullLabel.indexOf('Bas-Rhin') === 0)[0].id")
    point = js(browser, "var p = maillage.network.getPositions([arguments[0]])[arguments[0]];"
                        "return maillage.network.canvasToDOM(p);", bas_rhin)
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.find_element("css selector", "#graph canvas")
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(point["x"] - canvas.size["width"] / 2), int(point["y"] - canvas.size["height"] / 2)).click().perform()
    opened = js(browser, "return maillage.nodes.get().map(n => n.fullLabel)")
    assert opened and all(label.startswith("Communauté ") and "du 67" in label for label in opened)  # its EPCI
    weights = js(browser, "return maillage.edges.get().map(e => [e.title, e.width])")
    assert weights and all("partenariat" in title for title, _ in weights)  # ties between groups, counted
    assert len({width for _, width in weights}) > 1  # drawn by weight
    labelled, overlaps = js(browser, OVERLAPS)
    assert overlaps == []
    assert "Bas-Rhin" in js(browser, "return document.getElementById('breadcrumb').textContent")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "view-groups-bas-rhin.png"))
    ties_2024 = js(browser, "return maillage.drawn().ties")
    js(browser, "maillage.setYear(2017, false)")
    assert js(browser, "return maillage.drawn().ties") < ties_2024  # the slider changes what is shown
    browser.find_element("css selector", "#breadcrumb a").click()  # back up
    assert len(js(browser, "return maillage.nodes.getIds()")) == 2
    js(browser, "maillage.search(arguments[0])", "Acteur 7")  # search opens the actor's group
    assert js(browser, "return maillage.drawn().kind") == "actors"
    assert js(browser, "return maillage.network.getSelectedNodes()")


def test_palette_tells_every_kind_apart_with_any_colour_vision():
    """Okabe–Ito colours stay apart under simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009)."""
    from maillage.views.html import KIND_COLOURS

    machado = {  # severity 1.0 matrices, linear RGB
        "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
        "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
        "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
    }

    def linear(hex_colour):
        values = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        return [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values]

    def lab(rgb):
        x = 0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]
        y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
        z = 0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]
        f = lambda t: t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116  # noqa: E731
        fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
        return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

    colours = list(KIND_COLOURS.values())
    assert len(set(colours)) == len(colours) == 9  # the eight Okabe–Ito colours, and grey for « unknown »
    for name, matrix in machado.items():
        seen = [lab([max(0.0, min(1.0, sum(m * c for m, c in zip(row, linear(colour))))) for row in matrix])
                for colour in colours]
        closest = min(sum((a - b) ** 2 for a, b in zip(seen[i], seen[j])) ** 0.5
                      for i in range(len(seen)) for j in range(i + 1, len(seen)))
        assert closest >= 8, (name, closest)  # ΔE*ab: 2.3 is just noticeable; 8 tells kinds apart at a glance


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
    from maillage import i18n
    from maillage.errors import NotFoundError, OutputError, UsageError

    i18n.set_language("en")

    with pytest.raises(UsageError, match=r"cannot tell the format of g\.txt"):
        export(examples[0], tmp_path / "g.txt")
    with pytest.raises(OutputError, match="does not exist"):
        export(examples[0], tmp_path / "nowhere" / "g.html")
    with pytest.raises(NotFoundError, match="no actor 'nobody'"):
        export(examples[0], tmp_path / "g.html", focus="nobody")


# the share of the canvas painted in the communes' fill (#f2f1ec) or a needs' shade (#fdd9b5, #fdae6b, #f16913)
PAINTED = ("var c = document.querySelector('#graph canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height)"
           ".data, n = 0, fills = [[242, 241, 236], [253, 217, 181], [253, 174, 107], [241, 105, 19]];"
           " for (var i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && fills.some(function (f) {"
           " return Math.abs(d[i] - f[0]) < 3 && Math.abs(d[i + 1] - f[1]) < 3 && Math.abs(d[i + 2] - f[2]) < 3; })) n++;"
           " return n / (c.width * c.height);")
MAP_POSITIONS = """
    var M = maillage.data.map, C = M.communes, out = {};
    ['67482', '67218', '67180'].forEach(function (code) { var k = C.code.indexOf(code); out[code] = [C.x[k], C.y[k], C.name[k]]; });
    return out;"""
NODE_OVERLAPS = """
    var labels = window.maillageLabelBoxes, discs = window.maillageNodeBoxes, crossing = [];
    Object.keys(labels).forEach(function (id) {
      var box = labels[id];
      discs.forEach(function (d) {
        if (d.id !== id && box.l < d.r && d.l < box.r && box.t < d.b && d.t < box.b) crossing.push([id, d.id]);
      });
    });
    return [Object.keys(labels).length, crossing];"""


@pytest.mark.browser
def test_the_map_draws_communes_where_they_are_and_the_view_keeps_its_state(examples, browser, tmp_path):
    graph, _ = examples
    export(graph, tmp_path / "map.html", proposals=True, at="2026-11-26")
    open_view(browser, tmp_path / "map.html")
    places = js(browser, MAP_POSITIONS)
    assert places["67482"][2] == "Strasbourg"
    white = js(browser, "var C = maillage.data.map.communes; return C.white && C.white[C.code.indexOf('67482')]")
    assert white == 0  # gaps ran (--proposals): Strasbourg's four needs each have a provider within reach
    assert places["67482"][1] < places["67218"][1]  # Strasbourg north of Illkirch (north is up: smaller y)
    assert places["67180"][1] < places["67482"][1]  # Haguenau north of Strasbourg
    assert abs(places["67482"][0] - places["67218"][0]) < 400 < places["67482"][1] - places["67180"][1]
    network_only = js(browser, PAINTED)
    browser.find_element("css selector", "input[name=mode][value=map]").click()
    strasbourg = js(browser, "var i = maillage.data.actors.id.indexOf('cd67'); return maillage.network.getPositions(['a' + i])['a' + i]")
    assert abs(strasbourg["x"] - places["67482"][0]) < 60 and abs(strasbourg["y"] - places["67482"][1]) < 60
    assert network_only < 0.001 and js(browser, PAINTED) > 0.01  # the communes are drawn under the actors
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "view-map.png"))

    today = js(browser, "return maillage.drawn().edges.slice().sort()")
    js(browser, "maillage.setYear(2014, false)")  # the slider changes the picture: later ties go, ended ones fade
    in_2014 = js(browser, "return maillage.drawn()")
    assert sorted(in_2014["edges"]) != today and len(in_2014["edges"]) < len(today)
    assert in_2014["proposals"] == 0  # proposals were made as of 2026: not drawn in 2014
    link = js(browser, "return location.href")
    assert "mode=map" in link and "date=2014-12-31" in link

    search = browser.find_element("id", "search")
    search.clear()
    offered = "return Array.from(document.querySelectorAll('#names option')).map(function (o) { return o.value; })"
    assert js(browser, offered) == []  # no list of every name built as the page opens
    search.send_keys("alimentaire")  # names are offered as one types, those holding what is typed
    assert "Banque Alimentaire du Bas-Rhin" in js(browser, offered)
    assert all("alimentaire" in name.lower() for name in js(browser, offered))
    search.clear()
    search.send_keys("com")  # names beginning with it first, then those holding it further on
    assert js(browser, offered)[-1] == "Cabinet d'expertise comptable du Val-de-Marne (illustratif)"
    assert sorted(js(browser, offered)[:3]) == sorted(["Commune de Charenton-le-Pont", "Commune de Saint-Maurice",
                                                       "Communauté de communes de Charenton-le-Pont Saint-Maurice"])
    search.clear()
    search.send_keys("banque alimantaire\n")  # a typo, no accent, no capital
    found = js(browser, "return maillage.data.actors.name[maillage.state.selected]")
    assert found == "Banque Alimentaire du Bas-Rhin"
    card = js(browser, "return document.getElementById('card').textContent")
    assert card.startswith("Banque Alimentaire du Bas-Rhin")
    labelled, crossing = js(browser, NODE_OVERLAPS)
    assert labelled >= 3 and crossing == []  # no label over a node
    assert f"a{actor_index(browser, 'banques-alimentaires-67')}" in js(browser, "return window.maillageLabelled")
    link = js(browser, "return location.href")
    assert "actor=banques-alimentaires-67" in link

    browser.get("about:blank")
    open_view(browser, tmp_path / "map.html", link)  # the link reopens the same view
    again = js(browser, "return [maillage.state.mode, maillage.state.date, maillage.data.actors.id[maillage.state.selected]]")
    assert again == ["map", "2014-12-31", "banques-alimentaires-67"]
    assert js(browser, "return document.querySelector('input[name=mode][value=map]').checked") is True


def _page_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    start = text.index('id="maillage-data">') + len('id="maillage-data">')
    return json.loads(text[start:text.index("</script>", start)])


def test_a_plain_export_shades_the_white_zones_gaps_finds(tmp_path, write):
    """Without --proposals the map still knows the white zones: coverage() gives gaps' statuses
    without ranking, and each commune counts its needs no provider within reach could meet."""
    from maillage.queries import gaps
    from maillage.queries.gaps import coverage

    files = [write("actors.csv", "id,name,kind,commune,offers\nasso,Asso,association,67482,\n"
                                 "firm,Firm,company,67218,software\nfood,Food,association,67180,\n"),
             write("needs.csv", "id,title,holder,resources\nsoft,Logiciel,asso,software\n"
                                "room,Salle,asso,premises\nvan,Camion,food,logistics\n")]
    with open_store(tmp_path / "m.db") as store:
        load_files(store, files)
        graph = project(store)
    statuses = coverage(graph)
    assert statuses == {need["id"]: need["status"] for need in gaps(graph)["needs"]}
    assert statuses == {"soft": "open", "room": "no_provider", "van": "no_provider"}
    export(graph, tmp_path / "plain.html")
    communes = _page_data(tmp_path / "plain.html")["map"]["communes"]
    white = dict(zip(communes["code"], communes["white"]))
    assert (white["67482"], white["67180"], white["67218"]) == (1, 1, 0)


def test_the_page_carries_repeated_columns_as_codes_and_loses_nothing():
    from maillage.views.html import _packed

    kinds = ["association", "company"] * 10
    themes = [["sport"], [], ["sport", "culture"], []] * 5
    payload = {"actors": {"id": [f"a{i}" for i in range(20)], "kind": kinds, "colour": kinds, "place": [""] * 20,
                          "themes": themes, "offers": [[]] * 20, "seeks": [[f"x{i}"] for i in range(20)]},
               "ties": {"a": [0, 1], "b": [1, 2], "kind": ["cooperation"] * 2, "start": ["2020-01-01", None],
                        "end": [None, None], "text": ["", ""]}, "title": "t"}
    packed = _packed(payload)
    assert packed["actors"]["kind"] == {"values": ["association", "company"], "codes": [0, 1] * 10}
    assert packed["actors"]["seeks"] == payload["actors"]["seeks"]  # every row distinct: left as it is
    assert packed["ties"]["start"] == ["2020-01-01", None]  # two rows, two values: left as it is
    for table in ("actors", "ties"):
        for column, value in packed[table].items():
            unpacked = [value["values"][c] for c in value["codes"]] if isinstance(value, dict) else value
            assert unpacked == payload[table][column], column
    assert payload["actors"]["kind"] is kinds and _packed(payload) == packed  # the input untouched, the same bytes


SEEDED_PAGE = """
import sys
from maillage.synthetic import planted_ecosystem
from maillage.views import export
graph = planted_ecosystem(60, seed=4)
for i in range(240):  # most actors without a tie: the tied ones are fewer than half of their group
    graph.add_node(f"alone{i}", name=f"Seul {i}", kind="association", commune="67482", departement="67", region="44",
                   themes=[], offers=[], seeks=[], operates_in=[], epcis=[])
export(graph, sys.argv[1], at="2026-11-26")
"""


def test_the_page_is_the_same_whatever_the_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    pages = []
    for seed in ("1", "2", "77"):
        page = tmp_path / f"view-{seed}.html"
        subprocess.run([sys.executable, "-c", SEEDED_PAGE, str(page)], check=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed))
        pages.append(page.read_bytes())
    assert pages[0] == pages[1] == pages[2]

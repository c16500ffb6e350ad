"""The workbench in headless Chromium, against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store

from .browser import start_browser

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">Asso « hostile » & co'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_LOGIN: dict[str, str] = {}  # the start's login link, as the start line prints it


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import uvicorn

    from maillage.web import create_app

    folder = tmp_path_factory.mktemp("served")
    result = CliRunner().invoke(cli, ["demo", "--out", str(folder / "demo"), "--json"])
    assert result.exit_code == 0, result.output
    store = folder / "demo" / "maillage.db"
    port = _free_port()
    app = create_app(str(store), secure_cookies=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started
    _LOGIN["url"] = f"http://127.0.0.1:{port}{app.login_path}"
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(served):
    """Chromium, signed in by the start's login link as the user would be."""
    driver = start_browser()
    driver.get(_LOGIN["url"])
    yield driver
    driver.quit()


def _click_and_wait(browser, element) -> None:
    """Click a link or submit button and wait until the next page has replaced this one.

    The old page is marked with a window property; the wait ends when a fully loaded
    document without the mark answers. Polling an element of the old page for staleness
    instead races the navigation: Chromium may answer « Node with given id does not
    belong to the document » (a plain WebDriverException, not a StaleElementReference)
    while the old document is being torn down, which failed CI once.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("window.__maillageOldPage = true;")
    element.click()
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(_a_new_page_is_loaded)


def _a_new_page_is_loaded(driver) -> bool:
    return driver.execute_script(
        "return document.readyState === 'complete' && window.__maillageOldPage === undefined;")


def _stats(store):
    with open_store(store, read_only=True) as source:
        return source.stats(), len(source.journal())


def test_search_ibm_then_its_allies(served, browser):
    from selenium.webdriver.common.by import By

    base, _store = served
    browser.get(base + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("IBM")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.search button"))
    _click_and_wait(browser, browser.find_element(By.LINK_TEXT, "IBM France"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "IBM France"
    allies = browser.find_elements(By.CSS_SELECTOR, "#allies + ol.proposals > li")
    assert allies and all(item.find_elements(By.TAG_NAME, "li") for item in allies)  # each with its reasons
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.graph")
    browser.switch_to.frame(frame)
    deadline = time.time() + 30
    while not browser.execute_script("return document.body && document.body.getAttribute('data-ready')"):
        assert time.time() < deadline, "the neighbourhood was not drawn"
        time.sleep(0.1)
    browser.switch_to.default_content()
    shutil.os.makedirs("test-artifacts", exist_ok=True)
    browser.save_screenshot("test-artifacts/workbench-actor.png")


def test_accept_the_first_proposal_and_evaluate_sees_it(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, store = served
    browser.get(base + "/search?q=banque+alimentaire")
    _click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Banque Alimentaire du Bas-Rhin"))
    _click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Traçabilité complète des produits distribués"))
    first = browser.find_element(By.ID, "proposal-1")
    assert first.find_element(By.TAG_NAME, "a").text == "IBM France"
    assert "introduced by Conseil départemental du Bas-Rhin" in first.text
    Select(first.find_element(By.NAME, "status")).select_by_value("accepted")
    first.find_element(By.NAME, "by").send_keys("Léa Martin")
    first.find_element(By.NAME, "note").send_keys("convention signée")
    _click_and_wait(browser, first.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    # agreed: the partnership form, pre-filled from the need, offers to mark the need met
    assert browser.find_element(By.ID, "f-source").get_attribute("value") == "banques-alimentaires-67"
    assert browser.find_element(By.ID, "f-target").get_attribute("value") == "siren:552118465"
    assert browser.find_element(By.NAME, "meets_need").is_selected()
    Select(browser.find_element(By.ID, "f-kind")).select_by_value("mecenat_competences")
    browser.find_element(By.ID, "f-by").send_keys("Léa Martin")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.record button[type=submit]"))
    assert "IBM France" in browser.find_element(By.ID, "partnerships").find_element(By.XPATH, "following::table").text
    browser.get(base + "/needs/ba67-tracabilite")
    assert "This need is met." in browser.page_source
    assert "partnership agreed" in browser.find_element(By.CSS_SELECTOR, ".stages").text
    browser.save_screenshot("test-artifacts/workbench-need.png")
    result = CliRunner().invoke(cli, ["evaluate", "--store", str(store), "--before", "2015-01-01", "--json"])
    outcomes = json.loads(result.output)["outcomes"]
    assert outcomes["by_status"] == {"accepted": 1}
    assert outcomes["accepted"][0]["provider"] == "siren:552118465" and outcomes["accepted"][0]["by"] == "Léa Martin"


def test_a_french_spreadsheet_is_mapped_and_loaded(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, store = served
    sheet = tmp_path / "structures.csv"
    sheet.write_text("Nom;Nature;Ville;Thèmes\nÉpicerie solidaire de Neudorf;Association;Strasbourg;Alimentation\n",
                     encoding="utf-8")
    browser.get(base + "/upload?lang=fr")
    browser.find_element(By.ID, "f-file").send_keys(str(sheet))
    browser.find_element(By.ID, "f-by").send_keys("Léa Martin")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.record button[type=submit]"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Quelle colonne contient quoi"
    assert Select(browser.find_element(By.ID, "m-1")).first_selected_option.get_attribute("value") == "kind"
    city = Select(browser.find_element(By.ID, "m-2"))  # « Ville » is no name the proposal knows: the user says
    assert city.first_selected_option.get_attribute("value") == ""
    city.select_by_value("commune")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[value=load]"))
    assert "/tmp" not in browser.page_source
    _click_and_wait(browser, browser.find_element(By.LINK_TEXT, "epicerie-solidaire-de-neudorf-67482"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Épicerie solidaire de Neudorf"
    with open_store(store, read_only=True) as source:
        assert source.journal()[-1]["by"] == "Léa Martin"
    browser.get(base + "/?lang=en")  # the tests after this one read the pages in English


def test_a_bad_siret_is_shown_beside_its_field_and_nothing_changes(served, browser):
    from selenium.webdriver.common.by import By

    base, store = served
    before = _stats(store)
    browser.get(base + "/actors/siren:552118465")
    _click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Add a partnership"))
    browser.find_element(By.ID, "f-target").send_keys("12345678901234")
    browser.find_element(By.ID, "f-by").send_keys("Léa")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.record button[type=submit]"))
    field = browser.find_element(By.ID, "f-target").find_element(By.XPATH, "..")
    assert "invalid" in field.get_attribute("class")
    assert field.find_element(By.CSS_SELECTOR, ".error").text == "SIRET 12345678901234 fails its check digit (Luhn)"
    assert _stats(store) == before


def test_a_hostile_name_stays_text(served, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    base, _store = served
    browser.get(base + "/edit/actors")
    browser.find_element(By.ID, "f-name").send_keys(HOSTILE)
    browser.find_element(By.ID, "f-commune").send_keys("67482")
    browser.find_element(By.ID, "f-by").send_keys("Léa")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.record button[type=submit]"))
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
    assert browser.title == HOSTILE + " — maillage"  # the onerror never ran (it would set it to 'pwned')
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    browser.get(base + "/search?q=hostile")
    assert browser.find_element(By.CSS_SELECTOR, "ol.results a").text == HOSTILE


def _attacker_site(html: str) -> tuple[str, object]:
    """Another web server of this machine (another port), serving one page."""
    import http.server

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def test_a_page_rebound_by_dns_to_127_0_0_1_is_refused(served):
    """evil.example resolves to 127.0.0.1 (as after a DNS rebinding): its pages reach the server
    but say ``Host: evil.example`` — refused, so neither a read nor a write gets through."""
    base, store = served
    port = base.rsplit(":", 1)[1]
    before = _stats(store)
    driver = start_browser("--host-resolver-rules=MAP evil.example 127.0.0.1")
    try:
        driver.get(f"http://evil.example:{port}/export/csv")
        assert "400 unknown host evil.example" in driver.page_source
        driver.get(f"http://evil.example:{port}/")
        assert "400 unknown host evil.example" in driver.page_source  # its writes: tests/test_web.py
        driver.get(f"http://evil.example:{port}/login?key=guess")
        assert "400 unknown host" in driver.page_source
    finally:
        driver.quit()
    assert _stats(store) == before


def test_a_form_posted_from_another_local_port_is_refused(served, browser):
    """The signed-in browser visits a page on another port of 127.0.0.1 that plants a cookie
    (cookies know no port) and posts a form: the origin and the session-bound token refuse it."""
    base, store = served
    before = _stats(store)
    page = f"""<!doctype html><html><body>
<form id="f" method="post" action="{base}/edit/actors">
<input name="csrf" value="planted"><input name="name" value="Intrus"><input name="kind" value="association">
<input name="by" value="x"></form>
<script>document.cookie = "maillage_csrf=planted; path=/"; document.getElementById("f").submit();</script>
</body></html>"""
    url, server = _attacker_site(page)
    try:
        browser.get(url)
        deadline = time.time() + 20
        while "403" not in browser.page_source and time.time() < deadline:
            time.sleep(0.1)
        assert "403 foreign origin" in browser.page_source
    finally:
        server.shutdown()
    assert _stats(store) == before
    browser.get(base + "/")  # the user's own session still works
    assert "maillage" in browser.title


SECOND_ACCOUNT = """
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
for method, path in (("GET", "/export/csv"), ("GET", "/"), ("POST", "/edit/actors"), ("GET", "/login?key=guess")):
    connection.request(method, path, body=b"name=X&kind=association&by=x" if method == "POST" else None,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    print(method, path, response.status)
"""


def test_another_unix_account_cannot_read_or_write(served):
    """Another account reaches 127.0.0.1 but has neither the start's link nor the session."""
    import os
    import subprocess
    import sys

    base, store = served
    port = base.rsplit(":", 1)[1]
    before = _stats(store)
    root = os.geteuid() == 0
    switch = (lambda: (os.setgid(65534), os.setuid(65534))) if root else None  # the account « nobody »
    # nobody cannot run the test's Python (under /root): the system's own, standard library only
    python = shutil.which("python3", path="/usr/bin:/bin") if root else sys.executable
    done = subprocess.run([python, "-c", SECOND_ACCOUNT, port], capture_output=True, text=True, timeout=60,
                          preexec_fn=switch, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["GET /export/csv 303", "GET / 303", "POST /edit/actors 401",
                                           "GET /login?key=guess 401"], done.stdout
    assert _stats(store) == before


def test_a_reader_cannot_edit(served, browser):
    from selenium.webdriver.common.by import By

    base, store = served
    invited = CliRunner().invoke(cli, ["team", "invite", "Paul Lecteur", "--role", "reader", "--store", str(store)],
                                 env={"MAILLAGE_LANG": "en"})
    code = invited.output.rsplit(" ", 1)[-1].strip()
    try:
        browser.delete_all_cookies()
        browser.get(f"{base}/invite?code={code}")
        browser.find_element(By.ID, "f-password").send_keys("a reader's passphrase")
        browser.find_element(By.ID, "f-again").send_keys("a reader's passphrase")
        _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.record button[type=submit]"))
        browser.get(base + "/needs/ba67-tracabilite")
        assert "Paul Lecteur (reader)" in browser.find_element(By.CSS_SELECTOR, "form.account").text
        assert not browser.find_elements(By.CSS_SELECTOR, "form.outcome-form")
        assert not browser.find_elements(By.CSS_SELECTOR, "a[href^='/edit/']")
        browser.get(base + "/edit/actors")
        assert "a reader of this workbench cannot change anything" in browser.page_source
        assert not browser.find_elements(By.CSS_SELECTOR, "form.record")
    finally:
        browser.delete_all_cookies()
        browser.get(_LOGIN["url"])  # the owner again, for the tests after this one


def test_the_brief_prints(served, browser):
    import base64
    import re

    from selenium.webdriver.common.print_page_options import PrintOptions

    base, _store = served
    browser.get(base + "/needs/ba67-tracabilite/brief")
    assert "Brief for a partners' meeting" in browser.page_source or "partners&#39; meeting" in browser.page_source
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in centimetres
    pdf = base64.b64decode(browser.print_page(options))
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 3  # the need and its five proposals, on a page or two
    shutil.os.makedirs("test-artifacts", exist_ok=True)
    with open("test-artifacts/need-brief.pdf", "wb") as handle:
        handle.write(pdf)


def test_a_partner_is_suggested_as_one_types_its_name(served, browser):
    from selenium.webdriver.common.by import By

    base, _store = served
    browser.get(base + "/edit/partnerships?source=siren:552118465")
    browser.find_element(By.ID, "f-target").send_keys("banque alim")
    deadline = time.time() + 10
    while browser.execute_script("return document.body.getAttribute('data-suggested')") is None:
        assert time.time() < deadline, "no suggestion came"
        time.sleep(0.05)
    options = browser.find_elements(By.CSS_SELECTOR, "#s-target option")
    assert [(o.get_attribute("value"), o.get_attribute("textContent")) for o in options] == [
        ("banques-alimentaires-67", "Banque Alimentaire du Bas-Rhin — Strasbourg")]
    logged = [entry["message"] for entry in browser.get_log("browser")] if "browser" in browser.log_types else []
    assert not [m for m in logged if "Content Security Policy" in m], logged  # the script ran, nothing refused

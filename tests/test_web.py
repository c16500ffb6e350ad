"""The workbench over HTTP (Starlette's test client): every route, its guards and its errors."""

from __future__ import annotations

import json
import re
import shutil
import warnings

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store
from maillage.graph.store import ActorFilter

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402,F401

from maillage.web import create_app  # noqa: E402

from .web_client import LOCAL, fresh, signed_in  # noqa: E402

HOSTILE = '<img src=x onerror="alert(1)">Asso & « Co »'
IBM = "siren:552118465"
NEED = "ba67-tracabilite"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    result = CliRunner().invoke(cli, ["demo", "--out", str(folder / "demo"), "--json"])
    assert result.exit_code == 0, result.output
    return folder / "demo" / "maillage.db"


@pytest.fixture
def store(demo_db, tmp_path):
    """A fresh copy of the demo store for each test (tests write to it)."""
    copy = tmp_path / "maillage.db"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture
def client(store):
    with signed_in(create_app(str(store), secure_cookies=False)) as test_client:
        yield test_client


def _csrf(client, path="/edit/actors") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _field_errors(html: str) -> dict:
    return dict(re.findall(r'data-field="(\w+)">([^<]+)<', html))


def _snapshot(path) -> dict:
    with open_store(path, read_only=True) as source:
        return {"stats": source.stats(), "journal": len(source.journal())}


def test_every_page_answers(client):
    pages = {"/": "The territory at a glance", "/search?q=IBM": "IBM France", f"/actors/{IBM}": "Potential allies",
             f"/needs/{NEED}": "Proposals", "/edit/actors": "An actor", "/edit/needs": "A need",
             "/edit/partnerships": "A partnership", "/upload": "Load a file", "/login": "Sign in"}
    for path, text in pages.items():
        response = client.get(path)
        assert response.status_code == 200 and text in response.text, path
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self';" in policy  # only our own script file
        assert "unsafe-inline" not in policy and "<script>" not in response.text  # never an inline one
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/actors/nobody").status_code == 404
    assert client.get("/needs/nothing").status_code == 404
    assert client.get("/edit/spaceships").status_code == 404
    assert client.get("/export/docx").status_code == 404


def test_search_forgives_accents_case_typos_and_finds_identifiers(client):
    def found(text):
        return re.findall(r'<a href="/actors/([^"]+)">', client.get("/search", params={"q": text}).text)

    assert found("banque alimentaire")[0] == "banques-alimentaires-67"
    assert found("BANQUE ALIMENTAIRE DU BAS RHIN")[0] == "banques-alimentaires-67"
    assert found("bnque alimantaire")[0] == "banques-alimentaires-67"  # two typos
    assert found("Epicerie solidaire")[0] == found("épicerie SOLIDAIRE")[0]
    assert found("552118465") == [IBM] and found("552 118 465") == [IBM]
    assert found("zzzz qqqq") == []


def test_actor_page_card_allies_partnerships_and_graph(client):
    page = client.get("/actors/banques-alimentaires-67").text
    assert "Banque Alimentaire du Bas-Rhin" in page and "Potential allies" in page
    assert 'src="/view?focus=banques-alimentaires-67"' in page
    ibm = client.get(f"/actors/{IBM}").text
    assert 'href="https://annuaire-entreprises.data.gouv.fr/entreprise/552118465"' in ibm
    view = client.get("/view", params={"focus": IBM})
    assert view.status_code == 200 and "maillage-data" in view.text
    assert "script-src 'unsafe-inline'" in view.headers["content-security-policy"]


def test_need_page_proposes_ibm_through_the_departement(client):
    page = client.get(f"/needs/{NEED}").text
    first = page.index('id="proposal-1"')
    assert page.index("IBM France", first) < page.index('id="proposal-2"')
    assert "introduced by Conseil départemental du Bas-Rhin" in page[first:page.index('id="proposal-2"')]


def test_an_accepted_proposal_is_recorded_and_evaluate_counts_it(client, store):
    csrf = _csrf(client, f"/needs/{NEED}")
    response = client.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "accepted",
                                                      "date": "2026-11-20", "by": "Léa", "note": "RDV fait"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/edit/partnerships?")
    page = client.get(f"/needs/{NEED}").text
    assert "partnership agreed — 2026-11-20 — Léa — « RDV fait »" in page
    result = json.loads(CliRunner().invoke(cli, ["evaluate", "--store", str(store), "--before", "2015-01-01",
                                                 "--json"]).output)
    assert result["outcomes"]["by_status"] == {"accepted": 1}
    assert result["outcomes"]["accepted"][0]["provider"] == IBM
    assert result["folds"][0]["new_pairs"] >= 1


def test_outcome_errors_are_shown_and_nothing_is_recorded(client, store):
    before = _snapshot(store)
    csrf = _csrf(client, f"/needs/{NEED}")
    response = client.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "maybe",
                                                      "date": "someday", "by": ""})
    assert response.status_code == 422
    assert set(_field_errors(response.text)) == {"status", "date", "by"}
    assert _snapshot(store) == before


def test_forms_refuse_bad_identifiers_beside_the_field_and_change_nothing(client, store):
    before = _snapshot(store)
    csrf = _csrf(client)
    response = client.post("/edit/partnerships", data={"csrf": csrf, "source": IBM, "target": "12345678901234",
                                                       "kind": "cooperation", "by": "Léa"})
    assert response.status_code == 422
    assert _field_errors(response.text) == {"target": "SIRET 12345678901234 fails its check digit (Luhn)"}
    response = client.post("/edit/actors", data={"csrf": csrf, "name": "Asso", "kind": "association",
                                                 "siren": "123456789", "by": "Léa"})
    assert _field_errors(response.text) == {"siren": "SIREN 123456789 fails its check digit (Luhn)"}
    response = client.post("/edit/actors", data={"csrf": csrf, "name": "Asso", "kind": "association",
                                                 "website": "javascript:alert(1)", "themes": "santé; sport",
                                                 "by": "Léa"})
    assert response.status_code == 422
    assert _field_errors(response.text)["website"].startswith("website must be an http(s) address")
    response = client.post("/edit/needs", data={"csrf": csrf, "title": "Un besoin", "themes": "alimentaton",
                                                "by": "Léa"})
    assert response.status_code == 422 and "did you mean" in response.text
    assert _snapshot(store) == before


def test_changes_are_saved_through_the_pipeline_and_recorded(client, store):
    csrf = _csrf(client)
    response = client.post("/edit/actors", data={"csrf": csrf, "name": HOSTILE, "kind": "association",
                                                 "commune": "67482", "themes": "alimentation", "by": "Léa"},
                           follow_redirects=False)
    assert response.status_code == 303
    actor_id = response.headers["location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"[a-z0-9-]+", actor_id)
    page = client.get(f"/actors/{actor_id}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Asso &amp; « Co »" in page
    response = client.post("/edit/actors", data={"csrf": csrf, "id": actor_id, "name": "Asso renommée",
                                                  "kind": "association", "by": "Marc"}, follow_redirects=False)
    assert response.status_code == 303
    with open_store(store, read_only=True) as source:
        entries = source.journal(subject=actor_id)
    assert [e["by"] for e in entries] == ["Léa", "Marc"] and all(e["action"] == "change" for e in entries)
    change = entries[1]["data"]["changes"]["actors"][actor_id]
    assert change["before"]["name"] == HOSTILE and change["after"]["name"] == "Asso renommée"
    page = client.get(f"/actors/{actor_id}").text
    assert "Marc" in page and "Asso renommée" in page
    response = client.post("/edit/partnerships", data={"csrf": csrf, "source": actor_id, "target": IBM,
                                                       "kind": "mecenat_competences", "start": "2026-11-01",
                                                       "by": "Léa"}, follow_redirects=False)
    assert response.status_code == 303
    assert "Mécénat de compétences" in client.get(f"/actors/{IBM}?lang=fr").text


def test_upload_goes_through_the_load_pipeline(client, store, tmp_path):
    csrf = _csrf(client, "/upload")
    good = "id,name,kind,commune\nasso-upload,Asso chargée,association,67482\n"
    response = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                           files={"file": ("acteurs.csv", good.encode(), "text/csv")})
    assert response.status_code == 200 and "actors: 1 created" in response.text
    before = _snapshot(store)
    bad = "id,name,kind,siren\nasso-2,Asso,association,123456789\nasso-3,Autre,spaceship,\n"
    response = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                           files={"file": ("acteurs.csv", bad.encode(), "text/csv")})
    assert response.status_code == 422
    assert "SIREN 123456789 fails its check digit (Luhn)" in response.text and "spaceship" in response.text
    assert _snapshot(store) == before
    response = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                           files={"file": ("notes.docx", b"PK\x03\x04", "application/octet-stream")})
    assert response.status_code == 422 and "send a .csv, .json or .jsonl file" in response.text


def _mapping_form(html: str) -> dict:
    """The mapping page's form as the browser would send it back (each select's chosen option)."""
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    for name, options in re.findall(r'<select id="[^"]+" name="([\w-]+)">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_a_french_spreadsheet_is_mapped_then_loaded_and_the_mapping_remembered(client, store):
    csrf = _csrf(client, "/upload")
    sheet = ("Nom;Type;Code INSEE;Thèmes;Remarque\n"
             "Épicerie solidaire de Cronenbourg;Association;Strasbourg;Alimentation;ouverte le mardi\n"
             "Atelier vélo;Association;67482;Mobilité;\n")
    response = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                           files={"file": ("structures.csv", sheet.encode(), "text/csv")})
    assert response.status_code == 200 and "Which column holds what" in response.text
    assert "/tmp" not in response.text and "--kind" not in response.text
    form = _mapping_form(response.text)
    assert (form["kind"], form["map-0"], form["map-1"], form["map-2"], form["map-3"], form["map-4"]) == (
        "actors", "name", "kind", "commune", "themes", "")
    assert "Épicerie solidaire de Cronenbourg" in response.text  # its first values, to check by eye
    response = client.post("/upload/load", data=dict(form, action="load"))
    assert response.status_code == 200, response.text
    assert 'href="/actors/epicerie-solidaire-de-cronenbourg-67482"' in response.text
    with open_store(store, read_only=True) as source:
        actor = source.fetch_rows("actors", ["epicerie-solidaire-de-cronenbourg-67482"])[
            "epicerie-solidaire-de-cronenbourg-67482"]
    assert actor["commune"] == "67482" and actor["extra"]["Remarque"] == "ouverte le mardi"
    again = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                        files={"file": ("autres.csv", sheet.replace("Atelier vélo", "Repair café").encode(),
                                        "text/csv")})
    assert "last time" in again.text and _mapping_form(again.text)["map-1"] == "kind"


def test_a_mapping_with_bad_rows_loads_nothing_unless_good_rows_are_asked_for(client, store):
    csrf = _csrf(client, "/upload")
    sheet = "Nom;Type;Commune\nBonne;Association;67482\nMauvaise;Fusée;67482\n"
    page = client.post("/upload", data={"csrf": csrf, "by": "Léa"},
                       files={"file": ("s.csv", sheet.encode(), "text/csv")}).text
    form = _mapping_form(page)
    before = _snapshot(store)
    refused = client.post("/upload/load", data=dict(form, action="load"))
    assert refused.status_code == 422 and "Fusée" in refused.text and _snapshot(store) == before
    loaded = client.post("/upload/load", data=dict(_mapping_form(refused.text), action="load", skip="1"))
    assert loaded.status_code == 200 and "Rows left out" in loaded.text and 'href="/actors/bonne-67482"' in loaded.text
    gone = client.post("/upload/load", data=dict(form, action="load"))
    assert gone.status_code == 404 and "send the file again" in gone.text


def test_csrf_is_required_on_every_form(client, store):
    before = _snapshot(store)
    _csrf(client)  # the cookie is set
    for path, data in ((f"/outcomes/{NEED}", {"provider": IBM, "status": "accepted", "by": "x"}),
                       ("/edit/actors", {"name": "X", "kind": "association", "by": "x"}), ("/upload", {"by": "x"})):
        assert client.post(path, data=data).status_code == 403
        assert client.post(path, data=dict(data, csrf="forged")).status_code == 403
    elsewhere = fresh(client.app, sign_in=False)  # a page from elsewhere: no session at all
    assert elsewhere.post("/edit/actors", data={"csrf": "x", "name": "X", "kind": "association", "by": "x"}
                          ).status_code == 401
    assert _snapshot(store) == before


def test_request_size_is_limited(store):
    with signed_in(create_app(str(store), secure_cookies=False, max_upload=1024)) as small:
        csrf = _csrf(small, "/upload")
        response = small.post("/upload", data={"csrf": csrf, "by": "Léa"},
                              files={"file": ("big.csv", b"x" * 200_000, "text/csv")})
        assert response.status_code == 413


def test_token_guards_every_page(store):
    token = "a-long-enough-secret-token"
    with signed_in(create_app(str(store), token=token, secure_cookies=False), sign_in=False) as guarded:
        response = guarded.get(f"/actors/{IBM}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next=/actors/{IBM}"
        assert guarded.post("/edit/actors", data={}).status_code == 401
        assert guarded.get("/static/style.css").status_code == 200
        csrf = _csrf(guarded, "/login")
        wrong = guarded.post("/login", data={"csrf": csrf, "token": "guess", "next": "/"})
        assert wrong.status_code == 401 and token not in wrong.text
        right = guarded.post("/login", data={"csrf": csrf, "token": token, "next": "//evil.example/"},
                             follow_redirects=False)
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token not in cookie
        assert guarded.get(f"/actors/{IBM}").status_code == 200
    with signed_in(create_app(str(store), token=token), sign_in=False) as bearer:
        assert bearer.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        csrf = _csrf(bearer, "/login")
        signed = bearer.post("/login", data={"csrf": csrf, "token": token}, follow_redirects=False)
        assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]


def test_pages_in_french(client):
    page = client.get(f"/needs/{NEED}?lang=fr").text
    assert '<html lang="fr">' in page and "Propositions" in page and "présenté par Conseil départemental" in page
    assert "Proposals" not in page
    assert "Le territoire d'un coup d'œil" in client.get("/").text.replace("&#39;", "'")  # the cookie keeps it
    english = fresh(client.app).get("/", headers={"Accept-Language": "en-GB"}).text
    assert "The territory at a glance" in english


def test_serve_refuses_the_network_without_a_token(store, monkeypatch):
    monkeypatch.delenv("MAILLAGE_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--store", str(store), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--host 0.0.0.0 opens the workbench to the network: set MAILLAGE_TOKEN or --token-file first" in result.output
    monkeypatch.setenv("MAILLAGE_TOKEN", "short")
    result = CliRunner().invoke(cli, ["serve", "--store", str(store)])
    assert result.exit_code == 2 and "at least 16 characters" in result.output
    monkeypatch.delenv("MAILLAGE_TOKEN")
    result = CliRunner().invoke(cli, ["serve", "--store", str(store.parent / "missing.db")])
    assert result.exit_code == 1 and "no store at" in result.output


@pytest.mark.neo4j
def test_the_workbench_over_neo4j(neo4j_store, neo4j_uri, example_files):
    from maillage.loaders.pipeline import load_files

    load_files(neo4j_store, example_files)
    with signed_in(create_app(neo4j_uri, secure_cookies=False)) as over_neo4j:
        page = over_neo4j.get(f"/needs/{NEED}").text
        assert "IBM France" in page and "introduced by Conseil départemental du Bas-Rhin" in page
        csrf = _csrf(over_neo4j, f"/needs/{NEED}")
        response = over_neo4j.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "declined",
                                                              "by": "Marc"}, follow_redirects=False)
        assert response.status_code == 303
        assert [e["data"]["status"] for e in neo4j_store.journal(subject=NEED)] == ["declined"]
        before = neo4j_store.stats()
        response = over_neo4j.post("/edit/partnerships", data={"csrf": csrf, "source": IBM, "target": "12345678901234",
                                                               "kind": "cooperation", "by": "Léa"})
        assert response.status_code == 422 and neo4j_store.stats() == before
        response = over_neo4j.post("/edit/actors", data={"csrf": csrf, "id": IBM, "name": "IBM France",
                                                         "kind": "company", "themes": "numerique; sante", "by": "Léa"},
                                   follow_redirects=False)
        assert response.status_code == 303
        change = neo4j_store.journal(action="change")[0]["data"]["changes"]["actors"][IBM]
        assert "sante" not in change["before"]["themes"] and "sante" in change["after"]["themes"]
        assert "Léa" in over_neo4j.get(f"/actors/{IBM}").text


def test_analyses_in_worker_processes_give_the_same_pages(store):
    """With workers, pages are computed in spawned processes; the answers are the same."""
    with signed_in(create_app(str(store), secure_cookies=False, workers=1)) as pooled, \
            signed_in(create_app(str(store), secure_cookies=False)) as local:
        for path in (f"/actors/{IBM}", f"/needs/{NEED}", f"/needs/{NEED}?lang=fr", "/"):
            one, other = pooled.get(path).text, local.get(path).text
            strip = lambda html: re.sub(r'name="csrf" value="[^"]+"', "", html)  # noqa: E731
            assert strip(one) == strip(other), path


def test_a_foreign_host_or_origin_is_refused(client, store):
    """DNS rebinding: the request reaches 127.0.0.1 but names another host; a write from another
    origin (another site, another local port) is refused even with a session and its token."""
    before = _snapshot(store)
    csrf = _csrf(client)
    form = {"csrf": csrf, "name": "Intrus", "kind": "association", "by": "x"}
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "localhost.evil"):
        assert client.get("/export/csv", headers={"Host": host}).status_code == 400
        assert client.post("/edit/actors", data=form, headers={"Host": host}).status_code == 400
    for origin in ("http://evil.example", "http://127.0.0.1:9999", "https://127.0.0.1:8765"):
        assert client.post("/edit/actors", data=form, headers={"Origin": origin}).status_code == 403
    assert client.post("/edit/actors", data=form, headers={"Origin": "null", "Sec-Fetch-Site": "same-site"}
                       ).status_code == 403
    assert _snapshot(store) == before
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    ok = client.post("/edit/actors", data=form, headers={"Origin": LOCAL}, follow_redirects=False)
    assert ok.status_code == 303


def test_an_allowed_host_is_served(store):
    with signed_in(create_app(str(store), secure_cookies=False, allowed_hosts=("maillage.example.org",))) as proxied:
        assert proxied.get("/", headers={"Host": "maillage.example.org"}).status_code == 200


def test_the_csrf_token_is_bound_to_the_session(store):
    """Two starts draw two secrets: a token read under one is refused by the other."""
    with signed_in(create_app(str(store), secure_cookies=False)) as one, \
            signed_in(create_app(str(store), secure_cookies=False)) as other:
        form = {"csrf": _csrf(one), "name": "X", "kind": "association", "by": "x"}
        assert other.post("/edit/actors", data=form).status_code == 403
        assert one.app.login_path != other.app.login_path


def test_the_start_line_is_a_login_link_and_shows_no_password(store, monkeypatch):
    import maillage.web.serve as serve

    printed = []

    def served(app, **options):  # the lifespan runs (the store projected), then the server would listen
        with TestClient(app, base_url=LOCAL):
            printed.append(app)

    monkeypatch.setattr("uvicorn.run", served)
    monkeypatch.delenv("MAILLAGE_TOKEN", raising=False)
    serve.run(str(store), echo=printed.append)
    line, app = printed
    assert line.startswith("maillage workbench on http://127.0.0.1:8765/login?key=")
    assert line.split("key=")[1].split(" ")[0] == app.token and len(app.token) >= 32


def test_a_write_that_meets_a_busy_store_is_kept_and_written_later(store):
    """A CLI load holds the write lock: the outcome and the form edit are kept (202), never lost,
    and written, in order, once the store is free."""
    import sqlite3

    with signed_in(create_app(str(store), secure_cookies=False, write_wait=0.2)) as client:
        pending = client.app.app.state.workbench.pending
        pending.stop()  # this test writes them itself, when it chooses
        csrf = _csrf(client, f"/needs/{NEED}")
        holder = sqlite3.connect(store, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # what a load does until it commits
        try:
            outcome = client.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "contacted",
                                                            "by": "Léa", "note": "appel"})
            edit = client.post("/edit/actors", data={"csrf": csrf, "name": "Asso du lock", "kind": "association",
                                                     "commune": "67482", "by": "Léa"})
            assert (outcome.status_code, edit.status_code) == (202, 202)
            assert "Your change is kept" in outcome.text and "2 changes waiting for the store." in edit.text
            assert "2 changes wait for the store" in client.get("/").text
            assert pending.retry() == 0  # still held: nothing written, nothing dropped
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert pending.retry() == 2 and pending.waiting() == []
        with open_store(store, read_only=True) as opened:
            assert [e["data"]["status"] for e in opened.journal(subject=NEED)] == ["contacted"]
            assert any(row["name"] == "Asso du lock" for row in opened.actor_rows(ActorFilter()))


def test_unknown_pages_and_forms_answer_with_a_page(client):
    for method, path, status in (("GET", "/nowhere", 404), ("GET", "/needs/no-such-need", 404),
                                 ("POST", "/outcomes/no-such-need", 404), ("POST", "/edit/planets", 400),
                                 ("GET", "/edit/planets", 404), ("PUT", "/upload", 405)):
        data = {"csrf": _csrf(client), "provider": IBM, "status": "accepted", "by": "x"} if method != "GET" else None
        response = client.request(method, path, data=data)
        assert response.status_code == status, (method, path, response.status_code)
        assert "<html" in response.text and "Back to the territory" in response.text, (method, path)


def test_the_needs_list_is_paginated_filtered_and_sorted_as_numbers(store, tmp_path):
    from maillage.loaders.pipeline import load_files

    needs = tmp_path / "needs.csv"
    needs.write_text("id,title,territory,themes,holder,status\n" + "".join(
        f"b{i},Besoin {i},departement:67,{'sante' if i % 2 else 'mobilite'},ville-strasbourg,open\n"
        for i in range(30)), encoding="utf-8")
    with open_store(store) as opened:
        load_files(opened, [needs])
    with signed_in(create_app(str(store), secure_cookies=False)) as client:
        first = client.get("/").text
        titles = re.findall(r'<a href="/needs/b\d+">(Besoin \d+)</a>', first)
        assert titles[:4] == ["Besoin 0", "Besoin 1", "Besoin 2", "Besoin 3"]  # not 0, 1, 10, 11
        assert "35 needs — page 1 of 2" in first and 'rel="next"' in first
        second = client.get("/?state=open&theme=&page=2").text
        assert "page 2 of 2" in second and 'rel="prev"' in second
        assert "Besoin 29" in second and "Besoin 29" not in first
        health = client.get("/?theme=sante").text
        assert "15 needs" in health and "Besoin 1<" in health and "Besoin 2<" not in health
        assert "No need in this selection." in client.get("/?state=covered").text
        # by territory and by holder (part of its name, accents and case forgiven); the pager keeps them
        food = client.get("/", params={"holder": "banque ALIMENTAIRE"}).text
        assert "1 need" in food and "Traçabilité complète des produits distribués" in food and "Besoin 1<" not in food
        local = client.get("/", params={"place": "departement:67", "theme": "sante"}).text
        assert "15 needs" in local and '<option value="departement:67" selected>' in local
        assert "No need in this selection." in client.get("/", params={"holder": "nobody at all"}).text
        paged = client.get("/", params={"place": "departement:67"}).text
        assert 'href="/?state=open&amp;theme=&amp;place=departement%3A67&amp;holder=&amp;page=2#needs"' in paged


def test_from_a_proposal_to_a_partnership_through_its_stages(client, store):
    """contacted → meeting held → accepted, each dated and signed; then the partnership pre-filled and the need met."""
    csrf = _csrf(client, f"/needs/{NEED}")
    for status, day in (("contacted", "2026-10-01"), ("met", "2026-10-15")):
        response = client.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": status,
                                                          "date": day, "by": "Léa"}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/needs/{NEED}#outcomes"
    page = client.get(f"/needs/{NEED}").text
    assert page.index("contacted — 2026-10-01 — Léa") < page.index("meeting held — 2026-10-15 — Léa")
    assert '<option value="accepted" selected>' in page  # the next stage is offered first
    ally = client.get("/actors/banques-alimentaires-67").text
    assert "already approached for « Traçabilité complète des produits distribués »: meeting held, 2026-10-15" in ally
    home = client.get("/").text
    assert "Latest introductions followed" in home and "meeting held" in home[home.index('id="follow-ups"'):]
    response = client.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "accepted",
                                                      "date": "2026-11-02", "by": "Léa"}, follow_redirects=False)
    form = client.get(response.headers["location"]).text
    for field, value in (("source", "banques-alimentaires-67"), ("target", IBM), ("start", "2026-11-02")):
        assert f'name="{field}" value="{value}"' in form
    assert 'name="meets_need" value="1" checked' in form
    assert "This partnership meets the need « Traçabilité complète des produits distribués »: mark it met" in form
    saved = client.post("/edit/partnerships", data={"csrf": csrf, "source": "banques-alimentaires-67", "target": IBM,
                                                    "kind": "mecenat_competences", "start": "2026-11-02",
                                                    "need": NEED, "meets_need": "1", "by": "Léa"},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with open_store(store, read_only=True) as source:
        need = source.fetch_rows("needs", [NEED])[NEED]
        ties = [t for t in source.partnership_rows(ActorFilter()) if {t["source"], t["target"]} == {"banques-alimentaires-67", IBM}]
    assert need["status"] == "met" and need["extra"]["invented"] == "false"  # its own columns kept
    assert [(t["kind"], t["start"]) for t in ties] == [("mecenat_competences", "2026-11-02")]
    met = client.get(f"/needs/{NEED}").text
    assert "This need is met." in met and '">Banque Alimentaire du Bas-Rhin</a>' in met  # its holder by name
    followed = met[met.index('id="followed"'):met.index('id="outcomes"')]  # how it was met, stage by stage
    assert followed.index("contacted — 2026-10-01") < followed.index("partnership agreed — 2026-11-02")
    assert "<summary>" + NEED + "</summary>" in met[met.index('id="outcomes"'):]  # the change that met it
    allies = client.get("/actors/banques-alimentaires-67").text
    assert IBM not in allies[allies.index('id="allies"'):allies.index('id="follow-ups"')]  # a partner now


def test_a_need_marked_met_with_a_bad_partnership_changes_nothing(client, store):
    before = _snapshot(store)
    csrf = _csrf(client)
    response = client.post("/edit/partnerships", data={"csrf": csrf, "source": "banques-alimentaires-67", "target": IBM,
                                                       "kind": "cooperation", "start": "someday", "need": NEED,
                                                       "meets_need": "1", "by": "Léa"})
    assert response.status_code == 422 and "start" in _field_errors(response.text)
    assert _snapshot(store) == before
    with open_store(store, read_only=True) as source:
        assert source.fetch_rows("needs", [NEED])[NEED]["status"] == "open"


def test_the_actor_page_for_a_meeting_names_places_amounts_and_sources(client):
    page = client.get("/actors/epicerie-solidaire-neudorf").text
    assert "Strasbourg (67482)" in page and "from actors.csv, line" in page
    assert 'id="funding"' in page and page.count("<rect") == 4  # two funders, 2014 and 2015
    assert "Eurométropole de Strasbourg" in page and "received" in page
    assert "partnerships.csv:" in page and "illustrative</strong>" in page and "/work/" not in page


def test_a_need_shows_the_sources_of_its_chains_and_prints_as_a_brief(client):
    page = client.get(f"/needs/{NEED}").text
    assert "The ties this introduction stands on" in page
    assert "partnerships.csv:5" in page and "illustrative</strong>" in page
    assert "Not in the article: added so the introduction path the article implies exists in the data" in page
    brief = client.get(f"/needs/{NEED}/brief")
    assert brief.status_code == 200 and "Brief for a partners&#39; meeting" in brief.text
    assert "Introduced by Conseil départemental du Bas-Rhin" in brief.text and "<form" not in brief.text
    assert client.get("/needs/no-such-need/brief").status_code == 404


def test_fields_naming_actors_and_territories_suggest_as_one_types(client):
    assert client.get("/suggest/actors?q=bnque%20alimantaire").json() == [
        {"value": "banques-alimentaires-67", "label": "Banque Alimentaire du Bas-Rhin — Strasbourg"}]
    assert client.get("/suggest/communes?q=STRAS").json() == [{"value": "67482", "label": "Strasbourg (67482)"}]
    assert {"value": "departement:67", "label": "Bas-Rhin (67)"} in client.get("/suggest/territories?q=bas").json()
    assert client.get("/suggest/planets?q=x").status_code == 404
    form = client.get("/edit/partnerships").text
    assert 'data-suggest="actors"' in form and '<script src="/static/suggest.js" defer></script>' in form
    assert '<label for="f-source">' in form and "*</label>" in form  # required fields marked


def test_the_territory_and_each_actor_open_on_the_map(client):
    home = client.get("/").text
    assert 'href="/view#mode=map"' in home
    assert f'href="/view?focus={IBM.replace(":", "%3A")}#mode=map"' in client.get(f"/actors/{IBM}").text
    view = client.get("/view")
    assert view.status_code == 200 and '"map":{"communes"' in view.text and 'name="mode" value="map"' in view.text

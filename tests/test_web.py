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

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from maillage.web import create_app  # noqa: E402

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
    with TestClient(create_app(str(store), secure_cookies=False)) as test_client:
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
        assert "default-src 'none'" in policy and "script-src" not in policy  # no script on the pages
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
    assert response.status_code == 303
    page = client.get(f"/needs/{NEED}").text
    assert "accepted — 2026-11-20 — Léa — « RDV fait »" in page
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


def test_csrf_is_required_on_every_form(client, store):
    before = _snapshot(store)
    _csrf(client)  # the cookie is set
    for path, data in ((f"/outcomes/{NEED}", {"provider": IBM, "status": "accepted", "by": "x"}),
                       ("/edit/actors", {"name": "X", "kind": "association", "by": "x"}), ("/upload", {"by": "x"})):
        assert client.post(path, data=data).status_code == 403
        assert client.post(path, data=dict(data, csrf="forged")).status_code == 403
    fresh = TestClient(client.app)  # a page from elsewhere: no cookie at all
    assert fresh.post("/edit/actors", data={"csrf": "x", "name": "X", "kind": "association", "by": "x"}
                      ).status_code == 403
    assert _snapshot(store) == before


def test_request_size_is_limited(store):
    with TestClient(create_app(str(store), secure_cookies=False, max_upload=1024)) as small:
        csrf = _csrf(small, "/upload")
        response = small.post("/upload", data={"csrf": csrf, "by": "Léa"},
                              files={"file": ("big.csv", b"x" * 200_000, "text/csv")})
        assert response.status_code == 413


def test_token_guards_every_page(store):
    token = "a-long-enough-secret-token"
    with TestClient(create_app(str(store), token=token, secure_cookies=False)) as guarded:
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
    with TestClient(create_app(str(store), token=token)) as bearer:
        assert bearer.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert "Secure" in bearer.post("/login", data={"csrf": "x", "token": token}).headers.get("set-cookie", "Secure")


def test_pages_in_french(client):
    page = client.get(f"/needs/{NEED}?lang=fr").text
    assert '<html lang="fr">' in page and "Propositions" in page and "présenté par Conseil départemental" in page
    assert "Proposals" not in page
    assert "Le territoire d'un coup d'œil" in client.get("/").text.replace("&#39;", "'")  # the cookie keeps it
    english = TestClient(client.app).get("/", headers={"Accept-Language": "en-GB"}).text
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
    with TestClient(create_app(neo4j_uri, secure_cookies=False)) as over_neo4j:
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
    with TestClient(create_app(str(store), secure_cookies=False, workers=1)) as pooled, \
            TestClient(create_app(str(store), secure_cookies=False)) as local:
        for path in (f"/actors/{IBM}", f"/needs/{NEED}", f"/needs/{NEED}?lang=fr", "/"):
            one, other = pooled.get(path).text, local.get(path).text
            strip = lambda html: re.sub(r'name="csrf" value="[^"]+"', "", html)  # noqa: E731
            assert strip(one) == strip(other), path

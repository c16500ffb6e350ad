"""The workbench's team: members' own tokens, readers who cannot change anything, who did what."""

from __future__ import annotations

import re
import shutil
import warnings

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store

warnings.filterwarnings("ignore", message=".*httpx.*")
from maillage.web import create_app  # noqa: E402

from .web_client import fresh, signed_in  # noqa: E402

IBM = "siren:552118465"
NEED = "ba67-tracabilite"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team")
    result = CliRunner().invoke(cli, ["demo", "--out", str(folder / "demo"), "--json"])
    assert result.exit_code == 0, result.output
    return folder / "demo" / "maillage.db"


@pytest.fixture
def store(demo_db, tmp_path):
    copy = tmp_path / "maillage.db"
    shutil.copy(demo_db, copy)
    return copy


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env={"MAILLAGE_LANG": "en"})


def _code(output: str) -> str:
    return output.rsplit(" ", 1)[-1].strip()


def _csrf(client, path) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _person(app, code: str, name: str, password: str = "a long passphrase"):
    """Another browser: the invitation accepted, then signed in with name and password."""
    client = fresh(app, sign_in=False)
    page = client.get(f"/invite?code={code}")
    assert page.status_code == 200 and "Choose your password" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    accepted = client.post("/invite", data={"csrf": csrf, "code": code, "password": password, "again": password},
                           follow_redirects=False)
    assert accepted.status_code == 303
    client.cookies.clear()
    csrf = _csrf(client, "/login")
    signed = client.post("/login", data={"csrf": csrf, "name": name, "password": password, "next": "/"},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return client


def test_the_team_commands(store):
    invited = _run("team", "invite", "Léa Martin", "--role", "admin", "--store", store)
    assert invited.exit_code == 0 and "Léa Martin is invited." in invited.output
    assert len(_code(invited.output)) >= 24
    assert _run("team", "invite", "Paul", "--role", "reader", "--store", store).exit_code == 0
    listed = _run("team", "list", "--store", store)
    assert [line.split("\t")[:3] for line in listed.output.splitlines()] == [
        ["Léa Martin", "admin", "invited"], ["Paul", "reader", "invited"]]
    with open_store(store, read_only=True) as source:
        assert _code(invited.output) not in str(source.accounts())  # only its digest is kept
    wrong = _run("team", "remove", "Nobody", "--store", store)
    assert wrong.exit_code == 2 and "no one named 'Nobody' (people: Léa Martin, Paul)" in wrong.output
    assert _run("team", "invite", "x", "--role", "owner", "--store", store).exit_code == 2
    assert _run("team", "role", "Paul", "editor", "--store", store).exit_code == 0
    assert _run("team", "remove", "Paul", "--store", store).exit_code == 0
    assert "Paul" not in _run("team", "list", "--store", store).output


def test_passwords_are_argon2_hashes_and_invitations_are_used_once(store):
    code = _code(_run("team", "invite", "Léa Martin", "--store", store).output)
    with signed_in(create_app(str(store), secure_cookies=False)) as owner:
        lea = _person(owner.app, code, "Léa Martin", "correct horse battery")
        assert "Léa Martin (editor)" in lea.get("/").text
        with open_store(store, read_only=True) as source:
            stored = source.accounts()["Léa Martin"]
        assert stored["password"].startswith("$argon2id$") and "correct horse" not in str(stored)
        again = fresh(owner.app, sign_in=False)
        assert again.get(f"/invite?code={code}").status_code == 200  # the page, but the code is spent:
        csrf = _csrf(again, "/login")
        spent = again.post("/invite", data={"csrf": csrf, "code": code, "password": "x" * 12, "again": "x" * 12})
        assert spent.status_code == 404 and "already used or expired" in spent.text
        wrong = again.post("/login", data={"csrf": csrf, "name": "Léa Martin", "password": "not hers at all"})
        assert wrong.status_code == 401
        short = _code(_run("team", "invite", "Marc", "--store", store).output)
        page = again.post("/invite", data={"csrf": csrf, "code": short, "password": "short", "again": "short"})
        assert page.status_code == 422 and "at least 10 characters" in page.text


def test_a_reader_sees_everything_and_can_change_nothing(store):
    code = _code(_run("team", "invite", "Paul", "--role", "reader", "--store", store).output)
    with signed_in(create_app(str(store), secure_cookies=False)) as owner:
        reader = _person(owner.app, code, "Paul")
        need = reader.get(f"/needs/{NEED}")
        assert need.status_code == 200 and "IBM France" in need.text
        assert 'action="/outcomes/' not in need.text and 'href="/edit/' not in need.text
        assert "Paul (reader)" in need.text and 'href="/team"' not in need.text
        assert reader.get(f"/actors/{IBM}").status_code == 200 and reader.get("/export/gexf").status_code == 200
        with open_store(store, read_only=True) as source:
            before = (source.stats(), len(source.journal()))
        csrf = _csrf(reader, "/")
        for path in ("/edit/actors", "/edit/partnerships", "/upload"):
            refused = reader.get(path)
            assert refused.status_code == 403 and "a reader of this workbench cannot change anything" in refused.text
        assert reader.get("/team").status_code == 403
        for path, data in ((f"/outcomes/{NEED}", {"provider": IBM, "status": "contacted"}),
                           ("/edit/actors", {"name": "X", "kind": "association"}), ("/upload/load", {}),
                           ("/team/invite", {"name": "Mallory", "role": "admin"})):
            assert reader.post(path, data=dict(data, csrf=csrf)).status_code == 403
        with open_store(store, read_only=True) as source:
            assert (source.stats(), len(source.journal())) == before and "Mallory" not in source.accounts()


def test_an_administrator_invites_and_removes_and_authors_are_accounts(store):
    with signed_in(create_app(str(store), secure_cookies=False)) as owner:  # the start's token: an administrator
        csrf = _csrf(owner, "/team")
        page = owner.post("/team/invite", data={"csrf": csrf, "name": "Léa Martin", "role": "editor"})
        link = re.search(r'<code id="invitation">([^<]+)</code>', page.text).group(1)
        assert link.startswith("http://127.0.0.1:8765/invite?code=")
        lea = _person(owner.app, link.rsplit("=", 1)[1], "Léa Martin")
        page = lea.get(f"/needs/{NEED}").text
        assert 'name="by"' not in page and "Léa Martin (editor)" in page
        csrf_lea = _csrf(lea, f"/needs/{NEED}")
        posted = lea.post(f"/outcomes/{NEED}", data={"csrf": csrf_lea, "provider": IBM, "status": "contacted",
                                                      "by": "someone else"}, follow_redirects=False)
        assert posted.status_code == 303
        with open_store(store, read_only=True) as source:
            assert source.journal()[-1]["by"] == "Léa Martin"  # the account, not what the form said
        people = lea.get("/history").text
        assert "Léa Martin" in people and "1 outcome" in people and "(editor)" in people
        assert "contacted" in lea.get("/history?by=L%C3%A9a+Martin").text
        removed = owner.post("/team/change", data={"csrf": csrf, "name": "Léa Martin", "action": "remove"},
                             follow_redirects=False)
        assert removed.status_code == 303
        assert lea.get("/", follow_redirects=False).status_code == 303  # back to the login page
        forged = fresh(owner.app, sign_in=False)
        forged.cookies.set("maillage_session", "a.4c656120.1700000000." + "0" * 64)
        assert forged.get("/", follow_redirects=False).status_code == 303


def test_sessions_hold_across_workbench_processes_of_one_store(store):
    code = _code(_run("team", "invite", "Léa Martin", "--store", store).output)
    with signed_in(create_app(str(store), secure_cookies=False)) as first, \
            signed_in(create_app(str(store), secure_cookies=False)) as second:
        lea = _person(first.app, code, "Léa Martin")
        cookie = lea.cookies.get("maillage_session")
        other = fresh(second.app, sign_in=False)
        other.cookies.set("maillage_session", cookie)
        assert "Léa Martin (editor)" in other.get("/").text  # signed with the store's secret, not a process's


@pytest.mark.neo4j
def test_two_workbench_processes_on_one_neo4j_share_the_people(neo4j_store, neo4j_uri, example_files):
    from maillage.loaders.pipeline import load_files
    from maillage.web.accounts import invite

    load_files(neo4j_store, example_files)
    code = invite(neo4j_store, "Léa Martin", "editor", None)
    with signed_in(create_app(neo4j_uri, secure_cookies=False)) as first, \
            signed_in(create_app(neo4j_uri, secure_cookies=False)) as second:
        lea = _person(first.app, code, "Léa Martin")
        other = fresh(second.app, sign_in=False)
        other.cookies.set("maillage_session", lea.cookies.get("maillage_session"))
        assert "Léa Martin (editor)" in other.get("/").text
        csrf = _csrf(second, "/team")
        assert second.post("/team/change", data={"csrf": csrf, "name": "Léa Martin", "action": "remove"},
                           follow_redirects=False).status_code == 303
        assert "Léa Martin" not in neo4j_store.accounts()
        assert other.get("/", follow_redirects=False).status_code == 303

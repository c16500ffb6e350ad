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


def _token(output: str) -> str:
    return output.rsplit(" ", 1)[-1].strip()


def _csrf(client, path) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _member(app, token: str):
    client = fresh(app, sign_in=False)
    assert client.get(f"/login?key={token}", follow_redirects=False).status_code == 303
    return client


def test_the_team_commands(store):
    added = _run("team", "add", "Léa Martin", "--role", "editor", "--store", store)
    assert added.exit_code == 0 and "Léa Martin edits the workbench (team file " in added.output
    assert len(_token(added.output)) >= 24
    assert _run("team", "add", "Paul", "--role", "reader", "--store", store).exit_code == 0
    listed = _run("team", "list", "--store", store)
    assert [line.split("\t")[:2] for line in listed.output.splitlines()] == [["Léa Martin", "editor"], ["Paul", "reader"]]
    assert _token(added.output) not in (store.parent / "maillage.db.team.json").read_text()  # only its digest
    assert oct((store.parent / "maillage.db.team.json").stat().st_mode & 0o777) == "0o600"
    wrong = _run("team", "remove", "Nobody", "--store", store)
    assert wrong.exit_code == 2 and "no member named 'Nobody' (members: Léa Martin, Paul)" in wrong.output
    assert _run("team", "add", "x", "--role", "admin", "--store", store).exit_code == 2
    assert _run("team", "remove", "Paul", "--store", store).exit_code == 0
    assert "Paul" not in _run("team", "list", "--store", store).output


def test_a_reader_sees_everything_and_can_change_nothing(store):
    reader_token = _token(_run("team", "add", "Paul", "--role", "reader", "--store", store).output)
    with signed_in(create_app(str(store), secure_cookies=False)) as owner:
        app = owner.app
        reader = _member(app, reader_token)
        need = reader.get(f"/needs/{NEED}")
        assert need.status_code == 200 and "IBM France" in need.text
        assert 'action="/outcomes/' not in need.text and 'href="/edit/' not in need.text
        assert "Paul (reader)" in need.text
        assert reader.get(f"/actors/{IBM}").status_code == 200 and reader.get("/export/gexf").status_code == 200
        with open_store(store, read_only=True) as source:
            before = (source.stats(), len(source.journal()))
        csrf = _csrf(reader, "/")
        for path in ("/edit/actors", "/edit/partnerships", "/upload"):
            refused = reader.get(path)
            assert refused.status_code == 403 and "a reader of this workbench cannot change anything" in refused.text
        for path, data in ((f"/outcomes/{NEED}", {"provider": IBM, "status": "contacted"}),
                           ("/edit/actors", {"name": "X", "kind": "association"}), ("/upload/load", {})):
            assert reader.post(path, data=dict(data, csrf=csrf)).status_code == 403
        with open_store(store, read_only=True) as source:
            assert (source.stats(), len(source.journal())) == before


def test_an_editor_is_who_on_every_change_and_removal_signs_them_out(store):
    token = _token(_run("team", "add", "Léa Martin", "--store", store).output)
    with signed_in(create_app(str(store), secure_cookies=False)) as owner:
        editor = _member(owner.app, token)
        page = editor.get(f"/needs/{NEED}").text
        assert 'name="by"' not in page and "Léa Martin (editor)" in page
        csrf = _csrf(editor, f"/needs/{NEED}")
        posted = editor.post(f"/outcomes/{NEED}", data={"csrf": csrf, "provider": IBM, "status": "contacted",
                                                         "by": "someone else"}, follow_redirects=False)
        assert posted.status_code == 303
        with open_store(store, read_only=True) as source:
            assert source.journal()[-1]["by"] == "Léa Martin"  # the account, not what the form said
        people = editor.get("/history").text
        assert "Léa Martin" in people and "1 outcome" in people
        assert "contacted" in editor.get("/history?by=L%C3%A9a+Martin").text
        assert owner.get("/edit/actors").status_code == 200  # the owner's token keeps every right
        assert _run("team", "remove", "Léa Martin", "--store", store).exit_code == 0
        assert editor.get("/", follow_redirects=False).status_code == 303  # back to the login page
        forged = fresh(owner.app, sign_in=False)
        forged.cookies.set("maillage_session", "m.TMOpYSBNYXJ0aW4=.0000")
        assert forged.get("/", follow_redirects=False).status_code == 303

"""The store and the exports under careless and hostile use: readers never write or wait, busy and
damaged stores say so, failed exports leave nothing, passwords never show."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.cli import cli
from maillage.graph import open_store
from maillage.loaders.pipeline import load_files
from maillage.scratch import sweep_stale

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
READERS = [["stats"], ["gaps"], ["bridges"], ["allies", "IBM France"], ["profile"], ["export", "{out}/v.gexf"]]


def _bytes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def demo_store(tmp_path) -> Path:
    path = tmp_path / "store" / "m.db"
    path.parent.mkdir()
    with open_store(path) as store:
        load_files(store, sorted(EXAMPLES.glob("*.csv")))
    return path


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_readers_never_write_the_store(demo_store, tmp_path, command):
    before = _bytes(demo_store.parent)
    args = [a.format(out=tmp_path) for a in command]
    result = _invoke(*args, "--store", demo_store)
    assert result.exit_code == 0, result.output
    # the file is byte-identical; SQLite's WAL protocol may leave its index (-shm) and an empty -wal
    after = _bytes(demo_store.parent)
    assert after["m.db"] == before["m.db"]
    wal = demo_store.parent / "m.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_readers_refuse_a_foreign_or_missing_store(tmp_path, command):
    import sqlite3

    foreign = tmp_path / "bookmarks.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE bookmarks (url TEXT)")
    before = foreign.read_bytes()
    args = [a.format(out=tmp_path) for a in command]
    result = _invoke(*args, "--store", foreign)
    assert result.exit_code == 1 and "not a maillage store" in result.output and "left untouched" in result.output
    assert foreign.read_bytes() == before and not list(tmp_path.glob("bookmarks.sqlite-*"))
    missing = tmp_path / "nothing.db"
    result = _invoke(*args, "--store", missing)
    assert result.exit_code == 1 and not missing.exists()
    assert f"no store at {missing}: create one with `maillage load FILES --store {missing}` or `maillage demo`" \
        in result.output
    assert _invoke(*args, "--store", "").exit_code == 2


def test_a_load_refuses_a_foreign_sqlite_file(tmp_path):
    import sqlite3

    foreign = tmp_path / "bookmarks.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE bookmarks (url TEXT)")
    before = foreign.read_bytes()
    result = _invoke("load", "--store", foreign, EXAMPLES / "actors.csv")
    assert result.exit_code == 1 and "not a maillage store" in result.output
    assert foreign.read_bytes() == before


@pytest.mark.parametrize("command", READERS + [["load", str(EXAMPLES / "actors.csv")]], ids=lambda c: c[0])
def test_a_damaged_file_is_said_damaged_by_every_command(demo_store, tmp_path, command):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database " * 200)
    args = [a.format(out=tmp_path) for a in command]
    result = _invoke(*args, "--store", garbage)
    assert result.exit_code == 1 and "damaged" in result.output, result.output
    broken = tmp_path / "broken.db"
    data = bytearray(demo_store.read_bytes())
    data[4096:len(data)] = b"\xff" * (len(data) - 4096)  # every page after the first overwritten
    broken.write_bytes(bytes(data))
    result = _invoke(*args, "--store", broken)
    assert result.exit_code == 1 and "damaged" in result.output, result.output


HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO meta (name, value) VALUES ('held', '1') ON CONFLICT (name) DO UPDATE SET value = '2'")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def test_readers_work_while_a_load_holds_the_lock_and_a_second_load_gives_up(demo_store, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(demo_store), "6"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        for command in READERS:
            args = [a.format(out=tmp_path) for a in command]
            result = _invoke(*args, "--store", demo_store)
            assert result.exit_code == 0, (command, result.output)
        started = time.monotonic()
        result = _invoke("load", "--store", demo_store, "--wait", "1", EXAMPLES / "actors.csv")
        assert result.exit_code == 1 and "is busy: another load holds it (waited 1 s)" in result.output
        assert 0.9 < time.monotonic() - started < 5
        assert "Traceback" not in result.output
    finally:
        holder.wait(timeout=20)


def test_stale_staging_folders_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"maillage-stage-{dead.stdout.strip()}-abc"
    alive = tmp_path / f"maillage-stage-{os.getpid()}-def"
    stale.mkdir()
    alive.mkdir()
    (stale / "stage.db").write_bytes(b"x" * 1000)
    assert sweep_stale("maillage-stage-", str(tmp_path)) == [str(stale)]
    assert alive.exists() and not stale.exists()


def test_a_terminated_load_removes_its_scratch_folder(tmp_path):
    """SIGTERM during a SIRENE load (whose seats live in a scratch folder) leaves no folder behind."""
    import signal
    import tempfile

    from .opendata_files import write_departement

    paths = write_departement(tmp_path / "dep", associations=10, companies=30000, grants=1)
    process = subprocess.Popen([sys.executable, "-m", "maillage.cli", "load", "--store", str(tmp_path / "m.db"), "-q",
                                str(paths["units"]), str(paths["establishments"])])
    scratch = None
    for _ in range(200):
        time.sleep(0.05)
        found = list(Path(tempfile.gettempdir()).glob(f"maillage-sirene-{process.pid}-*"))
        if found:
            scratch = found[0]
            break
    assert scratch is not None, "the load never made its scratch folder"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) != 0
    assert not scratch.exists()


def test_exports_fail_whole_with_the_path_and_reason(demo_store, tmp_path):
    missing = tmp_path / "nowhere" / "v.csv"
    result = _invoke("export", missing, "--store", demo_store)
    assert result.exit_code == 1 and f"cannot write {missing}" in result.output and "does not exist" in result.output
    result = _invoke("export", "/dev/full", "--store", demo_store) if Path("/dev/full").exists() else None
    if result is not None:  # /dev/full has no .html suffix: the format error comes first
        assert result.exit_code == 2
    full = Path("/dev/full")
    from maillage.errors import OutputError
    from maillage.views.output import atomic_output

    with pytest.raises(OutputError, match="cannot write /dev/full: No space left on device"):
        with atomic_output(full) as handle:
            handle.write("x" * 100_000)
    folder = tmp_path / "partial"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        with atomic_output(folder / "v.json") as handle:
            handle.write("{")
            raise RuntimeError("interrupted")
    assert list(folder.iterdir()) == []  # nothing partial left behind


def test_csv_cells_neutralised_and_xml_well_formed(tmp_path):
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("id,name,kind,themes\nf,=HYPERLINK(\"http://evil\"),association,sport\n"
                       "g,\"@SUM(1)\u0001\ufffe\",company,\nh,-12,company,\n", encoding="utf-8")
    store = tmp_path / "m.db"
    assert _invoke("load", "--store", store, hostile).exit_code == 0
    assert _invoke("export", tmp_path / "v.csv", "--store", store).exit_code == 0
    nodes = (tmp_path / "v-nodes.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in nodes and "'@SUM" in nodes and "'-12" in nodes
    assert _invoke("export", tmp_path / "r.csv", "--store", store, "--raw").exit_code == 0
    assert "\n\"=HYPERLINK" in (tmp_path / "r-nodes.csv").read_text(encoding="utf-8").replace("f,", "\n")
    for suffix in ("gexf", "graphml"):
        result = _invoke("export", tmp_path / f"v.{suffix}", "--store", store, "--json")
        assert result.exit_code == 0 and json.loads(result.stdout)["xml_replaced"] == 2  # its label and its name
        ElementTree.parse(tmp_path / f"v.{suffix}")  # well-formed
    assert _invoke("export", tmp_path / "v.json", "--store", store).exit_code == 0
    json.loads((tmp_path / "v.json").read_text(encoding="utf-8"), parse_constant=lambda name: pytest.fail(name))


SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize("uri", [
    f"BOLT://neo4j:{SECRET}@127.0.0.1:1", f"neo4js://neo4j:{SECRET}@127.0.0.1", f"bolt:/neo4j:{SECRET}@127.0.0.1",
    f"bolt://neo4j:{SECRET}@127.0.0.1:abc", f"bolt://neo4j:{SECRET}@127.0.0.1:99999",
    f"bolt://neo4j:{SECRET}@127.0.0.1:1", f"neo4j+s://neo4j:{SECRET}@127.0.0.1:1", "bolt://127.0.0.1:1",
])
@pytest.mark.parametrize("command", [["stats"], ["load", str(EXAMPLES / "actors.csv")], ["gaps", "--json"]],
                         ids=lambda c: c[0])
def test_passwords_never_printed(uri, command, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    result = CliRunner().invoke(cli, [*command, "--store", uri])
    assert result.exit_code in (1, 2), result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert "unexpected error" not in result.output


LOOP_LOADS = """
import sys, time
from pathlib import Path
from maillage.graph import open_store
from maillage.loaders.pipeline import load_files
folder = Path(sys.argv[2])
for i in range(int(sys.argv[3])):
    actors = folder / f"a{i}.csv"
    ties = folder / f"t{i}.csv"
    actors.write_text(f"id,name,kind,commune,operates_in\\nn{i},New {i},association,67482,67\\n")
    ties.write_text(f"source,target,kind\\nn{i},ibm-france,cooperation\\n")
    with open_store(sys.argv[1]) as store:
        load_files(store, [actors, ties])
"""


def test_projections_stay_whole_while_loads_commit(demo_store, tmp_path):
    """Each projection reads one snapshot: a tie to an actor committed meanwhile never appears half-described."""
    from maillage.graph.projection import project
    from maillage.queries import profile

    loader = subprocess.Popen([sys.executable, "-c", LOOP_LOADS, str(demo_store), str(tmp_path), "40"])
    rounds = 0
    try:
        with open_store(demo_store, read_only=True) as store:
            while loader.poll() is None or rounds < 3:
                graph = project(store)
                assert all("operates_in" in data for _, data in graph.nodes(data=True))
                profile(graph)
                rounds += 1
    finally:
        loader.wait(timeout=120)
    assert loader.returncode == 0 and rounds >= 3

"""No input ends in a traceback: ``maillage load`` on a corpus of hostile files, in both modes.

For each file of :mod:`tests.hostile` (more than 500) and each of ``--on-error abort`` and
``skip``: the exit code is 0, 1 or 2 as documented, nothing prints a traceback or the CLI's
"unexpected error" safety net, a failed load leaves the store byte-identical, and skip mode keeps
the good rows (``{kind: rows kept}`` in the corpus). Hypothesis adds random byte strings on top.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.cli import cli
from maillage.graph import open_store
from maillage.loaders.pipeline import load_files

from .hostile import corpus

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store holding the example ecosystem, copied before each run."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    with open_store(path) as store:
        load_files(store, sorted(EXAMPLES.glob("*.csv")))
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return corpus(tmp_path_factory.mktemp("hostile"))


def _digest(path: Path) -> str:
    parts = [path, Path(f"{path}-wal")]
    return hashlib.sha256(b"".join(p.read_bytes() for p in parts if p.exists())).hexdigest()


def _counts(path: Path) -> dict:
    with open_store(path, read_only=True) as store:
        stats = store.stats()
    return {"actors": stats["actors"], "partnerships": stats["partnerships"]}


def _run(store: Path, file: Path, mode: str):
    result = CliRunner().invoke(cli, ["load", "--store", str(store), "--on-error", mode, "--json", str(file)])
    output = result.output
    assert result.exit_code in (0, 1, 2), (file.name, mode, result.exit_code, output[-500:])
    assert "Traceback" not in output and "unexpected error" not in output, (file.name, mode, output[-800:])
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (file.name, mode, repr(result.exception))
    document = json.loads(result.stdout)  # --json: one JSON document, whatever happened
    assert document["status"] in ("committed", "rolled_back", "failed"), (file.name, document.get("status"))
    return result, document


def test_corpus_is_large_enough(hostile):
    assert len(hostile) >= 500


@pytest.mark.parametrize("mode", ["abort", "skip"])
def test_hostile_inputs_never_traceback_and_never_half_write(template, hostile, tmp_path, mode):
    exits = {0: 0, 1: 0, 2: 0}
    for file, expectation in hostile:
        store = tmp_path / "store.db"
        shutil.copyfile(template, store)
        before_digest, before = _digest(store), _counts(store)
        result, document = _run(store, file, mode)
        exits[result.exit_code] += 1
        if result.exit_code != 0:
            assert _digest(store) == before_digest, (file.name, mode, "store changed by a failed load")
        else:
            totals = document["totals"]
            after = _counts(store)
            for kind in ("actors", "partnerships"):  # the report equals the store
                assert after[kind] - before[kind] == totals.get(kind, {}).get("created", 0), (file.name, mode)
        if mode == "skip" and expectation:  # the good rows are kept (new, or updating an example actor)
            for kind, kept in expectation.items():
                counts = document["totals"][kind]
                assert sum(counts[k] for k in ("created", "updated", "unchanged")) == kept, (file.name, counts)
        for stale in tmp_path.glob("store.db*"):
            stale.unlink()
    print(mode, exits)
    # the corpus exercises both outcomes: most files fail as a whole, and most partly load when skipping
    assert (exits[1] > 200 and exits[0] > 10) if mode == "abort" else (exits[0] > 200 and exits[1] > 20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".jsonl"]),
       mode=st.sampled_from(["abort", "skip"]))
def test_random_bytes_never_traceback(template, tmp_path_factory, data, suffix, mode):
    folder = tmp_path_factory.mktemp("random")
    store, file = folder / "store.db", folder / f"input{suffix}"
    shutil.copyfile(template, store)
    file.write_bytes(data)
    digest = _digest(store)
    result, _ = _run(store, file, mode)
    if result.exit_code != 0:
        assert _digest(store) == digest


def test_a_failed_load_creates_no_store(tmp_path, write):
    bad = write("bad.csv", "id,name,kind\na,,association\n")
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "new.db"), str(bad)])
    assert result.exit_code == 1 and not list(tmp_path.glob("new.db*"))

"""The load report equals the store: a property-based check on files full of repeats, on both stores.

Each example loads a base file, then a generated file of actors and partnerships drawn from
small pools of ids and values (so exact duplicates, near-duplicates and updates are frequent).
The expected counts are worked out here from the generated rows and from snapshots of the
store taken before and after, never from the loader's own bookkeeping.
"""

from __future__ import annotations

import csv
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.graph import ActorFilter, open_store
from maillage.graph.store import content_of
from maillage.loaders.pipeline import load_files

ACTORS = [f"a{i}" for i in range(7)]
BASE = ACTORS[:4]  # in the store before the load
TIES = [f"t{i}" for i in range(5)]

actor_rows = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(ACTORS), "name": st.sampled_from(["Les Amis", "Club Nord", "Atelier"]),
    "kind": st.sampled_from(["association", "company"]), "themes": st.sampled_from(["", "sport", "culture"]),
    "note": st.sampled_from(["", "x", "y"])}), max_size=12)
tie_rows = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(TIES), "source": st.sampled_from(ACTORS), "target": st.sampled_from(ACTORS),
    "kind": st.sampled_from(["cooperation", "mecenat_financier"]), "amount": st.sampled_from(["", "100", "250.5"]),
    "description": st.sampled_from(["", "appui"])}), max_size=12)


def _csv(path, rows, columns) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _snapshot(store) -> dict:
    return {"actors": {r["id"]: content_of("actors", r) for r in store.actor_rows(ActorFilter())},
            "partnerships": {r["id"]: content_of("partnerships", r) for r in store.partnership_rows(ActorFilter())}}


def _expected_repeats(rows: list[dict]) -> tuple[int, int]:
    """(duplicates, merged): rows equal to the latest earlier row of their id, and other repeats."""
    latest, duplicates, merged = {}, 0, 0
    for row in rows:
        if row["id"] in latest:
            duplicates += latest[row["id"]] == row
            merged += latest[row["id"]] != row
        latest[row["id"]] = row
    return duplicates, merged


def _check(store, folder, actors, ties) -> None:
    base = [{"id": a, "name": f"Base {a}", "kind": "association", "themes": "", "note": ""} for a in BASE]
    _csv(folder / "base.csv", base, ["id", "name", "kind", "themes", "note"])
    load_files(store, [folder / "base.csv"])
    load_files(store, [folder / "base.csv"])  # its own reload must be all unchanged
    known = set(BASE) | {row["id"] for row in actors}
    accepted_ties = [t for t in ties if t["source"] in known and t["target"] in known and t["source"] != t["target"]]
    _csv(folder / "actors.csv", actors, ["id", "name", "kind", "themes", "note"])
    _csv(folder / "ties.csv", ties, ["id", "source", "target", "kind", "amount", "description"])
    before = _snapshot(store)
    report = load_files(store, [folder / "actors.csv", folder / "ties.csv"], on_error="skip")
    after = _snapshot(store)
    totals = report.totals()
    for kind, rows in (("actors", actors), ("partnerships", accepted_ties)):
        touched = {row["id"] for row in rows}
        created = {i for i in after[kind] if i not in before[kind]}
        changed = {i for i in touched & before[kind].keys() if after[kind][i] != before[kind][i]}
        duplicates, merged = _expected_repeats(rows)
        got = totals.get(kind, dict.fromkeys(("created", "updated", "unchanged", "duplicates", "merged"), 0))
        assert got["created"] == len(created) == len(touched - before[kind].keys()), kind
        assert got["updated"] == len(changed), kind
        assert got["unchanged"] == len(touched & before[kind].keys()) - len(changed), kind
        assert (got["duplicates"], got["merged"]) == (duplicates, merged), kind
        assert len(after[kind]) - len(before[kind]) == got["created"]
    assert report.bad_rows == len(ties) - len(accepted_ties)


@settings(max_examples=int(os.environ.get("MAILLAGE_SQLITE_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actors=actor_rows, ties=tie_rows)
def test_report_equals_store_sqlite(tmp_path_factory, actors, ties):
    folder = tmp_path_factory.mktemp("reconcile")
    with open_store(folder / "store.db") as store:
        _check(store, folder, actors, ties)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actors=actor_rows, ties=tie_rows)
def test_report_equals_store_with_the_bookkeeping_in_its_scratch_file(tmp_path_factory, monkeypatch, actors, ties):
    """Past a few entities the ledger moves to a scratch SQLite file: same report, same store."""
    from maillage.loaders import ledger

    monkeypatch.setattr(ledger, "SPILL_AT", 3)
    monkeypatch.setattr(ledger, "SHARED_WEIGHT", 1)  # the columnar path's entries spill as early
    monkeypatch.setattr(ledger, "SHARED_IN_MEMORY", 4)  # past a few kept apart
    folder = tmp_path_factory.mktemp("reconcile")
    with open_store(folder / "store.db") as store:
        _check(store, folder, actors, ties)


@pytest.mark.neo4j
@settings(max_examples=int(os.environ.get("MAILLAGE_NEO4J_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actors=actor_rows, ties=tie_rows)
def test_report_equals_store_neo4j(neo4j_uri, tmp_path_factory, actors, ties):
    folder = tmp_path_factory.mktemp("reconcile")
    with open_store(neo4j_uri) as store:
        store.clear()
        _check(store, folder, actors, ties)

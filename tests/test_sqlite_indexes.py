"""A large load builds the secondary indexes it deferred; a failed one leaves them as they were."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from maillage.errors import DataError
from maillage.graph import open_store, sqlite_indexes
from maillage.graph.sqlite_indexes import DEFERRABLE, DeferredIndexes
from maillage.graph.sqlite_store import SCHEMA
from maillage.loaders.pipeline import load_files


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _files(folder, actors=300, bad_tie=False):
    _write(folder / "actors.csv", ["id", "name", "kind", "commune"],
           [[f"a{i}", f"Asso {i}", "association", "67482"] for i in range(actors)])
    ties = [[f"a{i}", f"a{(i * 7 + 1) % actors}", "cooperation", "2020-01-01"] for i in range(actors - 1)]
    if bad_tie:
        ties.append(["a1", "a2", "cooperation", "not a date"])
    _write(folder / "ties.csv", ["source", "target", "kind", "start"], ties)
    return [folder / "actors.csv", folder / "ties.csv"]


def _indexes(path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    finally:
        db.close()


def _content(store) -> dict:
    return {kind: sorted(map(repr, store.dump(kind))) for kind in ("actors", "partnerships")}


def test_every_deferrable_index_is_the_schema_s_own():
    for statements in DEFERRABLE.values():
        for statement in statements.values():
            assert statement + ";" in SCHEMA


def test_a_large_load_defers_its_indexes_and_builds_them_before_commit(tmp_path, monkeypatch):
    files = _files(tmp_path)
    with open_store(tmp_path / "kept.db") as store:  # indexes kept row by row
        load_files(store, files)
        kept = _content(store)
    monkeypatch.setattr(sqlite_indexes, "DEFER_FROM", 10)
    dropped = []
    rebuild = DeferredIndexes.rebuild
    monkeypatch.setattr(DeferredIndexes, "rebuild", lambda self: dropped.extend(self.dropped) or rebuild(self))
    with open_store(tmp_path / "deferred.db") as store:
        report = load_files(store, files)
        assert dropped == ["actors", "partnerships"]
        assert report.totals()["partnerships"]["created"] == 299
        assert _content(store) == kept
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the load
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _indexes(tmp_path / "deferred.db") == _indexes(tmp_path / "kept.db")


def test_a_failed_large_load_leaves_the_store_and_its_indexes_as_they_were(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_indexes, "DEFER_FROM", 10)
    with open_store(tmp_path / "m.db") as store:
        load_files(store, _files(tmp_path, actors=20))
        before, indexes = _content(store), _indexes(tmp_path / "m.db")
        seen = []
        wrote = DeferredIndexes.wrote
        monkeypatch.setattr(DeferredIndexes, "wrote",
                            lambda self, table, count: wrote(self, table, count) or seen.extend(self.dropped))
        with pytest.raises(DataError, match="1 bad row; nothing was loaded"):
            load_files(store, _files(tmp_path, actors=300, bad_tie=True))
        assert "actors" in seen  # the load had dropped them when it failed
        assert _content(store) == before
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert _indexes(tmp_path / "m.db") == indexes


def test_a_load_small_beside_what_a_table_holds_keeps_its_indexes(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_indexes, "DEFER_FROM", 10)
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO actors (id, name, kind) VALUES (?, 'x', 'association')",
                   [(f"a{i}",) for i in range(1000)])
    deferred = DeferredIndexes(db)
    deferred.wrote("actors", 100)  # 100 of 1,000 (900 before): less than an eighth more
    assert deferred.dropped == []
    deferred.wrote("actors", 20)  # 120 of 1,000 written: 880 before, 120 × 8 ≥ 880
    assert deferred.dropped == ["actors"]
    assert not {"actors_place", "actors_kind"} & {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    deferred.rebuild()
    assert {"actors_place", "actors_kind"} <= {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    deferred.wrote("needs", 10_000)  # a table without deferrable indexes
    assert deferred.dropped == []


def test_a_commit_that_fails_leaves_the_store_as_it_was_and_says_so(tmp_path, monkeypatch):
    from maillage.errors import StoreError

    monkeypatch.setattr(sqlite_indexes, "DEFER_FROM", 10)
    with open_store(tmp_path / "m.db") as store:
        load_files(store, _files(tmp_path, actors=20))
        before, indexes = _content(store), _indexes(tmp_path / "m.db")

        def full(self):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(DeferredIndexes, "rebuild", full)
        with pytest.raises(StoreError, match=r"could not commit the load into .*m\.db \(database or disk is full\); "
                                             r"nothing was written"):
            load_files(store, _files(tmp_path, actors=300))
        monkeypatch.undo()
        assert _content(store) == before
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert not store._db.in_transaction
        assert _indexes(tmp_path / "m.db") == indexes
        load_files(store, _files(tmp_path, actors=300))  # the store takes the next load
        assert len(_content(store)["actors"]) == 300

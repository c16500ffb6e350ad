"""What a load leaves (outcome, store, columnar writes), for the tests that load a published file both ways."""

from __future__ import annotations

from pathlib import Path

from maillage.graph import open_store
from maillage.graph.sqlite_store import SQLiteLoadSession
from maillage.loaders import columnar
from maillage.loaders.pipeline import load_files

COG = sorted((Path(__file__).parent / "fixtures" / "cog").glob("*.json"))


def load_state(path: Path, files: list, columnar_on: bool, monkeypatch, module, block: int, before=(), **options):
    """Load the COG, then ``before`` (each group with ``on_error="skip"``), then ``files`` with
    ``options``, the columnar paths on or off and ``module``'s blocks of ``block`` bytes; return
    ``(outcome, dump, rows written as values, the last line written as values)``."""
    monkeypatch.setattr(columnar, "ENABLED", columnar_on)
    monkeypatch.setattr(module, "BLOCK_SIZE", block)
    written = []
    real = SQLiteLoadSession.write_values
    monkeypatch.setattr(SQLiteLoadSession, "write_values",
                        lambda self, kind, values, keys=(): written.extend(value[-1] for value in values)
                        or real(self, kind, values, keys))
    with open_store(path) as store:
        load_files(store, COG)
        for group in before:
            load_files(store, group, on_error="skip")
        try:
            report = load_files(store, files, **options)
        except Exception as exc:  # noqa: BLE001 - the same failure is expected of both paths
            report, failure = getattr(exc, "report", None), str(exc)
        else:
            failure = None
        dump = {kind: list(store.dump(kind)) for kind in ("actors", "partnerships")}
    monkeypatch.undo()
    outcome = (failure, report.to_dict() if report else None, [str(c) for c in report.conflicts] if report else None)
    return outcome, dump, len(written), max(written, default=0)

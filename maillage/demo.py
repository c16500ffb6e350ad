"""The main job on the embedded store: load the example ecosystem, analyse it, draw it."""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError
from .graph import open_store
from .graph.projection import project, today
from .loaders.pipeline import load_files
from .queries import gaps
from .views import export
from .views.export import as_of, tie_counts
from .i18n import _

__all__ = ["run_demo", "find_examples"]


def find_examples() -> Path:
    """Return the ``examples/`` folder of a source checkout."""
    folder = Path(__file__).resolve().parent.parent / "examples"
    if not (folder / "actors.csv").is_file():
        raise UsageError(_("example ecosystem not found in {folder}; pass --examples DIR").format(folder=folder))
    return folder


def run_demo(out_dir: str | Path, examples: str | Path | None = None, progress=None) -> dict:
    """Load ``examples`` into a fresh ``OUT/maillage.db``, run the gap analysis, write ``OUT/maillage.html``.

    Returns a dict with the store path, the HTML path, the load report and the gaps result.
    """
    out_dir = Path(out_dir)
    examples = Path(examples) if examples else find_examples()
    files = sorted(examples.glob("*.csv"))
    if not files:
        raise UsageError(_("no CSV files in {examples}").format(examples=examples))
    out_dir.mkdir(parents=True, exist_ok=True)
    store_path = out_dir / "maillage.db"
    for stale in (store_path, Path(f"{store_path}-wal"), Path(f"{store_path}-shm")):
        stale.unlink(missing_ok=True)  # the demo's own output: start fresh every time
    with open_store(store_path) as store:
        report = load_files(store, files, progress=progress)
        history = project(store)
    graph = as_of(history, today())  # the ecosystem as it stands today
    result = gaps(graph)
    view = export(history, out_dir / "maillage.html", proposals=True, title="maillage — " + _("the example ecosystem"),
                  at=today())
    return {"store": str(store_path), "html": view["path"], "load": report.to_dict(), "gaps": result,
            "actors": graph.number_of_nodes(), "ties": graph.number_of_edges(), **tie_counts(graph)}

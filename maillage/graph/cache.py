"""Projections cached per store state, so a second query does not rebuild the graph.

The cache key is the store's :meth:`~maillage.graph.store.Store.state_token` (which changes
with every committed load, and between two stores recreated at the same place) and the
scope. Files live in ``$MAILLAGE_CACHE`` (default ``~/.cache/maillage``; ``off`` disables
the cache). They are pickles: the folder must be writable by you alone, like any cache of
your own data.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path

import networkx as nx

from .projection import Scope, project
from .store import Store

__all__ = ["cached_project", "cache_folder"]

FORMAT = 1  # bump when the projection's attributes change
KEEP = 16  # newest files kept


def cache_folder() -> Path | None:
    """Where projections are cached, or None when ``MAILLAGE_CACHE=off``."""
    setting = os.environ.get("MAILLAGE_CACHE", "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "maillage" / "projections"


def _key(store: Store, scope: Scope) -> str:
    scope_data = {"territory": scope.territory, "at": scope.at,
                  "kinds": sorted(scope.kinds) if scope.kinds else None,
                  "partnership_kinds": sorted(scope.partnership_kinds) if scope.partnership_kinds else None}
    text = json.dumps([FORMAT, store.state_token(), scope_data], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_project(store: Store, scope: Scope | None = None) -> nx.MultiGraph:
    """:func:`~maillage.graph.projection.project`, read from the cache when the store has not changed.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> os.environ["MAILLAGE_CACHE"] = tempfile.mkdtemp()
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     first, second = cached_project(store), cached_project(store)
    >>> first.number_of_nodes() == second.number_of_nodes() == 0
    True
    >>> del os.environ["MAILLAGE_CACHE"]
    """
    scope = scope or Scope()
    folder = cache_folder()
    if folder is None:
        return project(store, scope)
    path = folder / f"{_key(store, scope)}.pickle"
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # absent or unreadable: rebuild it
    graph = project(store, scope)
    _save(folder, path, graph)
    return graph


def _save(folder: Path, path: Path, graph: nx.MultiGraph) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(graph, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # readers never see half a file
        for old in sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs time

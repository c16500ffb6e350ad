"""A scope's actors and ties as arrays, read from the store's indexes: the projection that scales.

:func:`.projection.project` gives every actor as a dictionary of attributes and every partnership as
an edge of a NetworkX multigraph: what territory-sized analyses and users work with, but seconds per
hundred thousand actors and gigabytes for a country. The measures that touch every actor
(betweenness, structural holes, brokerage) need only who is tied to whom and each actor's kind:
:func:`project_arrays` reads those two columns through the store contract (``actor_kinds`` and
``tie_ends``; the SQLite store answers both from covering indexes, never touching the rows), numbers
the actors in their ids' text order, and keeps each tied pair once, as
``queries.common.simple_graph`` does. Attributes are then fetched only for the actors a result shows
(``Store.fetch_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .projection import Scope, initiative_ties, scope_filter
from .store import Store

__all__ = ["ScopeArrays", "project_arrays"]


@dataclass(frozen=True)
class ScopeArrays:
    """The actors of a scope (ids in text order, each kind as a code into ``kind_names``) and each
    pair of them tied by a partnership or an initiative once, as positions ``low < high``."""

    ids: list[str]
    index: dict[str, int]
    kinds: np.ndarray
    kind_names: list[str]
    low: np.ndarray
    high: np.ndarray
    ties_left_out: int


def project_arrays(store: Store, scope: Scope | None = None) -> ScopeArrays:
    """Return the actors and tied pairs of ``scope`` (all of the store by default) as arrays.

    The same actors and pairs as the simple graph of :func:`.projection.project` (parallel ties
    merged, self-loops dropped, initiative members tied to their lead), read in one snapshot.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     project_arrays(store).ids
    []
    """
    if store is None:
        raise ValueError("project_arrays needs a store, got None")
    scope = scope or Scope()
    with store.snapshot():
        where = scope_filter(store.territories(), scope)
        actors = sorted(store.actor_kinds(where))
        ids = [actor for actor, _kind in actors]
        index = {actor: i for i, actor in enumerate(ids)}
        kind_names = sorted({kind for _actor, kind in actors})
        code = {kind: i for i, kind in enumerate(kind_names)}
        kinds = np.fromiter((code[kind] for _actor, kind in actors), dtype=np.int16, count=len(actors))
        del actors
        ties = store.tie_ends(where, scope.at, scope.partnership_kinds, actors=index.keys())
        ends = np.fromiter(_positions(ties, index),
                           dtype=np.int64).reshape(-1, 2)
        initiative = _initiative_positions(store, index, scope)
    late = int((ends[:, 0] < 0).sum())  # an end written after the actors were read: left out, as project does
    ends = np.concatenate([ends[ends[:, 0] >= 0], initiative])
    low, high = _pairs(ends, len(ids))
    return ScopeArrays(ids, index, kinds, kind_names, low, high, late)


def _positions(ends, index: dict[str, int]):
    """Both ends' positions, flattened; (-1, -1) for a tie with an end outside ``index``."""
    for source, target in ends:
        a, b = index.get(source), index.get(target)
        if a is None or b is None:
            yield -1
            yield -1
        else:
            yield a
            yield b


def _initiative_positions(store: Store, index: dict[str, int], scope: Scope) -> np.ndarray:
    pairs = [(index[lead], index[member["actor"]])
             for _row, members, lead in initiative_ties(store, index, scope) if lead is not None
             for member in members if member["actor"] != lead]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _pairs(ends: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each unordered pair once (lower position first), in increasing order; self-loops dropped."""
    low, high = ends.min(axis=1), ends.max(axis=1)
    keep = low != high
    unique = np.unique(low[keep] * max(n, 1) + high[keep])
    return unique // max(n, 1), unique % max(n, 1)

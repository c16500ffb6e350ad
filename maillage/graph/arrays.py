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

from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, islice
from operator import gt

import numpy as np

from .projection import Scope, collector_paused, initiative_ties, scope_filter
from .store import Store
from ..i18n import _

__all__ = ["ScopeArrays", "project_arrays", "unique_pairs"]


@dataclass(frozen=True)
class ScopeArrays:
    """The actors of a scope (ids in text order, each kind as a code into ``kind_names``) and each
    pair of them tied by a partnership or an initiative once, as positions ``low < high``."""

    ids: list[str]
    kinds: np.ndarray
    kind_names: list[str]
    low: np.ndarray
    high: np.ndarray
    ties_left_out: int
    #: with ``details``: each partnership read counted by (kind, start year or None), and the initiative
    #: ties (a member to its initiative's lead, once per initiative and member), as the profile counts them
    tie_counts: Counter = field(default_factory=Counter)
    co_membership: int = 0

    def __contains__(self, actor) -> bool:
        """Whether ``actor`` is one of the scope's (a binary search in the sorted ids)."""
        if not isinstance(actor, str):
            return False
        at = bisect_left(self.ids, actor)
        return at < len(self.ids) and self.ids[at] == actor

    @cached_property
    def index(self) -> dict[str, int]:
        """Id → position, built when first asked (France's 12 million ids: seconds and a gigabyte)."""
        return dict(zip(self.ids, range(len(self.ids))))


def project_arrays(store: Store, scope: Scope | None = None, details: bool = False) -> ScopeArrays:
    """Return the actors and tied pairs of ``scope`` (all of the store by default) as arrays.

    The same actors and pairs as the simple graph of :func:`.projection.project` (parallel ties
    merged, self-loops dropped, initiative members tied to their lead), read in one snapshot. With
    ``details``, also the counts a profile gives of the partnerships (by kind and start year) and
    of the initiative ties.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     project_arrays(store).ids
    []
    """
    if store is None:
        raise ValueError(_("project_arrays needs a store, got None"))
    scope = scope or Scope()
    counts = Counter()
    with collector_paused(), store.snapshot():
        where = scope_filter(store.territories(), scope)
        ids, kinds, kind_names = _actors(store.actor_kinds(where))
        keys = _sorted_keys(ids)
        # the ids as a set only for a territory (the store tests each tie's far end against them)
        members = set(ids) if where.territorial or where.kinds is not None else None
        ties = store.tie_ends(where, scope.at, scope.partnership_kinds, actors=members, details=details)
        initiatives, co_membership = _initiative_positions(store, keys, scope)
        ends = np.concatenate([_positions(ties, keys, counts if details else None), initiatives])
    late = int((ends[:, 0] < 0).sum())  # an end written after the actors were read: left out, as project does
    found = ends[ends[:, 0] >= 0]
    low, high = unique_pairs(found[:, 0], found[:, 1], len(ids))
    return ScopeArrays(ids, kinds, kind_names, low, high, late, counts, co_membership if details else 0)


def _actors(rows) -> tuple[list[str], np.ndarray, list[str]]:
    """Ids in text order, their kind codes, and the kinds' names in text order."""
    ids, codes, found = [], array("h"), {}  # no tuple kept per actor: a country is millions of them
    for actor, kind in rows:
        ids.append(actor)
        codes.append(found.setdefault(kind, len(found)))
    names = sorted(found)
    recode = np.array([names.index(kind) for kind in found], dtype=np.int16).reshape(-1)
    kinds = recode[np.frombuffer(codes, dtype=np.int16)] if ids else np.zeros(0, dtype=np.int16)
    if any(map(gt, ids, islice(ids, 1, None))):  # a store whose order is not Python's text order
        order = sorted(range(len(ids)), key=ids.__getitem__)
        ids, kinds = [ids[i] for i in order], kinds[np.array(order, dtype=np.int64)]
    return ids, kinds, names


def _sorted_keys(ids: list[str]) -> np.ndarray:
    """The ids as one sorted array of UTF-8 bytes (its order is the text order ``ids`` are in), one
    byte wider than the longest, so that a longer key, cut to that width, matches none."""
    encoded = [actor.encode() for actor in ids]
    width = max(map(len, encoded), default=0) + 1
    return np.array(encoded, dtype=f"S{width}")


def _lookup(keys: np.ndarray, found: tuple[str, ...]) -> np.ndarray:
    """Positions of ``found`` in ``keys``, −1 where absent.

    A binary search per end, the ends sorted first so that successive searches touch the same part
    of the array: a dictionary of millions of ids costs a chain of cache and TLB misses per lookup
    (about 4 µs each on this kind of machine, an hour for France's 31.6 million ends).
    """
    wanted = np.array([actor.encode() for actor in found], dtype=keys.dtype)
    order = np.argsort(wanted, kind="stable")
    positions = np.empty(len(wanted), dtype=np.int64)
    positions[order] = np.searchsorted(keys, wanted[order])
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    clipped = np.minimum(positions, len(keys) - 1)
    return np.where(keys[clipped] == wanted, clipped, -1)


def _positions(ties, keys: np.ndarray, counts: Counter | None = None, block: int = 1_000_000) -> np.ndarray:
    """Both ends' positions, a row per tie; (-1, -1) for a tie with an end outside ``keys``. With
    ``counts``, ties come as (source, target, kind, start) and those found are counted there by
    (kind, start year)."""
    found, ties = [np.zeros((0, 2), dtype=np.int64)], iter(ties)
    while chunk := list(islice(ties, block)):
        columns = list(zip(*chunk))
        a, b = _lookup(keys, columns[0]), _lookup(keys, columns[1])
        missing = (a < 0) | (b < 0)
        a[missing], b[missing] = -1, -1
        found.append(np.stack([a, b], axis=1))
        if counts is not None:
            years = (start[:4] if start else None for start in columns[3])
            counts.update(compress(zip(columns[2], years), (~missing).tolist()))
    return np.concatenate(found)


class _Present:
    """Whether an id is among the sorted ``keys``, and where: a binary search each (an initiative's
    few members, not a country's ids in a dictionary)."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys

    def position(self, actor: str) -> int:
        return int(_lookup(self.keys, (actor,))[0])

    def __contains__(self, actor: str) -> bool:
        return self.position(actor) >= 0


def _initiative_positions(store: Store, keys: np.ndarray, scope: Scope) -> tuple[np.ndarray, int]:
    """The initiative ties' ends, and how many ties the projection's multigraph holds (one per
    initiative and member: a member listed twice is one tie)."""
    present, pairs, ties = _Present(keys), [], set()
    for row, members, lead in initiative_ties(store, present, scope):
        for member in members if lead is not None else ():
            if member["actor"] != lead:
                pairs.append((present.position(lead), present.position(member["actor"])))
                ties.add((row["id"], member["actor"]))
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), len(ties)


def unique_pairs(rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each unordered pair {rows[i], cols[i]} of ``n`` nodes once, lower end first, in increasing
    order; self-loops dropped.

    Examples
    --------
    >>> low, high = unique_pairs(np.array([2, 0, 1, 3]), np.array([0, 2, 1, 0]), 4)
    >>> low.tolist(), high.tolist()
    ([0, 0], [2, 3])
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    keep = low != high
    unique = np.unique(low[keep] * max(n, 1) + high[keep])
    return unique // max(n, 1), unique % max(n, 1)

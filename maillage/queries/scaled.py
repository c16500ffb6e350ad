"""``bridges`` and ``profile`` of a scope read from the store as arrays, never as a NetworkX graph.

:func:`maillage.graph.projection.project` builds a graph of a scope's every actor with its
attributes: what users and territory-sized analyses work with, but about 90 s and 4 GiB for a région
of a million actors, and out of reach for France. The two analyses that touch every actor only need
who is tied to whom and each actor's kind: here they read those as arrays
(:func:`maillage.graph.arrays.project_arrays`, from the store's covering indexes), run on the compact
form, and read the rows of the few actors they show. They give what :func:`.bridges.bridges` and
:func:`.profile.profile` give of the scope's projection, byte for byte (``tests/test_scaled.py``).
The CLI runs them this way.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..errors import UsageError
from ..graph.arrays import project_arrays
from ..graph.projection import Scope, collector_paused, scope_needs
from ..graph.store import Store
from ..i18n import _
from .bridges import brokers
from .brokerage import PERMUTATIONS
from .described import of_arrays
from .profile import form_communities, density, summary

__all__ = ["bridges_of", "profile_of", "scope_summary"]


def scope_summary(scope: Scope) -> dict:
    """The scope as a projection states it (``graph.graph["scope"]``)."""
    return {"territory": scope.territory, "at": scope.at, "kinds": sorted(scope.kinds) if scope.kinds else None}


def bridges_of(store: Store, scope: Scope | None = None, top: int = 20, error: float | None = None,
               confidence: float = 0.95, seed: int = 42, permutations: int = PERMUTATIONS, progress=None) -> dict:
    """:func:`maillage.queries.bridges` of the projection of ``scope``, read as arrays.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     bridges_of(store)["actors"]
    0
    """
    if store is None:
        raise UsageError(_("bridges needs a store, got None"))
    scope = scope or Scope()
    with collector_paused(), store.snapshot():  # the rows shown read in the arrays' snapshot
        described = of_arrays(store, project_arrays(store, scope))
        return brokers(described, scope_summary(scope), top=top, error=error, confidence=confidence, seed=seed,
                       permutations=permutations, progress=progress)


def profile_of(store: Store, scope: Scope | None = None, top: int = 10, seed: int = 42, progress=None) -> dict:
    """:func:`maillage.queries.profile` of the projection of ``scope``, read as arrays.

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     profile_of(store)["components"]
    {'count': 0, 'largest': 0, 'isolated_actors': 0}
    """
    if store is None:
        raise UsageError(_("profile needs a store, got None"))
    scope = scope or Scope()
    with collector_paused(), store.snapshot():
        arrays = project_arrays(store, scope, details=True)
        described = of_arrays(store, arrays)
        kinds = np.bincount(arrays.kinds.astype(np.int64), minlength=len(arrays.kind_names)).tolist()
        ties = Counter(arrays.tie_counts)
        ties[("initiative", None)] += arrays.co_membership
        facts = {"scope": scope_summary(scope), "actors": len(arrays.ids),
                 "actors_by_kind": Counter(dict(zip(arrays.kind_names, kinds))),
                 "density": density(len(arrays.ids), len(arrays.low)),
                 "needs": scope_needs(store, store.territories(), scope, arrays)}
        return summary(described, facts, +ties, lambda: form_communities(described.form, seed), top, seed, progress)

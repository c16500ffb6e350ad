"""What a candidate pair looks like to the learned ranking: one row of numbers per (actor, candidate).

A :class:`PairContext` is built once per training graph and date (ties begun before ``at``, or
undated): integer ids, a sparse adjacency (scipy CSR), per-actor activity (degree, ties of the
last year, first and last tie dates), communities, kinds, themes, resources and places as arrays.
:meth:`PairContext.features` then gives, for one actor and any set of candidates, the columns of
:data:`FEATURES` in one vectorised pass — the indices the link-prediction literature compares
(common neighbours, Adamic–Adar, resource allocation, Jaccard, preferential attachment, a
truncated Katz index, shortest-path distance), community co-membership, both actors' activity and
the pair's tie history, and what the field adds: kinds (equal, and how often their two kinds tie
in this graph against chance), shared themes, offers ↔ seeks complementarity (or a need's
resources), territorial proximity.

References
----------
.. [1] D. Liben-Nowell and J. Kleinberg, "The link-prediction problem for social networks",
   JASIST 58(7), 2007.
.. [2] R. N. Lichtenwalter, J. T. Lussier and N. V. Chawla, "New perspectives and methods in link
   prediction", KDD 2010 (features of a pair, supervised on temporal splits).
.. [3] L. Katz, "A new status index derived from sociometric analysis", Psychometrika 18, 1953.
"""

from __future__ import annotations

import datetime as dt
import math

import networkx as nx
import numpy as np
from scipy import sparse

from ..errors import UsageError
from ..i18n import _
from .common import TERRITORY_SCORE
from .community import louvain_labels

__all__ = ["PairContext", "FEATURES", "split_ties"]

FEATURES = ("common_neighbours", "adamic_adar", "resource_allocation", "jaccard", "preferential_attachment",
            "katz", "distance", "same_community", "degree_actor", "degree_candidate", "recent_actor",
            "recent_candidate", "idle_candidate", "age_candidate", "past_ties", "since_pair", "same_kind",
            "kind_affinity", "themes", "complementarity", "territory")
KATZ_BETA = 0.05  # paths of length 2 and 3 only: longer ones add little to a ranking [3]
RECENT_DAYS = 365
FAR = 4  # distance of actors 4 steps away or more, or out of reach


def _day(text) -> float:
    """Ordinal day of an ISO date (a year alone counts from its 1 January); NaN if none."""
    if not text:
        return math.nan
    text = str(text)
    try:
        return float(dt.date.fromisoformat(text[:10]).toordinal()) if len(text) >= 10 else \
            float(dt.date(int(text[:4]), 1, 1).toordinal())
    except ValueError:
        return math.nan


def split_ties(graph: nx.MultiGraph, at: str | None) -> tuple[list, list]:
    """(ties begun before ``at`` or undated, ties begun on or after it) as (u, v, start) lists."""
    before, after = [], []
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        start = data.get("start")
        (before if at is None or start is None or str(start) < at else after).append((u, v, start))
    return before, after


class PairContext:
    """The training graph at ``at`` as arrays, and the features of pairs on it.

    Parameters
    ----------
    graph : networkx.MultiGraph or Graph
        A projection (ties may carry ``start``).
    at : str, optional
        ISO date: ties begun from it are left out (the future of this context).
    seed : int
        Seed of the community detection (Louvain).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph([("a", "b"), ("b", "c")])
    >>> context = PairContext(G)
    >>> row = context.features(context.index["a"], [context.index["c"]])[0]
    >>> float(row[FEATURES.index("common_neighbours")]), float(row[FEATURES.index("distance")])
    (1.0, 2.0)
    """

    def __init__(self, graph: nx.Graph, at: str | None = None, seed: int = 0):
        if graph is None:
            raise UsageError(_("the pair features need a graph, got None"))
        self.graph, self.at = graph, at
        self.nodes = sorted(graph.nodes, key=str)
        self.index = {node: i for i, node in enumerate(self.nodes)}
        ties, _later = split_ties(graph, at) if graph.is_multigraph() else (
            [(u, v, d.get("start")) for u, v, d in graph.edges(data=True) if u != v], [])
        self.now = _day(at) if at else max((_day(s) for *_, s in ties), default=math.nan)
        self._ties(ties)
        self._attributes()
        self._communities(seed)

    def _ties(self, ties: list) -> None:
        n, index = len(self.nodes), self.index
        rows = np.fromiter((index[u] for u, _v, _s in ties), dtype=np.int64, count=len(ties))
        cols = np.fromiter((index[v] for _u, v, _s in ties), dtype=np.int64, count=len(ties))
        days = np.fromiter((_day(s) for *_, s in ties), dtype=float, count=len(ties))
        both_r, both_c = np.concatenate([rows, cols]), np.concatenate([cols, rows])
        counts = sparse.coo_matrix((np.ones(len(both_r)), (both_r, both_c)), shape=(n, n)).tocsr()
        counts.sum_duplicates()
        self.counts = counts  # ties per pair (parallel ties counted)
        self.adjacency = (counts > 0).astype(float).tocsr()
        self.degree = np.asarray(self.adjacency.sum(axis=1)).ravel()
        self.ties_of = np.asarray(counts.sum(axis=1)).ravel()
        dated = ~np.isnan(days)
        self.first = np.full(n, np.nan)
        self.last = np.full(n, np.nan)
        if dated.any():
            ends, when = both_r[np.concatenate([dated, dated])], np.concatenate([days[dated], days[dated]])
            self.last = _reduce(ends, when, n, np.fmax)
            self.first = _reduce(ends, when, n, np.fmin)
        recent = dated & (days >= self.now - RECENT_DAYS) if not math.isnan(self.now) else np.zeros_like(dated)
        self.recent = np.bincount(np.concatenate([rows[recent], cols[recent]]), minlength=n).astype(float)
        self._pair_days = _latest_per_pair(rows[dated], cols[dated], days[dated], n)
        inverse_log = np.where(self.degree > 1, 1 / np.log(np.maximum(self.degree, 2)), 0.0)
        inverse = np.where(self.degree > 0, 1 / np.maximum(self.degree, 1), 0.0)
        self._aa = (sparse.diags(inverse_log) @ self.adjacency).tocsr()
        self._ra = (sparse.diags(inverse) @ self.adjacency).tocsr()

    def _attributes(self) -> None:
        data = [self.graph.nodes[node] for node in self.nodes]
        self.kinds = _codes([d.get("kind") for d in data])
        self.themes = _incidence([d.get("themes") or () for d in data])
        self.offers, self.offer_codes = _incidence([d.get("offers") or () for d in data], with_codes=True)
        self.seeks, self.seek_codes = _incidence([d.get("seeks") or () for d in data], with_codes=True)
        self.epcis = _incidence([d.get("epcis") or () for d in data])
        self.places = {level: _codes([d.get(level) for d in data], missing=-1)
                       for level in ("commune", "departement", "region", "country")}
        self.national = np.array(["france" in (d.get("operates_in") or ()) for d in data])
        self._kind_affinity()

    def _kind_affinity(self) -> None:
        """log((observed + 1) / (expected + 1)) ties between each pair of kinds, expected by degree."""
        k = int(self.kinds.max()) + 1 if len(self.kinds) else 1
        member = sparse.csr_matrix((np.ones(len(self.kinds)), (np.arange(len(self.kinds)), self.kinds)),
                                   shape=(len(self.kinds), k))
        observed = np.asarray((member.T @ self.adjacency @ member).todense())
        stubs = np.asarray(member.T @ self.degree).ravel()
        total = max(stubs.sum(), 1.0)
        self.affinity = np.log((observed + 1) / (np.outer(stubs, stubs) / total + 1))

    def _communities(self, seed: int) -> None:
        coo = sparse.triu(self.adjacency, k=1).tocoo()
        self.community = louvain_labels(len(self.nodes), coo.row, coo.col, seed)

    def present(self) -> np.ndarray:
        """Actors present at ``at``: a tie before it, or no dated tie at all (a store's tieless actors)."""
        if not self.graph.is_multigraph():
            return np.ones(len(self.nodes), dtype=bool)
        dated_later = np.zeros(len(self.nodes), dtype=bool)
        for u, v, start in split_ties(self.graph, self.at)[1]:
            dated_later[self.index[u]] = dated_later[self.index[v]] = True
        return (self.degree > 0) | ~dated_later

    def features(self, u: int, candidates, resources=None) -> np.ndarray:
        """The :data:`FEATURES` of (u, v) for each candidate v (integer ids), as a float matrix.

        ``resources`` (codes) replaces what u seeks: the complementarity of a need is then the
        share of its resources each candidate offers.
        """
        v = np.asarray(candidates, dtype=np.int64)
        a = self.adjacency
        mine = a.getrow(u)
        two = mine @ a
        three = two @ a
        cn = two.toarray().ravel()[v]
        aa = (mine @ self._aa).toarray().ravel()[v]  # Σ over common neighbours w of 1 / log deg(w)
        ra = (mine @ self._ra).toarray().ravel()[v]
        deg_u, deg_v = self.degree[u], self.degree[v]
        union = deg_u + deg_v - cn
        first = mine.toarray().ravel()[v] > 0
        reach3 = three.toarray().ravel()[v]
        distance = np.where(first, 1, np.where(cn > 0, 2, np.where(reach3 > 0, 3, FAR))).astype(float)
        columns = {
            "common_neighbours": cn, "adamic_adar": aa, "resource_allocation": ra,
            "jaccard": np.divide(cn, union, out=np.zeros_like(cn), where=union > 0),
            "preferential_attachment": np.log1p(deg_u * deg_v),
            "katz": KATZ_BETA * first + KATZ_BETA ** 2 * cn + KATZ_BETA ** 3 * reach3,
            "distance": distance,
            "same_community": ((self.community[v] == self.community[u]) & (self.community[u] >= 0)).astype(float),
            "degree_actor": np.full(len(v), math.log1p(deg_u)), "degree_candidate": np.log1p(deg_v),
            "recent_actor": np.full(len(v), math.log1p(self.recent[u])), "recent_candidate": np.log1p(self.recent[v]),
            "idle_candidate": self.now - self.last[v], "age_candidate": self.now - self.first[v],
            "past_ties": self.counts.getrow(u).toarray().ravel()[v],
            "since_pair": self._since_pair(u, v),
            "same_kind": (self.kinds[v] == self.kinds[u]).astype(float),
            "kind_affinity": self.affinity[self.kinds[u], self.kinds[v]],
            "themes": _jaccard(self.themes, u, v),
            "complementarity": self._complementarity(u, v, resources),
            "territory": self._territory(u, v),
        }
        return np.column_stack([columns[name].astype(float) for name in FEATURES])

    def _since_pair(self, u: int, v: np.ndarray) -> np.ndarray:
        """Days since the pair's last dated tie (NaN if none)."""
        last = self._pair_days.getrow(u).toarray().ravel()[v]
        return np.where(last > 0, self.now - last, np.nan)

    def _complementarity(self, u: int, v: np.ndarray, resources) -> np.ndarray:
        offered = self.offers.getrow(u)
        if resources is not None:
            wanted = np.zeros(self.offers.shape[1])
            for code in resources:
                if code in self.offer_codes:
                    wanted[self.offer_codes[code]] = 1
            size = max(len(set(resources)), 1)
            return (self.offers[v] @ wanted) / size if resources else np.zeros(len(v))
        sought = self.seeks.getrow(u)
        forward = _share(self.offers, self.offer_codes, sought, self.seek_codes, v)
        backward = _share(self.seeks, self.seek_codes, offered, self.offer_codes, v)
        if sought.nnz and offered.nnz:
            return (forward + backward) / 2
        return forward + backward

    def _territory(self, u: int, v: np.ndarray) -> np.ndarray:
        out = np.where(self.national[v], TERRITORY_SCORE["national"], 0.0)
        country = self.places["country"]
        if country[u] >= 0:  # a coarser level than the région, for stores beyond France
            out = np.where(country[v] == country[u], np.maximum(out, 0.05), out)
        for level in ("region", "departement"):
            codes = self.places[level]
            if codes[u] >= 0:
                out = np.where(codes[v] == codes[u], TERRITORY_SCORE[level], out)
        shared_epci = (self.epcis[v] @ self.epcis.getrow(u).T).toarray().ravel() > 0
        out = np.where(shared_epci, TERRITORY_SCORE["epci"], out)
        commune = self.places["commune"]
        if commune[u] >= 0:
            out = np.where(commune[v] == commune[u], TERRITORY_SCORE["commune"], out)
        return out


def _latest_per_pair(rows: np.ndarray, cols: np.ndarray, days: np.ndarray, n: int):
    """Each pair's last dated tie as a symmetric sparse matrix (ordinal days are > 0: 0 means none)."""
    key = np.minimum(rows, cols) * n + np.maximum(rows, cols)
    order = np.argsort(days, kind="stable")[::-1]  # latest first: np.unique keeps each pair's first
    pairs, first = np.unique(key[order], return_index=True)
    latest = days[order][first]
    r, c = pairs // n, pairs % n
    return sparse.coo_matrix((np.concatenate([latest, latest]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                             shape=(n, n)).tocsr()


def _reduce(ends: np.ndarray, values: np.ndarray, n: int, how) -> np.ndarray:
    out = np.full(n, np.nan)
    how.at(out, ends, values)
    return out


def _codes(values: list, missing: int | None = None) -> np.ndarray:
    """Integer codes of values (sorted, so the same graph gives the same codes); None → ``missing``."""
    known = sorted({str(value) for value in values if value is not None and value != ""})
    code = {value: i for i, value in enumerate(known)}
    fallback = len(known) if missing is None else missing
    return np.array([code.get(str(value), fallback) if value not in (None, "") else fallback for value in values],
                    dtype=np.int64)


def _incidence(lists: list, with_codes: bool = False):
    """Actors × codes binary CSR matrix (and the code → column map)."""
    codes = {code: i for i, code in enumerate(sorted({str(c) for items in lists for c in items}))}
    rows = [i for i, items in enumerate(lists) for _ in set(map(str, items))]
    cols = [codes[c] for items in lists for c in sorted(set(map(str, items)))]
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(lists), max(len(codes), 1)))
    return (matrix, codes) if with_codes else matrix


def _jaccard(matrix, u: int, v: np.ndarray) -> np.ndarray:
    mine = matrix.getrow(u)
    shared = (matrix[v] @ mine.T).toarray().ravel()
    union = mine.nnz + np.asarray(matrix[v].sum(axis=1)).ravel() - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def _share(theirs, their_codes: dict, mine, my_codes: dict, v: np.ndarray) -> np.ndarray:
    """Share of the codes in ``mine`` (a row over my_codes) that each candidate holds in ``theirs``."""
    if not mine.nnz:
        return np.zeros(len(v))
    wanted = np.zeros(theirs.shape[1])
    by_column = {i: c for c, i in my_codes.items()}
    for column in mine.indices.tolist():
        code = by_column[column]
        if code in their_codes:
            wanted[their_codes[code]] = 1
    return (theirs[v] @ wanted) / mine.nnz

"""Every kernel maillage compiles (Numba), in one module.

Numba caches a compiled function beside its source file and checks only that file's stamp when it
loads it: a kernel calling a function of another module would keep running the old callee after
an upgrade. So the compiled code lives here, alone, and the modules that drive it (:mod:`.kadabra`,
:mod:`.permutations`, :mod:`.triangles`) stay plain Python. Each kernel releases the GIL, so the
lanes of :mod:`.compiled` run on threads side by side.

References
----------
.. [1] G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number generators",
   OOPSLA 2014 (SplitMix64).
.. [2] M. Borassi and E. Natale, "KADABRA is an ADaptive Algorithm for Betweenness via Random
   Approximation", ACM Journal of Experimental Algorithmics 24, 2019.
.. [3] T. Schank and D. Wagner, "Finding, counting and listing all triangles in large graphs, an
   experimental study", WEA 2005 (the forward algorithm).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["uniform", "stream", "shuffle", "kadabra_sample", "kadabra_finished", "count_roles", "brokerage_lane",
           "walk_triangles", "cut_walk"]


@njit(cache=True, nogil=True)
def _mix(z):
    """SplitMix64's output function: a bijection of 64-bit words that scatters nearby inputs."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def uniform(state):
    """SplitMix64: a uniform float in [0, 1) from the 1-element uint64 ``state``, advanced."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    return (_mix(state[0]) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def stream(seed, index, state):
    """Start ``state`` on the stream of (seed, index): each round or sample has its own, so the
    result does not depend on which lane or thread draws it. The start is scattered by ``_mix``: a
    start of seed·c + index·γ (γ the step) would make stream i + 1 stream i shifted by one draw."""
    state[0] = _mix(_mix(np.uint64(seed) + np.uint64(0x632BE59BD9B4E019)) + _mix(np.uint64(index)))


@njit(cache=True, nogil=True)
def _walk_back(x, indptr, indices, ball, dist, paths, count, watched, rest_max, state):
    """Count the path's nodes from ``x`` back to its search's root, each predecessor drawn with
    probability (its shortest paths) / (x's shortest paths). Returns the largest unwatched count."""
    while dist[x] > 0:
        count[x] += 1
        if not watched[x] and count[x] > rest_max:
            rest_max = count[x]
        target, seen, chosen = uniform(state) * paths[x], 0.0, -1
        for j in range(indptr[x], indptr[x + 1]):
            y = indices[j]
            if ball[y] == ball[x] and dist[y] == dist[x] - 1:
                chosen, seen = y, seen + paths[y]
                if seen > target:
                    break
        x = chosen
    return rest_max


@njit(cache=True, nogil=True)
def _expand(first, last, end, indptr, indices, ball, dist, paths, queue, cross_a, cross_b):
    """One level of one side's search: returns (queue end, degrees added, crossing edges found)."""
    added, crossings = 0, 0
    for i in range(first, last):
        x = queue[i]
        for j in range(indptr[x], indptr[x + 1]):
            y = indices[j]
            if ball[y] == 0:
                added += indptr[y + 1] - indptr[y]
                paths[y], ball[y], dist[y] = paths[x], ball[x], dist[x] + 1
                queue[end] = y
                end += 1
            elif ball[y] != ball[x]:
                cross_a[crossings], cross_b[crossings] = x, y
                crossings += 1
            elif dist[y] == dist[x] + 1:
                paths[y] += paths[x]
    return end, added, crossings


@njit(cache=True, nogil=True)
def kadabra_sample(indptr, indices, component, seed, first, last, step, count, watched, rest_max,
            ball, dist, paths, queue, cross_a, cross_b):
    """Draw pairs first, first + step, … below ``last`` (each from its own stream) and count the
    inner nodes of one random shortest path of each. Returns the largest unwatched count."""
    n = len(indptr) - 1
    state = np.zeros(1, np.uint64)
    for sample in range(first, last, step):
        stream(seed, sample, state)
        u = int(uniform(state) * n)
        v = int(uniform(state) * n)
        while v == u:
            v = int(uniform(state) * n)
        if component[u] != component[v]:
            continue
        queue[0], queue[1], end = u, v, 2
        ball[u], ball[v], dist[u], dist[v], paths[u], paths[v] = 1, 2, 0, 0, 1.0, 1.0
        first_u, last_u, first_v, last_v, degrees_u, degrees_v = 0, 1, 1, 2, 0, 0
        crossings = 0
        while True:  # expand the side whose frontier has fewer edges, as KADABRA balances them
            if degrees_u <= degrees_v:
                start = end
                end, degrees_u, crossings = _expand(first_u, last_u, end, indptr, indices, ball, dist,
                                                    paths, queue, cross_a, cross_b)
                first_u, last_u, added = start, end, degrees_u
            else:
                start = end
                end, degrees_v, crossings = _expand(first_v, last_v, end, indptr, indices, ball, dist,
                                                    paths, queue, cross_a, cross_b)
                first_v, last_v, added = start, end, degrees_v
            if crossings > 0 or added == 0:
                break
        if crossings > 0:
            total = 0.0
            for k in range(crossings):
                total += paths[cross_a[k]] * paths[cross_b[k]]
            target, seen, chosen = uniform(state) * total, 0.0, 0
            for k in range(crossings):  # the crossing edge, with probability its share of the pair's paths
                chosen, seen = k, seen + paths[cross_a[k]] * paths[cross_b[k]]
                if seen > target:
                    break
            for x in (cross_a[chosen], cross_b[chosen]):
                rest_max = _walk_back(x, indptr, indices, ball, dist, paths, count, watched, rest_max, state)
        for i in range(end):
            ball[queue[i]] = 0
    return rest_max


@njit(cache=True, nogil=True)
def _bound_f(b, tau, omega, log_inverse):
    """Borassi–Natale's f: with probability 1 − δ_L, the true value is above b − f."""
    tmp = omega / tau - 1.0 / 3.0
    return min(log_inverse / tau * (-tmp + math.sqrt(tmp * tmp + 2.0 * b * omega / log_inverse)), b)


@njit(cache=True, nogil=True)
def _bound_g(b, tau, omega, log_inverse):
    """Borassi–Natale's g: with probability 1 − δ_U, the true value is below b + g."""
    tmp = omega / tau + 1.0 / 3.0
    return min(log_inverse / tau * (tmp + math.sqrt(tmp * tmp + 2.0 * b * omega / log_inverse)), 1.0 - b)


@njit(cache=True, nogil=True)
def kadabra_finished(counts, tau, omega, error, log_inverse, rest_max, rest_log_inverse):
    """True when every node's bounds are below ``error``: each watched node (its count in ``counts``)
    with its own δ, the others through a bound on the largest count among them (both bounds grow
    with the count)."""
    for i in range(len(counts)):
        b = counts[i] / tau
        if _bound_f(b, tau, omega, log_inverse[i]) >= error or _bound_g(b, tau, omega, log_inverse[i]) >= error:
            return False
    b = rest_max / tau
    return _bound_f(b, tau, omega, rest_log_inverse) < error and _bound_g(b, tau, omega, rest_log_inverse) < error


@njit(cache=True, nogil=True)
def shuffle(values, state):
    """Fisher–Yates: a uniform permutation of ``values`` in place."""
    for i in range(len(values) - 1, 0, -1):
        j = int(uniform(state) * (i + 1))
        values[i], values[j] = values[j], values[i]


@njit(cache=True, nogil=True)
def count_roles(own, d, drawn, first, last, a_at, c_at, table):
    """Open pairs by role of a broker of kind ``own`` whose neighbours have the kinds ``drawn[:d]``,
    its closed triples ``first`` to ``last`` (their ends as positions among its neighbours)."""
    for g in range(len(table)):
        table[g] = 0
    for k in range(d):
        table[drawn[k]] += 1
    same, squares = table[own], 0
    for g in range(len(table)):
        squares += table[g] * table[g]
    itinerant = (squares - d) // 2 - same * (same - 1) // 2
    coordinator, gatekeeper = same * (same - 1) // 2, same * (d - same)
    liaison = (d - same) * (d - same - 1) // 2 - itinerant
    for k in range(first, last):  # a pair closed by a tie between its ends is not brokerage
        la, lc = drawn[a_at[k]], drawn[c_at[k]]
        if la == own and lc == own:
            coordinator -= 1
        elif la == lc:
            itinerant -= 1
        elif la == own or lc == own:
            gatekeeper -= 1
        else:
            liaison -= 1
    return coordinator, itinerant, gatekeeper, liaison


@njit(cache=True, nogil=True)
def brokerage_lane(start, other, own, closed, a_at, c_at, labels, groups, found, first, rounds, step, seed):
    """Rounds first, first + step, … below ``rounds``, each a permutation of all the ``labels``: how
    often each broker's count by role reached the observed one (``found``)."""
    m = len(own)
    above = np.zeros((m, 4), np.int32)
    shuffled, table, state = labels.copy(), np.zeros(groups, np.int64), np.zeros(1, np.uint64)
    drawn = np.zeros(max(1, np.diff(start).max()) if m else 1, np.int64)
    for r in range(first, rounds, step):
        shuffled[:] = labels
        stream(seed, r, state)
        shuffle(shuffled, state)
        for i in range(m):
            d = start[i + 1] - start[i]
            for k in range(d):
                drawn[k] = shuffled[other[start[i] + k]]
            counts = count_roles(shuffled[own[i]], d, drawn, closed[i], closed[i + 1], a_at, c_at, table)
            for j in range(4):
                if counts[j] >= found[i, j]:
                    above[i, j] += 1
    return above


@njit(cache=True, nogil=True)
def walk_triangles(start, ahead, degree, triangles, weight):
    """Each triangle u < v < w (oriented order) once: ``weight`` of its three oriented ties gets the
    far corner's 1/deg, each corner a triangle."""
    n = len(start) - 1
    slot = np.full(n, -1, np.int64)  # slot[w]: the entry of the tie u → w, while u is walked
    for u in range(n):
        for e in range(start[u], start[u + 1]):
            slot[ahead[e]] = e
        for e in range(start[u], start[u + 1]):
            v = ahead[e]
            for f in range(start[v], start[v + 1]):
                w = ahead[f]
                g = slot[w]
                if g >= 0:
                    weight[e] += 1.0 / degree[w]
                    weight[g] += 1.0 / degree[v]
                    weight[f] += 1.0 / degree[u]
                    triangles[u] += 1
                    triangles[v] += 1
                    triangles[w] += 1
        for e in range(start[u], start[u + 1]):
            slot[ahead[e]] = -1


@njit(cache=True, nogil=True)
def cut_walk(indptr, indices):
    """Tarjan's depth-first walk for cut points and bridges (Hopcroft–Tarjan), iterative.

    Returns ``cuts_off`` and ``pieces`` per node (0 where it is no cut point) and the bridges as
    (parent, child, cut off) rows: what :func:`.structure.cut_points` computes in Python."""
    n = len(indptr) - 1
    # 32-bit counters (positions and sizes stay below 2³¹): France's walk holds 14 n-long arrays
    disc = np.full(n, -1, np.int32)
    low = np.zeros(n, np.int32)
    size = np.ones(n, np.int32)
    apart = np.zeros(n, np.int32)     # children whose subtree the node separates, their sizes' sum and max
    apart_sum = np.zeros(n, np.int32)
    apart_max = np.zeros(n, np.int32)
    cuts_off = np.zeros(n, np.int32)
    pieces = np.zeros(n, np.int32)
    spans = np.zeros((max(n - 1, 0), 3), np.int32)  # a forest has at most n − 1 ties, so bridges
    span_count = 0
    stack_node = np.zeros(n, np.int32)
    stack_parent = np.zeros(n, np.int32)
    stack_next = np.zeros(n, np.int64)  # positions in indices: twice the ties, may pass 2³¹
    component = np.zeros(n, np.int32)
    counter = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        members, first_span = 0, span_count
        disc[root] = counter
        low[root] = counter
        counter += 1
        depth = 0
        stack_node[0], stack_parent[0], stack_next[0] = root, -1, indptr[root]
        while depth >= 0:
            v, parent = stack_node[depth], stack_parent[depth]
            advanced = False
            while stack_next[depth] < indptr[v + 1]:
                w = indices[stack_next[depth]]
                stack_next[depth] += 1
                if disc[w] < 0:
                    disc[w] = counter
                    low[w] = counter
                    counter += 1
                    depth += 1
                    stack_node[depth], stack_parent[depth], stack_next[depth] = w, v, indptr[w]
                    advanced = True
                    break
                if w != parent and disc[w] < low[v]:
                    low[v] = disc[w]
            if advanced:
                continue
            depth -= 1
            component[members] = v
            members += 1
            if parent >= 0:
                if low[v] < low[parent]:
                    low[parent] = low[v]
                size[parent] += size[v]
                if low[v] >= disc[parent]:
                    apart[parent] += 1
                    apart_sum[parent] += size[v]
                    if size[v] > apart_max[parent]:
                        apart_max[parent] = size[v]
                if low[v] > disc[parent]:
                    spans[span_count, 0], spans[span_count, 1], spans[span_count, 2] = parent, v, size[v]
                    span_count += 1
        total = members
        for k in range(members):
            v = component[k]
            if apart[v] == 0:
                continue
            count, largest = apart[v], apart_max[v]
            if v != root:
                rest = total - 1 - apart_sum[v]
                count += 1
                if rest > largest:
                    largest = rest
            if count >= 2:
                cuts_off[v] = total - 1 - largest
                pieces[v] = count
        for k in range(first_span, span_count):
            below = spans[k, 2]
            spans[k, 2] = min(below, total - below)
    return cuts_off, pieces, spans[:span_count]

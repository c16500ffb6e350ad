"""Python's cycle collector around work that keeps millions of objects alive.

A full pass of the collector walks every object still tracked; a load keeps its report's
bookkeeping (one entry per entity, a dictionary of millions at national size) and a projection
its rows, so each full pass costs more as the work goes on. Under ``py-spy --native`` the
collector was 18 % of the national ties' load and four fifths of France read as arrays.

:func:`collector_paused` turns the collector off (for reads that make no cycles);
:func:`full_passes_paused` leaves the young generations to it, as usual (a cycle made and
dropped while a load goes on is still collected), and holds only the full passes until the
work ends. Both may overlap in threads (the workbench): the last to leave puts things back.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

__all__ = ["collector_paused", "full_passes_paused"]

_NEVER = 2**30  # collections of the middle generation before a full pass: none in practice
_lock = threading.Lock()
_inside = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collector_paused():
    """The cycle collector off while reading millions of rows that make no cycles; cycles made
    meanwhile are collected after, as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def full_passes_paused():
    """No full pass of the cycle collector until the work ends (young generations as usual).

    Examples
    --------
    >>> import gc
    >>> before = gc.get_threshold()
    >>> with full_passes_paused():
    ...     gc.get_threshold()[2] > 1_000_000
    True
    >>> gc.get_threshold() == before
    True
    """
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], _NEVER)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_saved)
                _saved = None

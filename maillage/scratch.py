"""Scratch folders of a running load (Neo4j staging, SIRENE seats), and the removal of stale ones.

Each folder's name carries the id of the process that made it (``maillage-stage-4242-…``), so the
next load removes the folders of processes that no longer run (killed with ``kill -9``, or a
machine that stopped). SIGTERM and SIGINT end a load through its ``finally`` blocks, which remove
its own folder (the CLI turns SIGTERM into a normal exit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["make_scratch", "sweep_stale", "LEGACY_AGE"]

LEGACY_AGE = 24 * 3600  # folders named before the pid was in the name: removed after a day


def make_scratch(prefix: str) -> str:
    """A new scratch folder ``<tmp>/<prefix><pid>-…``, after removing the stale ones of that prefix."""
    sweep_stale(prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(prefix: str, folder: str | None = None) -> list[str]:
    """Remove ``prefix*`` folders whose process is gone; return what was removed."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{prefix}*"):
        owner = path.name[len(prefix):].split("-", 1)[0]
        try:
            stale = not _alive(int(owner)) if owner.isdigit() else time.time() - path.stat().st_mtime > LEGACY_AGE
        except OSError:
            continue
        if stale and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(str(path))
    return removed

"""Translators of French open data into maillage rows: territories (COG), associations (RNA),
legal units (SIRENE), subsidies (SCDL) and priority neighbourhoods (QPV).

Each translator reads the files as published, streams them, and yields :class:`Item` rows in
maillage's own columns (which the load pipeline then validates and writes like any file) or
:class:`Skip` for rows left out on purpose, which the load report counts by reason.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import UsageError
from .common import Item, Skip
from . import cog, qpv, rna, scdl, sirene

__all__ = ["SOURCES", "detect_source", "translate", "Item", "Skip", "Filters"]

SOURCES = {"cog": cog, "rna": rna, "sirene": sirene, "scdl": scdl, "qpv": qpv}


class Filters:
    """Which places to keep: départements and communes (None = everywhere)."""

    def __init__(self, departements=None, communes=None):
        self.departements = frozenset(d.upper() for d in departements) if departements else None
        self.communes = frozenset(communes) if communes else None

    def __bool__(self) -> bool:
        return self.departements is not None or self.communes is not None

    def keeps(self, commune: str | None) -> bool:
        if not self:
            return True
        if commune is None:
            return False
        if self.communes is not None and commune in self.communes:
            return True
        if self.departements is not None:
            prefix = commune[:3] if commune[:2] in ("97", "98") else commune[:2]
            return prefix in self.departements
        return False


def detect_source(paths) -> str | None:
    """The open-data source all ``paths`` come from, told by their names or headers (None if none)."""
    found = {name for path in paths for name, module in SOURCES.items() if module.recognises(Path(path))}
    if len(found) > 1:
        raise UsageError(f"these files mix open-data sources ({', '.join(sorted(found))}): load them one source "
                         "at a time, or name it with --source")
    return found.pop() if found else None


def translate(source: str, paths, filters: Filters, resolve, progress=None, **options):
    """Yield the Items and Skips of ``paths`` read as ``source``; ``resolve(keys)`` finds known actors."""
    if source not in SOURCES:
        raise UsageError(f"unknown source {source!r} (choose from {', '.join(SOURCES)})")
    return SOURCES[source].translate([Path(p) for p in paths], filters, resolve=resolve, progress=progress,
                                     **options)

"""Translators of French open data into maillage rows: territories (COG), associations (RNA),
legal units (SIRENE), subsidies (SCDL), public contracts (DECP), the State's subsidies (jaune, réserve parlementaire) and priority neighbourhoods (QPV).

Each translator reads the files as published, streams them, and yields :class:`Item` rows in
maillage's own columns (which the load pipeline then validates and writes like any file) or
:class:`Skip` for rows left out on purpose, which the load report counts by reason. The national
files' translators (RNA, SIRENE's units) read them a block at a time where they can and yield
:class:`PlainActors`: rows already proved plain, which the pipeline writes as they are when the
store and the load hold none of their keys (see :mod:`.blocks`).
"""

from __future__ import annotations

from ...errors import DataError, UsageError
from .common import Conflict, Item, PlainActors, Skip, SourceRow
from . import cog, decp, jaune, qpv, reserve, rna, scdl, sirene
from ...i18n import _

__all__ = ["SOURCES", "detect_source", "translate", "Item", "PlainActors", "Skip", "SourceRow", "Conflict", "Filters"]

SOURCES = {"cog": cog, "rna": rna, "sirene": sirene, "reserve": reserve, "scdl": scdl, "decp": decp, "jaune": jaune,
           "qpv": qpv}


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


def detect_source(heads) -> str | None:
    """The first open-data source among the files, told by their names or headers (None if none).

    ``heads`` are :class:`~maillage.loaders.formats.FileHead`; each recognised one gets its
    ``source`` set. A published format this version cannot read is refused here, before any row.
    """
    for head in heads:
        for module in SOURCES.values():
            refusal = getattr(module, "refuses", lambda head: None)(head)
            if refusal:
                raise DataError(_("{path}: {refusal}").format(path=head.path, refusal=refusal), file=str(head.path), line=1, reason=refusal)
        for name, module in SOURCES.items():
            if module.recognises(head):
                head.source = name
                break
    found = [name for name in SOURCES if any(head.source == name for head in heads)]
    return found[0] if found else None  # several sources: each file is read by its own


def translate(source: str, heads, filters: Filters, resolve, progress=None, **options):
    """Yield the Items, SourceRows and Skips of ``heads`` read as ``source``.

    ``resolve(keys)`` finds the ids of known actors, ``known(keys)`` their stored rows.
    """
    if source not in SOURCES:
        raise UsageError(_("unknown source {source!r} (choose from {join})").format(source=source, join=', '.join(SOURCES)))
    for head in heads:
        head.source = source
    return SOURCES[source].translate(list(heads), filters, resolve=resolve, progress=progress, **options)

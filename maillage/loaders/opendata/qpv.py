"""Priority neighbourhoods of the politique de la ville (``listeqp2024-cog2024.csv``).

Header ``code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci``;
cells may carry spreadsheet quoting (``="60057"``) and a neighbourhood spanning several
communes lists them ``;``-separated in one cell. Each commune with a priority neighbourhood gets
its territory row flagged (``qpv``: the neighbourhood codes, ``qpv_names``), which the gap
analysis reads as a fragility signal.
"""

from __future__ import annotations

from ..formats import TABULAR, RowProblem, read_csv
from .common import Item, Skip, clean, commune_of
from ...i18n import N_

__all__ = ["recognises", "translate"]

_FIELDS = {"code": "insee_com", "name": "lib_com"}


def recognises(head) -> bool:
    return head.format in TABULAR and {"codeqp", "libqp", "inseecom"} <= head.folded


def translate(paths, filters, *, resolve=None, progress=None, encoding=None, **_options):
    communes: dict[str, dict] = {}  # a few thousand rows: grouped in memory, one row per commune
    for head in paths:
        path = head.path
        for line, row in read_csv(head, progress=progress):
            if isinstance(row, RowProblem):
                yield Item("territories", str(path), line, {"__problem__": str(row)})
                continue
            codes = [commune_of(code) for code in (clean(row.get("insee_com")) or "").split(";") if code.strip()]
            names = [name.strip() for name in (clean(row.get("lib_com")) or "").split(";")]
            if not codes:
                yield Item("territories", str(path), line, {"level": "commune", "name": clean(row.get("lib_com"))},
                           _FIELDS)
                continue
            for i, code in enumerate(codes):
                if not filters.keeps(code):
                    yield Skip(str(path), "territories", N_("outside the filter"))
                    continue
                entry = communes.setdefault(code, {"path": str(path), "line": line, "qpv": [], "qpv_names": [],
                                                   "name": names[i] if i < len(names) and names[i] else code})
                entry["qpv"].append(clean(row.get("code_qp")))
                entry["qpv_names"].append(clean(row.get("lib_qp")))
    for code, entry in sorted(communes.items()):
        yield Item("territories", entry["path"], entry["line"], {
            "code": code, "level": "commune", "name": entry["name"],
            "qpv": ";".join(c for c in entry["qpv"] if c), "qpv_names": "; ".join(n for n in entry["qpv_names"] if n),
        }, _FIELDS)

"""What the open-data translators share: their output item, header folding, cell cleaning."""

from __future__ import annotations

import re
from functools import lru_cache
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Item", "Skip", "SourceRow", "Conflict", "PlainActors", "fold_header", "clean", "commune_of", "columns_by_fold",
           "ARRONDISSEMENTS", "mend_text", "mapped_rows"]


@dataclass
class Item:
    """One row in maillage's own columns (``kind``: actors, partnerships …), from ``path:line``.

    ``columns`` maps maillage's field names back to the source's, so an error names the
    column the user sees in the published file.
    """

    kind: str
    path: str
    line: int
    row: dict
    columns: dict = field(default_factory=dict)
    derived_key: str | None = None  # an actor a row implies: written once, by the first accepted row naming it


@dataclass
class Conflict:
    """Two values for one identity: the stored (or earlier) one and this row's, and which was kept."""

    kind: str
    key: str
    field: str
    path: str
    line: int
    stored: object
    given: object
    kept: str  # "stored", "given", or where the kept value comes from
    other: str | None = None  # file:line of the earlier row, within one load

    def as_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "field": self.field, "file": self.path, "line": self.line,
                "stored": self.stored, "given": self.given, "kept": self.kept, "other": self.other}


@dataclass
class SourceRow:
    """Everything one line of a published file gives, loaded or rejected as a whole.

    A subsidy row creates its grantor and beneficiary when they are new, then the grant; if
    any of them is invalid, none is loaded (so a rejected row leaves no actor behind).
    ``flags`` are counted in the report (``id_unusable``, ``siret_damaged`` …).
    """

    path: str
    line: int
    items: list[Item] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class PlainActors:
    """A block's kept rows of actors, in file order, for the columnar path of a translator.

    ``values[k]`` is row k as a :data:`~maillage.graph.store.VALUE_COLUMNS` tuple when the translator
    proved it plain (the record the row path would make, with no dictionary), else None;
    ``keys[k]`` are its keys besides its id; ``items(ks)`` are rows ``ks`` as :class:`Item`, made only
    for the rows the loader hands to the row path: every row not proved plain, and the plain ones whose
    entity the store or the load already holds. A plain row shares no key with any other row
    of the block (so writing the new ones first leaves what file order would leave).
    """

    path: str
    values: list
    keys: list
    items: object  # [k] → [Item]
    columns: dict = field(default_factory=dict)


@dataclass
class Skip:
    """A source row left out on purpose (dissolved, closed, outside the filter …)."""

    path: str
    kind: str
    reason: str
    count: int = 1  # readers of national files yield one Skip for many rows left out alike


def fold_header(name: str) -> str:
    """``Nom de l'attribuant`` → ``nomdelattribuant``: case, accents, spaces and punctuation removed."""
    text = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def clean(value) -> str | None:
    """A published cell as text: spreadsheet quoting (``="01001"``) and date sentinels removed.

    Examples
    --------
    >>> clean('="60057"'), clean("0001-01-01"), clean("  x "), clean("")
    ('60057', None, 'x', None)
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    if not text or text in ("0001-01-01", "0000-00-00", "NULL", "null"):
        return None
    return text


# Paris, Lyon and Marseille's municipal arrondissements → their commune (INSEE codes)
ARRONDISSEMENTS = {**{f"751{n:02d}": "75056" for n in range(1, 21)},
                   **{f"6938{n}": "69123" for n in range(1, 10)},
                   **{f"132{n:02d}": "13055" for n in range(1, 17)}}


@lru_cache(maxsize=200_000)  # some 35,000 communes, read once per row of national files
def commune_of(code: str | None) -> str | None:
    """The commune of an INSEE code, arrondissements mapped to their commune."""
    code = clean(code)
    if code is None:
        return None
    code = code.upper().zfill(5) if code.isdigit() else code.upper()
    return ARRONDISSEMENTS.get(code, code)


def columns_by_fold(header) -> dict[str, str]:
    """Folded column name → the column as written (a header in any case or accents).

    Examples
    --------
    >>> columns_by_fold(["SIREN", "denominationUniteLegale"])["denominationunitelegale"]
    'denominationUniteLegale'
    """
    return {fold_header(name): name for name in header}


_SUSPECT = re.compile("[\u00c2\u00c3\u00c5\u00e2\u201a\ufffd]")
_UTF8_AS_CP1252 = re.compile("[\u00c2-\u00c5][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                             "\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|\u00e2\u20ac")
_CP850_E_ACUTE = re.compile("(?<=[A-Za-z])\u201a|\u201a(?=[A-Za-z])")  # « D‚partement »: cp850's é read as cp1252


def mend_text(text: str | None) -> tuple[str | None, str | None]:
    """A published text with its mojibake mended where the repair is certain, and what was found.

    UTF-8 read as cp1252 (« CÅ’UR », « rÃ©seau ») is re-read as UTF-8 when the whole text
    round-trips; cp850's « é » read as cp1252 (« D‚partement ») is mended between letters. Anything
    else suspicious (U+FFFD, the characters lost) is left as it is and reported ``unrepairable``.

    Examples
    --------
    >>> mend_text("RESTAURANTS DU CÅ’UR"), mend_text("D‚partement de l'Aude")
    (('RESTAURANTS DU CŒUR', 'repaired'), ("Département de l'Aude", 'repaired'))
    >>> mend_text("dvpt et d\ufffdmocratisation"), mend_text("Café")
    (('dvpt et d\ufffdmocratisation', 'unrepairable'), ('Café', None))
    """
    if not text or not _SUSPECT.search(text):
        return text, None
    mended = text
    if _UTF8_AS_CP1252.search(mended):
        try:
            mended = mended.encode("cp1252").decode("utf-8")
        except UnicodeError:
            pass
    mended = _CP850_E_ACUTE.sub("é", mended)
    if "\ufffd" in mended or _UTF8_AS_CP1252.search(mended):
        return text, "unrepairable"
    return (mended, "repaired") if mended != text else (text, None)


def mapped_rows(head, mapping: dict, progress=None):
    """``(line, row)`` per data row of a tabular file, its columns renamed by ``mapping`` and cells
    cleaned; a row that cannot be read comes as a :class:`SourceRow` carrying its problem (reported
    as a bad row of partnerships, the kind these files hold)."""
    from ..formats import RowProblem, read_csv

    for line, raw in read_csv(head, progress=progress):
        if isinstance(raw, RowProblem):
            yield line, SourceRow(str(head.path), line, [Item("partnerships", str(head.path), line,
                                                              {"__problem__": str(raw)})])
            continue
        yield line, {mapping.get(column, column): clean(value) for column, value in raw.items() if column is not None}

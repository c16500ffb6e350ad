"""What the open-data translators share: their output item, header folding, cell cleaning."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Item", "Skip", "fold_header", "clean", "commune_of", "ARRONDISSEMENTS"]


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


@dataclass
class Skip:
    """A source row left out on purpose (dissolved, closed, outside the filter …)."""

    path: str
    kind: str
    reason: str


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


def commune_of(code: str | None) -> str | None:
    """The commune of an INSEE code, arrondissements mapped to their commune."""
    code = clean(code)
    if code is None:
        return None
    code = code.upper().zfill(5) if code.isdigit() else code.upper()
    return ARRONDISSEMENTS.get(code, code)

"""Territories named as people name them: « Strasbourg », « bas-rhin », « Grand Est ».

:func:`resolve_territory` turns a name into a territory id (``level:code``) from the territories a
store holds (COG loads) and the départements and régions shipped with maillage; accents, case,
hyphens and apostrophes are forgiven, « Saint »/« St » too. A name several territories bear is an
:class:`~maillage.errors.UsageError` listing them with their codes; an unknown one lists the
nearest names.
"""

from __future__ import annotations

import difflib
import re

from .. import identifiers as ids
from ..errors import UsageError
from ..i18n import _
from ..vocabulary import fold

__all__ = ["resolve_territory", "is_name", "name_key", "unknown_commune"]


def is_name(text: str) -> bool:
    """Whether a ``--territory`` value is a name rather than a code (letters, no ``level:``).

    Examples
    --------
    >>> is_name("Bas-Rhin"), is_name("67"), is_name("2A004"), is_name("region:44")
    (True, False, False, False)
    """
    text = str(text).strip()
    return ":" not in text and sum(c.isalpha() for c in text) >= 2 and not re.fullmatch(r"\d[0-9AB]\d*", text.upper())


def name_key(name: str) -> str:
    """A name folded for matching (case, accents, hyphens, « St » for « Saint »).

    Examples
    --------
    >>> name_key("St-Jean d'Angély")
    'saint_jean_d_angely'
    """
    folded = fold(name)
    return re.sub(r"(^|_)st(e?)(_|$)", r"\1saint\2\3", folded)


def _named(territories: dict) -> dict[str, list[tuple[str, str]]]:
    """Folded name → [(territory id, name)], from the store and the shipped départements and régions."""
    found: dict[str, set] = {}
    for tid, row in territories.items():
        if row.get("name"):
            found.setdefault(name_key(row["name"]), set()).add((tid, row["name"]))
    for code, row in ids.departements().items():
        found.setdefault(name_key(row["nom"]), set()).add((f"departement:{code}", row["nom"]))
        found.setdefault(name_key(row["region_nom"]), set()).add((f"region:{row['region']}", row["region_nom"]))
    return {key: sorted(values) for key, values in found.items()}


def resolve_territory(territories: dict, text: str) -> str:
    """The territory id a name designates.

    Examples
    --------
    >>> resolve_territory({}, "bas rhin"), resolve_territory({}, "GRAND-EST")
    ('departement:67', 'region:44')
    >>> resolve_territory({"commune:67482": {"name": "Strasbourg"}}, "strasbourg")
    'commune:67482'
    """
    named = _named(territories)
    matches = named.get(name_key(text), [])
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        listed = "; ".join(f"{name} ({tid})" for tid, name in matches)
        raise UsageError(_("{text!r} names {count} territories: {names}. Give a code.").format(
            text=text, count=len(matches), names=listed))
    close = difflib.get_close_matches(name_key(text), list(named), n=5, cutoff=0.7)
    hint = "; ".join(f"{name} ({tid})" for key in close for tid, name in named[key][:2])
    raise UsageError(_("no territory named {text!r}.").format(text=text)
                     + (" " + _("Did you mean: {names}?").format(names=hint) if hint else ""))


def unknown_commune(territories: dict, territory: str) -> str | None:
    """Why a commune code of a valid shape names nothing, with the nearest codes the store's COG
    holds; None when it is known, not a commune, or the store holds no communes to tell by.

    Examples
    --------
    >>> unknown_commune({"commune:67482": {"name": "Strasbourg", "level": "commune"}}, "commune:67999")
    'no commune 67999 in the territories this store holds. Nearest: Strasbourg (67482).'
    """
    level, _sep, code = territory.partition(":")
    communes = {tid.partition(":")[2]: row.get("name") for tid, row in territories.items()
                if tid.startswith("commune:")}
    if level != "commune" or not communes or code in communes:
        return None
    near = _nearest_codes(code, sorted(communes))
    message = _("no commune {code} in the territories this store holds.").format(code=code)
    if near:
        message += " " + _("Nearest: {names}.").format(names="; ".join(f"{communes[c]} ({c})" for c in near))
    return message


def _nearest_codes(code: str, codes: list[str], count: int = 3) -> list[str]:
    """The codes of the same département nearest in number (INSEE numbers communes alphabetically)."""
    same = [c for c in codes if c[:2] == code[:2] and c[2:].isdigit()]
    if not code[2:].isdigit() or not same:
        return difflib.get_close_matches(code, codes, n=count, cutoff=0.6)
    return sorted(same, key=lambda c: (abs(int(c[2:]) - int(code[2:])), c))[:count]

"""Validation of French official identifiers: SIREN, SIRET, RNA and INSEE commune codes.

Each ``normalize_*`` function returns the canonical form (spaces removed, upper case)
or raises ``ValueError`` with a message fit for a validation report.

References
----------
.. [1] INSEE, "Le numéro SIREN / SIRET", check digit by the Luhn algorithm; La Poste's
   establishments (SIREN 356000000) use a sum-of-digits-divisible-by-5 rule instead.
.. [2] Répertoire National des Associations: identifiers ``W`` + 9 characters.
.. [3] INSEE, Code officiel géographique: commune codes are 5 characters, Corsica 2A/2B.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

__all__ = [
    "luhn_valid",
    "normalize_siren",
    "normalize_siret",
    "normalize_rna",
    "normalize_commune",
    "departement_of_commune",
    "region_of_departement",
    "departements",
    "LA_POSTE_SIREN",
]

LA_POSTE_SIREN = "356000000"
_SPACES = re.compile(r"[\s\u00a0\u202f.-]")
_RNA = re.compile(r"^W[0-9A-Z]{9}$")
_COMMUNE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def luhn_valid(digits: str) -> bool:
    """Return True when ``digits`` passes the Luhn check.

    Examples
    --------
    >>> luhn_valid("552118465")
    True
    >>> luhn_valid("552118466")
    False
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _compact(value: str) -> str:
    return _SPACES.sub("", str(value)).upper()


def normalize_siren(value: str) -> str:
    """Return the 9-digit SIREN, or raise ValueError.

    Examples
    --------
    >>> normalize_siren("552 118 465")
    '552118465'
    """
    siren = _compact(value)
    if not (len(siren) == 9 and siren.isdigit()):
        raise ValueError(f"SIREN must be 9 digits, got {value!r}")
    if not luhn_valid(siren):
        raise ValueError(f"SIREN {siren} fails its check digit (Luhn)")
    return siren


def normalize_siret(value: str) -> str:
    """Return the 14-digit SIRET, or raise ValueError (La Poste's rule included).

    Examples
    --------
    >>> normalize_siret("732 829 320 00074")[:9]
    '732829320'
    >>> normalize_siret("35600000000048")  # La Poste: digit sum divisible by 5
    '35600000000048'
    """
    siret = _compact(value)
    if not (len(siret) == 14 and siret.isdigit()):
        raise ValueError(f"SIRET must be 14 digits, got {value!r}")
    if siret.startswith(LA_POSTE_SIREN):
        if siret == LA_POSTE_SIREN + "00048" or sum(map(int, siret)) % 5 == 0:
            return siret
        raise ValueError(f"SIRET {siret} of La Poste fails its check (digit sum not divisible by 5)")
    if not luhn_valid(siret):
        raise ValueError(f"SIRET {siret} fails its check digit (Luhn)")
    return siret


def normalize_rna(value: str) -> str:
    """Return the RNA identifier (``W`` + 9 characters), or raise ValueError.

    Examples
    --------
    >>> normalize_rna("w672001234")
    'W672001234'
    """
    rna = _compact(value)
    if not _RNA.match(rna):
        raise ValueError(f"RNA number must be 'W' followed by 9 letters or digits, got {value!r}")
    return rna


def normalize_commune(value: str) -> str:
    """Return the INSEE commune code, or raise ValueError.

    The département part must exist (Corsica is 2A/2B, never 20).

    Examples
    --------
    >>> normalize_commune("2a004")
    '2A004'
    >>> normalize_commune("94018")
    '94018'
    """
    code = _compact(value)
    if len(code) == 4 and code.isdigit():
        raise ValueError(f"INSEE commune code must be 5 characters, got {value!r} (leading zero lost?)")
    if not _COMMUNE.match(code):
        raise ValueError(f"INSEE commune code must be 5 digits (or 2A/2B + 3 digits), got {value!r}")
    if code.startswith("20"):
        raise ValueError(f"INSEE commune code {code}: Corsican communes start with 2A or 2B, not 20")
    if departement_of_commune(code) not in departements():
        raise ValueError(f"INSEE commune code {code}: no département {departement_of_commune(code)}")
    return code


def departement_of_commune(code: str) -> str:
    """Return the département code of an INSEE commune code (3 characters overseas, 97x and 98x).

    Examples
    --------
    >>> departement_of_commune("97411")
    '974'
    >>> departement_of_commune("67482")
    '67'
    """
    return code[:3] if code[:2] in ("97", "98") else code[:2]


@lru_cache(maxsize=1)
def departements() -> dict[str, dict[str, str]]:
    """Return the départements of the COG (code -> name, region, region name)."""
    text = resources.files("maillage.data").joinpath("departements.csv").read_text("utf-8")
    return {row["departement"]: row for row in csv.DictReader(text.splitlines())}


def region_of_departement(code: str) -> str | None:
    """Return the région code of a département, or None when unknown.

    Examples
    --------
    >>> region_of_departement("67")
    '44'
    """
    row = departements().get(code)
    return row["region"] if row else None

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
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from .i18n import _

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
    "CellId",
    "read_id_cell",
    "ascii_digits",
    "normalized_name",
    "names_differ",
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
    if not (digits.isascii() and digits.isdigit()):  # other scripts' digits, or no digits: as before
        return _luhn_any(digits)
    backwards = digits[::-1].encode()
    # every other digit from the right is doubled (its digits summed): a byte table each way
    total = sum(backwards[0::2].translate(_SAME)) + sum(backwards[1::2].translate(_DOUBLED))
    return total % 10 == 0


_SAME = bytes((c - 48) % 256 for c in range(256))  # ASCII digit → its value
_DOUBLED = bytes(((c - 48) * 2 - 9 if (c - 48) * 2 > 9 else (c - 48) * 2) % 256 for c in range(256))


def _luhn_any(digits: str) -> bool:
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
    """Spaces removed, upper case, and any Unicode digits or full-width letters made ASCII (NFKC),
    so ``５５２…`` and ``552…`` are one identifier."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", ascii_digits(str(value)))).upper()


def normalize_siren(value: str) -> str:
    """Return the 9-digit SIREN, or raise ValueError.

    Examples
    --------
    >>> normalize_siren("552 118 465")
    '552118465'
    """
    siren = _compact(value)
    if not (len(siren) == 9 and siren.isdigit()):
        raise ValueError(_("SIREN must be 9 digits, got {value!r}").format(value=value))
    if not luhn_valid(siren):
        raise ValueError(_("SIREN {siren} fails its check digit (Luhn)").format(siren=siren))
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
        raise ValueError(_("SIRET must be 14 digits, got {value!r}").format(value=value))
    if siret.startswith(LA_POSTE_SIREN):
        if siret == LA_POSTE_SIREN + "00048" or sum(map(int, siret)) % 5 == 0:
            return siret
        raise ValueError(_("SIRET {siret} of La Poste fails its check (digit sum not divisible by 5)").format(siret=siret))
    if not luhn_valid(siret):
        raise ValueError(_("SIRET {siret} fails its check digit (Luhn)").format(siret=siret))
    if not luhn_valid(siret[:9]):
        raise ValueError(_("SIRET {siret}: its SIREN {siren} fails its check digit (Luhn)").format(
            siret=siret, siren=siret[:9]))
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
        raise ValueError(_("RNA number must be 'W' followed by 9 letters or digits, got {value!r}").format(value=value))
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
        raise ValueError(_("INSEE commune code must be 5 characters, got {value!r} (leading zero lost?)").format(value=value))
    if not _COMMUNE.match(code):
        raise ValueError(_("INSEE commune code must be 5 digits (or 2A/2B + 3 digits), got {value!r}").format(value=value))
    if code.startswith("20"):
        raise ValueError(_("INSEE commune code {code}: Corsican communes start with 2A or 2B, not 20").format(code=code))
    if departement_of_commune(code) not in departements():
        raise ValueError(_("INSEE commune code {code}: no département {departement_of_commune}").format(code=code, departement_of_commune=departement_of_commune(code)))
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


@lru_cache(maxsize=1)
def collectivite_sirens() -> dict[tuple[str, str], dict[str, str]]:
    """The SIREN of each département and région as a collectivité: ``(level, code)`` → row.

    A collectivité covering several départements (the Collectivité européenne d'Alsace) is listed
    under each of them; the row's ``covers`` says which (``67;68``).

    Examples
    --------
    >>> collectivite_sirens()[("departement", "80")]["siren"], collectivite_sirens()[("region", "44")]["siren"]
    ('228000014', '200052264')
    >>> collectivite_sirens()[("departement", "68")]["covers"]
    '67;68'
    >>> all(luhn_valid(row["siren"]) for row in collectivite_sirens().values())
    True
    """
    text = resources.files("maillage.data").joinpath("collectivites-sirens.csv").read_text("utf-8")
    found = {}
    for row in csv.DictReader(text.splitlines()):
        for code in row["covers"].split(";"):
            found[(row["level"], code)] = row
    return found


_COLLECTIVITE_NAME = re.compile(
    r"^(?:(?:LE |LA )?(?P<level>DEPARTEMENT|CONSEIL DEPARTEMENTAL|CONSEIL GENERAL|REGION|CONSEIL REGIONAL))"
    r"(?: (?:DE LA|DE L|DES|DU|DE|D))? (?P<name>.+)$")


@lru_cache(maxsize=1)
def _collectivites_by_name() -> dict[tuple[str, str], dict[str, str]]:
    found = {}
    for code, row in departements().items():
        found[("departement", normalized_name(row["nom"]))] = collectivite_sirens().get(("departement", code))
        found[("region", normalized_name(row["region_nom"]))] = collectivite_sirens().get(("region", row["region"]))
    return {key: row for key, row in found.items() if row}


def collectivite_named(name: str | None) -> dict[str, str] | None:
    """The département or région a name certainly designates (its row in :func:`collectivite_sirens`).

    Only names of the form « Département de … », « Conseil départemental du … », « Région … »
    followed by exactly a département's or région's name count: never a guess.

    Examples
    --------
    >>> collectivite_named("DEPARTEMENT DE MAINE ET LOIRE")["siren"], collectivite_named("Conseil Départemental de la Vendée")["siren"]
    ('224900019', '228500013')
    >>> collectivite_named("Région Grand Est")["siren"], collectivite_named("Département du Grand Ouest")
    ('200052264', None)
    """
    match = _COLLECTIVITE_NAME.match(normalized_name(name or ""))
    if not match:
        return None
    level = "region" if "REGION" in match.group("level") else "departement"
    return _collectivites_by_name().get((level, match.group("name")))


def region_of_departement(code: str) -> str | None:
    """Return the région code of a département, or None when unknown.

    Examples
    --------
    >>> region_of_departement("67")
    '44'
    """
    row = departements().get(code)
    return row["region"] if row else None


def ascii_digits(value: str) -> str:
    """Replace every Unicode decimal digit (``５``, ``٥``) with its ASCII digit.

    Examples
    --------
    >>> ascii_digits("５５２ 118")
    '552 118'
    """
    return "".join(str(unicodedata.digit(char)) if not char.isascii() and char.isdecimal() else char
                   for char in value)


@dataclass(frozen=True)
class CellId:
    """What a published SIREN/SIRET cell can be trusted to say.

    ``siren`` and ``siret`` are set only when certain. ``flag`` says how the cell was read:
    None (valid as written, up to spaces), ``id_normalised`` (non-ASCII digits, valid once
    made ASCII), ``siret_damaged`` (spreadsheet damage; the SIREN alone was recovered),
    ``id_unusable`` (not valid: never used as a key) or ``id_missing`` (blank).
    """

    siren: str | None = None
    siret: str | None = None
    flag: str | None = None
    reason: str | None = None


_FLOAT = re.compile(r"^(\d+)[.,]0+$")
_SCIENTIFIC = re.compile(r"^(\d+)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")


def _rounded_from(digits: str) -> int:
    """Where the run of trailing zeros of a 14-digit number starts (0-based; 14 when none).

    A spreadsheet that rounds a SIRET to k significant digits leaves 14 - k zeros, and may
    have carried into the last digit it kept: only the digits before that one are certain.
    """
    return len(digits.rstrip("0")) if digits.strip("0") else 0


def _float_siret(digits: str, written: str) -> CellId:
    """A SIRET a spreadsheet wrote as a float: whole when all 14 digits are there and valid."""
    if len(digits) == 14 and _rounded_from(digits) > 9:
        try:
            return CellId(siren=digits[:9], siret=normalize_siret(digits), flag="id_normalised",
                          reason=_("{written!r} read as the SIRET {value} (written as a number)").format(
                              written=written, value=digits))
        except ValueError:
            pass
    return _recover_siren(digits, written)


def _recover_siren(digits: str, written: str) -> CellId:
    """The SIREN in the first 9 certain digits of a damaged number, or nothing.

    Trailing zeros that reach into the SIREN mean it was rounded: its check digit may pass by
    chance (one time in ten), so it is not trusted.
    """
    if len(digits) > 9 and _rounded_from(digits) < 9:
        return CellId(flag="id_unusable", reason=_("{written!r} was rounded (its last digits are zeros) and cannot be recovered").format(written=written))
    if len(digits) >= 9 and luhn_valid(digits[:9]):
        return CellId(siren=digits[:9], flag="siret_damaged",
                      reason=_("{written!r} was damaged by a spreadsheet; its SIREN {value} is kept, not its SIRET").format(written=written, value=digits[:9]))
    return CellId(flag="id_unusable", reason=_("{written!r} was damaged by a spreadsheet and cannot be recovered").format(written=written))


def read_id_cell(value) -> CellId:
    """Read a SIREN or SIRET cell as published, trusting only what is certain.

    A 9-digit SIREN or 14-digit SIRET that passes its check digit is kept (spaces and dots
    between groups removed). A number a spreadsheet wrote as a float (``21860194600000.0``) or
    in scientific notation keeps its SIREN only when its first 9 digits are all present and
    form a valid SIREN: the SIRET's last digits may have been rounded away; a float holding all
    14 digits of a valid SIRET keeps it whole. A run of trailing zeros that reaches into the
    SIREN (``40415200000000``) is a rounded number, unusable even when its check digit passes by
    chance; NIC ``00000`` keeps only the SIREN. Anything else
    (wrong length, check-digit failure, letters, ``7,77E+13``) is unusable.

    Examples
    --------
    >>> read_id_cell("732 829 320 00074").siret
    '73282932000074'
    >>> read_id_cell("7,77E+13").flag
    'id_unusable'
    >>> cell = read_id_cell("21860194600000.0"); (cell.siren, cell.siret, cell.flag)
    ('218601946', None, 'siret_damaged')
    >>> read_id_cell("73282932000000.0").flag  # the zeros reach into the SIREN: rounded
    'id_unusable'
    >>> read_id_cell("73282932000074.0").siret  # all 14 digits, valid: kept whole
    '73282932000074'
    >>> read_id_cell("７３２８２９３２０").flag
    'id_normalised'
    >>> read_id_cell("73282932000075").flag
    'id_unusable'
    """
    if type(value) is str and len(value) in (9, 14) and value.isascii() and value.isdigit() \
            and not value.startswith(LA_POSTE_SIREN) and luhn_valid(value):
        # most published cells: digits as they should be (the same answer the general reading gives)
        if len(value) == 9:
            return CellId(siren=value)
        if luhn_valid(value[:9]) and _rounded_from(value) > 9:
            return CellId(siren=value[:9], siret=value)
    if value is None or not str(value).strip():
        return CellId(flag="id_missing")
    written = str(value).strip()
    # a spreadsheet's text marker (« '22490001900015 », « … 000 15' »): not part of the number
    text = ascii_digits(written.strip("'\u2019"))
    normalised = text != written
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if match := _FLOAT.match(text):
        return _float_siret(match.group(1), written)
    if match := _SCIENTIFIC.match(text):
        mantissa = match.group(1) + (match.group(2) or "")
        length = len(match.group(1)) + int(match.group(3))
        if length not in (9, 14):
            return CellId(flag="id_unusable", reason=_("{written!r} is not a SIREN or a SIRET").format(written=written))
        return _recover_siren(mantissa, written)
    compact = re.sub(r"[.-]", "", text) if re.fullmatch(r"[\d .-]+", text) else text
    flag = "id_normalised" if normalised else None
    try:
        if len(compact) == 14 and _rounded_from(compact) <= 9:
            return _recover_siren(compact, written)  # NIC 00000: no establishment has it, the number was rounded
        if len(compact) == 14:
            siret = normalize_siret(compact)
            return CellId(siren=siret[:9], siret=siret, flag=flag)
        if len(compact) == 9:
            return CellId(siren=normalize_siren(compact), flag=flag)
    except ValueError as exc:
        return CellId(flag="id_unusable", reason=str(exc))
    return CellId(flag="id_unusable", reason=_("{written!r} is not a SIREN (9 digits) or a SIRET (14 digits)").format(written=written))


_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalized_name(name: str) -> str:
    """An organisation's name as identity sees it: accents, case and punctuation removed.

    Examples
    --------
    >>> normalized_name("  Association « Écaussystème » ")
    'ASSOCIATION ECAUSSYSTEME'
    """
    text = unicodedata.normalize("NFKD", ascii_digits(str(name)))
    text = "".join(char for char in text if not unicodedata.combining(char)).upper()
    text = text.replace("Œ", "OE").replace("Æ", "AE")
    return _NOT_ALNUM.sub(" ", text).strip()


_LEGAL_WORDS = {"ASSOCIATION", "ASSO", "STE", "SOCIETE", "SA", "SAS", "SARL", "EURL", "SCI", "DE", "DU", "DES", "LA",
                "LE", "LES", "L", "D", "ET", "EN", "AU", "AUX", "THE"}


def names_differ(first: str, second: str) -> bool:
    """True when two names of one identifier clearly designate different organisations.

    Names that are equal once normalised, that contain one another, that share most of
    their meaningful words, or that differ by a few letters (typos) are the same.

    Examples
    --------
    >>> names_differ("Tennis Club de Roques", "TENNIS CLUB ROQUES")
    False
    >>> names_differ("Banque Alimentaire du Bas-Rhin", "Garage Muller SARL")
    True
    """
    a, b = normalized_name(first), normalized_name(second)
    if not a or not b or a == b or a in b or b in a:
        return False
    words_a, words_b = set(a.split()) - _LEGAL_WORDS, set(b.split()) - _LEGAL_WORDS
    if words_a and words_b and len(words_a & words_b) / min(len(words_a), len(words_b)) >= 0.5:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() < 0.8
